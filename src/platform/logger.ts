import pino from 'pino';

/**
 * Structured JSON logs (pino). Upstream tokens, the router secret and customer personal data
 * must never reach a log line: the product logs identifiers and counts only, and `redact`
 * below is the safety net for anything that slips into a logged object by accident.
 */

/**
 * The one logger type of the product: what every layer may call. `createLogger`'s pino logger
 * satisfies it; tests pass plain objects. `obj` carries the fields of the line (identifiers
 * and counts), `msg` its message; a lone string is the message.
 */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  /** Whether lines of `level` are written (pino's); absent: every level is. Lets a hot path skip building a line. */
  isLevelEnabled?(level: 'info' | 'warn' | 'error'): boolean;
}

/** Where log lines go (default: stdout); one JSON line per `write`. */
export interface LogDestination {
  write(line: string): void;
}

/** Keys whose values are censored wherever they appear (two levels deep). */
export const REDACTED_KEYS = [
  'cusToken',
  'authToken',
  'CusToken',
  'AuthToken',
  'routerSecret',
  'x-router-secret',
  'authorization',
  'password',
  'email',
  'firstName',
  'lastName',
  'phone',
  'mobile',
  'birthday',
  'street',
  'variables',
];

export function createLogger(level: string, destination?: LogDestination): Logger {
  return pino(
    {
      level,
      base: { service: 'hypersoft-subgraph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`].map(bracket)),
        censor: '[redacted]',
      },
    },
    destination,
  );
}

function bracket(path: string): string {
  return path
    .split('.')
    .map((p) => (p === '*' || /^[A-Za-z_$][\w$]*$/.test(p) ? p : `["${p}"]`))
    .join('.')
    .replace(/\.\[/g, '[');
}
