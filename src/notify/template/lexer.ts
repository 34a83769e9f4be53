import { TemplateError, type Position } from './errors.js';

/* The scanner of Go's text/template (text/template/parse/lex.go), producing all tokens at once. */

export type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'bool'
  | 'charConstant'
  | 'number'
  | 'string'
  | 'rawString'
  | 'variable'
  | 'field'
  | 'identifier'
  | 'keyword'
  | 'leftParen'
  | 'rightParen'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'char'
  | 'dot'
  | 'eof';

export interface Token {
  type: TokenType;
  /** The token's text; for keywords the keyword, for text the (trimmed) text. */
  value: string;
  pos: Position;
}

export const KEYWORDS = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'nil',
  'range',
  'template',
  'with',
]);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);

function hasLeftTrimMarker(s: string, i: number): boolean {
  return s[i] === '-' && isSpace(s[i + 1]);
}
function hasRightTrimMarker(s: string, i: number): boolean {
  return isSpace(s[i]) && s[i + 1] === '-';
}

export function lex(input: string, source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  // Line starts, to turn offsets into line/column.
  const lineStarts = [0];
  for (let i = 0; i < input.length; i++) if (input[i] === '\n') lineStarts.push(i + 1);
  const position = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - lineStarts[lo]! + 1 };
  };
  const fail = (offset: number, msg: string): never => {
    throw new TemplateError('parse', source, position(offset), msg);
  };
  const emit = (type: TokenType, start: number, end: number, value = input.slice(start, end)) => {
    tokens.push({ type, value, pos: position(start) });
  };
  const atRightDelim = (i: number): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(input, i) && input.startsWith('}}', i + 2)) return { delim: true, trim: true };
    return { delim: input.startsWith('}}', i), trim: false };
  };
  const skipLeadingSpace = (i: number): number => {
    while (isSpace(input[i])) i++;
    return i;
  };

  while (pos < input.length) {
    const x = input.indexOf('{{', pos);
    if (x < 0) {
      emit('text', pos, input.length);
      break;
    }
    let textEnd = x;
    if (hasLeftTrimMarker(input, x + 2)) while (textEnd > pos && isSpace(input[textEnd - 1])) textEnd--;
    if (textEnd > pos) emit('text', pos, textEnd);
    pos = x + 2;
    const afterMarker = hasLeftTrimMarker(input, pos) ? 2 : 0;
    if (input.startsWith('/*', pos + afterMarker)) {
      const start = x;
      pos += afterMarker;
      const close = input.indexOf('*/', pos + 2);
      if (close < 0) fail(start, 'unclosed comment');
      pos = close + 2;
      const { delim, trim } = atRightDelim(pos);
      if (!delim) fail(start, 'comment ends before closing delimiter');
      pos += (trim ? 2 : 0) + 2;
      if (trim) pos = skipLeadingSpace(pos);
      continue;
    }
    emit('leftDelim', x, pos);
    pos += afterMarker;
    pos = lexInsideAction(pos, x);
  }
  emit('eof', input.length, input.length, '');
  return tokens;

  /** Scans one action from `i` (after the left delimiter) through its right delimiter; returns the end. */
  function lexInsideAction(start: number, actionStart: number): number {
    let i = start;
    let parenDepth = 0;
    for (;;) {
      const { delim, trim } = atRightDelim(i);
      if (delim) {
        if (parenDepth > 0) fail(i, 'unclosed left paren');
        const s = i;
        if (trim) i += 2;
        i += 2;
        emit('rightDelim', s, i, '}}');
        if (trim) i = skipLeadingSpace(i);
        return i;
      }
      const c = input[i];
      if (c === undefined) return fail(actionStart, 'unclosed action');
      const s = i;
      if (isSpace(c)) {
        while (isSpace(input[i])) i++;
        // A trim-marked right delimiter starts with a space: leave that space to it.
        if (hasRightTrimMarker(input, i - 1) && input.startsWith('}}', i + 1)) {
          i--;
          if (i === s) continue;
        }
        emit('space', s, i);
        continue;
      }
      i++;
      switch (c) {
        case '=':
          emit('assign', s, i);
          continue;
        case ':':
          if (input[i] !== '=') fail(s, 'expected :=');
          i++;
          emit('declare', s, i);
          continue;
        case '|':
          emit('pipe', s, i);
          continue;
        case '"':
          for (;;) {
            const d = input[i++];
            if (d === '\\') {
              if (input[i] === undefined || input[i] === '\n') fail(s, 'unterminated quoted string');
              i++;
            } else if (d === undefined || d === '\n') fail(s, 'unterminated quoted string');
            else if (d === '"') break;
          }
          emit('string', s, i);
          continue;
        case '`': {
          const close = input.indexOf('`', i);
          if (close < 0) fail(s, 'unterminated raw quoted string');
          i = close + 1;
          emit('rawString', s, i);
          continue;
        }
        case "'":
          for (;;) {
            const d = input[i++];
            if (d === '\\') {
              if (input[i] === undefined || input[i] === '\n') fail(s, 'unterminated character constant');
              i++;
            } else if (d === undefined || d === '\n') fail(s, 'unterminated character constant');
            else if (d === "'") break;
          }
          emit('charConstant', s, i);
          continue;
        case '$':
        case '.': {
          if (c === '.' && /[0-9]/.test(input[i] ?? '')) {
            i = scanNumber(s);
            emit('number', s, i);
            continue;
          }
          if (atTerminator(i)) {
            emit(c === '$' ? 'variable' : 'dot', s, i);
            continue;
          }
          while (isAlphaNumeric(input[i])) i++;
          if (!atTerminator(i)) fail(i, `bad character ${JSON.stringify(input[i])}`);
          emit(c === '$' ? 'variable' : 'field', s, i);
          continue;
        }
        case '(':
          emit('leftParen', s, i);
          parenDepth++;
          continue;
        case ')':
          emit('rightParen', s, i);
          parenDepth--;
          if (parenDepth < 0) fail(s, 'unexpected right paren');
          continue;
      }
      if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        i = scanNumber(s);
        emit('number', s, i);
        continue;
      }
      if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(input[i])) i++;
        if (!atTerminator(i)) fail(i, `bad character ${JSON.stringify(input[i])}`);
        const word = input.slice(s, i);
        if (KEYWORDS.has(word)) emit('keyword', s, i);
        else if (word === 'true' || word === 'false') emit('bool', s, i);
        else emit('identifier', s, i);
        continue;
      }
      const cp = c.charCodeAt(0);
      if (cp < 0x7f && cp >= 0x20) {
        emit('char', s, i);
        continue;
      }
      fail(s, `unrecognized character in action: U+${cp.toString(16).toUpperCase().padStart(4, '0')}`);
    }
  }

  function atTerminator(i: number): boolean {
    const c = input[i];
    if (c === undefined || isSpace(c)) return true;
    if ('.,|:()'.includes(c)) return true;
    return input.startsWith('}}', i);
  }

  function scanNumber(start: number): number {
    let i = start;
    const accept = (chars: string): boolean => {
      if (input[i] !== undefined && chars.includes(input[i]!)) {
        i++;
        return true;
      }
      return false;
    };
    const acceptRun = (chars: string) => {
      while (accept(chars));
    };
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(input[i]))
      fail(start, `bad number syntax: ${JSON.stringify(input.slice(start, i + 1))}`);
    return i;
  }
}
