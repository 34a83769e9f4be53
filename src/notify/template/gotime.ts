import { GoDuration, GoTime } from './values.js';

/*
 * Go's time formatting: layouts are written with the reference time Mon Jan 2 15:04:05 MST 2006
 * (https://pkg.go.dev/time#pkg-constants). Calendar arithmetic is done here (proleptic Gregorian, as Go),
 * so years before 1970 (Go's zero time is year 1) work; only zone offsets come from Intl.
 */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z0: number): { y: number; m: number; d: number } {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: era * 400 + yoe + (m <= 2 ? 1 : 0), m, d };
}

export const ZERO_TIME = new GoTime(-62135596800, 0);

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9})\d*)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** Parses an RFC 3339 time into UTC; null when it is not one. */
export function parseRfc3339(s: string): GoTime | null {
  const m = RFC3339.exec(s.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return null;
  const nsec = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  let offset = 0;
  if (m[9]) offset = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  const sec = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  return new GoTime(sec, nsec);
}

export function timeFromMillis(ms: number): GoTime {
  const sec = Math.floor(ms / 1000);
  return new GoTime(sec, Math.round((ms - sec * 1000) * 1e6));
}

/** Whether `name` is a time zone this runtime knows ("UTC", "Local" and "" are UTC). */
export function checkZone(name: string): string {
  if (name === '' || name === 'UTC' || name === 'Local') return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    throw new Error(`unknown time zone ${name}`);
  }
  return name;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, zone: string, style: 'longOffset' | 'short'): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: style });
    formatters.set(key, f);
  }
  return f;
}

function zonePart(f: Intl.DateTimeFormat, date: Date): string {
  return f.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/** Offset east of UTC in seconds, and the zone abbreviation Go would print for MST ('' if none). */
export function zoneAt(t: GoTime): { offset: number; abbrev: string } {
  if (t.zone === 'UTC') return { offset: 0, abbrev: 'UTC' };
  const date = new Date(Math.min(Math.max(t.sec * 1000, -8.64e15), 8.64e15));
  const off = /^GMT(?:([+-])(\d{2}):?(\d{2})?(?::?(\d{2}))?)?$/.exec(
    zonePart(formatter('en-US', t.zone, 'longOffset'), date),
  );
  let offset = 0;
  if (off?.[1]) {
    offset =
      (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 3600 + Number(off[3] ?? 0) * 60 + Number(off[4] ?? 0));
  }
  // English locales know different sets of abbreviations; take the first alphabetic one.
  for (const locale of ['en-US', 'en-GB', 'en-AU', 'en-IN']) {
    const name = zonePart(formatter(locale, t.zone, 'short'), date);
    if (/^[A-Z]{2,5}$/.test(name)) return { offset, abbrev: name };
  }
  return { offset, abbrev: '' };
}

/** Calendar fields of `t` in its zone. */
export function fields(t: GoTime): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  yday: number;
  offset: number;
  abbrev: string;
} {
  const { offset, abbrev } = zoneAt(t);
  const local = t.sec + offset;
  const days = Math.floor(local / 86400);
  const secs = local - days * 86400;
  const { y, m, d } = civilFromDays(days);
  return {
    year: y,
    month: m,
    day: d,
    hour: Math.floor(secs / 3600),
    minute: Math.floor(secs / 60) % 60,
    second: secs % 60,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(y, 1, 1) + 1,
    offset,
    abbrev,
  };
}

function pad(n: number, width: number, ch = '0'): string {
  const s = String(Math.abs(n)).padStart(width, ch);
  return n < 0 ? '-' + s : s;
}

/** The next layout element at the start of `s`: [token, length], or null for a literal character. */
function stdChunk(s: string): [string, number] | null {
  const starts = (p: string) => s.startsWith(p);
  switch (s[0]) {
    case 'J':
      if (starts('January')) return ['January', 7];
      if (starts('Jan') && !/^[a-z]/.test(s.slice(3))) return ['Jan', 3];
      return null;
    case 'M':
      if (starts('Monday')) return ['Monday', 6];
      if (starts('Mon') && !/^[a-z]/.test(s.slice(3))) return ['Mon', 3];
      if (starts('MST')) return ['MST', 3];
      return null;
    case '0':
      if (/^0[1-6]/.test(s)) return [s.slice(0, 2), 2];
      if (starts('002')) return ['002', 3];
      return null;
    case '1':
      return starts('15') ? ['15', 2] : ['1', 1];
    case '2':
      return starts('2006') ? ['2006', 4] : ['2', 1];
    case '_':
      if (starts('_2') && !starts('_2006')) return ['_2', 2];
      if (starts('__2')) return ['__2', 3];
      return null;
    case '3':
    case '4':
    case '5':
      return [s[0], 1];
    case 'P':
      return starts('PM') ? ['PM', 2] : null;
    case 'p':
      return starts('pm') ? ['pm', 2] : null;
    case '-':
    case 'Z':
      for (const z of ['070000', '07:00:00', '0700', '07:00', '07']) {
        if (s.startsWith(z, 1)) return [s[0] + z, z.length + 1];
      }
      return null;
    case '.':
    case ',': {
      const ch = s[1];
      if (ch !== '0' && ch !== '9') return null;
      let j = 1;
      while (s[j] === ch) j++;
      if (/^[0-9]/.test(s.slice(j))) return null;
      return [s.slice(0, j), j];
    }
  }
  return null;
}

function formatZone(token: string, offset: number): string {
  if (token[0] === 'Z' && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor(abs / 60) % 60, 2);
  const ss = pad(abs % 60, 2);
  switch (token.slice(1)) {
    case '07':
      return sign + hh;
    case '0700':
      return sign + hh + mm;
    case '07:00':
      return `${sign}${hh}:${mm}`;
    case '070000':
      return sign + hh + mm + ss;
    default:
      return `${sign}${hh}:${mm}:${ss}`;
  }
}

/** Go's Time.Format. */
export function formatTime(t: GoTime, layout: string): string {
  const f = fields(t);
  let out = '';
  let i = 0;
  while (i < layout.length) {
    const chunk = stdChunk(layout.slice(i));
    if (!chunk) {
      out += layout[i];
      i++;
      continue;
    }
    const [tok, len] = chunk;
    i += len;
    const hour12 = f.hour % 12 === 0 ? 12 : f.hour % 12;
    switch (tok) {
      case 'January':
        out += MONTHS[f.month - 1];
        break;
      case 'Jan':
        out += MONTHS[f.month - 1]!.slice(0, 3);
        break;
      case '1':
        out += String(f.month);
        break;
      case '01':
        out += pad(f.month, 2);
        break;
      case 'Monday':
        out += DAYS[f.weekday];
        break;
      case 'Mon':
        out += DAYS[f.weekday]!.slice(0, 3);
        break;
      case '2':
        out += String(f.day);
        break;
      case '_2':
        out += pad(f.day, 2, ' ');
        break;
      case '02':
        out += pad(f.day, 2);
        break;
      case '__2':
        out += pad(f.yday, 3, ' ');
        break;
      case '002':
        out += pad(f.yday, 3);
        break;
      case '15':
        out += pad(f.hour, 2);
        break;
      case '3':
        out += String(hour12);
        break;
      case '03':
        out += pad(hour12, 2);
        break;
      case '4':
        out += String(f.minute);
        break;
      case '04':
        out += pad(f.minute, 2);
        break;
      case '5':
        out += String(f.second);
        break;
      case '05':
        out += pad(f.second, 2);
        break;
      case '2006':
        out += pad(f.year, 4);
        break;
      case '06':
        out += pad(((f.year % 100) + 100) % 100, 2);
        break;
      case 'PM':
        out += f.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += f.hour >= 12 ? 'pm' : 'am';
        break;
      case 'MST':
        out += f.abbrev || formatZone('-0700', f.offset);
        break;
      default:
        if (tok[0] === '-' || tok[0] === 'Z') {
          out += formatZone(tok, f.offset);
        } else {
          // Fractional seconds: ".000" fixed width, ".999" without trailing zeros (and no dot if zero).
          const digits = String(t.nsec)
            .padStart(9, '0')
            .slice(0, tok.length - 1);
          if (tok[1] === '0') out += tok[0] + digits;
          else {
            const trimmed = digits.replace(/0+$/, '');
            if (trimmed) out += tok[0] + trimmed;
          }
        }
    }
  }
  return out;
}

/** Go's Time.String layout. */
export const DEFAULT_LAYOUT = '2006-01-02 15:04:05.999999999 -0700 MST';

export function isZeroTime(t: GoTime): boolean {
  return t.sec === ZERO_TIME.sec && t.nsec === 0;
}

const MAX_DURATION = (1n << 63n) - 1n;
const MIN_DURATION = -(1n << 63n);

export function clampDuration(ns: bigint): GoDuration {
  return new GoDuration(ns > MAX_DURATION ? MAX_DURATION : ns < MIN_DURATION ? MIN_DURATION : ns);
}

/** t - u, saturating as Go's Time.Sub. */
export function subTimes(t: GoTime, u: GoTime): GoDuration {
  return clampDuration((BigInt(t.sec) - BigInt(u.sec)) * 1_000_000_000n + BigInt(t.nsec - u.nsec));
}

/** `v / 10**prec` with `prec` fraction digits, trailing zeros (and the dot) dropped. */
function fracString(v: bigint, prec: number): string {
  const scale = 10n ** BigInt(prec);
  const frac = (v % scale).toString().padStart(prec, '0').replace(/0+$/, '');
  return (v / scale).toString() + (frac ? '.' + frac : '');
}

/** Go's Duration.String: "1h2m3.5s", "1.5s", "250ms", "0s". */
export function durationString(d: GoDuration): string {
  const neg = d.ns < 0n;
  const u = neg ? -d.ns : d.ns;
  let out: string;
  if (u === 0n) return '0s';
  if (u < 1_000n) out = `${u}ns`;
  else if (u < 1_000_000n) out = fracString(u, 3) + 'µs';
  else if (u < 1_000_000_000n) out = fracString(u, 6) + 'ms';
  else {
    const totalSec = u / 1_000_000_000n;
    const secs = fracString((totalSec % 60n) * 1_000_000_000n + (u % 1_000_000_000n), 9) + 's';
    const mins = totalSec / 60n;
    if (mins === 0n) out = secs;
    else if (mins < 60n) out = `${mins}m${secs}`;
    else out = `${mins / 60n}h${mins % 60n}m${secs}`;
  }
  return neg ? '-' + out : out;
}
