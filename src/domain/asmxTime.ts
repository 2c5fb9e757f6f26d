import { parseXsdDateTime, toOffsetDateTime, type WallClock } from './berlinTime';

/**
 * How an ASMX server on Windows, in zone "W. Europe Standard Time", turns a Berlin wall clock
 * into an instant and back — what API300's JSON mode does with every `"\/Date(ms)\/"`
 * (.NET's `ToUniversalTime`/`ToLocalTime` on a `DateTime` without a kind): UTC+1, plus one
 * hour of summer time by TODAY's EU rule (last Sunday of March 01:00 UTC to last Sunday of
 * October 01:00 UTC) applied to EVERY year. Windows keeps no history for this zone: no summer
 * time of 1916–1949 or 1980–1995 as Germany had it, summer time in 1950–1979 when Germany had
 * none, and no local mean time before 1893. The time-zone database (`Intl`, berlinTime.ts) is
 * right about history and therefore wrong about this server: the two disagree on most dates
 * before 1996, which is where birthdays live.
 *
 * The simulator converts by this rule (as the real service does), and so does the client's
 * JSON mode (src/data/api300/jsonWire.ts), so that a Date or Time field read and written back
 * never moves. Since 1996 the rule and Berlin's history agree.
 */

const HOUR = 3_600_000;

/** Epoch ms of a wall clock read as UTC (years 1..9999). */
export function utc(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year); // Date.UTC maps years 0..99 to 1900..1999
  return date.getTime();
}

/** Day of the month of the last Sunday of `month` in `year`. */
export function lastSundayOf(year: number, month: number): number {
  const lastDay = new Date(utc(year, month + 1, 0));
  return lastDay.getUTCDate() - lastDay.getUTCDay();
}

/** Instants at which summer time starts and ends in `year`, by today's rule. */
function summerTime(year: number): { start: number; end: number } {
  return {
    start: utc(year, 3, lastSundayOf(year, 3), 1),
    end: utc(year, 10, lastSundayOf(year, 10), 1),
  };
}

/** The server's offset from UTC at `instant` (epoch ms): one or two hours. */
export function asmxOffsetMs(instant: number): number {
  const { start, end } = summerTime(new Date(instant).getUTCFullYear());
  return instant >= start && instant < end ? 2 * HOUR : HOUR;
}

/** The server's Berlin wall clock at `instant` (whole seconds). */
export function asmxWallClockAt(instant: number): WallClock {
  const d = new Date(instant + asmxOffsetMs(instant));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/**
 * The instant the server gives a Berlin wall clock. In autumn's repeated hour the earlier
 * (summer time) instant wins; a time in spring's skipped hour is read as winter time, i.e.
 * one hour later on the clock, as .NET does.
 */
export function asmxInstantOf(w: WallClock): number {
  const naive = utc(w.year, w.month, w.day, w.hour, w.minute, w.second);
  for (const offset of [2 * HOUR, HOUR]) {
    if (asmxOffsetMs(naive - offset) === offset) return naive - offset;
  }
  return naive - HOUR;
}

/**
 * `Date` → the server's Berlin wall clock with its offset (`1970-07-15T00:00:00+02:00`): one
 * text that names the wall clock the server meant (what Date and Time fields read) and the
 * exact instant (what every other field reads).
 */
export function toAsmxOffsetDateTime(instant: Date): string {
  return toOffsetDateTime(instant, asmxOffsetMs);
}

/** `xs:dateTime` text → the instant the server gives it: bare text by the rule, an offset exactly. */
export function instantOfAsmxDateTime(text: string): Date {
  const { wallClock: w, offsetMs, fractionMs } = parseXsdDateTime(text);
  const wholeSeconds =
    offsetMs === null
      ? asmxInstantOf(w)
      : utc(w.year, w.month, w.day, w.hour, w.minute, w.second) - offsetMs;
  return new Date(wholeSeconds + fractionMs);
}
