import { chmod, mkdir, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock';
import { syncDirectory } from '../../platform/files';
import {
  checkLimits,
  MemoryQuota,
  type Quota,
  type QuotaDecision,
  type QuotaHold,
  type QuotaLimits,
  type SlotClass,
  type WindowAtStart,
} from './quota';

/**
 * The budget of one process that survives its restarts: a `MemoryQuota` whose every grant is
 * appended to a journal file and fdatasync'ed BEFORE `acquire` says granted — so before the
 * call goes out. A process started after a crash (SIGKILL, OOM, power loss) reads the grants
 * of the last window back and counts them; a call it has no line for never left.
 *
 * File `quota-<tokenPairId>.journal` in `dir` (the mirror's folder): a header line, then one
 * grant per line (epoch ms of the local clock; a restart on the same machine reads the same
 * clock). A torn last line is a grant whose fsync never finished, so its call never went out:
 * ignored. Any other unreadable line, or no journal at all with `windowAtStart: 'unknown'`,
 * means the calls of the last window are unknown: the window counts as full for one window
 * (`hold()`). The journal is rewritten (temporary file, fsync, rename) at open and every
 * `compactEvery` grants, keeping the grants still in the window.
 *
 * One process per folder (the mirror's file store says the same). Replicas that share a token
 * pair share Redis or PostgreSQL instead.
 */

export interface JournaledQuotaOptions extends QuotaLimits {
  /** The folder of the journal (created 0700 when missing). */
  dir: string;
  /** `tokenPairId(...)`: names the journal, so another token pair never reads it. */
  tokenPairId: string;
  clock: Clock;
  /** Without a journal: `unknown` (default) holds the window once; `empty` does not. */
  windowAtStart?: WindowAtStart;
  /** Grants between two rewrites of the journal (default 500). */
  compactEvery?: number;
}

const HEADER = 'hypersoft-quota-journal 1';

export function quotaJournalPath(dir: string, tokenPairId: string): string {
  return join(dir, `quota-${tokenPairId}.journal`);
}

/** What a journal's text says: the grants it holds, or why it cannot be trusted. */
export function readQuotaJournal(text: string): { grants: number[] } | { problem: string } {
  const lines = text.split('\n');
  // The last piece has no newline: a torn append (or the empty rest after the last newline).
  lines.pop();
  if (lines[0] !== HEADER) return { problem: 'it has no journal header' };
  const grants: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!/^\d{1,16}$/.test(lines[i])) return { problem: `line ${i + 1} is not a grant time` };
    grants.push(Number(lines[i]));
  }
  return { grants };
}

export class JournaledQuota implements Quota {
  private journal: FileHandle | null = null;
  private memory: MemoryQuota | null = null;
  private sinceCompaction = 0;
  private broken: string | null = null;
  private readonly file: string;
  private readonly opening: Promise<void>;
  /** Appends run one at a time, in grant order, after the journal was read. */
  private tail: Promise<unknown>;

  /** Starts reading the journal; `ready()` tells when (and whether) it was read. */
  constructor(private readonly options: JournaledQuotaOptions) {
    checkLimits(options);
    this.file = quotaJournalPath(options.dir, options.tokenPairId);
    this.opening = this.open();
    this.tail = this.opening.catch((error: unknown) => {
      this.broken = (error as Error).message;
    });
  }

  /** Resolves once the journal was read and rewritten; rejects when it cannot be (the folder's rights). */
  ready(): Promise<void> {
    return this.opening;
  }

  /** Reads the journal (if any), rewrites it with the grants still in the window, opens it for appends. */
  private async open(): Promise<void> {
    const { dir } = this.options;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
    let text: string | null = null;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const read = text === null ? null : readQuotaJournal(text);
    const holdReason =
      read === null
        ? this.options.windowAtStart === 'empty'
          ? undefined
          : `no journal of earlier calls in ${dir} (a first start): the calls of the last window are unknown`
        : 'problem' in read
          ? `the quota journal ${this.file} cannot be read (${read.problem}): the calls of the last window are unknown`
          : undefined;
    this.memory = new MemoryQuota(this.options, this.options.clock, {
      grants: read && 'grants' in read ? read.grants : [],
      holdReason,
    });
    await this.compact();
  }

  acquire(slot: SlotClass): Promise<QuotaDecision> {
    const run = this.tail.then(() => this.take(slot));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async take(slot: SlotClass): Promise<QuotaDecision> {
    const now = this.options.clock.now();
    if (this.broken !== null || !this.journal || !this.memory) {
      return { granted: false, retryAt: now + 1000, reason: 'unavailable' };
    }
    const decision = this.memory.take(slot);
    if (!decision.granted) return decision;
    try {
      const line = Buffer.from(`${now}\n`);
      await this.journal.write(line, 0, line.length);
      await this.journal.datasync();
    } catch (error) {
      // The slot stays taken in memory (the safe side); nothing goes out unjournaled, and no
      // later grant either: a journal that failed once cannot be trusted to be complete.
      this.broken = (error as Error).message;
      return { granted: false, retryAt: now + 1000, reason: 'unavailable' };
    }
    if (++this.sinceCompaction >= (this.options.compactEvery ?? 500)) await this.compact();
    return { granted: true };
  }

  /** Rewrites the journal with the grants still in the window (atomic: temporary file, rename). */
  private async compact(): Promise<void> {
    const temporary = `${this.file}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      const grants = this.memory?.grants() ?? [];
      await handle.writeFile([HEADER, ...grants.map(String), ''].join('\n'));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.file);
    await syncDirectory(this.options.dir);
    await this.journal?.close();
    this.journal = await open(this.file, 'a', 0o600);
    this.sinceCompaction = 0;
  }

  budgetLeft(): number {
    return this.broken === null ? (this.memory?.budgetLeft() ?? 0) : 0;
  }

  /** False once an append failed: nothing is granted until a restart reads the journal again. */
  available(): boolean {
    return this.broken === null;
  }

  hold(): QuotaHold | null {
    return this.memory?.hold() ?? null;
  }

  /** Why the journal stopped taking grants, or `null`. */
  failure(): string | null {
    return this.broken;
  }

  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.journal?.close();
    this.journal = null;
  }
}
