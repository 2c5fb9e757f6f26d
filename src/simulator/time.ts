/**
 * Europe/Berlin wall-clock ⇄ instants (docs/api300-contract.md §6), by the EU rule in force since 1996
 * applied to every year, as an ASMX server on Windows converts (src/domain/asmxTime.ts):
 * summer time (UTC+2) from the last Sunday of March 01:00 UTC to the last Sunday of October
 * 01:00 UTC, otherwise UTC+1. Computed rather than looked up through `Intl`, because data
 * generation converts tens of thousands of values at startup.
 */

export interface WallClock {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The EU rule of every year, as an ASMX server on Windows applies it (src/domain/asmxTime.ts). */
export {
  asmxOffsetMs as berlinOffsetMs,
  asmxWallClockAt as toWallClock,
  asmxInstantOf as fromWallClock,
} from '../domain/asmxTime';
import {
  asmxInstantOf as fromWallClock,
  asmxWallClockAt as toWallClock,
  lastSundayOf,
  utc,
} from '../domain/asmxTime';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `xs:dateTime` text without offset, e.g. `2026-11-29T18:30:00`. */
export function formatWallClock(w: WallClock): string {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

export function formatInstant(instant: number): string {
  return formatWallClock(toWallClock(instant));
}

/** Whether the clocks change on this Berlin calendar day (last Sunday of March or October). */
export function isDstTransitionDay(year: number, month: number, day: number): boolean {
  return (month === 3 || month === 10) && day === lastSundayOf(year, month);
}

/**
 * The DST rule of §6: a `ChangedSince` inside 02:00–03:00 on a transition day means "since
 * 02:00 that day", so autumn's repeated hour and spring's skipped hour lose nothing.
 */
export function changedSinceInstant(w: WallClock): number {
  if (w.hour === 2 && isDstTransitionDay(w.year, w.month, w.day)) {
    return fromWallClock({ ...w, minute: 0, second: 0 });
  }
  return fromWallClock(w);
}

/** .NET `DateTime.MinValue`, what a missing non-nillable `dateTime` element reads as. */
export const MIN_INSTANT = fromWallClock({
  year: 1,
  month: 1,
  day: 1,
  hour: 0,
  minute: 0,
  second: 0,
});

export interface LexicalDateTime {
  wallClock: WallClock;
  /** Minutes east of UTC when the text carries an offset (`Z` = 0), else `null`. */
  offsetMinutes: number | null;
}

const XSD_DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

/** Reads `xs:dateTime` text; `null` when it is not one. Fractions of a second are dropped. */
export function parseXsdDateTime(text: string): LexicalDateTime | null {
  const m = XSD_DATE_TIME.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return null;
  const wallClock = { year, month, day, hour, minute, second };
  if (new Date(utc(year, month, day)).getUTCDate() !== day) return null;
  const zone = m[7];
  let offsetMinutes: number | null = null;
  if (zone === 'Z') offsetMinutes = 0;
  else if (zone)
    offsetMinutes =
      (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return { wallClock, offsetMinutes };
}

/** Berlin wall-clock of a lexical value: offsets are converted, bare values are taken as Berlin. */
export function lexicalToWallClock(value: LexicalDateTime): WallClock {
  if (value.offsetMinutes === null) return value.wallClock;
  const w = value.wallClock;
  return toWallClock(
    utc(w.year, w.month, w.day, w.hour, w.minute, w.second) - value.offsetMinutes * 60_000,
  );
}

/** The instant of a lexical value: offsets are honoured, bare values are Berlin wall-clock. */
export function lexicalToInstant(value: LexicalDateTime): number {
  if (value.offsetMinutes === null) return fromWallClock(value.wallClock);
  const w = value.wallClock;
  return utc(w.year, w.month, w.day, w.hour, w.minute, w.second) - value.offsetMinutes * 60_000;
}

/** `YYYY-MM-DD` of a Date field (§6: only the date counts). */
export function dateOf(w: WallClock): string {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** `HH:MM:SS` of a Time field (§6: only the time of day counts). */
export function timeOf(w: WallClock): string {
  return `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** The wall-clock a stored Date (`YYYY-MM-DD`) or Time (`HH:MM:SS`, on 1970-01-01) is written as. */
export function wallClockOfDate(date: string): WallClock {
  const [year, month, day] = date.split('-').map(Number);
  return { year, month, day, hour: 0, minute: 0, second: 0 };
}

export function wallClockOfTime(time: string): WallClock {
  const [hour, minute, second] = time.split(':').map(Number);
  return { year: 1970, month: 1, day: 1, hour, minute, second };
}

/** Whole seconds: the wire carries no fractions, so stored instants carry none either. */
export function truncateToSecond(instant: number): number {
  return Math.floor(instant / 1000) * 1000;
}
