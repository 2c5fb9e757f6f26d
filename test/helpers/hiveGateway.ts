import { findHiveGateway, HIVE_GATEWAY_VERSION } from '../../bench/lib/hiveGateway';

export {
  composeSupergraph,
  startHiveGateway,
  type RunningHiveGateway,
  type Supergraph,
} from '../../bench/lib/hiveGateway';
import { describeWith } from './describeWith';

/**
 * `describe` for tests through a real Hive Gateway (`.ci/run` installs it into a cache outside
 * the repository and names it in `HIVE_GATEWAY_BIN`): `body` receives the binary's path.
 * Without it the block is skipped with a warning on a developer machine, or, under CI=true,
 * replaced by a failing test: CI can never pass by not running it.
 */
export function describeWithHiveGateway(name: string, body: (bin: string) => void): void {
  describeWith(
    name,
    findHiveGateway(),
    () =>
      process.env.HIVE_GATEWAY_BIN
        ? `HIVE_GATEWAY_BIN=${process.env.HIVE_GATEWAY_BIN} does not exist`
        : `hive-gateway not found (run .ci/run, or set HIVE_GATEWAY_BIN, or: npm install --prefix ` +
          `"\${XDG_CACHE_HOME:-$HOME/.cache}/hypersoft-hive-gateway/hive-gateway-v${HIVE_GATEWAY_VERSION}" ` +
          `@graphql-hive/gateway@${HIVE_GATEWAY_VERSION})`,
    'Hive Gateway to run',
    body,
  );
}
