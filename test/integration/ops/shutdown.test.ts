import { EventEmitter } from 'node:events';
import { handleSignals } from '../../../src/app/signals';
import { createLogger } from '../../../src/platform/logger';
import { eventually } from '../../helpers/eventually';
import { ManualClock } from '../../helpers/gateFakes';
import { setFaults, simulatorStats } from '../../helpers/simulator';
import { CUSTOMER_QUERY } from '../../helpers/operations';
import {
  FIRST_CUSTOMER,
  embeddedSimulator,
  startE2eSubgraph,
  type E2eSubgraph,
} from '../e2e/stack';

/**
 * The graceful stop a platform expects, on the real stack (embedded simulator, real sockets):
 * SIGTERM makes `/readyz` answer 503 at once, requests are still served for the drain
 * period, a request in flight when the listener closes still gets its answer, and then the
 * port is closed. The drain period runs on a clock the test moves, so nothing here waits for
 * it; the signal comes from an emitter standing in for `process`.
 */

const DRAIN_MS = 5000;

async function readyz(subgraph: E2eSubgraph): Promise<number> {
  return (await fetch(subgraph.readyzUrl)).status;
}

describe('SIGTERM', () => {
  let subgraph: E2eSubgraph;
  const clock = new ManualClock();
  const signals = new EventEmitter();
  const exits: number[] = [];

  beforeAll(async () => {
    subgraph = await startE2eSubgraph({
      env: { SHUTDOWN_DRAIN_MS: String(DRAIN_MS) },
      shutdownClock: clock,
    });
    handleSignals({
      signals,
      stop: () => subgraph.stop(),
      resetBreaker: () => subgraph.running.dataPath.resetBreaker(),
      exit: (code) => exits.push(code),
      logger: createLogger('silent'),
      stopTimeoutMs: DRAIN_MS + 15_000,
      clock,
    });
  });

  afterAll(async () => {
    await clock.advance(DRAIN_MS);
    await subgraph.stop();
  });

  it('answers /readyz 503 at once, keeps serving through the drain period, finishes what is in flight, then closes the port', async () => {
    expect(await readyz(subgraph)).toBe(200);
    const sim = embeddedSimulator(subgraph);

    signals.emit('SIGTERM');
    const unready = await fetch(subgraph.readyzUrl);
    expect(unready.status).toBe(503);
    expect(((await unready.json()) as { reasons: string[] }).reasons).toEqual([
      'lifecycle: shutting down',
    ]);

    // Still served while the load balancer takes the replica out.
    await clock.advance(DRAIN_MS - 1);
    const during = await subgraph.query(CUSTOMER_QUERY, { number: FIRST_CUSTOMER });
    expect(during.outcome).toBe('data');

    // A request that is in flight when the drain period ends still gets its answer.
    await setFaults(sim, { latencyMs: 300 });
    const callsBefore = (await simulatorStats(sim)).calls;
    const inFlight = subgraph.query(CUSTOMER_QUERY, { number: FIRST_CUSTOMER + 1 });
    await eventually(
      'the call to reach the simulator',
      async () => (await simulatorStats(sim)).calls > callsBefore,
    );
    await clock.advance(1);
    expect((await inFlight).outcome).toBe('data');

    await eventually('the exit', () => exits.length > 0);
    expect(exits).toEqual([0]);
    await expect(fetch(subgraph.readyzUrl)).rejects.toThrow();
  });

  it('stops once, whatever further signals come', async () => {
    signals.emit('SIGTERM');
    signals.emit('SIGINT');
    await clock.advance(DRAIN_MS);
    expect(exits).toEqual([0]);
  });
});
