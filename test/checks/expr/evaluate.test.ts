import { describe, expect, it } from 'vitest';
import { evaluate, parseCondition } from '../../../src/checks/expr/index.js';
import { context, errorOf, NOW, run, SEED, valueOf } from './helpers.js';

describe('the seed-style conditions', () => {
  it.each([
    ['[STATUS] == 200', true],
    ['[BODY].connected == true', true],
    ['age([BODY].last_quote_at) < 30s', true],
    ['age([BODY].last_quote_at) < 5s', false],
    ['[RESPONSE_TIME] < 500', true],
    ['len([BODY].items) > 0', true],
    ['pending.pending_size <= 100', true],
    ['quotes_db.row.n == executor.body.open_orders', true],
    ['quotes_db.rows[0].status != "running" || age(quotes_db.rows[0].started_at) < 5m + 30s', true],
    ['quotes_db.rows[0].status != "running" || age(quotes_db.rows[0].started_at) < 3m + 30s', false],
    [
      'quotes_db.rows[0].status != "running" || age(quotes_db.rows[0].started_at) < quotes_db.rows[0].timeout_s * 1s + 30s',
      true,
    ],
  ])('%s is %s', (text, expected) => {
    expect(valueOf(text)).toBe(expected);
  });
});

describe('operators', () => {
  it.each([
    // Equality is strict by type, deep for arrays and objects.
    ['1 == 1', true],
    ['1 == 1.0', true],
    ['1 == "1"', false],
    ['1 != "1"', true],
    ['"a" == "a"', true],
    ['true == true', true],
    ['true == 1', false],
    ['null == null', true],
    ['null == false', false],
    ['null == 0', false],
    ['null == ""', false],
    ['[BODY].tags == [BODY].tags', true],
    ['[BODY].nested.list[0] == executor.body', false],
    ['executor.body.open_orders == [BODY].open_orders', true],
    ['0 == -0', true],
    // Ordering: numbers, or strings by UTF-16 code units.
    ['1 < 2', true],
    ['2 < 1', false],
    ['2 <= 2', true],
    ['3 > 2', true],
    ['2 >= 3', false],
    ['"abc" < "abd"', true],
    ['"B" < "a"', true],
    ['"2024-05-01T10:00:00Z" < "2024-05-01T11:00:00Z"', true],
    // Arithmetic.
    ['1 + 2', 3],
    ['5 - 7', -2],
    ['6 * 7', 42],
    ['7 / 2', 3.5],
    ['-3', -3],
    ['- -3', 3],
    ['-[RESPONSE_TIME]', -120],
    ['"ab" + "cd"', 'abcd'],
    ['[BODY].name + "!"', 'Quotes!'],
    // Logic.
    ['true && true', true],
    ['true && false', false],
    ['false || true', true],
    ['false || false', false],
    ['!true', false],
    ['!!true', true],
    ['!(1 > 2)', true],
  ])('%s = %j', (text, expected) => {
    expect(valueOf(text)).toStrictEqual(expected);
  });
});

describe('precedence', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['10 - (4 - 3)', 9],
    ['12 / 3 / 2', 2],
    ['2 * 3 + 4 * 5', 26],
    ['-2 * 3', -6],
    ['- (2 + 3) * 2', -10],
    ['1 + 2 == 3', true],
    ['1 < 2 == true', 'parse error'],
    ['(1 < 2) == true', true],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['false && true || true', true],
    ['1 == 1 && 2 == 2', true],
    ['!false && false', false],
    ['!(false && false)', true],
    ['5m + 30s == 330s', true],
    ['2 * 1m == 120s', true],
  ])('%s = %j', (text, expected) => {
    if (expected === 'parse error') {
      expect(() => parseCondition(text)).toThrow();
      return;
    }
    expect(valueOf(text)).toBe(expected);
  });
});

describe('short-circuit', () => {
  it('&& does not evaluate its right side when the left is false', () => {
    const ctx = context(SEED, { down: ['pending'] });
    const r = evaluate(parseCondition('[STATUS] == 500 && pending.pending_size > 1'), ctx);
    expect(r).toEqual({ kind: 'value', value: false, observed: [{ operand: '[STATUS]', value: 200 }] });
    expect(ctx.reads).not.toContain('pending');
  });

  it('|| does not evaluate its right side when the left is true', () => {
    const r = run('[STATUS] == 200 || [BODY].missing < 5');
    expect(r).toEqual({ kind: 'value', value: true, observed: [{ operand: '[STATUS]', value: 200 }] });
  });

  it('evaluates the right side when the left does not decide', () => {
    expect(run('[STATUS] == 200 && [BODY].missing < 5').kind).toBe('error');
    expect(run('[STATUS] == 500 || pending.pending_size > 1', SEED, { down: ['pending'] })).toEqual({
      kind: 'unavailable',
      sources: ['pending'],
    });
  });

  it('requires booleans on both sides', () => {
    expect(errorOf('1 && true')).toBe('1 && true: && needs true or false, got number 1 from 1');
    expect(errorOf('true && [BODY].name')).toBe(
      'true && [BODY].name: && needs true or false, got string "Quotes" from [BODY].name',
    );
    expect(errorOf('[BODY].nothing || true')).toBe(
      '[BODY].nothing || true: || needs true or false, got null from [BODY].nothing',
    );
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['1d12h', 129_600_000],
    ['1.5s', 1500],
    ['1.1s', 1100],
    ['0.25h', 900_000],
    ['1s500ms', 1500],
    ['1e3ms', 1000],
    ['0s', 0],
    ['5m + 30s', 330_000],
    ['-30s', -30_000],
  ])('%s = %i ms', (text, ms) => {
    expect(valueOf(text)).toBe(ms);
  });
});

describe('age and now', () => {
  const at = (t: unknown): unknown => valueOf('age(x.t)', { x: { t } });
  it.each([
    ['2024-05-01T11:59:30Z', 30_000],
    ['2024-05-01T11:59:30z', 30_000],
    ['2024-05-01t11:59:30Z', 30_000],
    ['2024-05-01T11:59:30.250Z', 29_750],
    ['2024-05-01T11:59:30.123456789Z', 29_877],
    ['2024-05-01T13:59:30+02:00', 30_000],
    ['2024-05-01T06:59:30-05:00', 30_000],
    ['2024-05-01T13:59:30+0200', 30_000],
    ['2024-05-01 13:59:30+02', 30_000],
    ['2024-05-01 11:59:30.5+00', 29_500],
    ['2024-05-01 11:59:30', 30_000],
    ['2024-05-01T12:00:30Z', -30_000],
    ['2024-02-29T12:00:00Z', NOW - Date.parse('2024-02-29T12:00:00Z')],
  ])('of %s is %i ms', (t, ms) => {
    expect(at(t)).toBe(ms);
  });

  it.each([
    ['epoch seconds', NOW / 1000 - 30, 30_000],
    ['fractional epoch seconds', NOW / 1000 - 1.5, 1500],
    ['epoch milliseconds', NOW - 30_000, 30_000],
    ['epoch seconds just under the threshold', 99_999_999_999, NOW - 99_999_999_999_000],
    ['epoch milliseconds at the threshold', 100_000_000_000, NOW - 100_000_000_000],
  ])('of %s', (_name, t, ms) => {
    expect(at(t)).toBe(ms);
  });

  it('of a Date is its age', () => {
    expect(at(new Date(NOW - 42_000))).toBe(42_000);
  });

  it('of null is null, which cannot be compared', () => {
    expect(at(null)).toBe(null);
    expect(errorOf('age(x.t) < 30s', { x: {} })).toBe(
      'age(x.t) < 30s: cannot compare null with number 30000 (< needs two numbers or two strings)',
    );
  });

  it.each([
    ['yesterday', '"yesterday" is not an RFC 3339 timestamp'],
    ['2024-13-01T00:00:00Z', 'is not an RFC 3339 timestamp'],
    ['2023-02-29T00:00:00Z', 'is not an RFC 3339 timestamp'],
    ['2024-05-01T24:00:00Z', 'is not an RFC 3339 timestamp'],
    ['2024-05-01T12:00:00+25:00', 'is not an RFC 3339 timestamp'],
    ['2024-05-01', 'is not an RFC 3339 timestamp'],
    ['1714564800', 'is not an RFC 3339 timestamp'],
  ])('of %s is an error', (t, message) => {
    const e = errorOf('age(x.t)', { x: { t } });
    expect(e.startsWith('age(x.t): ')).toBe(true);
    expect(e).toContain(message);
  });

  it('of a boolean is an error', () => {
    expect(errorOf('age(true)')).toBe('age(true): needs a timestamp (a string or a number), got boolean');
  });

  it('now() is the evaluation time', () => {
    expect(valueOf('now()')).toBe(NOW);
    expect(valueOf('now() - 1h')).toBe(NOW - 3_600_000);
    expect(valueOf('age(x.t) < 1m', { x: { t: NOW - 59_000 } })).toBe(true);
  });
});

describe('type errors', () => {
  it.each([
    [
      '[BODY].nothing < 5',
      '[BODY].nothing < 5: cannot compare null with number 5 (< needs two numbers or two strings)',
    ],
    ['1 < "2"', '1 < "2": cannot compare number 1 with string "2" (< needs two numbers or two strings)'],
    [
      'true >= false',
      'true >= false: cannot compare boolean true with boolean false (>= needs two numbers or two strings)',
    ],
    [
      '[BODY].items > 0',
      '[BODY].items > 0: cannot compare an array of 3 with number 0 (> needs two numbers or two strings)',
    ],
    [
      '[BODY] > 0',
      '[BODY] > 0: cannot compare an object of 9 keys with number 0 (> needs two numbers or two strings)',
    ],
    ['1 + "a"', '1 + "a": + needs two numbers or two strings, got number 1 and string "a"'],
    ['"a" - "b"', '"a" - "b": - needs two numbers, got string "a" and string "b"'],
    ['null * 2', 'null * 2: * needs two numbers, got null and number 2'],
    ['1 / 0', '1 / 0: division by zero'],
    ['1e308 * 10', '1e+308 * 10: the result is not a finite number'],
    ['-"a"', '-"a": - needs a number, got string "a"'],
    ['!1', '!1: ! needs true or false, got number 1'],
    ['![BODY].nothing', '![BODY].nothing: ! needs true or false, got null'],
  ])('%s', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('keeps what was observed before the error', () => {
    expect(run('[STATUS] == 200 && [BODY].nothing > 1')).toEqual({
      kind: 'error',
      message: '[BODY].nothing > 1: cannot compare null with number 1 (> needs two numbers or two strings)',
      observed: [
        { operand: '[STATUS]', value: 200 },
        { operand: '[BODY].nothing', value: null },
      ],
    });
  });

  it('shortens a long expression in messages', () => {
    const long = `"${'x'.repeat(200)}"`;
    const message = errorOf(`${long} < 1`);
    expect(message.length).toBeLessThan(300);
    expect(message).toContain('...:');
  });
});

describe('deep values', () => {
  it('evaluates a long chain of operators', () => {
    const text = Array.from({ length: 2048 }, () => '1').join('+');
    expect(valueOf(text)).toBe(2048);
  });

  it('compares deeply nested values', () => {
    let a: unknown = 1;
    let b: unknown = 1;
    for (let i = 0; i < 100; i++) {
      a = [a];
      b = [b];
    }
    expect(valueOf('x.a == x.b', { x: { a, b } })).toBe(true);
    for (let i = 0; i < 300; i++) {
      a = [a];
      b = [b];
    }
    expect(errorOf('x.a == x.b', { x: { a, b } })).toBe('values are nested too deeply to compare');
  });
});
