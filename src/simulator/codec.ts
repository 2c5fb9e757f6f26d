import { ARRAYS, FieldSpec, NAMESPACE, STRUCTS, TypeName, isArray, isScalar } from './contract';
import {
  MIN_INSTANT,
  WallClock,
  changedSinceInstant,
  dateOf,
  formatInstant,
  formatWallClock,
  fromWallClock,
  lexicalToInstant,
  lexicalToWallClock,
  parseXsdDateTime,
  timeOf,
  toWallClock,
  wallClockOfDate,
  wallClockOfTime,
} from './time';
import { XmlElement, childElements, escapeXml, isNil } from './xml';

/**
 * Values as the simulator holds them, keyed by wire names. A full `dateTime` is an instant
 * (epoch ms); a Date field is `YYYY-MM-DD`, a Time field `HH:MM:SS` (docs/api300-contract.md §6); `null` is nil or
 * absent.
 */
export type WireValue = number | string | boolean | null | WireRecord | WireValue[];
export interface WireRecord {
  [field: string]: WireValue;
}

/** A value that does not fit its declared type; ASMX refuses the whole request. */
export class WireTypeError extends Error {
  override readonly name = 'WireTypeError';
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function itemSpec(arrayType: keyof typeof ARRAYS): FieldSpec {
  const { item, type } = ARRAYS[arrayType];
  return { name: item, type, nillable: type !== 'int' };
}

/** What a missing element reads as: .NET defaults (`null`, `0`, `false`, `DateTime.MinValue`). */
export function defaultValue(spec: FieldSpec): WireValue {
  switch (spec.type) {
    case 'int':
    case 'decimal':
      return 0;
    case 'boolean':
      return false;
    case 'dateTime':
      return spec.nillable ? null : MIN_INSTANT;
    default:
      return null;
  }
}

// ---------------------------------------------------------------- reading SOAP

/** Reads the children of `element` as the fields of `fields`; the last duplicate wins. */
export function readXmlFields(element: XmlElement, fields: FieldSpec[]): WireRecord {
  const record: WireRecord = {};
  for (const spec of fields) {
    const matches = childElements(element, NAMESPACE, spec.name);
    record[spec.name] =
      matches.length === 0 ? defaultValue(spec) : readXmlValue(matches[matches.length - 1], spec);
  }
  return record;
}

function readXmlValue(element: XmlElement, spec: FieldSpec): WireValue {
  if (isNil(element)) {
    if (spec.nillable || spec.type === 'string' || !isScalar(spec.type)) return null;
    throw new WireTypeError(`${spec.name} is nil, but ${spec.type} cannot be nil.`);
  }
  if (isArray(spec.type)) {
    const item = itemSpec(spec.type);
    return childElements(element, NAMESPACE, item.name).map((child) => readXmlValue(child, item));
  }
  if (!isScalar(spec.type)) return readXmlFields(element, STRUCTS[spec.type]);
  return readScalarText(element.text, spec);
}

function readScalarText(text: string, spec: FieldSpec): WireValue {
  switch (spec.type) {
    case 'string':
      return text;
    case 'int': {
      const trimmed = text.trim();
      const value = Number(trimmed);
      if (!/^[+-]?\d+$/.test(trimmed) || value < INT32_MIN || value > INT32_MAX) {
        throw new WireTypeError(`${spec.name}: '${text}' is not a valid int.`);
      }
      return value;
    }
    case 'decimal': {
      const trimmed = text.trim();
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) {
        throw new WireTypeError(`${spec.name}: '${text}' is not a valid decimal.`);
      }
      return Number(trimmed);
    }
    case 'boolean': {
      const trimmed = text.trim();
      if (trimmed === 'true' || trimmed === '1') return true;
      if (trimmed === 'false' || trimmed === '0') return false;
      throw new WireTypeError(`${spec.name}: '${text}' is not a valid boolean.`);
    }
    default: {
      const lexical = parseXsdDateTime(text);
      if (!lexical) throw new WireTypeError(`${spec.name}: '${text}' is not a valid AllXsd value.`);
      return temporalValue(spec, lexicalToWallClock(lexical), lexicalToInstant(lexical));
    }
  }
}

/** A read `dateTime` as the field keeps it (§6): its date, its time of day, or an instant. */
function temporalValue(spec: FieldSpec, wallClock: WallClock, instant: number): WireValue {
  switch (spec.temporal) {
    case 'date':
      return dateOf(wallClock);
    case 'time':
      return timeOf(wallClock);
    case 'changedSince':
      return changedSinceInstant(wallClock);
    default:
      return instant;
  }
}

// ---------------------------------------------------------------- reading JSON

/**
 * Reads a JSON-mode parameter object. `requireAll` is for the top level, where ASMX refuses a
 * call that leaves a parameter out; inside structures a missing member reads as its default.
 */
export function readJsonFields(
  value: unknown,
  fields: FieldSpec[],
  requireAll: boolean,
): WireRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WireTypeError('Expected a JSON object.');
  }
  const source = value as Record<string, unknown>;
  const record: WireRecord = {};
  for (const spec of fields) {
    if (!(spec.name in source)) {
      if (requireAll)
        throw new WireTypeError(
          `Invalid web service call, missing value for parameter: '${spec.name}'.`,
        );
      record[spec.name] = defaultValue(spec);
    } else {
      record[spec.name] = readJsonValue(source[spec.name], spec);
    }
  }
  return record;
}

function readJsonValue(value: unknown, spec: FieldSpec): WireValue {
  if (value === null || value === undefined) {
    if (spec.nillable || spec.type === 'string' || !isScalar(spec.type)) return null;
    throw new WireTypeError(`Cannot convert null to a value type (${spec.name}).`);
  }
  if (isArray(spec.type)) {
    if (!Array.isArray(value)) throw new WireTypeError(`${spec.name}: expected an array.`);
    const item = itemSpec(spec.type);
    return value.map((v) => readJsonValue(v, item));
  }
  if (!isScalar(spec.type)) return readJsonFields(value, STRUCTS[spec.type], false);
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') throw new WireTypeError(`${spec.name}: expected a string.`);
      return value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') return readScalarText(value, spec);
      throw new WireTypeError(`${spec.name}: expected a boolean.`);
    case 'int':
    case 'decimal':
      if (typeof value === 'number') return readScalarText(String(value), spec);
      if (typeof value === 'string') return readScalarText(value, spec);
      throw new WireTypeError(
        `Cannot convert object of type '${typeof value}' to type '${spec.type}' (${spec.name}).`,
      );
    default: {
      if (typeof value !== 'string') throw new WireTypeError(`${spec.name}: expected a date.`);
      const ms = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
      if (!ms) return readScalarText(value, spec);
      const instant = Number(ms[1]);
      return temporalValue(spec, toWallClock(instant), instant);
    }
  }
}

// ---------------------------------------------------------------- writing SOAP

/**
 * The instant a stored `dateTime` value names in JSON mode (Date/Time fields on Berlin
 * wall-clock). A Time field is a time of day on .NET's first day, 0001-01-01 (what a
 * `DateTime` holding only a time of day carries), converted like every value by today's
 * rule: UTC+1 (src/domain/asmxTime.ts). A real server would clamp 00:00–00:59 of that day
 * to `DateTime.MinValue`; the simulator does not (not yet seen from the real service).
 */
function instantOf(value: string | number, spec: FieldSpec): number {
  if (typeof value === 'number') return value;
  return fromWallClock(
    spec.temporal === 'time' ? { ...wallClockOfTime(value), year: 1 } : wallClockOfDate(value),
  );
}

function dateTimeText(value: string | number, spec: FieldSpec): string {
  if (typeof value === 'number') return formatInstant(value);
  return formatWallClock(
    spec.temporal === 'time' ? wallClockOfTime(value) : wallClockOfDate(value),
  );
}

function decimalText(value: number): string {
  const text = String(value);
  return /e/i.test(text) ? value.toFixed(20).replace(/\.?0+$/, '') : text;
}

/** Writes one field as an element in the default namespace (the reply declares tempuri). */
export function writeXmlField(spec: FieldSpec, value: WireValue): string {
  const name = spec.name;
  if (value === null || value === undefined) {
    return spec.type === 'dateTime' ? `<${name} xsi:nil="true" />` : '';
  }
  if (isArray(spec.type)) {
    const item = itemSpec(spec.type);
    const items = (value as WireValue[]).map((v) =>
      v === null ? `<${item.name} xsi:nil="true" />` : writeXmlField(item, v),
    );
    return items.length === 0 ? `<${name} />` : `<${name}>${items.join('')}</${name}>`;
  }
  if (!isScalar(spec.type)) {
    return `<${name}>${writeXmlFields(STRUCTS[spec.type], value as WireRecord)}</${name}>`;
  }
  switch (spec.type) {
    case 'string':
      return value === '' ? `<${name} />` : `<${name}>${escapeXml(value as string)}</${name}>`;
    case 'decimal':
      return `<${name}>${decimalText(value as number)}</${name}>`;
    case 'dateTime':
      return `<${name}>${dateTimeText(value as string | number, spec)}</${name}>`;
    default:
      return `<${name}>${String(value)}</${name}>`;
  }
}

export function writeXmlFields(fields: FieldSpec[], record: WireRecord): string {
  return fields
    .map((spec) => writeXmlField(spec, record[spec.name] ?? defaultValue(spec)))
    .join('');
}

// ---------------------------------------------------------------- writing JSON

/** Namespace ASMX would put before the class name in `__type` [design: the real one is unknown]. */
export const JSON_TYPE_PREFIX = 'Hypersoft.API300.';

export function writeJsonValue(type: TypeName, value: WireValue, spec?: FieldSpec): string {
  if (value === null || value === undefined) return 'null';
  if (isArray(type)) {
    const item = itemSpec(type);
    return `[${(value as WireValue[]).map((v) => writeJsonValue(item.type, v, item)).join(',')}]`;
  }
  if (!isScalar(type)) {
    const record = value as WireRecord;
    const members = [`"__type":${JSON.stringify(JSON_TYPE_PREFIX + type)}`];
    for (const field of STRUCTS[type]) {
      members.push(
        `${JSON.stringify(field.name)}:${writeJsonValue(field.type, record[field.name] ?? defaultValue(field), field)}`,
      );
    }
    return `{${members.join(',')}}`;
  }
  if (type === 'dateTime')
    return `"\\/Date(${instantOf(value as string | number, spec ?? { name: '', type })})\\/"`;
  if (type === 'decimal') return decimalText(value as number);
  return JSON.stringify(value);
}
