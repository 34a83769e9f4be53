import { EvalFailure, equal, keys, member, typeName, type JsonObject, type Value } from './values.js';

/* The functions conditions can call. Their names and argument counts are checked when parsing. */

export interface CallEnv {
  /** The evaluation time, ms since the epoch. */
  now: number;
  /** `matches`: the compiled regular expression. */
  regex: RegExp | null;
}

export interface FunctionSpec {
  minArgs: number;
  maxArgs: number;
  /** The index of an argument that must be a string literal (compiled as a regular expression). */
  regexArg?: number;
  /** Throws EvalFailure for an argument of the wrong type. */
  call(args: readonly Value[], env: CallEnv): Value;
}

/** Epoch numbers below this are seconds, at or above it milliseconds (1e11 s is the year 5138). */
export const EPOCH_MS_THRESHOLD = 1e11;

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:\s?([Zz]|[+-]\d{2}(?::?\d{2})?))?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds since the epoch of an RFC 3339 timestamp (`2024-05-01T12:00:00.250Z`,
 * `2024-05-01 14:00:00+02:00`), also in PostgreSQL's text form (`+02`) and without an offset (then
 * UTC); null when `s` is not one.
 */
export function parseTimestamp(s: string): number | null {
  const m = TIMESTAMP.exec(s);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return null;
  if (month === 2 && day === 29 && !leap) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return null;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  return date.getTime() - offset;
}

/** A timestamp (RFC 3339 string, or epoch seconds / milliseconds) as ms since the epoch. */
export function timestampMs(v: Value): number {
  if (typeof v === 'number') return Math.abs(v) < EPOCH_MS_THRESHOLD ? v * 1000 : v;
  if (typeof v === 'string') {
    const t = parseTimestamp(v);
    if (t === null) throw new EvalFailure(`${JSON.stringify(v)} is not an RFC 3339 timestamp`);
    return t;
  }
  throw new EvalFailure(`needs a timestamp (a string or a number), got ${typeName(v)}`);
}

const NUMERIC = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function needs(what: string, v: Value): never {
  throw new EvalFailure(`needs ${what}, got ${typeName(v)}`);
}

/** The smallest (sign 1) or largest (sign -1) of numbers given as arguments or as one array; null for []. */
function extreme(args: readonly Value[], sign: 1 | -1): number | null {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly unknown[]) : args;
  let best: number | null = null;
  for (let i = 0; i < list.length; i++) {
    const v = list === args ? args[i]! : member(list, i);
    if (typeof v !== 'number') return needs('numbers', v);
    if (best === null || (sign === 1 ? v < best : v > best)) best = v;
  }
  return best;
}

/** Non-null values keep their identity through these: null in, null out. */
function nullOr<T extends Value>(v: Value, f: (v: Value) => T): T | null {
  return v === null ? null : f(v);
}

const specs: Record<string, FunctionSpec> = {
  age: {
    minArgs: 1,
    maxArgs: 1,
    call: ([t], env) => nullOr(t!, (v) => env.now - timestampMs(v)),
  },
  now: { minArgs: 0, maxArgs: 0, call: (_args, env) => env.now },
  len: {
    minArgs: 1,
    maxArgs: 1,
    call: ([v]) => {
      if (v === null) return 0;
      if (typeof v === 'string') return [...v].length;
      if (Array.isArray(v)) return v.length;
      if (typeof v === 'object') return keys(v as JsonObject).length;
      return needs('a string, an array or an object', v!);
    },
  },
  number: {
    minArgs: 1,
    maxArgs: 1,
    call: ([v]) =>
      nullOr(v!, (x) => {
        if (typeof x === 'number') return x;
        if (typeof x !== 'string') return needs('a string', x);
        const n = Number(x);
        if (!NUMERIC.test(x) || !Number.isFinite(n))
          throw new EvalFailure(`${JSON.stringify(x)} is not a number`);
        return n;
      }),
  },
  lower: {
    minArgs: 1,
    maxArgs: 1,
    call: ([v]) => nullOr(v!, (x) => (typeof x === 'string' ? x.toLowerCase() : needs('a string', x))),
  },
  upper: {
    minArgs: 1,
    maxArgs: 1,
    call: ([v]) => nullOr(v!, (x) => (typeof x === 'string' ? x.toUpperCase() : needs('a string', x))),
  },
  has: { minArgs: 1, maxArgs: 1, call: ([v]) => v !== null },
  min: {
    minArgs: 1,
    maxArgs: Infinity,
    call: (args) => extreme(args, 1),
  },
  max: {
    minArgs: 1,
    maxArgs: Infinity,
    call: (args) => extreme(args, -1),
  },
  abs: {
    minArgs: 1,
    maxArgs: 1,
    call: ([v]) => nullOr(v!, (x) => (typeof x === 'number' ? Math.abs(x) : needs('a number', x))),
  },
  contains: {
    minArgs: 2,
    maxArgs: 2,
    call: ([haystack, needle]) => {
      if (haystack === null) return false;
      if (typeof haystack === 'string') {
        return typeof needle === 'string'
          ? haystack.includes(needle)
          : needs('a string to look for', needle!);
      }
      if (Array.isArray(haystack)) {
        for (let i = 0; i < haystack.length; i++) {
          if (equal(member(haystack, i), needle!)) return true;
        }
        return false;
      }
      return needs('a string or an array to look in', haystack!);
    },
  },
  matches: {
    minArgs: 2,
    maxArgs: 2,
    regexArg: 1,
    call: ([s], env) => {
      if (s === null) return false;
      return typeof s === 'string' ? env.regex!.test(s) : needs('a string', s!);
    },
  },
};

/** The functions by name (a Map, so that names such as `constructor` are not found on a prototype). */
export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(Object.entries(specs));
