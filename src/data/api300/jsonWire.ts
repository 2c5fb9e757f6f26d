import { instantOfAsmxDateTime, toAsmxOffsetDateTime } from '../../domain/asmxTime';
import { WireRecord, WireShapeError, WireValue } from './mapping';
import type { SchemaField, SchemaType } from './wsdlSchema';

/**
 * API300's JSON mode (docs/api300-contract.md §1) ⇄ the neutral wire shape the mapping reads and writes
 * (transport.ts), driven by the WSDL's types so that only `dateTime` members are dates: a
 * string member that happens to read `/Date(0)/` stays a string.
 *
 * Requests: one object with every parameter (ASMX refuses a call that leaves one out);
 * members of structures all written, absent strings as `null`; a missing list as `[]` (= no
 * filter); decimals as JSON numbers; no `__type` (ASMX needs none for declared types).
 *
 * Replies: `{"d": result}`; `__type` is checked against the WSDL type where it is sent
 * (its namespace is unknown, so only the class name counts); `ArrayOfX` arrives as a bare
 * array and becomes `{ X: [...] }`; unknown members are ignored, as ASMX's own client does.
 *
 * Dates — the one place that decides what `"\/Date(ms)\/"` means:
 * - `ms` is the UTC instant (epoch milliseconds), as ASMX's JavaScriptSerializer writes a
 *   `DateTime`: it calls `ToUniversalTime()`, which reads a `DateTimeKind.Unspecified` Berlin
 *   wall clock as the server's local time. A `+hhmm` suffix (other .NET serializers) does not
 *   change the instant and is ignored.
 * - The wall clock ⇄ instant conversion is the SERVER's, not history's: Windows converts with
 *   today's EU summer-time rule for every year and UTC+1 in year 1 (src/domain/asmxTime.ts).
 *   Converting back with the time-zone database instead (Germany's real offsets) moved
 *   birthdays of 1950–1979 (and some before 1996) a day early, and every update wrote the
 *   shift back; times of day dated 0001-01-01 gained Berlin's local mean time (+0:53:28).
 *   With the server's own rule both ways, every Date and Time field comes back as written,
 *   and since 1996 the rule and history agree for instants.
 * - On the way in, an instant becomes the server's Berlin wall-clock text WITH its offset
 *   (`2026-10-25T02:30:00+01:00`): the mapping reads Date/Time fields from its wall clock and
 *   instants exactly, so JSON keeps autumn's repeated hour apart where SOAP text cannot.
 * - On the way out, the mapping's Berlin text is sent as the instant the server gives it (the
 *   repeated hour as its earlier occurrence, exactly as SOAP sends it).
 * If the real service turns out to run in another zone or to convert otherwise,
 * src/domain/asmxTime.ts is the one place to change.
 */

const JSON_DATE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** The instant `"\/Date(ms)\/"` names (after `JSON.parse`: `/Date(ms)/`), or `null`. */
export function instantOfJsonDate(text: string): Date | null {
  const match = JSON_DATE.exec(text);
  return match ? new Date(Number(match[1])) : null;
}

/** .NET `DateTime.MinValue` (0001-01-01T00:00:00Z) in epoch ms: no `DateTime` is earlier. */
const DOTNET_MIN_MS = -62135596800000;

/**
 * The JSON text of a date: `"\/Date(ms)\/"`, the escaped slashes being what marks it a date.
 * Never earlier than `DateTime.MinValue`, which .NET cannot read (the mapping's "MinValue"
 * text, Berlin's midnight of year 1, lies 53 minutes before it).
 */
export function jsonDateOf(instant: Date): string {
  return `"\\/Date(${Math.max(instant.getTime(), DOTNET_MIN_MS)})\\/"`;
}

// ------------------------------------------------------------------ requests

function writeValue(type: SchemaType, value: WireValue | undefined): string {
  if (type.kind === 'array') {
    if (value === undefined || value === null) return '[]';
    const items = (value as WireRecord)[type.item];
    const list =
      items === undefined || items === null ? [] : Array.isArray(items) ? items : [items];
    return `[${list.map((item) => writeValue(type.itemType, item)).join(',')}]`;
  }
  if (value === undefined || value === null) return 'null';
  if (type.kind === 'struct') return writeFields(type.fields, value as WireRecord);
  switch (type.name) {
    case 'dateTime':
      return jsonDateOf(instantOfAsmxDateTime(String(value)));
    case 'decimal':
      if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return value;
      if (typeof value === 'number' && Number.isFinite(value)) return JSON.stringify(value);
      throw new WireShapeError(`${String(value)} is not a decimal API300 can take`);
    case 'string':
      return JSON.stringify(String(value));
    default:
      return JSON.stringify(value);
  }
}

function writeFields(fields: SchemaField[], record: WireRecord): string {
  return `{${fields.map((f) => `${JSON.stringify(f.name)}:${writeValue(f.type, record[f.name])}`).join(',')}}`;
}

/** The request body: every parameter of the operation, in WSDL order. */
export function jsonRequestBody(parameters: SchemaField[], values: WireRecord): string {
  return writeFields(parameters, values);
}

// ------------------------------------------------------------------ replies

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'a list' : typeof value;
}

/** A JSON reply value → the neutral shape; a value of the wrong JSON kind is left for the mapping to refuse. */
export function readJsonValue(type: SchemaType, value: unknown, path: string): WireValue {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'array': {
      if (!Array.isArray(value))
        throw new WireShapeError(`API300 sent ${path} as ${typeName(value)}, expected a list`);
      const items: WireValue[] = new Array(value.length);
      for (let i = 0; i < value.length; i++)
        items[i] = readJsonValue(type.itemType, value[i], path);
      return { [type.item]: items };
    }
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value))
        throw new WireShapeError(
          `API300 sent ${path} as ${typeName(value)}, expected ${type.name}`,
        );
      const source = value as Record<string, unknown>;
      const declared = source.__type;
      if (
        typeof declared === 'string' &&
        declared !== type.name &&
        !declared.endsWith(`.${type.name}`)
      ) {
        throw new WireShapeError(`API300 sent ${path} of type ${declared}, expected ${type.name}`);
      }
      const record: WireRecord = {};
      for (const field of type.fields) {
        const member = source[field.name];
        if (member !== undefined)
          record[field.name] = readJsonValue(field.type, member, field.name);
      }
      return record;
    }
    default: {
      if (type.name !== 'dateTime' || typeof value !== 'string') return value as WireValue;
      const instant = instantOfJsonDate(value);
      return instant === null ? value : toAsmxOffsetDateTime(instant);
    }
  }
}
