/*
 * Alertmanager's `time_intervals` and `mute_time_intervals` (package timeinterval of Alertmanager 0.25):
 * named lists of intervals that routes mute or activate by name. Validation and evaluation follow
 * Alertmanager's code, including what its documentation does not say:
 *
 * - a field that is absent (or null) matches every instant, but a field given as an empty list `[]`
 *   matches none, so `weekdays: []` disables the interval;
 * - ranges never wrap: `saturday:monday` and `november:february` are errors;
 * - months may also be numbers and are not range-checked (`13` is accepted and matches nothing);
 *   years are not either; days of the month are limited to -31..31 without 0;
 * - a negative day of the month counts from the end of the month, which is the calendar's last day.
 *   (Deliberately not Alertmanager 0.25's: it counted a month's days as elapsed hours / 24, which is
 *   one short where the clocks spring forward, so in March in Europe/Berlin `-1` was the 30th and no
 *   range reached the 31st. Later Alertmanager versions fixed that bug; Sentinel has the fix.)
 *
 * One deliberate difference: an interval without `location` is evaluated in UTC, as Alertmanager's
 * documentation says; Alertmanager 0.25 itself uses the server's local zone, which is UTC in its
 * usual container images (prometheus/alertmanager#2646).
 *
 * Wall-clock time in a zone comes from Intl.DateTimeFormat; there is no time zone library.
 */

export class TimeIntervalError extends Error {
  /** Where the problem is, e.g. `time_intervals[1].time_intervals[0].weekdays[0]`. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(path === '' ? message : `${path}: ${message}`);
    this.name = 'TimeIntervalError';
    this.path = path;
  }
}

/** Minutes of the day, the end excluded: 17:00-24:00 is { startMinute: 1020, endMinute: 1440 }. */
export interface TimeRange {
  readonly startMinute: number;
  readonly endMinute: number;
}

/** Both ends included. Weekdays are 0 (Sunday) to 6, months 1 (January) to 12. */
export interface InclusiveRange {
  readonly begin: number;
  readonly end: number;
}

export interface TimeInterval {
  /** null: the field was not given, and every value matches. An empty list matches nothing. */
  readonly times: readonly TimeRange[] | null;
  readonly weekdays: readonly InclusiveRange[] | null;
  readonly daysOfMonth: readonly InclusiveRange[] | null;
  readonly months: readonly InclusiveRange[] | null;
  readonly years: readonly InclusiveRange[] | null;
  /** An IANA zone name, `UTC`, or `Local` (the server's zone); null when not given (UTC). */
  readonly location: string | null;
}

/** Named entries, in the order they were written. */
export type TimeIntervalSet = ReadonlyMap<string, readonly TimeInterval[]>;

// ---------------------------------------------------------------------------------------------
// Parsing

const WEEKDAYS: Readonly<Record<string, number>> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

const MONTHS: Readonly<Record<string, number>> = {
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};

const WEEKDAY_NAMES = Object.keys(WEEKDAYS);

const INTERVAL_FIELDS = ['times', 'weekdays', 'days_of_month', 'months', 'years', 'location'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isRecord(v)) return 'a mapping';
  return JSON.stringify(v) ?? String(v);
}

/**
 * A YAML scalar as the string Alertmanager's YAML decoder gives a string field: the text of a number
 * or boolean (`days_of_month: [1, 5]` is valid), "" for null. Lists and mappings are errors.
 */
function scalarText(v: unknown, path: string, what: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new TimeIntervalError(path, `must be ${what}, not ${describe(v)}`);
}

/** Go's strings.ToLower: per code point, simple mappings (U+0130 İ becomes i, as in Go). */
function goLower(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === '\u0130') out += 'i';
    else {
      const lower = ch.toLowerCase();
      out += [...lower].length === 1 ? lower : ch;
    }
  }
  return out;
}

/** Go's strconv.Atoi: optional sign, decimal digits, within int64. */
function atoi(s: string): number | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return null;
  return Number(n);
}

type MemberParser = (text: string, path: string, whole: string) => number;

/** `a` or `a:b`, lower-cased first, as Alertmanager's stringableRangeFromString. */
function parseRange(raw: unknown, path: string, what: string, member: MemberParser): InclusiveRange {
  if (raw === null || raw === undefined) return { begin: 0, end: 0 }; // Go's zero value for a null item
  const text = goLower(scalarText(raw, path, what));
  if (text.includes(':')) {
    const parts = text.split(':');
    if (parts.length !== 2) {
      throw new TimeIntervalError(path, `${JSON.stringify(text)} is not a valid range: use start:end`);
    }
    return { begin: member(parts[0]!, path, text), end: member(parts[1]!, path, text) };
  }
  const v = member(text, path, text);
  return { begin: v, end: v };
}

function weekday(text: string, path: string): number {
  if (Object.hasOwn(WEEKDAYS, text)) return WEEKDAYS[text]!;
  throw new TimeIntervalError(
    path,
    `${JSON.stringify(text)} is not a valid weekday: use one of ${WEEKDAY_NAMES.join(', ')} (names only, not numbers)`,
  );
}

function month(text: string, path: string): number {
  if (Object.hasOwn(MONTHS, text)) return MONTHS[text]!;
  const n = atoi(text);
  if (n === null) {
    throw new TimeIntervalError(path, `${JSON.stringify(text)} is not a valid month: use a name or a number`);
  }
  return n;
}

function integer(what: string): MemberParser {
  return (text, path) => {
    const n = atoi(text);
    if (n === null)
      throw new TimeIntervalError(path, `${JSON.stringify(text)} is not a valid ${what}: not an integer`);
    return n;
  };
}

function parseWeekdayRange(raw: unknown, path: string): InclusiveRange {
  const r = parseRange(raw, path, 'a weekday or range such as monday:friday', weekday);
  if (r.begin > r.end) {
    throw new TimeIntervalError(
      path,
      'the start day is after the end day; weekday ranges do not wrap around the week ' +
        '(write saturday:monday as two entries, saturday and sunday:monday)',
    );
  }
  return r;
}

function parseDayOfMonthRange(raw: unknown, path: string): InclusiveRange {
  const r = parseRange(raw, path, 'a day of the month or range such as 1:5', integer('day of the month'));
  for (const d of [r.begin, r.end]) {
    if (d === 0 || d < -31 || d > 31) {
      throw new TimeIntervalError(
        path,
        `${d} is not a valid day of the month: use 1 to 31, or -31 to -1 from the end`,
      );
    }
  }
  if (r.begin < 0 && r.end > 0) {
    throw new TimeIntervalError(path, 'the end day must be negative when the start day is (as in -3:-1)');
  }
  // As Alertmanager: reject only what is wrong in every month, taking the shortest month (28 days).
  const begin = r.begin < 0 ? 28 + r.begin : r.begin;
  const end = r.end < 0 ? 28 + r.end : r.end;
  if (begin > end)
    throw new TimeIntervalError(path, `the end day ${r.end} is always before the start day ${r.begin}`);
  return r;
}

function parseMonthRange(raw: unknown, path: string): InclusiveRange {
  const r = parseRange(raw, path, 'a month or range such as january:march', month);
  if (r.begin > r.end) {
    throw new TimeIntervalError(
      path,
      `the end month (${r.end}) is before the start month (${r.begin}); month ranges do not wrap around the year`,
    );
  }
  return r;
}

function parseYearRange(raw: unknown, path: string): InclusiveRange {
  const r = parseRange(raw, path, 'a year or range such as 2020:2022', integer('year'));
  if (r.begin > r.end)
    throw new TimeIntervalError(path, `the end year ${r.end} is before the start year ${r.begin}`);
  return r;
}

const TIME_RE = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/;

function minuteOfDay(text: string, path: string): number {
  if (!TIME_RE.test(text)) {
    throw new TimeIntervalError(
      path,
      `${JSON.stringify(text)} is not a valid time: use HH:MM, from 00:00 to 24:00`,
    );
  }
  return Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
}

function parseTimeRange(raw: unknown, path: string): TimeRange {
  if (raw === null || raw === undefined) return { startMinute: 0, endMinute: 0 };
  if (!isRecord(raw)) {
    throw new TimeIntervalError(path, `must be a mapping with start_time and end_time, not ${describe(raw)}`);
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'start_time' && key !== 'end_time') {
      throw new TimeIntervalError(
        `${path}.${key}`,
        'unknown field; a time range has start_time and end_time',
      );
    }
  }
  const start = scalarText(raw.start_time, `${path}.start_time`, 'a time such as 09:00');
  const end = scalarText(raw.end_time, `${path}.end_time`, 'a time such as 17:00');
  if (start === '' || end === '')
    throw new TimeIntervalError(path, 'both start_time and end_time must be given');
  const startMinute = minuteOfDay(start, `${path}.start_time`);
  const endMinute = minuteOfDay(end, `${path}.end_time`);
  if (startMinute >= endMinute) {
    throw new TimeIntervalError(
      path,
      'start_time must be before end_time; a range cannot cross midnight (use two ranges, ending at 24:00 and starting at 00:00)',
    );
  }
  return { startMinute, endMinute };
}

function parseList<T>(raw: unknown, path: string, item: (raw: unknown, path: string) => T): T[] | null {
  if (raw === null || raw === undefined) return null;
  if (!Array.isArray(raw)) throw new TimeIntervalError(path, `must be a list, not ${describe(raw)}`);
  return raw.map((v, i) => item(v, `${path}[${i}]`));
}

/** A usable location name, or the reason it is not one (as time.LoadLocation decides, near enough). */
function checkLocation(name: string): string | null {
  if (name === '' || name === 'UTC' || name === 'Local') return null;
  if (name.includes('..') || name.startsWith('/') || name.startsWith('\\')) return 'invalid location name';
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return 'unknown time zone; use an IANA name such as Europe/Berlin, or UTC or Local';
  }
  // Intl ignores case; Go looks the name up as a file, so the case must be right.
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) {
    return `unknown time zone; names are case-sensitive (${resolved})`;
  }
  if (/^[+-]/.test(name)) return 'unknown time zone; offsets are not zone names';
  return null;
}

function parseInterval(raw: unknown, path: string): TimeInterval {
  if (raw === null || raw === undefined) {
    // A null list item decodes to Go's zero TimeInterval: no field given, so it matches every instant.
    return { times: null, weekdays: null, daysOfMonth: null, months: null, years: null, location: null };
  }
  if (!isRecord(raw)) throw new TimeIntervalError(path, `must be a mapping, not ${describe(raw)}`);
  for (const key of Object.keys(raw)) {
    if (!(INTERVAL_FIELDS as readonly string[]).includes(key)) {
      throw new TimeIntervalError(
        `${path}.${key}`,
        `unknown field; expected one of ${INTERVAL_FIELDS.join(', ')}`,
      );
    }
  }
  let location: string | null = null;
  if (raw.location !== null && raw.location !== undefined) {
    location = scalarText(raw.location, `${path}.location`, 'a time zone name');
    const problem = checkLocation(location);
    if (problem !== null)
      throw new TimeIntervalError(`${path}.location`, `${JSON.stringify(location)}: ${problem}`);
    if (location === '') location = 'UTC'; // time.LoadLocation("") is UTC
  }
  return {
    times: parseList(raw.times, `${path}.times`, parseTimeRange),
    weekdays: parseList(raw.weekdays, `${path}.weekdays`, parseWeekdayRange),
    daysOfMonth: parseList(raw.days_of_month, `${path}.days_of_month`, parseDayOfMonthRange),
    months: parseList(raw.months, `${path}.months`, parseMonthRange),
    years: parseList(raw.years, `${path}.years`, parseYearRange),
    location,
  };
}

/**
 * Validates the YAML value of a `time_intervals` (or `mute_time_intervals`) list as Alertmanager 0.25
 * does, and returns the named entries. Names must be unique; Alertmanager requires that across both
 * lists, so pass them concatenated. `path` prefixes every error path. Throws TimeIntervalError.
 */
export function parseTimeIntervals(raw: unknown, path: string): TimeIntervalSet {
  const out = new Map<string, readonly TimeInterval[]>();
  if (raw === null || raw === undefined) return out;
  if (!Array.isArray(raw)) throw new TimeIntervalError(path, `must be a list, not ${describe(raw)}`);
  raw.forEach((entry: unknown, i) => {
    const at = `${path}[${i}]`;
    if (entry === null || entry === undefined) throw new TimeIntervalError(`${at}.name`, 'missing name');
    if (!isRecord(entry)) {
      throw new TimeIntervalError(
        at,
        `must be a mapping with name and time_intervals, not ${describe(entry)}`,
      );
    }
    for (const key of Object.keys(entry)) {
      if (key !== 'name' && key !== 'time_intervals') {
        throw new TimeIntervalError(`${at}.${key}`, 'unknown field; expected name or time_intervals');
      }
    }
    const name = scalarText(entry.name, `${at}.name`, 'a string');
    if (name === '') throw new TimeIntervalError(`${at}.name`, 'missing name');
    if (out.has(name))
      throw new TimeIntervalError(`${at}.name`, `time interval ${JSON.stringify(name)} is not unique`);
    const intervals = parseList(entry.time_intervals, `${at}.time_intervals`, parseInterval) ?? [];
    out.set(name, Object.freeze(intervals.map((t) => Object.freeze(t))));
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 (Sunday) to 6 */
  weekday: number;
}

const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone === 'Local' ? undefined : zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Milliseconds since the epoch of a wall-clock time read as UTC (any year, overflowing fields carried). */
function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  // Date.UTC reads years 0-99 as 1900-1999; 400 Gregorian years later the calendar is the same.
  if (year >= 0 && year <= 99)
    return Date.UTC(year + 400, month - 1, day, hour, minute, second) - GREGORIAN_CYCLE_MS;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The zone's UTC offset at an instant, in milliseconds (whole seconds). */
function offsetAt(zone: string, instantMs: number): number {
  if (zone === 'UTC') return 0;
  const seconds = Math.floor(instantMs / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(seconds)) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const local = utcMs(
    year,
    Number(parts.month),
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return local - seconds;
}

function wallClock(zone: string, instantMs: number): WallClock {
  const d = new Date(instantMs + offsetAt(zone, instantMs));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

/** Days in a month (1-12) of the proleptic Gregorian calendar, whatever the zone's clocks do. */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function clamp(n: number, min: number, max: number): number {
  return n <= min ? min : n >= max ? max : n;
}

function inRanges(ranges: readonly InclusiveRange[], v: number): boolean {
  return ranges.some((r) => v >= r.begin && v <= r.end);
}

/** Whether the instant (ms since the epoch) is in the interval, read in the interval's zone. */
export function intervalContains(interval: TimeInterval, instantMs: number): boolean {
  const zone = interval.location ?? 'UTC';
  const t = wallClock(zone, instantMs);
  if (interval.times !== null) {
    const m = t.hour * 60 + t.minute;
    if (!interval.times.some((r) => m >= r.startMinute && m < r.endMinute)) return false;
  }
  if (interval.daysOfMonth !== null) {
    let inside = false;
    for (const r of interval.daysOfMonth) {
      const days = daysInMonth(t.year, t.month);
      let begin = r.begin < 0 ? days + r.begin + 1 : r.begin;
      let end = r.end < 0 ? days + r.end + 1 : r.end;
      if (begin > days) continue;
      begin = clamp(begin, -days, days);
      end = clamp(end, -days, days);
      if (t.day >= begin && t.day <= end) {
        inside = true;
        break;
      }
    }
    if (!inside) return false;
  }
  if (interval.months !== null && !inRanges(interval.months, t.month)) return false;
  if (interval.weekdays !== null && !inRanges(interval.weekdays, t.weekday)) return false;
  if (interval.years !== null && !inRanges(interval.years, t.year)) return false;
  return true;
}

/**
 * Whether any interval of the named entry contains the instant. An unknown name is not active
 * (configuration validation rejects routes that name one).
 */
export function namedIntervalActive(set: TimeIntervalSet, name: string, instantMs: number): boolean {
  const intervals = set.get(name);
  if (intervals === undefined) return false;
  return intervals.some((t) => intervalContains(t, instantMs));
}
