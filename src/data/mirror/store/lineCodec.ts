import { KEYED_KINDS, type KeyedKind } from '../../../domain/models';
import { crc32 } from 'node:zlib';
import { DATE_FIELDS, keyOf } from '../records';
import {
  MirrorStoreError,
  type KeyOf,
  type KindState,
  type MirrorBatch,
  type RecordKind,
  type RecordOf,
} from '../types';
import type { KindStates } from './storedRecords';

/**
 * The file store's line format: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. A line is
 * whole or it is not a line: a write torn by a crash lacks its newline or fails its
 * checksum, and reading stops there. Dates travel as epoch ms (exact, and cheaper to parse
 * than ISO strings).
 */

const NEWLINE = 0x0a;

export function encodeLine(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const line = Buffer.allocUnsafe(json.length + 10);
  line.write(crc32(json).toString(16).padStart(8, '0'), 0, 'latin1');
  line[8] = 0x20;
  json.copy(line, 9);
  line[line.length - 1] = NEWLINE;
  return line;
}

export interface DecodedLines {
  values: unknown[];
  /** Bytes of the whole, valid lines at the start (where a torn or damaged tail begins). */
  validBytes: number;
  /** Why reading stopped before the end, or `undefined` when every line was whole. */
  problem?: string;
}

export function decodeLines(buffer: Buffer): DecodedLines {
  const values: unknown[] = [];
  let at = 0;
  while (at < buffer.length) {
    const end = buffer.indexOf(NEWLINE, at);
    const lineNumber = values.length + 1;
    if (end < 0)
      return { values, validBytes: at, problem: `line ${lineNumber} has no end (torn write)` };
    const expected = buffer.toString('latin1', at, at + 8);
    const json = buffer.subarray(at + 9, end);
    if (
      end - at < 10 ||
      buffer[at + 8] !== 0x20 ||
      crc32(json).toString(16).padStart(8, '0') !== expected
    ) {
      return { values, validBytes: at, problem: `line ${lineNumber} fails its checksum` };
    }
    values.push(JSON.parse(json.toString('utf8')));
    at = end + 1;
  }
  return { values, validBytes: at };
}

type Encoded = Record<string, unknown>;

export function encodeRecord<K extends KeyedKind>(kind: K, record: RecordOf[K]): Encoded {
  const copy: Encoded = { ...record };
  for (const field of DATE_FIELDS[kind]) {
    const value = copy[field];
    if (value === null && field === 'redeemedAt') continue;
    const ms = value instanceof Date ? value.getTime() : Number.NaN;
    if (Number.isNaN(ms)) {
      throw new TypeError(
        `${kind} ${String(keyOf(kind, record))}: ${field} must be a valid Date, got ${String(value)}`,
      );
    }
    copy[field] = ms;
  }
  return copy;
}

export function decodeRecord<K extends KeyedKind>(
  kind: K,
  encoded: unknown,
  where: string,
): RecordOf[K] {
  if (typeof encoded !== 'object' || encoded === null) {
    throw new MirrorStoreError(
      `${where}: a ${kind} record is ${JSON.stringify(encoded)}, not an object`,
    );
  }
  const record: Encoded = encoded as Encoded;
  for (const field of DATE_FIELDS[kind]) {
    const value = record[field];
    if (typeof value === 'number') record[field] = new Date(value);
    else if (value !== null || field !== 'redeemedAt') {
      throw new MirrorStoreError(
        `${where}: ${kind} field ${field} is ${JSON.stringify(value)}, not epoch ms`,
      );
    }
  }
  // Its Dates revived, the checksummed line's object is the record this store wrote.
  return encoded as RecordOf[K];
}

interface EncodedState {
  watermark: number | null;
  loaded: boolean;
  reconciledAt: number | null;
  licenceMissing: string | null;
}

export function encodeStates(states: KindStates | undefined): Record<string, EncodedState> {
  const encoded: Record<string, EncodedState> = {};
  for (const [kind, s] of Object.entries(states ?? {}) as [RecordKind, KindState][]) {
    encoded[kind] = {
      watermark: s.watermark?.getTime() ?? null,
      loaded: s.loaded,
      reconciledAt: s.reconciledAt?.getTime() ?? null,
      licenceMissing: s.licenceMissing,
    };
  }
  return encoded;
}

export function decodeStates(encoded: unknown): KindStates {
  const states: KindStates = {};
  for (const [kind, s] of Object.entries((encoded ?? {}) as Record<string, EncodedState>)) {
    states[kind as RecordKind] = {
      watermark: s.watermark === null ? null : new Date(s.watermark),
      loaded: s.loaded,
      reconciledAt: s.reconciledAt === null ? null : new Date(s.reconciledAt),
      licenceMissing: s.licenceMissing,
    };
  }
  return states;
}

type EncodedBatch = Partial<Record<KeyedKind, { put?: Encoded[]; delete?: unknown[] }>> & {
  stations?: unknown[];
};

export function encodeBatch(batch: MirrorBatch): EncodedBatch {
  const encoded: EncodedBatch = {};
  for (const kind of KEYED_KINDS) {
    const changes = batch[kind] as
      { put?: readonly RecordOf[typeof kind][]; delete?: readonly unknown[] } | undefined;
    if (!changes) continue;
    encoded[kind] = {
      put: changes.put?.map((r) => encodeRecord(kind, r)),
      delete: changes.delete ? [...changes.delete] : undefined,
    };
  }
  if (batch.stations) encoded.stations = [...batch.stations];
  return encoded;
}

export function decodeBatch(encoded: unknown, where: string): MirrorBatch {
  const source = (encoded ?? {}) as EncodedBatch;
  const batch: Record<string, unknown> = {};
  for (const kind of KEYED_KINDS) {
    const changes = source[kind];
    if (!changes) continue;
    batch[kind] = {
      put: changes.put?.map((r) => decodeRecord(kind, r, where)),
      delete: changes.delete as KeyOf[typeof kind][] | undefined,
    };
  }
  if (source.stations) batch.stations = source.stations;
  return batch;
}
