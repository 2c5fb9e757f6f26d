import { AddressInfo } from 'node:net';
import { SERVICE_PATH } from './contract';
import { SimulatorServer } from './asmxServer';
import { TokenPair } from './service';

/**
 * The API300 stand-in (docs/api300-contract.md): SOAP 1.1, SOAP 1.2 and JSON mode over seeded data, with
 * the 60-calls-per-minute lock, licences per token pair, and operator endpoints under
 * `/__simulator/` (docs/simulator.md).
 */

export type { TokenPair } from './service';
export type { FaultKnobs } from './faults';
export type { SimulatorStats } from './asmxServer';

/**
 * The documented demo pair, with every licence. Fixed GUIDs so that docs, `.env` examples and
 * tests can name them; never valid against the real Hypersoft service.
 */
export const DEMO_TOKENS: TokenPair = Object.freeze({
  cusToken: 'de300000-0000-4000-8000-00000000c05e',
  authToken: 'de300000-0000-4000-8000-0000000a0740',
  licences: ['customers', 'reservations', 'tickets'],
}) as TokenPair;

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Token pairs the service knows, with their licences. Default: `[DEMO_TOKENS]`. */
  tokens?: TokenPair[];
  /** Data seed; the same seed on the same Berlin day gives the same data. Default 300. */
  seed?: number;
  /** Default 2000. */
  customers?: number;
  /** Default 6000, spread over six weeks either side of today. */
  reservations?: number;
  /** Default 1500. */
  tickets?: number;
  /** Default 3. */
  stations?: number;
  /** The service clock (epoch ms): Status.ServerDateTime, Created/Changed and the call window. Default `Date.now`. */
  now?: () => number;
}

export interface RunningSimulator {
  port: number;
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** `baseUrl + '/Service/API300.asmx'` */
  endpoint: string;
  tokens: TokenPair[];
  close(): Promise<void>;
}

export const DEFAULT_SEED = 300;

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const tokens = options.tokens ?? [DEMO_TOKENS];
  const simulator = new SimulatorServer({
    tokens,
    seed: options.seed ?? DEFAULT_SEED,
    sizes: {
      customers: options.customers ?? 2000,
      reservations: options.reservations ?? 6000,
      tickets: options.tickets ?? 1500,
      stations: options.stations ?? 3,
    },
    now: options.now ?? Date.now,
  });
  await new Promise<void>((resolve, reject) => {
    simulator.server.once('error', reject);
    simulator.server.listen(options.port ?? 0, host, () => {
      simulator.server.off('error', reject);
      resolve();
    });
  });
  const { port } = simulator.server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const baseUrl = `http://${urlHost}:${port}`;
  return {
    port,
    baseUrl,
    endpoint: baseUrl + SERVICE_PATH,
    tokens,
    close: () => simulator.close(),
  };
}
