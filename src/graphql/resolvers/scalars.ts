import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/**
 * The three time scalars of the schema. Parsing is strict: a value that is not exactly in
 * the documented format is refused with a message naming the value and the format, never
 * guessed at (a date-time without offset is ambiguous in Europe/Berlin at DST changes).
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A plain TypeError on purpose: graphql-js then prefixes the message with the variable or
 * the literal (with its location), and Apollo marks variable errors `BAD_USER_INPUT`.
 */
function refuse(scalar: string, value: unknown, allowed: string): TypeError {
  return new TypeError(`${scalar} cannot represent ${JSON.stringify(value)}: expected ${allowed}`);
}

const DATE_TIME_FORMAT =
  'an RFC 3339 date-time with offset, e.g. "2024-03-31T02:30:00+02:00" or "2024-03-31T00:30:00Z"';
const LOCAL_DATE_FORMAT = 'a calendar date YYYY-MM-DD, e.g. "1985-04-23"';
const LOCAL_TIME_FORMAT = 'a time of day HH:MM or HH:MM:SS (00:00 to 23:59:59), e.g. "08:30"';

/** Parses an RFC 3339 date-time with offset; `null` when the text is not one. */
export function parseDateTime(text: string): Date | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  let offsetMinutes = 0;
  if (!m[8]) {
    const [offHours, offMinutes] = [Number(m[10]), Number(m[11])];
    if (offHours > 23 || offMinutes > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  }
  return new Date(
    Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000,
  );
}

/** Checks a `YYYY-MM-DD` calendar date; returns it unchanged, or `null`. */
export function parseLocalDate(text: string): string | null {
  const m = LOCAL_DATE.exec(text);
  return m && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) ? text : null;
}

/** Checks a time of day and normalizes it to `HH:MM:SS`; `null` when invalid. */
export function parseLocalTime(text: string): string | null {
  const m = LOCAL_TIME.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return null;
  return `${m[1]}:${m[2]}:${m[3] ?? '00'}`;
}

/** Descriptions come from schema/subgraph.graphql; a description here would replace them. */
function textScalar<T>(
  name: string,
  format: string,
  parse: (text: string) => T | null,
  serialize: (value: unknown) => string | null,
): GraphQLScalarType<T, string> {
  const parseValue = (value: unknown): T => {
    const parsed = typeof value === 'string' ? parse(value) : null;
    if (parsed === null) throw refuse(name, value, format);
    return parsed;
  };
  return new GraphQLScalarType<T, string>({
    name,
    serialize(value) {
      const text = serialize(value);
      // An output that does not fit the format is a bug upstream of here, not user input.
      if (text === null)
        throw new Error(`${name} cannot serialize a value of type ${typeof value}`);
      return text;
    },
    parseValue,
    parseLiteral(ast: ValueNode) {
      if (ast.kind !== Kind.STRING) throw refuse(name, ast.kind, format);
      return parseValue(ast.value);
    },
  });
}

/** Instants; output in UTC (`…Z`, milliseconds), input with any offset. */
export const DateTimeScalar = textScalar<Date>(
  'DateTime',
  DATE_TIME_FORMAT,
  parseDateTime,
  (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : null),
);

export const LocalDateScalar = textScalar<string>(
  'LocalDate',
  LOCAL_DATE_FORMAT,
  parseLocalDate,
  (value) => (typeof value === 'string' ? parseLocalDate(value) : null),
);

export const LocalTimeScalar = textScalar<string>(
  'LocalTime',
  LOCAL_TIME_FORMAT,
  parseLocalTime,
  (value) => (typeof value === 'string' ? parseLocalTime(value) : null),
);
