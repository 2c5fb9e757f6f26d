import { ConfigError, loadSimulatorConfig } from '../config';
import { DEMO_TOKENS, type SimulatorOptions, startSimulator } from './index';

/**
 * `npm run simulator`: the simulator alone. Its settings (SIMULATOR_PORT, SIMULATOR_HOST,
 * SIMULATOR_TOKENS, SIMULATOR_SEED, sizes) are validated by `loadSimulatorConfig`.
 */

async function main(): Promise<void> {
  let config;
  try {
    config = loadSimulatorConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const options: SimulatorOptions = {
    port: config.port,
    host: config.host,
    tokens: config.tokens ? config.tokens.map((t) => ({ ...t })) : [DEMO_TOKENS],
    seed: config.seed ?? undefined,
    customers: config.customers ?? undefined,
    reservations: config.reservations ?? undefined,
    tickets: config.tickets ?? undefined,
    stations: config.stations ?? undefined,
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
