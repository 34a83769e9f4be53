import { describe, expect, it } from 'vitest';
import {
  ConditionError,
  describe as describeCondition,
  MAX_CONDITION_LENGTH,
  MAX_NESTING,
  parseCondition,
  sourcesOf,
} from '../../../src/checks/expr/index.js';

function parseError(text: string): ConditionError {
  try {
    parseCondition(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConditionError);
    return e as ConditionError;
  }
  throw new Error(`expected a parse error from ${JSON.stringify(text)}`);
}

describe('canonical text (describe)', () => {
  it.each([
    ['[STATUS] == 200', '[STATUS] == 200'],
    ['[STATUS]==200', '[STATUS] == 200'],
    ['  [BODY].connected   ==true ', '[BODY].connected == true'],
    ['age([BODY].last_quote_at)<30s', 'age([BODY].last_quote_at) < 30s'],
    ['len( [BODY].items ) > 0', 'len([BODY].items) > 0'],
    ['pending.pending_size <= 100', 'pending.pending_size <= 100'],
    ['quotes_db.row.n == executor.body.open_orders', 'quotes_db.row.n == executor.body.open_orders'],
    [
      'quotes_db.rows[0].status != "running" || age(quotes_db.rows[0].started_at) < 5m + 30s',
      'quotes_db.rows[0].status != "running" || age(quotes_db.rows[0].started_at) < 5m + 30s',
    ],
    // Fields: .name where it is an identifier, ["..."] otherwise; keywords are fine as field names.
    ['[BODY]["a"]', '[BODY].a'],
    ['[BODY]["key with spaces"]', '[BODY]["key with spaces"]'],
    ['[BODY]["0"]', '[BODY]["0"]'],
    ['[BODY].true.null', '[BODY].true.null'],
    ['x.rows[len(x.rows) - 1]', 'x.rows[len(x.rows) - 1]'],
    // Only the parentheses the tree needs.
    ['(1 + 2) * 3', '(1 + 2) * 3'],
    ['1 + (2 * 3)', '1 + 2 * 3'],
    ['((1))', '1'],
    ['1 - (2 - 3)', '1 - (2 - 3)'],
    ['(1 - 2) - 3', '1 - 2 - 3'],
    ['a || (b && c)', 'a || b && c'],
    ['(a || b) && c', '(a || b) && c'],
    ['(1 < 2) == true', '(1 < 2) == true'],
    ['!(a == b)', '!(a == b)'],
    ['!a == b', '!a == b'],
    ['-(-5)', '- -5'],
    ['-(1 + 2)', '-(1 + 2)'],
    ['!!true', '!!true'],
    // Literals.
    ['1e3 == 1000', '1000 == 1000'],
    ['1e21', '1e+21'],
    ['0.50', '0.5'],
    ['"tab\\there \\u00e9 \\/"', '"tab\\there é /"'],
    ['null == false', 'null == false'],
    // Durations are normalized.
    ['90s', '1m30s'],
    ['1m30s', '1m30s'],
    ['1d2h3m4s5ms', '1d2h3m4s5ms'],
    ['0ms', '0s'],
    ['1.5s', '1s500ms'],
    ['1.5ms', '1.5ms'],
    ['0.5h', '30m'],
    ['1h0m', '1h'],
    // Calls.
    ['max( 1 ,2,3 )', 'max(1, 2, 3)'],
    ['now()', 'now()'],
    ['matches([BODY].v, "^v\\\\d+")', 'matches([BODY].v, "^v\\\\d+")'],
  ])('%s -> %s', (text, canonical) => {
    const c = parseCondition(text);
    expect(describeCondition(c)).toBe(canonical);
    expect(c.text).toBe(text);
    expect(describeCondition(parseCondition(canonical))).toBe(canonical);
  });
});

describe('sourcesOf', () => {
  it.each([
    ['[STATUS] == 200 && [BODY].ok', ['primary']],
    ['pending.pending_size <= 100', ['pending']],
    ['quotes_db.row.n == executor.body.open_orders', ['quotes_db', 'executor']],
    ['a.x == b.y && a.z == [BODY].w', ['a', 'b', 'primary']],
    ['x.rows[idx.i] > 0', ['x', 'idx']],
    ['age(now()) < 1s && len("x") == 1', []],
    ['max(a.n, b.n, [X]) > 0', ['a', 'b', 'primary']],
    ['primary.x == [X]', ['primary']],
  ])('%s -> %j', (text, sources) => {
    expect(sourcesOf(parseCondition(text))).toEqual(sources);
  });
});

describe('parse errors', () => {
  it('reports the column with a caret line', () => {
    const e = parseError('age([BODY].x) < 30q');
    expect(e.message).toBe(
      'unknown duration unit "q" at column 19\n  age([BODY].x) < 30q\n                    ^',
    );
    expect(e.reason).toBe('unknown duration unit "q"');
    expect(e.column).toBe(19);
    expect(e.text).toBe('age([BODY].x) < 30q');
    expect(e.name).toBe('ConditionError');
  });

  it.each([
    ['', 1, 'the condition is empty'],
    ['   ', 4, 'the condition is empty'],
    ['age([BODY].x) < 30q', 19, 'unknown duration unit "q"'],
    ['1min', 2, 'unknown duration unit "min"'],
    ['5each', 2, 'unknown duration unit "each"'],
    ['1h30', 5, 'missing unit after 30 in duration'],
    ['30s.x', 4, 'unexpected "."'],
    ['1.', 3, 'expected a digit after the decimal point'],
    ['1.x', 2, 'a number cannot be followed by "." (use [0] to index a list)'],
    ['"abc', 1, 'unterminated string'],
    ['"a\\qb"', 3, 'invalid escape "\\\\q" in string'],
    ['"\\u12"', 2, 'invalid \\u escape in string (needs four hex digits)'],
    ['"a\nb"', 3, 'control character in string (write it as an escape such as \\n)'],
    ["'running'", 1, `unexpected character "'" (strings are written in double quotes)`],
    ['a = 1', 3, 'unexpected character "=" (use == to compare)'],
    ['a & b', 3, 'unexpected character "&" (use && for "and")'],
    ['a | b', 3, 'unexpected character "|" (use || for "or")'],
    ['a # b', 3, 'unexpected character "#"'],
    ['1 < 2 < 3', 7, 'comparisons cannot be chained (write a < b && b < c)'],
    ['1 == 1 != false', 8, 'comparisons cannot be chained (write a < b && b < c)'],
    ['[body] == 1', 2, 'invalid placeholder [body]: use upper-case letters and underscores, such as [BODY]'],
    ['[BODY1]', 2, 'invalid placeholder [BODY1]: use upper-case letters and underscores, such as [BODY]'],
    ['[0]', 2, 'expected a placeholder name such as [BODY], found number 0'],
    ['[BODY', 6, 'expected "]" to close the placeholder, found the end of the condition'],
    ['[BODY].', 8, 'expected a field name after ".", found the end of the condition'],
    ['x.0', 3, 'expected a field name after ".", found number 0 (use [0] to index a list)'],
    ['x[0', 4, 'expected "]" to close the index, found the end of the condition'],
    ['x[1.5]', 3, 'an index must be a string or a whole number'],
    ['x[true]', 3, 'an index must be a string or a whole number'],
    ['x[]', 3, 'expected a value, found "]"'],
    ['foo(1)', 1, 'unknown function "foo"'],
    ['constructor(1)', 1, 'unknown function "constructor"'],
    ['len(1, 2)', 1, 'len takes 1 argument, got 2'],
    ['now(1)', 1, 'now takes 0 arguments, got 1'],
    ['min()', 1, 'min takes at least 1 argument, got 0'],
    ['contains("a")', 1, 'contains takes 2 arguments, got 1'],
    ['len(1', 6, 'expected ")" to close the arguments of len, found the end of the condition'],
    ['len(1 2)', 7, 'expected ")" to close the arguments of len, found number 2'],
    ['matches(x.s, x.re)', 14, 'the regular expression of matches must be a string literal'],
    ['matches(x.s, "a" + "b")', 14, 'the regular expression of matches must be a string literal'],
    ['matches(x.s, "(")', 14, 'invalid regular expression'],
    ['((1)', 5, 'expected ")" to close the "(", found the end of the condition'],
    ['(1))', 4, 'unexpected ")" without a matching "("'],
    ['1 2', 3, 'unexpected number 2 (an operator is missing before it)'],
    ['a b', 3, 'unexpected "b" (an operator is missing before it)'],
    ['a.b "c"', 5, 'unexpected string "c" (an operator is missing before it)'],
    ['1 (2)', 3, 'unexpected "(" (an operator is missing before it)'],
    ['"s"[0]', 4, 'unexpected "[" (an operator is missing before it)'],
    ['len(x).y', 7, 'a path (".field") can only follow a placeholder such as [BODY] or a source name'],
    ['(x).y', 4, 'a path (".field") can only follow a placeholder such as [BODY] or a source name'],
    ['1 +', 4, 'expected a value, found the end of the condition'],
    ['== 1', 1, 'expected a value, found "=="'],
    ['&& true', 1, 'expected a value, found "&&"'],
    ['!', 2, 'expected a value, found the end of the condition'],
    ['1e999', 1, 'number out of range'],
  ])('%j: column %i, %s', (text, column, reason) => {
    const e = parseError(text);
    expect(e.column).toBe(column);
    expect(e.reason.startsWith(reason), `${e.reason} starts with ${reason}`).toBe(true);
    expect(e.message.startsWith(`${e.reason} at column ${column}\n`)).toBe(true);
  });

  it('lists the functions when one is unknown', () => {
    expect(parseError('lenght(x)').reason).toBe(
      'unknown function "lenght" (functions: abs, age, contains, has, len, lower, matches, max, min, now, number, upper)',
    );
  });

  it('shows an excerpt of a long condition, with the caret under the column', () => {
    const text = `${'a.b == 1 && '.repeat(20)}a.b == 1q`;
    const e = parseError(text);
    const [, line, caret] = e.message.split('\n') as [string, string, string];
    expect(line.startsWith('  …')).toBe(true);
    expect(line.length).toBeLessThan(110);
    const under = caret.indexOf('^');
    expect(line.slice(under, under + 1)).toBe('q');
  });

  it('shows line breaks and tabs in the condition as spaces, so the caret lines up', () => {
    const e = parseError('a.b == 1 &&\n\tc.d ==');
    expect(e.column).toBe(20);
    expect(e.message).toBe(
      'expected a value, found the end of the condition at column 20\n  a.b == 1 &&  c.d ==\n                     ^',
    );
  });

  it('refuses what is not a string', () => {
    const e = parseError(42 as unknown as string);
    expect(e.reason).toBe('a condition must be a string');
  });
});

describe('limits', () => {
  it(`accepts ${MAX_CONDITION_LENGTH} characters and refuses more`, () => {
    const ok = `1 == 1${' '.repeat(MAX_CONDITION_LENGTH - 6)}`;
    expect(ok.length).toBe(MAX_CONDITION_LENGTH);
    expect(describeCondition(parseCondition(ok))).toBe('1 == 1');
    const e = parseError(ok + ' ');
    expect(e.reason).toBe('the condition is longer than 4096 characters');
    expect(e.column).toBe(4097);
  });

  it('handles a long chain of operators within the length limit', () => {
    const text = Array.from({ length: 2048 }, () => '1').join('+');
    expect(text.length).toBeLessThanOrEqual(MAX_CONDITION_LENGTH);
    const c = parseCondition(text);
    expect(describeCondition(c)).toBe(Array.from({ length: 2048 }, () => '1').join(' + '));
  });

  const nest: Array<[string, (n: number) => string]> = [
    ['parentheses', (n) => `${'('.repeat(n)}1${')'.repeat(n)}`],
    ['unary operators', (n) => `${'!'.repeat(n)}true`],
    ['unary minus', (n) => `${'-'.repeat(n)}1`],
    ['calls', (n) => `${'abs('.repeat(n)}1${')'.repeat(n)}`],
    ['indexes', (n) => `x${'[x'.repeat(n)}${']'.repeat(n)}`],
  ];
  it.each(nest)(`accepts ${MAX_NESTING} levels of %s and refuses ${MAX_NESTING + 1}`, (_name, make) => {
    expect(() => parseCondition(make(MAX_NESTING))).not.toThrow();
    const e = parseError(make(MAX_NESTING + 1));
    expect(e.reason).toBe('nested more than 64 levels deep');
  });
});

describe('regular expressions of matches', () => {
  it.each([
    '^ok$',
    '(?i)^OK',
    '\\d+\\.\\d+',
    '(foo|bar)+',
    '(a+)?',
    '(?:ab)+c',
    '[+*]+',
    '(\\w{2})+',
    '\\(a+\\)+',
    'a{2,5}b*',
  ])('accepts %s', (re) => {
    expect(() => parseCondition(`matches(x.s, ${JSON.stringify(re)})`)).not.toThrow();
  });

  it.each([
    ['(a+)+', 'a repeated group contains a quantifier'],
    ['(a*)*b', 'a repeated group contains a quantifier'],
    ['(?:\\w+\\s?)*$', 'a repeated group contains a quantifier'],
    ['((a+))+', 'a repeated group contains a quantifier'],
    ['(a?){2,}', 'a repeated group contains a quantifier'],
    ['(x[ab]+){3}', 'a repeated group contains a quantifier'],
    ['(a)\\1', 'backreferences are not allowed'],
    ['(?<n>a)\\k<n>', 'backreferences are not allowed'],
  ])('refuses %s', (re, why) => {
    const e = parseError(`matches(x.s, ${JSON.stringify(re)})`);
    expect(e.reason).toContain(why);
    expect(e.column).toBe(14);
  });

  it('refuses regular expressions longer than 256 characters', () => {
    expect(() => parseCondition(`matches(x.s, "${'a'.repeat(256)}")`)).not.toThrow();
    expect(parseError(`matches(x.s, "${'a'.repeat(257)}")`).reason).toBe(
      'regular expression is longer than 256 characters',
    );
  });
});
