import { BUILTINS, FuncError, type FuncDef } from './builtins.js';
import { formatFloatAbs } from './floats.js';
import { checkZone, clampDuration, formatTime, timeFromMillis, subTimes } from './gotime.js';
import { stringList } from './methods.js';
import { regexMatch, regexReplaceAll } from './regex.js';
import { GoDuration, GoFloat, GoList, GoTime, SafeHtml, stringOf, typeName, type Value } from './values.js';

/* Alertmanager's template functions (template.DefaultFuncs), and the registry of all functions. */

/** Go's unicode.ToUpper/ToLower map one code point to one; JS may expand ('ß' -> 'SS'), Go keeps it. */
function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

/** Word-break "Mid" characters (MidLetter, MidNumLet, Single_Quote): inside a word unless doubled. */
const MID = new Set([
  ':',
  '·',
  '\u0387',
  '\u05f4',
  '\u2027',
  '\ufe13',
  '\ufe55',
  '\uff1a',
  '.',
  '\u2018',
  '\u2019',
  '\u2024',
  '\ufe52',
  '\uff07',
  '\uff0e',
  "'",
]);

/**
 * Title case as golang.org/x/text/cases.Title: the first cased letter of each word upper case, the
 * rest lower case. Words break as in its approximation of Unicode word breaking: letters, digits,
 * marks and connectors (_) continue a word, a single "Mid" character (' . : ’) too, anything else
 * (space, -, ", ...) ends it.
 */
export function titleCase(s: string): string {
  let out = '';
  let midWord = false;
  let prevMid = false;
  for (const ch of s) {
    const isMid = MID.has(ch);
    if (prevMid && isMid) midWord = false;
    if (/\p{Cased}/u.test(ch)) {
      out += midWord ? mapRunes(ch, (c) => c.toLowerCase()) : mapRunes(ch, (c) => c.toUpperCase());
      midWord = true;
    } else {
      out += ch;
      if (!isMid && !/[\p{L}\p{N}\p{M}\p{Pc}\p{Cf}]/u.test(ch)) midWord = false;
    }
    prevMid = isMid;
  }
  return out;
}

/** prometheus/common's HumanizeDuration: seconds as "1d 2h 3m 4s", "1.5s", "250ms". */
export function humanizeDuration(v: Value): string {
  let x: number;
  const s = stringOf(v);
  if (typeof v === 'number') x = v;
  else if (v instanceof GoFloat) x = v.v;
  else if (v instanceof GoDuration) x = Number(v.ns) / 1e9;
  else if (s !== null) {
    if (/^[+-]?inf(?:inity)?$/i.test(s)) x = s.startsWith('-') ? -Infinity : Infinity;
    else if (/^[+-]?nan$/i.test(s)) x = NaN;
    else if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) x = Number(s);
    else throw new FuncError(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  } else throw new FuncError(`can't convert ${typeName(v)} to float`);
  const g4 = (n: number) => (n < 0 ? '-' : '') + formatFloatAbs(n, 'g', 4);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return '0s';
  if (Math.abs(x) >= 1) {
    const sign = x < 0 ? '-' : '';
    const a = Math.abs(x);
    const total = Math.trunc(a);
    const secs = total % 60;
    const mins = Math.trunc(total / 60) % 60;
    const hours = Math.trunc(total / 3600) % 24;
    const days = Math.trunc(total / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${mins}m ${secs}s`;
    if (hours !== 0) return `${sign}${hours}h ${mins}m ${secs}s`;
    if (mins !== 0) return `${sign}${mins}m ${secs}s`;
    return `${sign}${formatFloatAbs(a, 'g', 4)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return `${g4(x)}${prefix}s`;
}

const AM_FUNCS = new Map<string, FuncDef>([
  ['toUpper', { params: ['string'], call: ([s]) => mapRunes(s as string, (c) => c.toUpperCase()) }],
  ['toLower', { params: ['string'], call: ([s]) => mapRunes(s as string, (c) => c.toLowerCase()) }],
  ['title', { params: ['string'], call: ([s]) => titleCase(s as string) }],
  [
    'trimSpace',
    { params: ['string'], call: ([s]) => (s as string).replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '') },
  ],
  [
    'join',
    {
      params: ['string', 'strings'],
      call: ([sep, list], ctx) => {
        const out = (list as GoList).items.join(sep as string);
        if (out.length > ctx.maxString) throw new FuncError(`result longer than ${ctx.maxString} characters`);
        return out;
      },
    },
  ],
  [
    'match',
    { params: ['string', 'string'], call: ([p, s]) => wrap(() => regexMatch(p as string, s as string)) },
  ],
  [
    'reReplaceAll',
    {
      params: ['string', 'string', 'string'],
      call: ([p, r, s], ctx) =>
        wrap(() => regexReplaceAll(p as string, r as string, s as string, ctx.maxString)),
    },
  ],
  ['safeHtml', { params: ['string'], call: ([s]) => new SafeHtml(s as string) }],
  ['stringSlice', { params: [], variadic: 'string', call: (a) => stringList(a as string[]) }],
  ['date', { params: ['string', 'time'], call: ([layout, t]) => formatTime(t as GoTime, layout as string) }],
  [
    'tz',
    {
      params: ['string', 'time'],
      call: ([name, t]) => {
        const zone = wrap(() => checkZone(name as string));
        return new GoTime((t as GoTime).sec, (t as GoTime).nsec, zone);
      },
    },
  ],
  [
    'since',
    {
      params: ['time'],
      call: ([t], ctx) => clampDuration(subTimes(timeFromMillis(ctx.now()), t as GoTime).ns),
    },
  ],
  ['humanizeDuration', { params: ['any'], call: ([v]) => humanizeDuration(v) }],
]);

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FuncError) throw e;
    throw new FuncError((e as Error).message);
  }
}

/** Every function a template may call: Go's builtins and Alertmanager's. */
export const FUNCTIONS: ReadonlyMap<string, FuncDef> = new Map([...BUILTINS, ...AM_FUNCS]);

export function hasFunction(name: string): boolean {
  return FUNCTIONS.has(name);
}
