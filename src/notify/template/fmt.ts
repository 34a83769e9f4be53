import { formatFloatAbs } from './floats.js';
import { DEFAULT_LAYOUT, durationString, formatTime } from './gotime.js';
import {
  GoDuration,
  GoFloat,
  GoList,
  GoMap,
  GoStruct,
  GoTime,
  SafeHtml,
  sortedEntries,
  typeName,
  type Value,
} from './values.js';

/* Go's fmt package, for print, println, printf and for printing action results. */

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | null;
  prec: number | null;
}

const PLAIN: Spec = {
  minus: false,
  plus: false,
  sharp: false,
  space: false,
  zero: false,
  width: null,
  prec: null,
};

/** Go's %v of a value (what `{{ . }}` prints). */
export function formatValue(v: Value): string {
  return formatArg(v, 'v', PLAIN);
}

function isStringKind(v: Value): boolean {
  return typeof v === 'string' || v instanceof SafeHtml;
}

/** fmt.Sprint: operands are separated by a space when neither side is a string. */
export function sprint(args: readonly Value[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && !isStringKind(a) && !isStringKind(args[i - 1])) out += ' ';
    out += formatValue(a);
  });
  return out;
}

/** fmt.Sprintln: always spaces, and a newline. */
export function sprintln(args: readonly Value[]): string {
  return args.map(formatValue).join(' ') + '\n';
}

function padTo(s: string, spec: Spec, zeroOk: boolean): string {
  if (spec.width === null) return s;
  const n = [...s].length;
  if (n >= spec.width) return s;
  const fill = spec.width - n;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && zeroOk) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  return ' '.repeat(fill) + s;
}

function isPrint(ch: string): boolean {
  return ch === ' ' || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** strconv.Quote (ascii: QuoteToASCII). */
export function quote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const simple: Record<string, string> = {
      '\x07': '\\a',
      '\b': '\\b',
      '\f': '\\f',
      '\n': '\\n',
      '\r': '\\r',
      '\t': '\\t',
      '\v': '\\v',
      '\\': '\\\\',
      '"': '\\"',
    };
    if (Object.hasOwn(simple, ch)) out += simple[ch];
    else if (cp < 0x80 ? cp >= 0x20 && cp < 0x7f : !ascii && isPrint(ch)) out += ch;
    else if (cp < 0x80) out += '\\x' + hex(cp, 2);
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out + '"';
}

/** strconv.CanBackquote: no backquote, no control character but tab, no BOM. */
function canBackquote(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '`' || ch === '\ufeff' || (c < 0x20 && c !== 9) || c === 0x7f) return false;
  }
  return true;
}

function badVerb(verb: string, v: Value): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatValue(v)})`;
}

function formatInt(n: number | bigint, verb: string, spec: Spec): string {
  const neg = n < 0;
  const abs = typeof n === 'bigint' ? (neg ? -n : n) : Math.abs(n);
  let body: string;
  switch (verb) {
    case 'v':
    case 'd':
      body = abs.toString(10);
      break;
    case 'b':
      body = abs.toString(2);
      break;
    case 'o':
    case 'O':
      body = abs.toString(8);
      break;
    case 'x':
      body = abs.toString(16);
      break;
    case 'X':
      body = abs.toString(16).toUpperCase();
      break;
    case 'c':
      return padTo(String.fromCodePoint(Number(abs) <= 0x10ffff ? Number(n) : 0xfffd), spec, false);
    case 'q': {
      const cp = Number(n);
      const ch = cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      return padTo(ch === "'" ? "'\\''" : `'${quote(ch).slice(1, -1).replace(/\\"/g, '"')}'`, spec, false);
    }
    case 'U':
      return padTo('U+' + abs.toString(16).toUpperCase().padStart(4, '0'), spec, false);
    default:
      return badVerb(verb, typeof n === 'bigint' ? new GoDuration(n) : n);
  }
  if (spec.prec !== null)
    body = spec.prec === 0 && abs.toString() === '0' ? '' : body.padStart(spec.prec, '0');
  if (spec.sharp || verb === 'O') {
    if (verb === 'x') body = '0x' + body;
    else if (verb === 'X') body = '0X' + body;
    else if (verb === 'o' && body[0] !== '0') body = '0' + body;
    else if (verb === 'O') body = '0o' + body;
    else if (verb === 'b') body = '0b' + body;
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return padTo(sign + body, spec, spec.prec === null);
}

function formatFloat(v: number, verb: string, spec: Spec): string {
  const fverb = verb === 'v' ? 'g' : verb;
  if (!'eEfFgG'.includes(fverb)) return badVerb(verb, new GoFloat(v));
  if (Number.isNaN(v)) return padTo(spec.plus ? '+NaN' : spec.space ? ' NaN' : 'NaN', spec, false);
  const neg = v < 0 || Object.is(v, -0);
  if (!Number.isFinite(v)) return padTo((neg ? '-' : '+') + 'Inf', spec, false);
  const prec = spec.prec ?? (fverb === 'g' || fverb === 'G' ? -1 : 6);
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return padTo(sign + formatFloatAbs(v, fverb, prec), spec, true);
}

function formatString(s: string, verb: string, spec: Spec, orig: Value): string {
  switch (verb) {
    case 'v':
    case 's': {
      const t = spec.prec !== null ? [...s].slice(0, spec.prec).join('') : s;
      return padTo(t, spec, false);
    }
    case 'q':
      return padTo(spec.sharp && canBackquote(s) ? '`' + s + '`' : quote(s, spec.plus), spec, false);
    case 'x':
    case 'X': {
      // "% x" separates the bytes; "#" prefixes 0x (each byte, with the space flag).
      const prefix = spec.sharp ? '0x' : '';
      const bytes = [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0'));
      let h = spec.space ? bytes.map((b) => prefix + b).join(' ') : prefix + bytes.join('');
      if (verb === 'X') h = h.toUpperCase();
      return padTo(h, spec, false);
    }
    default:
      return badVerb(verb, orig);
  }
}

function formatArg(v: Value, verb: string, spec: Spec): string {
  if (verb === 'T') return padTo(typeName(v === undefined ? null : v), spec, false);
  if (v === undefined || v === null) {
    return verb === 'v' ? padTo('<nil>', spec, false) : badVerb(verb, null);
  }
  if (typeof v === 'string') return formatString(v, verb, spec, v);
  if (v instanceof SafeHtml) return formatString(v.s, verb, spec, v);
  if (typeof v === 'number') return formatInt(v, verb, spec);
  if (typeof v === 'boolean') {
    return verb === 't' || verb === 'v' ? padTo(String(v), spec, false) : badVerb(verb, v);
  }
  if (v instanceof GoFloat) return formatFloat(v.v, verb, spec);
  // time.Duration and time.Time are Stringers: %v %s %q %x use String().
  if (v instanceof GoDuration) {
    return 'vsqxX'.includes(verb)
      ? formatString(durationString(v), verb, spec, v)
      : formatInt(v.ns, verb, spec);
  }
  if (v instanceof GoTime) {
    return 'vsqxX'.includes(verb)
      ? formatString(formatTime(v, DEFAULT_LAYOUT), verb, spec, v)
      : badVerb(verb, v);
  }
  if (v instanceof GoList) return '[' + v.items.map((x) => formatArg(x, verb, spec)).join(' ') + ']';
  if (v instanceof GoMap) {
    const parts = sortedEntries(v).map(([k, x]) => `${formatArg(k, verb, spec)}:${formatArg(x, verb, spec)}`);
    return 'map[' + parts.join(' ') + ']';
  }
  if (v instanceof GoStruct) {
    const parts = [...v.fields].map(([k, x]) => (spec.plus ? `${k}:` : '') + formatArg(x, verb, spec));
    return '{' + parts.join(' ') + '}';
  }
  return badVerb(verb, v);
}

/** Largest width or precision Go's fmt accepts. */
const MAX_NUM = 1_000_000;

/** fmt.Sprintf. Argument indexes (%[1]d) are not supported. */
export function sprintf(format: string, args: readonly Value[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  const end = format.length;
  /** Go's parsenum: a number with more digits after passing 1e6 is an overflow that ends the format. */
  const readNum = (): number | null => {
    let num: number | null = null;
    while (i < end && format[i]! >= '0' && format[i]! <= '9') {
      if (num !== null && num > MAX_NUM) {
        i = end;
        return null;
      }
      num = (num ?? 0) * 10 + Number(format[i]);
      i++;
    }
    return num;
  };
  while (i < end) {
    const next = format.indexOf('%', i);
    if (next < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, next);
    i = next + 1;
    const spec: Spec = { ...PLAIN };
    for (; i < end; i++) {
      const c = format[i];
      if (c === '#') spec.sharp = true;
      else if (c === '0') spec.zero = !spec.minus;
      else if (c === '+') spec.plus = true;
      else if (c === '-') {
        spec.minus = true;
        spec.zero = false;
      } else if (c === ' ') spec.space = true;
      else break;
    }
    let bad = '';
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (typeof w === 'number' && Math.abs(w) <= MAX_NUM) {
        spec.width = Math.abs(w);
        if (w < 0) {
          spec.minus = true;
          spec.zero = false;
        }
      } else bad = '%!(BADWIDTH)';
    } else {
      spec.width = readNum();
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (typeof p === 'number' && p >= 0 && p <= MAX_NUM) spec.prec = p;
        else bad += '%!(BADPREC)';
      } else {
        spec.prec = readNum() ?? 0;
      }
    }
    out += bad;
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') out += '%';
    else if (argNum >= args.length) out += `%!${verb}(MISSING)`;
    else out += formatArg(args[argNum++], verb, spec);
  }
  if (argNum < args.length) {
    const extra = args
      .slice(argNum)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
