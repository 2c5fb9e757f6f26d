import { DEMO_TOKENS, SimulatorOptions, TokenPair, startSimulator } from './index';

/**
 * `npm run simulator`: the simulator alone. Reads its own environment (it is not the product):
 * SIMULATOR_PORT (default 4090), SIMULATOR_HOST (default 127.0.0.1), SIMULATOR_TOKENS (JSON
 * list of {cusToken, authToken, licences}), SIMULATOR_SEED and SIMULATOR_CUSTOMERS /
 * _RESERVATIONS / _TICKETS / _STATIONS.
 */

const LICENCES = ['customers', 'reservations', 'tickets'] as const;

function integer(name: string, min: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got '${raw}'.`);
  return value;
}

function tokens(): TokenPair[] | undefined {
  const raw = process.env.SIMULATOR_TOKENS;
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('SIMULATOR_TOKENS must be a JSON list of {"cusToken","authToken","licences"}.');
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw new Error('SIMULATOR_TOKENS must be a non-empty JSON list.');
  return parsed.map((entry: unknown, i) => {
    const { cusToken, authToken, licences } = (entry ?? {}) as Record<string, unknown>;
    if (typeof cusToken !== 'string' || typeof authToken !== 'string' || !cusToken || !authToken) {
      throw new Error(`SIMULATOR_TOKENS[${i}] needs string cusToken and authToken.`);
    }
    const list = licences ?? [...LICENCES];
    if (!Array.isArray(list) || !list.every((l) => (LICENCES as readonly unknown[]).includes(l))) {
      throw new Error(`SIMULATOR_TOKENS[${i}].licences must be a list of ${LICENCES.join(', ')}.`);
    }
    return { cusToken, authToken, licences: list as TokenPair['licences'] };
  });
}

async function main(): Promise<void> {
  const options: SimulatorOptions = {
    port: integer('SIMULATOR_PORT', 0) ?? 4090,
    host: process.env.SIMULATOR_HOST || '127.0.0.1',
    tokens: tokens() ?? [DEMO_TOKENS],
    seed: integer('SIMULATOR_SEED', 0),
    customers: integer('SIMULATOR_CUSTOMERS', 0),
    reservations: integer('SIMULATOR_RESERVATIONS', 0),
    tickets: integer('SIMULATOR_TICKETS', 0),
    stations: integer('SIMULATOR_STATIONS', 1),
  };
  const simulator = await startSimulator(options);
  const lines = [
    `API300 simulator listening on port ${simulator.port}`,
    `  SOAP endpoint: ${simulator.endpoint}`,
    `  WSDL:          ${simulator.endpoint}?wsdl`,
    `  JSON mode:     POST ${simulator.endpoint}/<Operation>`,
    `  Operator:      ${simulator.baseUrl}/__simulator/stats (reset, reactivate, faults)`,
    '  Token pairs:',
    ...simulator.tokens.map(
      (t) => `    CusToken=${t.cusToken} AuthToken=${t.authToken} licences=${t.licences.join(',')}`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const stop = (): void => {
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
