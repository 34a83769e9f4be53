import { sprint, sprintf, sprintln } from './fmt.js';
import { KV, type ParamKind } from './methods.js';
import {
  basicKind,
  GoDuration,
  GoFloat,
  GoList,
  GoMap,
  GoStruct,
  GoTime,
  isTrue,
  SafeHtml,
  stringOf,
  typeName,
  utf8Length,
  type Value,
} from './values.js';

/* Go's predefined template functions (https://pkg.go.dev/text/template#hdr-Functions). */

/** A function failed at run time; reported as "error calling <name>: <message>", as Go does. */
export class FuncError extends Error {}

export interface FuncContext {
  /** Milliseconds since the epoch (for `since`). */
  now(): number;
  /** Longest string a function may build. */
  maxString: number;
  /** HTML mode: `html`'s result is then already escaped for output (as html/template treats it). */
  html: boolean;
}

export interface FuncDef {
  params: readonly ParamKind[];
  /** Type of any further arguments (a Go variadic function). */
  variadic?: ParamKind;
  call(args: Value[], ctx: FuncContext): Value;
}

function intValue(v: Value): bigint {
  return v instanceof GoDuration ? v.ns : BigInt(v as number);
}

function comparable(a: Value, b: Value): boolean {
  if (a instanceof GoTime && b instanceof GoTime)
    return a.sec === b.sec && a.nsec === b.nsec && a.zone === b.zone;
  if (a instanceof GoStruct && b instanceof GoStruct && a.type === b.type) {
    return [...a.fields].every(([k, x]) => equal(x, b.fields.get(k)));
  }
  throw new FuncError(`non-comparable types ${typeName(a)} and ${typeName(b)}`);
}

/** Go's eq of two values: errors on incompatible kinds; nil compares false with anything but nil. */
function equal(a: Value, b: Value): boolean {
  let k1 = basicKind(a);
  let k2 = basicKind(b);
  // Go classifies structs like nil here (both are "invalid" basic kinds).
  if (k1 === 'other') k1 = 'invalid';
  if (k2 === 'other') k2 = 'invalid';
  if (k1 !== k2) {
    if (a !== undefined && a !== null && b !== undefined && b !== null) {
      throw new FuncError('incompatible types for comparison');
    }
    return false;
  }
  switch (k1) {
    case 'bool':
      return a === b;
    case 'int':
      return intValue(a) === intValue(b);
    case 'float':
      return (a as GoFloat).v === (b as GoFloat).v;
    case 'string':
      return stringOf(a) === stringOf(b);
  }
  const aNil = a === undefined || a === null;
  const bNil = b === undefined || b === null;
  if (aNil || bNil) return aNil === bNil;
  return comparable(a, b);
}

function less(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'other' || k2 === 'invalid' || k2 === 'other') {
    throw new FuncError('invalid type for comparison');
  }
  if (k1 !== k2) throw new FuncError('incompatible types for comparison');
  switch (k1) {
    case 'int':
      return intValue(a) < intValue(b);
    case 'float':
      return (a as GoFloat).v < (b as GoFloat).v;
    case 'string':
      return Buffer.compare(Buffer.from(stringOf(a)!), Buffer.from(stringOf(b)!)) < 0;
  }
  throw new FuncError('invalid type for comparison');
}

function indexArg(i: Value, len: number, what: string): number {
  if (typeof i !== 'number') throw new FuncError(`cannot index ${what} with type ${typeName(i)}`);
  if (i < 0 || i >= len) throw new FuncError(`index out of range: ${i}`);
  return i;
}

function index(item: Value, keys: Value[]): Value {
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  for (const k of keys) {
    const s = stringOf(item);
    if (s !== null) {
      const bytes = Buffer.from(s);
      item = bytes[indexArg(k, bytes.length, 'string')]!;
    } else if (item instanceof GoList) item = item.items[indexArg(k, item.items.length, 'slice')];
    else if (item instanceof GoMap) {
      const key = stringOf(k);
      if (key === null) throw new FuncError(`value has type ${typeName(k)}; should be string`);
      item = item.entries.has(key) ? item.entries.get(key) : item.type === KV ? '' : null;
    } else throw new FuncError(`can't index item of type ${typeName(item)}`);
  }
  return item;
}

function slice(item: Value, idx: Value[]): Value {
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (idx.length > 2) throw new FuncError(`too many slice indexes: ${idx.length}`);
  const s = stringOf(item);
  const len = s !== null ? Buffer.byteLength(s) : item instanceof GoList ? item.items.length : -1;
  if (len < 0) throw new FuncError(`can't slice item of type ${typeName(item)}`);
  const bounds = [0, len];
  idx.forEach((v, i) => {
    if (typeof v !== 'number') throw new FuncError(`cannot index slice/array with type ${typeName(v)}`);
    if (v < 0 || v > len) throw new FuncError(`index out of range: ${v}`);
    bounds[i] = v;
  });
  if (bounds[0]! > bounds[1]!) throw new FuncError(`invalid slice index: ${bounds[0]} > ${bounds[1]}`);
  if (s !== null) return Buffer.from(s).subarray(bounds[0], bounds[1]).toString('utf8');
  return new GoList((item as GoList).type, (item as GoList).items.slice(bounds[0], bounds[1]));
}

function length(item: Value): number {
  const s = stringOf(item);
  if (s !== null) return utf8Length(s);
  if (item instanceof GoList) return item.items.length;
  if (item instanceof GoMap) return item.entries.size;
  if (item === undefined || item === null) throw new FuncError('len of nil pointer');
  throw new FuncError(`len of type ${typeName(item)}`);
}

/** The text of html/js/urlquery's arguments (Go's evalArgs). */
function argsText(args: Value[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

const HTML_ESCAPES: Record<string, string> = {
  '\0': '\uFFFD',
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '+': '&#43;',
};

/** text/template's HTMLEscapeString (the `html` function). */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => HTML_ESCAPES[c]!);
}

/** html/template's escaping of text content (HTML mode), which also escapes +. */
export function htmlTextEscape(s: string): string {
  return s.replace(/[\0"'&<>+]/g, (c) => HTML_ESCAPES[c]!);
}

const JS_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};

/** text/template's JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (Object.hasOwn(JS_ESCAPES, ch)) out += JS_ESCAPES[ch];
    else if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp >= 0x80 && !/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) {
      out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    } else out += ch;
  }
  return out;
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export const BUILTINS = new Map<string, FuncDef>([
  // and/or are evaluated lazily by the executor; these entries give their arity.
  ['and', { params: ['any'], variadic: 'any', call: (a) => a.find((v) => !isTrue(v)) ?? a[a.length - 1] }],
  ['or', { params: ['any'], variadic: 'any', call: (a) => a.find((v) => isTrue(v)) ?? a[a.length - 1] }],
  ['not', { params: ['any'], call: ([v]) => !isTrue(v) }],
  ['len', { params: ['any'], call: ([v]) => length(v) }],
  ['index', { params: ['any'], variadic: 'any', call: ([item, ...keys]) => index(item, keys) }],
  ['slice', { params: ['any'], variadic: 'any', call: ([item, ...idx]) => slice(item, idx) }],
  ['print', { params: [], variadic: 'any', call: (a) => sprint(a) }],
  ['println', { params: [], variadic: 'any', call: (a) => sprintln(a) }],
  ['printf', { params: ['string'], variadic: 'any', call: ([f, ...a]) => sprintf(f as string, a) }],
  [
    'html',
    {
      params: [],
      variadic: 'any',
      call: (a, ctx) => (ctx.html ? new SafeHtml(htmlEscape(argsText(a))) : htmlEscape(argsText(a))),
    },
  ],
  ['js', { params: [], variadic: 'any', call: (a) => jsEscape(argsText(a)) }],
  ['urlquery', { params: [], variadic: 'any', call: (a) => queryEscape(argsText(a)) }],
  [
    'call',
    {
      params: ['any'],
      variadic: 'any',
      call: ([fn]) => {
        throw new FuncError(fn === null ? 'call of nil' : `non-function of type ${typeName(fn)}`);
      },
    },
  ],
  [
    'eq',
    {
      params: ['any'],
      variadic: 'any',
      call: ([a, ...bs]) => {
        if (bs.length === 0) throw new FuncError('missing argument for comparison');
        return bs.some((b) => equal(a, b));
      },
    },
  ],
  ['ne', { params: ['any', 'any'], call: ([a, b]) => !equal(a, b) }],
  ['lt', { params: ['any', 'any'], call: ([a, b]) => less(a, b) }],
  ['le', { params: ['any', 'any'], call: ([a, b]) => less(a, b) || equal(a, b) }],
  ['gt', { params: ['any', 'any'], call: ([a, b]) => !(less(a, b) || equal(a, b)) }],
  ['ge', { params: ['any', 'any'], call: ([a, b]) => !less(a, b) }],
]);
