import { describe, expect, it } from 'vitest';
import { evaluate, parseCondition } from '../../../src/checks/expr/index.js';
import { context, NOW, SEED } from './helpers.js';

const VALUES = {
  ...SEED,
  x: {
    s: 'Hello',
    emoji: '😀!',
    num: '42.5',
    neg: ' -3e2 ',
    hex: '0x10',
    empty: '',
    list: [3, 1, 2],
    words: ['a', 'b'],
    objs: [{ id: 1 }, { id: 2 }],
    obj: { a: 1, b: 2 },
    none: null,
    t: true,
    n: -7,
    versions: 'v1.20.3',
  },
};

function run(text: string) {
  return evaluate(parseCondition(text), context(VALUES));
}

describe('functions', () => {
  it.each([
    // len: strings in code points, arrays, object keys, null 0.
    ['len(x.s)', 5],
    ['len(x.emoji)', 2],
    ['len(x.empty)', 0],
    ['len(x.list)', 3],
    ['len(x.obj)', 2],
    ['len(x.none)', 0],
    ['len(x.missing)', 0],
    // number: numeric strings; numbers and null pass.
    ['number(x.num)', 42.5],
    ['number(x.neg)', -300],
    ['number("7")', 7],
    ['number(x.n)', -7],
    ['number(x.none)', null],
    ['number(x.num) > 40', true],
    // lower, upper.
    ['lower(x.s)', 'hello'],
    ['upper(x.s)', 'HELLO'],
    ['lower(x.none)', null],
    ['lower([BODY].name) == "quotes"', true],
    // has.
    ['has(x.s)', true],
    ['has(x.empty)', true],
    ['has(x.none)', false],
    ['has(x.missing)', false],
    ['has(x.t)', true],
    // min, max: arguments or one array.
    ['min(3, 1, 2)', 1],
    ['max(3, 1, 2)', 3],
    ['min(5)', 5],
    ['min(x.list)', 1],
    ['max(x.list)', 3],
    ['max(x.obj.a, x.obj.b)', 2],
    ['min(quotes_db.row.n, [BODY].open_orders)', 3],
    // abs.
    ['abs(x.n)', 7],
    ['abs(2)', 2],
    ['abs(x.none)', null],
    // contains: substrings, array members (deep equality), null false.
    ['contains(x.s, "ell")', true],
    ['contains(x.s, "ELL")', false],
    ['contains(x.words, "b")', true],
    ['contains(x.words, "c")', false],
    ['contains(x.list, 2)', true],
    ['contains(x.list, "2")', false],
    ['contains(x.objs, x.objs[1])', true],
    ['contains(x.none, "a")', false],
    ['contains([BODY].tags, "prod")', true],
    // matches.
    ['matches(x.s, "^H")', true],
    ['matches(x.s, "^h")', false],
    ['matches(x.s, "(?i)^h")', true],
    ['matches(x.versions, "^v1\\\\.(\\\\d+)\\\\.")', true],
    ['matches(x.emoji, "^.!$")', true],
    ['matches(x.none, ".")', false],
    // now, age.
    ['now()', NOW],
    ['age(now())', 0],
    ['age(now() - 5m) == 5m', true],
  ])('%s = %j', (text, expected) => {
    expect(run(text)).toMatchObject({ kind: 'value', value: expected });
  });

  it.each([
    ['len(x.n)', 'len(x.n): needs a string, an array or an object, got number'],
    ['len(true)', 'len(true): needs a string, an array or an object, got boolean'],
    ['number(x.hex)', 'number(x.hex): "0x10" is not a number'],
    ['number(x.empty)', 'number(x.empty): "" is not a number'],
    ['number("1e999")', 'number("1e999"): "1e999" is not a number'],
    ['number(x.t)', 'number(x.t): needs a string, got boolean'],
    ['lower(1)', 'lower(1): needs a string, got number'],
    ['upper(x.list)', 'upper(x.list): needs a string, got array'],
    ['min(1, "2")', 'min(1, "2"): needs numbers, got string'],
    ['max(x.words)', 'max(x.words): needs numbers, got string'],
    ['min(x.none)', 'min(x.none): needs numbers, got null'],
    ['abs("1")', 'abs("1"): needs a number, got string'],
    ['contains(x.s, 1)', 'contains(x.s, 1): needs a string to look for, got number'],
    ['contains(x.obj, "a")', 'contains(x.obj, "a"): needs a string or an array to look in, got object'],
    ['matches(x.n, "1")', 'matches(x.n, "1"): needs a string, got number'],
  ])('%s is an error', (text, message) => {
    expect(run(text)).toMatchObject({ kind: 'error', message });
  });

  it('min and max of an empty array are null', () => {
    expect(evaluate(parseCondition('min(x.e)'), context({ x: { e: [] } }))).toMatchObject({ value: null });
    expect(evaluate(parseCondition('max(x.e)'), context({ x: { e: [] } }))).toMatchObject({ value: null });
  });

  it('min and max handle long arrays', () => {
    const e = Array.from({ length: 200_000 }, (_, i) => i);
    expect(evaluate(parseCondition('max(x.e) - min(x.e)'), context({ x: { e } }))).toMatchObject({
      value: 199_999,
    });
  });

  it('matches runs the regular expression compiled at parse, without state between calls', () => {
    const c = parseCondition('matches(x.s, "l+")');
    for (let i = 0; i < 3; i++) expect(evaluate(c, context(VALUES))).toMatchObject({ value: true });
  });

  it('matches stays fast on input that makes backtracking patterns explode', () => {
    const s = 'a'.repeat(50_000) + '!';
    const started = performance.now();
    const r = evaluate(parseCondition('matches(x.s, "^(a|b)*c")'), context({ x: { s } }));
    expect(r).toMatchObject({ value: false });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
