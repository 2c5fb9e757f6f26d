import { KEYED_KINDS, type KeyedKind, type Station } from '../../../domain/models';
import {
  chmod,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';

import {
  MirrorStoreError,
  type MirrorBatch,
  type MirrorSnapshot,
  type MirrorStore,
  type RecordOf,
} from '../types';
import {
  decodeBatch,
  decodeLines,
  decodeRecord,
  decodeStates,
  encodeBatch,
  encodeLine,
  encodeRecord,
  encodeStates,
} from './lineCodec';
import { identityMismatch, identityMissing } from './identity';
import { StoredRecords } from './storedRecords';
import { syncDirectory } from '../../../platform/files';

const gunzipAsync = promisify(gunzip);

export interface FileStoreOptions {
  /** The store's own directory (created 0700; files 0600: personal data at rest). */
  path: string;
  /**
   * The journal is compacted into a new snapshot once it is larger than this and larger
   * than twice the snapshot file. Default 16 MiB: a steady sync appends little, the initial
   * load compacts a few times as it grows.
   */
  compactAfterBytes?: number;
  /** gzip level of the snapshot, 0..9. Default 1 (most of the size gain at a fraction of the time). */
  compressionLevel?: number;
  /**
   * `mirrorIdentity(endpoint, tokenPairId)`: recorded in the file `identity` when the folder
   * is first used; a folder recorded for another identity, or holding records without one,
   * is refused with `MirrorStoreError`. Unset: not checked (the store's own tests).
   */
  identity?: string;
}

/** Size of the store on disk, for the bench and /readyz. */
export interface FileStoreSize {
  snapshotBytes: number;
  journalBytes: number;
  /** Why the last compaction failed, until one succeeds (the journal keeps growing meanwhile). */
  lastCompactionError?: string;
}

export interface FileStore extends MirrorStore {
  size(): Promise<FileStoreSize>;
}

const IDENTITY_FILE = 'identity';
const IDENTITY_FORMAT = 'hypersoft-mirror-identity';
const SNAPSHOT = /^snapshot-(\d+)\.jsonl\.gz$/;
const JOURNAL = /^journal-(\d+)\.jsonl$/;
const TEMPORARY = /^snapshot-\d+\.tmp$/;
const FORMAT = 'hypersoft-mirror-snapshot';
const VERSION = 1;
const RECORDS_PER_LINE = 1000;

const snapshotName = (generation: number) => `snapshot-${generation}.jsonl.gz`;
const journalName = (generation: number) => `journal-${generation}.jsonl`;

/**
 * An embedded store in one directory, nothing to install. Layout, generation `g`:
 *
 *   snapshot-g.jsonl.gz   everything up to generation g, gzip'ed lines (header, record
 *                         chunks, end line with the counts); absent for g = 0
 *   journal-g.jsonl       every `apply` since, one checksummed line each, fdatasync'ed
 *                         before `apply` resolves; compacted into snapshot g+1 when it
 *                         outgrows `compactAfterBytes`, and after every apply that deletes
 *
 * Crash safety: a torn last journal line is ignored (and cut off before the next append);
 * compaction writes `snapshot-(g+1).tmp`, fsyncs it, renames it into place (atomic), fsyncs
 * the directory, starts `journal-(g+1)` and only then removes generation g — at every
 * moment the newest complete snapshot plus its journal is the last complete state. A
 * snapshot that fails its checksums is damage, not a crash: `load` throws
 * `MirrorStoreError` rather than silently starting empty.
 *
 * One process per directory (the store does not lock it). Local: `changesSince` reports
 * nothing, `onChange` never fires.
 */
export function createFileStore(options: FileStoreOptions): FileStore {
  const dir = options.path;
  const compactAfterBytes = options.compactAfterBytes ?? 16 * 1024 * 1024;
  const level = options.compressionLevel ?? 1;

  let opened = false;
  let closed = false;
  let generation = 0;
  let journal: FileHandle | null = null;
  let journalBytes = 0;
  let snapshotBytes = 0;
  let lastCompactionError: string | undefined;

  // Every operation runs alone, in call order.
  let tail: Promise<unknown> = Promise.resolve();
  function serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = tail.then(() => {
      if (closed) throw new Error(`file store ${dir}: closed`);
      return operation();
    });
    tail = run.catch(() => undefined);
    return run;
  }

  async function ensureOpen(): Promise<void> {
    if (opened) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
    const names = await readdir(dir);
    generation = Math.max(0, ...names.map((n) => Number(SNAPSHOT.exec(n)?.[1] ?? 0)));
    for (const name of names) {
      const stale =
        TEMPORARY.test(name) ||
        (SNAPSHOT.test(name) && name !== snapshotName(generation)) ||
        (JOURNAL.test(name) && name !== journalName(generation));
      if (stale) await unlink(join(dir, name));
    }
    snapshotBytes = names.includes(snapshotName(generation))
      ? (await stat(join(dir, snapshotName(generation)))).size
      : 0;
    journal = await open(join(dir, journalName(generation)), 'a+', 0o600);
    const { validBytes } = decodeLines(await readFile(journal));
    if ((await journal.stat()).size !== validBytes) await journal.truncate(validBytes);
    journalBytes = validBytes;
    try {
      if (options.identity) await checkIdentity(options.identity);
    } catch (error) {
      await journal.close();
      journal = null;
      throw error;
    }
    opened = true;
  }

  /** Refuses a folder of another identity; records this one in a folder that holds nothing yet. */
  async function checkIdentity(expected: string): Promise<void> {
    const file = join(dir, IDENTITY_FILE);
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== null) {
      let recorded: unknown;
      try {
        recorded = JSON.parse(text);
      } catch {
        recorded = null;
      }
      const { format, identity } = (recorded ?? {}) as { format?: unknown; identity?: unknown };
      if (format !== IDENTITY_FORMAT || typeof identity !== 'string')
        throw new MirrorStoreError(`${file}: cannot be read; empty ${dir} to load anew`);
      if (identity !== expected) throw identityMismatch(dir, identity, expected);
      return;
    }
    if (generation > 0 || journalBytes > 0) throw identityMissing(dir);
    const temporary = `${file}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(
        `${JSON.stringify({ format: IDENTITY_FORMAT, identity: expected })}\n`,
      );
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    await syncDirectory(dir);
  }

  async function readAll(): Promise<StoredRecords> {
    const records = new StoredRecords();
    const snapshotFile = join(dir, snapshotName(generation));
    if (generation > 0) {
      let lines;
      try {
        lines = decodeLines(await gunzipAsync(await readFile(snapshotFile)));
      } catch (e) {
        throw new MirrorStoreError(
          `${snapshotFile}: cannot be read (${(e as Error).message}); wipe() the store to reload it`,
        );
      }
      readSnapshot(snapshotFile, lines.values, lines.problem, records);
    }
    const journalFile = join(dir, journalName(generation));
    const { values } = decodeLines((await readFile(journalFile)).subarray(0, journalBytes));
    values.forEach((value, i) => {
      const line = value as { b?: unknown; s?: unknown };
      records.apply(decodeBatch(line.b, `${journalFile} line ${i + 1}`), decodeStates(line.s));
    });
    return records;
  }

  async function compact(): Promise<void> {
    const records = await readAll();
    const snapshot = records.snapshot();
    const next = generation + 1;
    const temporary = join(dir, `snapshot-${next}.tmp`);
    const handle = await open(temporary, 'w', 0o600);
    try {
      await pipeline(
        Readable.from(snapshotLines(snapshot, next)),
        createGzip({ level }),
        async (gzipped: AsyncIterable<Buffer>) => {
          for await (const chunk of gzipped) await handle.write(chunk);
        },
      );
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, join(dir, snapshotName(next)));
    await syncDirectory(dir);
    const nextJournal = await open(join(dir, journalName(next)), 'a+', 0o600);
    await journal?.close();
    const previous = generation;
    journal = nextJournal;
    generation = next;
    journalBytes = 0;
    snapshotBytes = (await stat(join(dir, snapshotName(next)))).size;
    await unlink(join(dir, journalName(previous)));
    if (previous > 0) await unlink(join(dir, snapshotName(previous)));
  }

  return {
    kind: 'file',

    load: () =>
      serial(async (): Promise<MirrorSnapshot> => {
        await ensureOpen();
        return (await readAll()).snapshot();
      }),

    apply: (batch, states) =>
      serial(async () => {
        await ensureOpen();
        const line = encodeLine({ b: encodeBatch(batch), s: encodeStates(states) });
        try {
          await journal!.write(line, 0, line.length);
          await journal!.datasync();
        } catch (e) {
          // Cut a partly written line off, so that later lines stay readable.
          await journal!.truncate(journalBytes).catch(() => undefined);
          throw e;
        }
        journalBytes += line.length;
        // A delete compacts at once: the deleted record's personal data (GDPR erasure) must
        // leave the disk now, not with the next size-driven compaction.
        const grown = journalBytes > compactAfterBytes && journalBytes > 2 * snapshotBytes;
        if (grown || deletes(batch)) {
          // The batch is stored already; a failed compaction must not reject it. The next
          // operation reopens from disk (whichever generation the failure left complete).
          try {
            await compact();
            lastCompactionError = undefined;
          } catch (e) {
            lastCompactionError = (e as Error).message;
            await journal?.close().catch(() => undefined);
            journal = null;
            opened = false;
          }
        }
      }),

    changesSince: async (position) => ({ batch: {}, states: {}, position }),
    onChange: () => () => undefined,

    wipe: () =>
      serial(async () => {
        await ensureOpen();
        await journal?.close();
        journal = null;
        for (const name of await readdir(dir)) {
          if (SNAPSHOT.test(name) || JOURNAL.test(name) || TEMPORARY.test(name))
            await unlink(join(dir, name));
        }
        await syncDirectory(dir);
        opened = false;
      }),

    size: () =>
      serial(async () => {
        await ensureOpen();
        return { snapshotBytes, journalBytes, lastCompactionError };
      }),

    close: () =>
      serial(async () => {
        await journal?.close();
        journal = null;
        closed = true;
      }),
  };
}

function deletes(batch: MirrorBatch): boolean {
  return KEYED_KINDS.some((kind) => (batch[kind]?.delete?.length ?? 0) > 0);
}

function* snapshotLines(snapshot: MirrorSnapshot, generation: number): Generator<Buffer> {
  yield encodeLine({
    t: FORMAT,
    version: VERSION,
    generation,
    states: encodeStates(snapshot.states),
  });
  for (const kind of KEYED_KINDS) yield* kindLines(kind, snapshot[kind]);
  yield encodeLine({ t: 'stations', r: snapshot.stations });
  const counts = Object.fromEntries(KEYED_KINDS.map((kind) => [kind, snapshot[kind].length]));
  yield encodeLine({ t: 'end', counts });
}

function* kindLines<K extends KeyedKind>(
  kind: K,
  records: readonly RecordOf[K][],
): Generator<Buffer> {
  for (let i = 0; i < records.length; i += RECORDS_PER_LINE) {
    yield encodeLine({
      t: kind,
      r: records.slice(i, i + RECORDS_PER_LINE).map((r) => encodeRecord(kind, r)),
    });
  }
}

function readSnapshot(
  file: string,
  values: unknown[],
  problem: string | undefined,
  into: StoredRecords,
): void {
  const damaged = (what: string) =>
    new MirrorStoreError(`${file}: ${what}; wipe() the store to reload it`);
  if (problem) throw damaged(problem);
  const header = values[0] as { t?: string; version?: number; states?: unknown } | undefined;
  if (header?.t !== FORMAT) throw damaged('no snapshot header');
  if (header.version !== VERSION)
    throw damaged(`format version ${String(header.version)}, this build reads ${VERSION}`);
  let ended = false;
  for (let i = 1; i < values.length; i++) {
    const line = values[i] as { t: string; r?: unknown[]; counts?: Record<string, number> };
    const where = `${file} line ${i + 1}`;
    if (line.t === 'stations') {
      into.apply({ stations: line.r as readonly Station[] });
    } else if (line.t === 'end') {
      for (const kind of KEYED_KINDS) {
        if (into.count(kind) !== line.counts?.[kind])
          throw damaged(
            `${kind}: ${into.count(kind)} records, the end line says ${line.counts?.[kind]}`,
          );
      }
      ended = true;
    } else if ((KEYED_KINDS as readonly string[]).includes(line.t)) {
      const kind = line.t as (typeof KEYED_KINDS)[number];
      into.fill(
        kind,
        (line.r ?? []).map((r) => decodeRecord(kind, r, where)),
      );
    } else {
      throw damaged(`line ${i + 1} has an unknown type ${JSON.stringify(line.t)}`);
    }
  }
  if (!ended) throw damaged('no end line');
  into.apply({}, decodeStates(header.states));
}
