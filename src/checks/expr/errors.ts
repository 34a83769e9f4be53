/** The longest condition text parseCondition accepts, in UTF-16 code units. */
export const MAX_CONDITION_LENGTH = 4096;
/** The deepest nesting of parentheses, unary operators, function calls and `[...]` indexes. */
export const MAX_NESTING = 64;

/** How much of a long condition the caret line shows around the error. */
const EXCERPT_BEFORE = 50;
const EXCERPT_WIDTH = 100;

/**
 * The two lines under an error message: the condition (an excerpt of it when it is long, with line
 * breaks and tabs shown as spaces so the caret lines up) and a caret under `column`.
 */
function caretLines(text: string, column: number): string {
  const at = column - 1;
  const start = at > EXCERPT_BEFORE ? at - EXCERPT_BEFORE : 0;
  const end = Math.min(text.length, start + EXCERPT_WIDTH);
  // eslint-disable-next-line no-control-regex
  const shown = text.slice(start, end).replace(/[\u0000-\u001f\u007f]/g, ' ');
  const before = start > 0 ? '…' : '';
  const after = end < text.length ? '…' : '';
  return `  ${before}${shown}${after}\n  ${' '.repeat(before.length + at - start)}^`;
}

/**
 * A condition could not be parsed. `column` is 1-based and counts UTF-16 code units of `text` (the
 * condition as written); `reason` is the message without the location, e.g.
 *
 * ```
 * unknown duration unit "q" at column 19
 *   age([BODY].x) < 30q
 *                     ^
 * ```
 */
export class ConditionError extends Error {
  readonly reason: string;
  readonly column: number;
  readonly text: string;

  constructor(reason: string, text: string, column: number) {
    super(`${reason} at column ${column}\n${caretLines(text, column)}`);
    this.name = 'ConditionError';
    this.reason = reason;
    this.column = column;
    this.text = text;
  }
}
