import { describe, expect, it } from 'vitest';
import { check, evaluate, parseCondition } from '../../../src/checks/expr/index.js';
import { context, errorOf, NOW, run, SEED, valueOf } from './helpers.js';

describe('paths', () => {
  it.each([
    ['[BODY].items[0]', 1],
    ['[BODY].items[2]', 3],
    ['[BODY].items[3]', null],
    ['[BODY].items[-1]', null],
    ['[BODY].items[1 + 1]', 3],
    ['[BODY].items[len([BODY].items) - 1]', 3],
    ['[BODY].items["0"]', null],
    ['[BODY].nested["key with spaces"]', 'yes'],
    ['[BODY].nested.list[0].id', 7],
    ['[BODY].missing', null],
    ['[BODY].missing.deeper[3].still', null],
    ['[BODY].name.length', null],
    ['[BODY].name[0]', null],
    ['[BODY].items.length', null],
    ['[BODY].open_orders.x', null],
    ['[NOPE]', null],
    ['quotes_db.rows[1].status', 'done'],
    ['quotes_db.count', 2],
    ['x[0]', 'zero'],
    ['x["0"]', 'zero'],
  ])('%s is %j', (text, expected) => {
    expect(valueOf(text, { ...SEED, x: { '0': 'zero' } })).toStrictEqual(expected);
  });

  it.each([
    '[BODY].constructor',
    '[BODY].__proto__',
    '[BODY].toString',
    '[BODY].hasOwnProperty',
    '[BODY].items.constructor',
    '[BODY].name.constructor',
    '[BODY]["__proto__"]',
    '[BODY].items["map"]',
    'x.prototype',
  ])('%s reads no prototype: null', (text) => {
    const r = run(text, { ...SEED, x: () => 1 });
    expect(r).toMatchObject({ kind: 'value', value: null });
  });

  it('reads an own "__proto__" key of parsed JSON as data', () => {
    const body = JSON.parse('{"__proto__": {"polluted": 1}}') as unknown;
    expect(valueOf('[BODY].__proto__.polluted', { api: { body } })).toBe(1);
    expect(valueOf('[BODY].polluted', { api: { body } })).toBe(null);
  });

  it('does not run getters', () => {
    let ran = false;
    const body = {
      get secret() {
        ran = true;
        return 1;
      },
    };
    expect(valueOf('[BODY].secret', { api: { body } })).toBe(null);
    expect(ran).toBe(false);
  });

  it('refuses an index that is not a string or a whole number', () => {
    expect(errorOf('[BODY].items[1.5 * 1]')).toBe(
      '[BODY].items[1.5 * 1]: an index must be a string or a whole number, got number 1.5',
    );
    expect(errorOf('[BODY].items[[BODY].nothing]')).toBe(
      '[BODY].items[[BODY].nothing]: an index must be a string or a whole number, got null',
    );
  });
});

describe('what sources return', () => {
  it.each([
    ['a Date, as its RFC 3339 string', new Date('2024-05-01T00:00:00Z'), '2024-05-01T00:00:00.000Z'],
    ['an invalid Date, as null', new Date(NaN), null],
    ['a bigint, as a number', 42n, 42],
    ['NaN, as null', NaN, null],
    ['Infinity, as null', Infinity, null],
    ['undefined, as null', undefined, null],
    ['a function, as null', () => 1, null],
    ['a Map, as null', new Map([['a', 1]]), null],
    ['a class instance, as null', new (class Thing {})(), null],
    ['a Buffer, as null', Buffer.from('x'), null],
  ])('reads %s', (_name, raw, expected) => {
    const r = run('x.v', { x: { v: raw } });
    expect(r).toEqual({ kind: 'value', value: expected, observed: [{ operand: 'x.v', value: expected }] });
  });

  it('reads an object without a prototype', () => {
    const v = Object.assign(Object.create(null) as object, { a: 1 });
    expect(valueOf('x.v.a', { x: { v } })).toBe(1);
  });

  it('reads a source whose value is not an object', () => {
    expect(valueOf('x == 5', { x: 5 })).toBe(true);
    expect(valueOf('x.y', { x: 'text' })).toBe(null);
  });
});

describe('unavailable sources', () => {
  it('skips a condition whose primary source is unavailable', () => {
    expect(run('[STATUS] == 200', SEED, { down: ['api'] })).toEqual({
      kind: 'unavailable',
      sources: ['api'],
    });
  });

  it('skips a condition that reads an unavailable source by name', () => {
    expect(run('pending.pending_size <= 100', SEED, { down: ['pending'] })).toEqual({
      kind: 'unavailable',
      sources: ['pending'],
    });
  });

  it('lists the needed source first, then every other unavailable source the condition references', () => {
    const r = run(
      'quotes_db.row.n == executor.body.open_orders && pending.pending_size > 0 && [STATUS] == 200',
      SEED,
      {
        down: ['executor', 'api', 'quotes_db'],
      },
    );
    expect(r).toEqual({ kind: 'unavailable', sources: ['quotes_db', 'executor', 'api'] });
  });

  it('is not an error even when a type error would follow', () => {
    expect(run('[BODY].nothing < 1 || down.x', SEED, { down: ['down'] }).kind).toBe('error');
    expect(run('down.x < 1 || [BODY].nothing < 1', SEED, { down: ['down'] }).kind).toBe('unavailable');
  });

  it('does not matter when evaluation does not need the source', () => {
    expect(run('[STATUS] == 200 || pending.x', SEED, { down: ['pending'] })).toMatchObject({ value: true });
  });

  it('reads each source once per evaluation', () => {
    const ctx = context(SEED);
    evaluate(parseCondition('[STATUS] == 200 && [BODY].connected && len([BODY].items) == 3'), ctx);
    expect(ctx.reads).toEqual(['api']);
  });
});

describe('context errors', () => {
  it('an unknown source is an error', () => {
    expect(run('nosuch.x == 1')).toMatchObject({ kind: 'error', message: 'unknown source "nosuch"' });
  });

  it('a placeholder without a primary source is an error', () => {
    expect(run('[STATUS] == 200', SEED, { primary: null })).toMatchObject({
      kind: 'error',
      message: '[STATUS]: the check has no primary source for placeholders to read',
    });
  });

  it('a source that throws is an error, not an exception', () => {
    const r = evaluate(parseCondition('x.y == 1'), {
      now: NOW,
      primary: null,
      source: () => {
        throw new Error('boom');
      },
    });
    expect(r).toMatchObject({ kind: 'error', message: 'source "x" could not be read: boom' });
  });
});

describe('observed', () => {
  it('lists every operand read, once, in order of first evaluation, with its value', () => {
    const r = run(
      '[STATUS] == 200 && age([BODY].last_quote_at) < 30s && [STATUS] != 500 && pending.pending_size <= 100 && now() > 0',
    );
    expect(r).toEqual({
      kind: 'value',
      value: true,
      observed: [
        { operand: '[STATUS]', value: 200 },
        { operand: '[BODY].last_quote_at', value: '2024-05-01T11:59:50Z' },
        { operand: 'age([BODY].last_quote_at)', value: 10_000 },
        { operand: 'pending.pending_size', value: 5 },
        { operand: 'now()', value: NOW },
      ],
    });
  });

  it('names operands by their canonical text', () => {
    const r = run('len( [BODY]["items"] ) > 0');
    expect(r.kind === 'value' && r.observed.map((o) => o.operand)).toEqual([
      '[BODY].items',
      'len([BODY].items)',
    ]);
  });

  it('includes operands read inside an index', () => {
    const r = run('quotes_db.rows[len(quotes_db.rows) - 1].status == "done"');
    expect(r.kind === 'value' && r.observed).toEqual([
      { operand: 'quotes_db.rows', value: SEED.quotes_db && (SEED.quotes_db as { rows: unknown }).rows },
      { operand: 'len(quotes_db.rows)', value: 2 },
      { operand: 'quotes_db.rows[len(quotes_db.rows) - 1].status', value: 'done' },
    ]);
  });

  it('copies values, shortened and safe to serialize', () => {
    const body = {
      long: 'y'.repeat(5000),
      many: Array.from({ length: 500 }, (_, i) => i),
      big: 7n,
      at: new Date(0),
    };
    const r = run('has([BODY])', { api: { body } });
    if (r.kind !== 'value') throw new Error('expected a value');
    const seen = r.observed[0]!.value as Record<string, unknown>;
    expect((seen.long as string).length).toBe(1001);
    expect((seen.many as unknown[]).length).toBe(100);
    expect(seen.big).toBe(7);
    expect(seen.at).toBe('1970-01-01T00:00:00.000Z');
    expect(() => JSON.stringify(r)).not.toThrow();
  });

  it('copies a cyclic value without looping', () => {
    const body: Record<string, unknown> = { a: 1 };
    body.self = body;
    const r = run('has([BODY].self)', { api: { body } });
    expect(r.kind).toBe('value');
    expect(() => JSON.stringify(r)).not.toThrow();
  });

  it('is empty for a condition of literals', () => {
    expect(run('1 + 1 == 2')).toEqual({ kind: 'value', value: true, observed: [] });
  });
});

describe('check', () => {
  it('passes booleans through', () => {
    expect(check(parseCondition('[STATUS] == 200'), context(SEED))).toEqual({
      kind: 'value',
      value: true,
      observed: [{ operand: '[STATUS]', value: 200 }],
    });
    expect(check(parseCondition('[STATUS] == 500'), context(SEED))).toMatchObject({
      kind: 'value',
      value: false,
    });
  });

  it.each([
    ['[STATUS]', 'the condition must be true or false, but it is number 200'],
    ['[BODY].name', 'the condition must be true or false, but it is string "Quotes"'],
    ['[BODY].nothing', 'the condition must be true or false, but it is null'],
    ['[BODY].items', 'the condition must be true or false, but it is an array of 3'],
  ])('refuses %s', (text, message) => {
    expect(check(parseCondition(text), context(SEED))).toMatchObject({ kind: 'error', message });
  });

  it('passes unavailable and errors through', () => {
    expect(check(parseCondition('[STATUS] == 200'), context(SEED, { down: ['api'] }))).toEqual({
      kind: 'unavailable',
      sources: ['api'],
    });
    expect(check(parseCondition('1 / 0 > 1'), context(SEED)).kind).toBe('error');
  });
});
