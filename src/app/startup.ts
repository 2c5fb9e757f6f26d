import { ConfigError, loadConfig, type Config } from '../config';

/** Where a refused start reports and how it ends (the process's in src/main.ts; fakes in tests). */
export interface StartupIo {
  stderr: { write(text: string): unknown };
  exit(code: number): never;
}

/** Exit code of a start refused for its settings (production without API300_URL, a bad value …). */
export const CONFIG_EXIT_CODE = 2;

/**
 * The validated config of `env`, or — for a setting that is missing or not allowed — the
 * message naming each (variable, value when not secret, what is allowed) on stderr and exit
 * `CONFIG_EXIT_CODE` before anything starts.
 */
export function configOrExit(env: Record<string, string | undefined>, io: StartupIo): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return io.exit(CONFIG_EXIT_CODE);
    }
    throw error;
  }
}
