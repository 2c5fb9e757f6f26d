import pino from 'pino';

/**
 * Structured JSON logs (pino). Upstream tokens, the router secret and customer personal data
 * must never reach a log line: the product logs identifiers and counts only, and `redact`
 * below is the safety net for anything that slips into a logged object by accident.
 */
export type Logger = pino.Logger;

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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
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
