/**
 * API300 writes every `dateTime` as Europe/Berlin wall-clock text without an offset
 * (docs/api300-contract.md §6). This module is the one place that turns such text into instants and back,
 * reads the two special kinds of fields (Date fields such as `Birthday`, Time fields such as
 * `ReachableFrom`), and holds the DST watermark rule of changed-since reads.
 *
 * Offsets come from the time-zone database (`Intl`, Europe/Berlin), not from a hand-written
 * EU rule, so historical dates get the offsets Germany really had.
 *
 * Two wall-clock readings are ambiguous, and both are decided here, once:
 * - autumn's repeated hour (e.g. 2026-10-25 02:30 happens at 00:30Z and again at 01:30Z)
 *   reads as the EARLIER instant (summer time). A changed-since watermark taken from such a
 *   value can then only move too early, never past a change;
 * - spring's skipped hour (e.g. 2026-03-29 02:30 never happens) reads with the offset in
 *   force before the gap (UTC+1), i.e. as 03:30 summer time, the way .NET shifts it.
 */

const ZONE = 'Europe/Berlin';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A Berlin calendar date and time of day, as written on the wire. */
export interface WallClock {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const wallClockFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE,
  era: 'short',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hourCycle: 'h23',
});

/** Epoch ms of a wall clock read as if it were UTC (valid for years 1..9999). */
function naiveUtc(w: WallClock): number {
  const date = new Date(Date.UTC(2000, w.month - 1, w.day, w.hour, w.minute, w.second));
  date.setUTCFullYear(w.year); // Date.UTC would map years 0..99 to 1900..1999
  return date.getTime();
}

/** The Berlin wall clock at `instantMs` (whole seconds; milliseconds are dropped). */
export function berlinWallClockAt(instantMs: number): WallClock {
  const parts: Record<string, string> = {};
  for (const part of wallClockFormat.formatToParts(new Date(instantMs)))
    parts[part.type] = part.value;
  const year = Number(parts.year);
  return {
    year: parts.era === 'BC' ? 1 - year : year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/**
 * Since 1900 Berlin's offset has only ever changed on a whole UTC hour, and at most once in
 * a calendar month (1945, the busiest year, changed in April, May, September and November).
 * So offsets from 1900 on come from a table per UTC year, built once from `Intl`: the offset
 * at the start of each month, and a binary search over the hours of a month whose end has
 * another offset (~35 `Intl` lookups a year). A bulk read converts thousands of values spread
 * over years; each `Intl` lookup costs ~10 µs, a table lookup nothing.
 */
const TABLE_FROM_YEAR = 1900;

interface YearOffsets {
  /** UTC instants from which `offsets[i]` holds, ascending; `starts[0]` is 1 January 00:00Z. */
  starts: number[];
  offsets: number[];
}
const offsetsByYear = new Map<number, YearOffsets>();

const intlOffsetAt = (wholeSecond: number): number =>
  naiveUtc(berlinWallClockAt(wholeSecond)) - wholeSecond;

function offsetsOfYear(year: number): YearOffsets {
  const known = offsetsByYear.get(year);
  if (known) return known;
  const monthStart = (month: number): number => Date.UTC(year, month, 1);
  const table: YearOffsets = { starts: [monthStart(0)], offsets: [intlOffsetAt(monthStart(0))] };
  for (let month = 0; month < 12; month++) {
    const current = table.offsets[table.offsets.length - 1];
    const next = intlOffsetAt(monthStart(month + 1));
    if (next === current) continue;
    // The first whole hour of the month with the new offset.
    let low = monthStart(month) / HOUR_MS;
    let high = monthStart(month + 1) / HOUR_MS;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (intlOffsetAt(middle * HOUR_MS) === current) low = middle;
      else high = middle;
    }
    table.starts.push(high * HOUR_MS);
    table.offsets.push(next);
  }
  offsetsByYear.set(year, table);
  return table;
}

/** Berlin's offset from UTC at `instantMs`, in ms (whole seconds, e.g. LMT before 1893). */
function berlinOffsetAt(instantMs: number): number {
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  const year = new Date(wholeSecond).getUTCFullYear();
  if (year < TABLE_FROM_YEAR) return intlOffsetAt(wholeSecond);
  const { starts, offsets } = offsetsOfYear(year);
  let i = starts.length - 1;
  while (i > 0 && starts[i] > wholeSecond) i--;
  return offsets[i];
}

/**
 * The instant a Berlin wall clock names. Ambiguous and skipped times are resolved as the
 * module comment says.
 */
export function instantOfBerlinWallClock(w: WallClock): number {
  const naive = naiveUtc(w);
  const offsetBefore = berlinOffsetAt(naive - DAY_MS);
  const offsetAfter = berlinOffsetAt(naive + DAY_MS);
  const matching = [offsetBefore, offsetAfter]
    .filter((offset) => berlinOffsetAt(naive - offset) === offset)
    .map((offset) => naive - offset);
  if (matching.length === 0) return naive - offsetBefore;
  return Math.min(...matching);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatDate(w: Pick<WallClock, 'year' | 'month' | 'day'>): string {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

function formatTime(w: Pick<WallClock, 'hour' | 'minute' | 'second'>): string {
  return `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

function formatWallClock(w: WallClock): string {
  return `${formatDate(w)}T${formatTime(w)}`;
}

/** Thrown for wire text that is not the `xs:dateTime`, date or time it must be. */
export class WireTimeError extends Error {
  override readonly name = 'WireTimeError';
}

const XSD_DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

export interface LexicalDateTime {
  wallClock: WallClock;
  /** Offset east of UTC in ms when the text carries one (`Z` = 0), else `null`. */
  offsetMs: number | null;
  /** Milliseconds of the fraction of a second (`.5` = 500), 0 without one. */
  fractionMs: number;
}

/** `xs:dateTime` text → its wall clock, its offset (if any) and its fraction of a second. */
export function parseXsdDateTime(text: string): LexicalDateTime {
  const match = XSD_DATE_TIME.exec(text.trim());
  if (!match) throw new WireTimeError(`'${text}' is not an xs:dateTime`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const wallClock = { year, month, day, hour, minute, second };
  const roundTrip = new Date(naiveUtc(wallClock));
  if (
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    roundTrip.getUTCMonth() !== month - 1 ||
    roundTrip.getUTCDate() !== day
  ) {
    throw new WireTimeError(`'${text}' is not a valid date and time`);
  }
  const zone = match[8];
  let offsetMs: number | null = null;
  if (zone === 'Z') offsetMs = 0;
  else if (zone) {
    offsetMs =
      (zone[0] === '-' ? -1 : 1) *
      (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) *
      60_000;
  }
  const fractionMs = match[7] ? Math.floor(Number(`0${match[7]}`) * 1000) : 0;
  return { wallClock, offsetMs, fractionMs };
}

/** `Date` → `2026-11-29T18:30:00`: the Berlin wall clock API300 expects, whole seconds. */
export function toBerlinDateTime(instant: Date): string {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new WireTimeError('Invalid Date cannot be sent to API300');
  const local = new Date(Math.floor(ms / 1000) * 1000 + berlinOffsetAt(ms));
  return formatWallClock({
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  });
}

/**
 * `Date` → `2026-10-25T02:30:00+01:00`: the Berlin wall clock with the offset in force, so
 * that one text names both the wall clock (what Date and Time fields read) and the exact
 * instant (what `fromBerlinDateTime` reads, autumn's repeated hour included). Milliseconds
 * are kept when there are any. For values that arrive as instants (API300's JSON mode).
 */
export function toBerlinOffsetDateTime(instant: Date): string {
  return toOffsetDateTime(instant, berlinOffsetAt);
}

/** `toBerlinOffsetDateTime` with another rule for Berlin's offset (src/domain/asmxTime.ts). */
export function toOffsetDateTime(instant: Date, offsetAt: (instantMs: number) => number): string {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new WireTimeError('Invalid Date is no API300 dateTime');
  const offset = offsetAt(ms);
  const local = new Date(ms + offset);
  const fraction = local.getUTCMilliseconds();
  const minutes = Math.round(Math.abs(offset) / 60_000);
  return (
    formatWallClock({
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      second: local.getUTCSeconds(),
    }) +
    (fraction === 0 ? '' : `.${pad(fraction, 3)}`) +
    `${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`
  );
}

/**
 * API300 `dateTime` text → `Date`. Bare text is Berlin wall clock; text with an offset or `Z`
 * (which API300 does not send, but a .NET `DateTimeKind.Utc` value would) keeps its offset.
 * Fractions of a second are kept.
 */
export function fromBerlinDateTime(text: string): Date {
  const { wallClock, offsetMs, fractionMs } = parseXsdDateTime(text);
  const wholeSeconds =
    offsetMs === null ? instantOfBerlinWallClock(wallClock) : naiveUtc(wallClock) - offsetMs;
  return new Date(wholeSeconds + fractionMs);
}

const LOCAL_DATE = /^(\d{4})-(\d\d)-(\d\d)$/;
const LOCAL_TIME = /^(\d\d):(\d\d)(?::(\d\d))?$/;

/** A Date field (`Birthday`, §6) `YYYY-MM-DD` → `YYYY-MM-DDT00:00:00`. */
export function toWireDate(date: string): string {
  const match = LOCAL_DATE.exec(date);
  if (!match) throw new WireTimeError(`'${date}' is not a date YYYY-MM-DD`);
  const [year, month, day] = match.slice(1, 4).map(Number);
  const wallClock = { year, month, day, hour: 0, minute: 0, second: 0 };
  if (new Date(naiveUtc(wallClock)).getUTCDate() !== day || month < 1 || month > 12) {
    throw new WireTimeError(`'${date}' is not a date YYYY-MM-DD`);
  }
  return formatWallClock(wallClock);
}

/**
 * A Date field on the wire → `YYYY-MM-DD`. Only the date counts (§6): the time and any
 * offset are ignored, never converted, so a birthday cannot move by a day.
 */
export function fromWireDate(text: string): string {
  return formatDate(parseXsdDateTime(text).wallClock);
}

/** A Time field (`ReachableFrom`/`ReachableTo`, §6) `HH:MM[:SS]` → `1970-01-01THH:MM:SS`. */
export function toWireTime(time: string): string {
  const match = LOCAL_TIME.exec(time);
  if (!match) throw new WireTimeError(`'${time}' is not a time of day HH:MM:SS`);
  const [hour, minute, second] = [match[1], match[2], match[3] ?? '0'].map(Number);
  if (hour > 23 || minute > 59 || second > 59)
    throw new WireTimeError(`'${time}' is not a time of day HH:MM:SS`);
  return `1970-01-01T${formatTime({ hour, minute, second })}`;
}

/** A Time field on the wire → `HH:MM:SS`. Only the time of day counts; the date is ignored. */
export function fromWireTime(text: string): string {
  return formatTime(parseXsdDateTime(text).wallClock);
}

/** Whether the clocks change on this Berlin calendar day. */
function isDstTransitionDay(w: Pick<WallClock, 'year' | 'month' | 'day'>): boolean {
  const midnight = instantOfBerlinWallClock({ ...w, hour: 0, minute: 0, second: 0 });
  return berlinOffsetAt(midnight) !== berlinOffsetAt(midnight + DAY_MS - HOUR_MS);
}

/**
 * The DST rule of docs/api300-contract.md §6 for a changed-since watermark: when the watermark's Berlin
 * wall clock reads 02:00–02:59:59 on a day the clocks change, it is widened to 02:00 that
 * day (its earlier occurrence in autumn). Otherwise it is returned unchanged.
 *
 * Why: in autumn the hour 02:00–03:00 happens twice, and API300 stamps changes in wall-clock
 * text, so a change written during the second 02:10 looks older than a watermark taken at
 * the first 02:50. In spring no instant reads 02:xx (the clocks jump from 02:00 to 03:00), so
 * a watermark is never widened there.
 */
export function widenChangedSince(watermark: Date): Date {
  if (Number.isNaN(watermark.getTime()))
    throw new WireTimeError('Invalid Date is no changed-since watermark');
  const w = berlinWallClockAt(watermark.getTime());
  if (w.hour !== 2 || !isDstTransitionDay(w)) return watermark;
  return new Date(instantOfBerlinWallClock({ ...w, minute: 0, second: 0 }));
}

/**
 * When autumn's repeated hour ended (03:00 winter time on the day the clocks go back), if
 * that was at or before `instant` and less than a day before it; else `null`.
 *
 * Why: API300 stamps `Changed` in wall-clock text, so a record changed in the first 02:40
 * and again in the second 02:10 carries an OLDER stamp for its newer version, and a copy that
 * keeps the newer-or-equal `changed` keeps the first. A copy should compare again, from the
 * POS, once the hour is over.
 */
export function repeatedHourEndedBefore(instant: Date): Date | null {
  const at = instant.getTime();
  if (Number.isNaN(at)) throw new WireTimeError('Invalid Date has no repeated hour');
  for (const day of [at, at - DAY_MS]) {
    const w = berlinWallClockAt(day);
    if (!isDstTransitionDay(w)) continue;
    const midnight = instantOfBerlinWallClock({ ...w, hour: 0, minute: 0, second: 0 });
    if (berlinOffsetAt(midnight) <= berlinOffsetAt(midnight + DAY_MS - HOUR_MS)) continue; // spring
    const end = instantOfBerlinWallClock({ ...w, hour: 3, minute: 0, second: 0 });
    if (end <= at && at - end < DAY_MS) return new Date(end);
  }
  return null;
}
