import { ConditionError } from './errors.js';

/*
 * The scanner of the condition language, producing all tokens at once. Numbers (`200`, `0.5`, `1e3`),
 * durations (`500ms`, `1m30s`: numbers of milliseconds), strings in double quotes with JSON escapes,
 * identifiers (source names, function names, field names, `true` `false` `null`), and operators.
 */

export type TokenKind = 'number' | 'duration' | 'string' | 'ident' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token as written (for a string, with its quotes and escapes). */
  text: string;
  /** Numbers and durations: the number (durations in ms); strings: the decoded string. */
  value: number | string | null;
  /** Offset of the token's first character. */
  start: number;
  /** Offset just after its last character. */
  end: number;
}

export const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '(',
  ')',
  '[',
  ']',
  '.',
  ',',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Milliseconds per duration unit. */
export const DURATION_UNITS: ReadonlyMap<string, number> = new Map([
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
]);

/** Below this magnitude durations are rounded to whole microseconds (so `1.1s` is exactly 1100). */
const ROUNDABLE_MS = 9e12;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdentStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
const isIdentPart = (c: string | undefined): boolean => isIdentStart(c) || isDigit(c);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** What an unexpected character probably meant. */
const HINTS: Readonly<Record<string, string>> = {
  '=': ' (use == to compare)',
  '&': ' (use && for "and")',
  '|': ' (use || for "or")',
  "'": ' (strings are written in double quotes)',
};

export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  const fail = (offset: number, reason: string): never => {
    throw new ConditionError(reason, input, offset + 1);
  };
  let pos = 0;

  /** Digits, an optional fraction and exponent, from `pos`; returns its end. */
  const scanNumber = (from: number): number => {
    let i = from;
    while (isDigit(input[i])) i++;
    if (input[i] === '.' && isDigit(input[i + 1])) {
      i++;
      while (isDigit(input[i])) i++;
    } else if (input[i] === '.' && !isIdentStart(input[i + 1])) {
      fail(i + 1, 'expected a digit after the decimal point');
    }
    if (input[i] === 'e' || input[i] === 'E') {
      const sign = input[i + 1] === '+' || input[i + 1] === '-' ? 1 : 0;
      if (isDigit(input[i + 1 + sign])) {
        i += 1 + sign;
        while (isDigit(input[i])) i++;
      }
    }
    return i;
  };

  const number = (start: number): void => {
    let end = scanNumber(start);
    if (input[end] === '.') fail(end, 'a number cannot be followed by "." (use [0] to index a list)');
    if (!isIdentStart(input[end])) {
      const value = Number(input.slice(start, end));
      if (!Number.isFinite(value)) fail(start, 'number out of range');
      tokens.push({ kind: 'number', text: input.slice(start, end), value, start, end });
      return;
    }
    // A duration: one or more number-unit pairs, e.g. 1h30m.
    let total = 0;
    let partStart = start;
    for (;;) {
      const unitStart = end;
      while (isIdentPart(input[end]) && !isDigit(input[end])) end++;
      const unit = input.slice(unitStart, end);
      const factor = DURATION_UNITS.get(unit);
      if (factor === undefined) fail(unitStart, `unknown duration unit ${JSON.stringify(unit)}`);
      total += Number(input.slice(partStart, unitStart)) * factor!;
      if (!isDigit(input[end])) break;
      partStart = end;
      end = scanNumber(end);
      if (!isIdentStart(input[end]))
        fail(end, `missing unit after ${input.slice(partStart, end)} in duration`);
    }
    if (isIdentPart(input[end]) || input[end] === '.') fail(end, `unexpected ${JSON.stringify(input[end])}`);
    if (!Number.isFinite(total)) fail(start, 'duration out of range');
    const value = Math.abs(total) < ROUNDABLE_MS ? Math.round(total * 1000) / 1000 : total;
    tokens.push({ kind: 'duration', text: input.slice(start, end), value, start, end });
  };

  const string = (start: number): void => {
    let out = '';
    let i = start + 1;
    for (;;) {
      const c = input[i];
      if (c === undefined) fail(start, 'unterminated string');
      if (c === '"') break;
      if (c! < ' ') fail(i, 'control character in string (write it as an escape such as \\n)');
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const e = input[i + 1];
      if (e === 'u') {
        const hex = input.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(i, 'invalid \\u escape in string (needs four hex digits)');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
        out += ESCAPES[e];
        i += 2;
      } else {
        fail(i, `invalid escape ${JSON.stringify('\\' + (e ?? ''))} in string`);
      }
    }
    tokens.push({ kind: 'string', text: input.slice(start, i + 1), value: out, start, end: i + 1 });
    pos = i + 1;
  };

  while (pos < input.length) {
    const c = input[pos]!;
    if (isSpace(c)) {
      pos++;
      continue;
    }
    const start = pos;
    if (isDigit(c)) {
      number(start);
      pos = tokens[tokens.length - 1]!.end;
    } else if (c === '"') {
      string(start);
    } else if (isIdentStart(c)) {
      while (isIdentPart(input[pos])) pos++;
      tokens.push({ kind: 'ident', text: input.slice(start, pos), value: null, start, end: pos });
    } else {
      const op = OPERATORS.find((o) => input.startsWith(o, pos));
      if (op === undefined) {
        const ch = String.fromCodePoint(input.codePointAt(pos)!);
        fail(pos, `unexpected character ${JSON.stringify(ch)}${HINTS[ch] ?? ''}`);
      }
      pos += op!.length;
      tokens.push({ kind: 'op', text: op!, value: null, start, end: pos });
    }
  }
  tokens.push({ kind: 'eof', text: '', value: null, start: input.length, end: input.length });
  return tokens;
}
