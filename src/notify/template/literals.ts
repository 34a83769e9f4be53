import { GoFloat, type Value } from './values.js';

/* Go literal syntax inside actions: interpreted and raw strings, character constants, numbers. */

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/**
 * The characters of a quoted literal (without its quotes), with escapes resolved. Byte escapes
 * (\xhh, \ooo) are collected and decoded as UTF-8, so "\xc3\xa9" is "é". Throws a message on a bad escape.
 */
function unescape(body: string, quote: '"' | "'"): string {
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      flush();
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error('invalid syntax');
    if (Object.hasOwn(SIMPLE_ESCAPES, e) || e === quote) {
      flush();
      out += e === quote ? e : SIMPLE_ESCAPES[e];
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const h = body.slice(i + 1, i + 1 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(h)) throw new Error('invalid syntax');
      const n = parseInt(h, 16);
      i += hexLen;
      if (e === 'x') bytes.push(n);
      else {
        if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) throw new Error('invalid syntax');
        flush();
        out += String.fromCodePoint(n);
      }
      continue;
    }
    if (e >= '0' && e <= '7') {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) throw new Error('invalid syntax');
      bytes.push(parseInt(o, 8));
      i += 2;
      continue;
    }
    throw new Error('invalid syntax');
  }
  flush();
  return out;
}

/** The value of a string token ("..." or `...`). */
export function unquoteString(token: string): string {
  if (token.startsWith('`')) return token.slice(1, -1).replace(/\r/g, '');
  return unescape(token.slice(1, -1), '"');
}

/** The code point of a character constant token ('a', '\n', '\u00e9'). */
export function unquoteChar(token: string): number {
  const body = token.slice(1, -1);
  // A single byte escape is the byte value itself.
  const byte = /^\\(?:x([0-9a-fA-F]{2})|([0-7]{3}))$/.exec(body);
  if (byte) {
    const n = byte[1] !== undefined ? parseInt(byte[1], 16) : parseInt(byte[2]!, 8);
    if (n <= 255) return n;
  }
  const s = unescape(body, "'");
  const chars = [...s];
  if (chars.length !== 1) throw new Error(`malformed character constant: ${token}`);
  return chars[0]!.codePointAt(0)!;
}

const INT =
  /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;
const DEC_FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]((?:_?[0-9a-fA-F])*)(?:\.((?:[0-9a-fA-F]_?)*))?[pP]([+-]?\d(?:_?\d)*)$/;

/** A number token's value: an int (JS number) or a float (GoFloat). Throws a message when invalid. */
export function parseNumber(text: string): Value {
  if (text.endsWith('i')) throw new Error(`complex numbers are not supported: ${JSON.stringify(text)}`);
  const clean = text.replace(/_/g, '');
  if (INT.test(text)) {
    const neg = clean.startsWith('-');
    const body = clean.replace(/^[+-]/, '');
    let n: number;
    if (/^0[xXoObB]/.test(body)) n = Number(body.slice(0, 2).toLowerCase() + body.slice(2));
    else if (body.length > 1 && body.startsWith('0')) n = parseInt(body.slice(1), 8);
    else n = Number(body);
    if (!Number.isSafeInteger(n)) throw new Error(`integer overflow: ${JSON.stringify(text)}`);
    return neg ? (n === 0 ? 0 : -n) : n;
  }
  if (DEC_FLOAT.test(text)) {
    if (!/[.eE]/.test(text)) throw new Error(`integer overflow: ${JSON.stringify(text)}`);
    return new GoFloat(Number(clean));
  }
  const hex = HEX_FLOAT.exec(text);
  if (hex) {
    const intPart = (hex[2] ?? '').replace(/_/g, '');
    const frac = (hex[3] ?? '').replace(/_/g, '');
    if (intPart + frac === '') throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
    const mant = parseInt(intPart + frac || '0', 16);
    const v = mant * 2 ** (Number(hex[4]!.replace(/_/g, '')) - 4 * frac.length);
    return new GoFloat(hex[1] === '-' ? -v : v);
  }
  throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
}
