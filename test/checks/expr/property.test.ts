import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  check,
  ConditionError,
  describe as describeCondition,
  evaluate,
  parseCondition,
  sourcesOf,
  type Condition,
  type EvalContext,
} from '../../../src/checks/expr/index.js';
import { NOW } from './helpers.js';

/** Pieces of condition syntax, so that generated strings get past the lexer often. */
const FRAGMENTS = [
  ' ',
  '\n',
  '[BODY]',
  '[STATUS]',
  '[',
  ']',
  '(',
  ')',
  '.',
  ',',
  'a',
  'b',
  'x',
  '.x',
  '.items',
  '[0]',
  '["k"]',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '&&',
  '||',
  '!',
  '+',
  '-',
  '*',
  '/',
  '=',
  '&',
  '|',
  '0',
  '1',
  '200',
  '1.5',
  '1e3',
  '30s',
  '1m30s',
  '500ms',
  '5q',
  '"s"',
  '"',
  '"\\n"',
  '"\\u00e9"',
  '\\',
  'true',
  'false',
  'null',
  'age(',
  'now()',
  'len(',
  'number(',
  'lower(',
  'has(',
  'min(',
  'max(',
  'abs(',
  'contains(',
  'matches(',
  '"^a+$"',
  '"(a+)+"',
  'foo(',
  'constructor',
  '__proto__',
];

const fragmentText = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 30 })
  .map((parts) => parts.join(''));

/** Syntactically valid conditions, built from the grammar (binary operations fully parenthesized). */
const { expr: validText } = fc.letrec<{ expr: string; atom: string; ref: string }>((tie) => ({
  atom: fc.oneof(
    fc.double({ min: 0, max: 1e6, noNaN: true }).map(String),
    fc.nat({ max: 1000 }).map(String),
    fc
      .tuple(fc.nat({ max: 100 }), fc.constantFrom('ms', 's', 'm', 'h', 'd'), fc.option(fc.nat({ max: 59 })))
      .map(([n, u, s]) => `${n}${u}${s === null ? '' : `${s}ms`}`),
    fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', 'null', 'now()', '"2024-05-01T11:59:30Z"'),
  ),
  ref: fc
    .tuple(
      fc.constantFrom('[BODY]', '[STATUS]', '[RESPONSE_TIME]', 'a', 'b', 'down'),
      fc.array(
        fc.oneof(
          fc.constantFrom(
            '.x',
            '.items',
            '.n',
            '.s',
            '.t',
            '[0]',
            '[1]',
            '["k"]',
            '.constructor',
            '.__proto__',
          ),
          // Computed indexes (a literal index that is not a string or a whole number is a parse error).
          tie('ref').map((e) => `[${e}]`),
        ),
        { maxLength: 3 },
      ),
    )
    .map(([root, path]) => root + path.join('')),
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('atom'),
    tie('ref'),
    fc
      .tuple(
        tie('expr'),
        fc.constantFrom('==', '!=', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*', '/'),
        tie('expr'),
      )
      .map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(fc.constantFrom('!', '-'), tie('expr')).map(([op, e]) => `${op}${e}`),
    fc
      .tuple(fc.constantFrom('age', 'len', 'number', 'lower', 'upper', 'has', 'abs'), tie('expr'))
      .map(([f, e]) => `${f}(${e})`),
    fc
      .tuple(fc.constantFrom('min', 'max'), fc.array(tie('expr'), { minLength: 1, maxLength: 3 }))
      .map(([f, args]) => `${f}(${args.join(', ')})`),
    fc.tuple(tie('expr'), tie('expr')).map(([h, n]) => `contains(${h}, ${n})`),
    fc
      .tuple(tie('expr'), fc.constantFrom('"^a"', '"(?i)b+$"', '"\\\\d{2}"'))
      .map(([s, re]) => `matches(${s}, ${re})`),
  ),
}));

const json = fc.jsonValue({ maxDepth: 3 });
/** A source: a JSON value, an HTTP-like value with the placeholder fields, or unavailable. */
const sourceRead = fc.oneof(
  json.map((value) => ({ ok: true as const, value })),
  fc
    .record({ status: json, body: json, response_time: json, x: json, items: json })
    .map((value) => ({ ok: true as const, value })),
  fc.constant({ ok: false as const, error: 'timed out' }),
);
const contexts = fc
  .record({ a: sourceRead, b: sourceRead, primary: sourceRead, now: fc.integer({ min: 0, max: 4e12 }) })
  .map(({ a, b, primary, now }): EvalContext => ({
    now,
    primary: 'primary',
    source: (name) =>
      name === 'a'
        ? a
        : name === 'b'
          ? b
          : name === 'primary'
            ? primary
            : name === 'down'
              ? { ok: false, error: 'x' }
              : undefined,
  }));

function tryParse(text: string): Condition | null {
  try {
    return parseCondition(text);
  } catch (e) {
    if (!(e instanceof ConditionError)) throw e;
    return null;
  }
}

describe('properties', () => {
  it('parseCondition returns a condition or throws ConditionError, for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(fragmentText, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })),
        (text) => {
          try {
            parseCondition(text);
          } catch (e) {
            expect(e).toBeInstanceOf(ConditionError);
            const err = e as ConditionError;
            expect(err.column).toBeGreaterThanOrEqual(1);
            expect(err.column).toBeLessThanOrEqual(text.length + 1);
            expect(err.message).toContain(`at column ${err.column}`);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('generated conditions parse', () => {
    fc.assert(
      fc.property(validText, (text) => {
        parseCondition(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('evaluate and check never throw, over any JSON source values, and their results serialize', () => {
    fc.assert(
      fc.property(fc.oneof(validText, fragmentText), contexts, (text, ctx) => {
        const c = tryParse(text);
        if (c === null) return;
        const r = evaluate(c, ctx);
        expect(['value', 'unavailable', 'error']).toContain(r.kind);
        expect(() => JSON.stringify(r)).not.toThrow();
        if (r.kind === 'unavailable') {
          expect(r.sources.length).toBeGreaterThan(0);
          for (const s of r.sources) expect(ctx.source(s)).toMatchObject({ ok: false });
        }
        if (r.kind !== 'unavailable') {
          const operands = r.observed.map((o) => o.operand);
          expect(new Set(operands).size).toBe(operands.length);
        }
        const k = check(c, ctx);
        expect(k.kind === 'value' ? typeof k.value : k.kind).toMatch(/^(boolean|unavailable|error)$/);
      }),
      { numRuns: 3000 },
    );
  });

  it('describe is canonical: parsing it gives the same text and the same evaluation', () => {
    fc.assert(
      fc.property(fc.oneof(validText, fragmentText), contexts, (text, ctx) => {
        const c = tryParse(text);
        if (c === null) return;
        const canonical = describeCondition(c);
        const again = parseCondition(canonical);
        expect(describeCondition(again)).toBe(canonical);
        expect(sourcesOf(again)).toEqual(sourcesOf(c));
        expect(evaluate(again, ctx)).toEqual(evaluate(c, ctx));
      }),
      { numRuns: 3000 },
    );
  });

  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  const ops = ['==', '!=', '<', '<=', '>', '>='] as const;
  const js = (a: number, op: (typeof ops)[number], b: number): boolean =>
    op === '=='
      ? a === b
      : op === '!='
        ? a !== b
        : op === '<'
          ? a < b
          : op === '<='
            ? a <= b
            : op === '>'
              ? a > b
              : a >= b;
  const ctx = (values: Record<string, unknown>): EvalContext => ({
    now: NOW,
    primary: null,
    source: (name) => (name === 'x' ? { ok: true, value: values } : undefined),
  });

  it('comparing two numbers written as literals agrees with JavaScript', () => {
    fc.assert(
      fc.property(finite, fc.constantFrom(...ops), finite, (a, op, b) => {
        const r = evaluate(parseCondition(`${String(a)} ${op} ${String(b)}`), ctx({}));
        expect(r).toEqual({ kind: 'value', value: js(a, op, b), observed: [] });
      }),
      { numRuns: 3000 },
    );
  });

  it('comparing two numbers read from a source agrees with JavaScript', () => {
    fc.assert(
      fc.property(
        fc.oneof(finite, fc.integer({ min: -5, max: 5 })),
        fc.constantFrom(...ops),
        fc.oneof(finite, fc.integer({ min: -5, max: 5 })),
        (a, op, b) => {
          const r = evaluate(parseCondition(`x.a ${op} x.b`), ctx({ a, b }));
          expect(r).toMatchObject({ kind: 'value', value: js(a, op, b) });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('arithmetic agrees with JavaScript, or is an error when the result is not finite', () => {
    fc.assert(
      fc.property(finite, fc.constantFrom('+', '-', '*', '/'), finite, (a, op, b) => {
        const expected = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
        const r = evaluate(parseCondition(`x.a ${op} x.b`), ctx({ a, b }));
        if (Number.isFinite(expected) && !(op === '/' && b === 0))
          expect(r).toMatchObject({ value: expected });
        else expect(r.kind).toBe('error');
      }),
      { numRuns: 3000 },
    );
  });

  it('a duration literal round-trips through describe', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e15, noNaN: true })), (ms) => {
        const c = parseCondition(`${String(ms)}ms`);
        const r = evaluate(parseCondition(describeCondition(c)), ctx({}));
        // Durations are rounded to whole microseconds, below 9e12 ms where a double can hold those.
        expect(r).toMatchObject({ value: ms < 9e12 ? Math.round(ms * 1000) / 1000 : ms });
      }),
      { numRuns: 2000 },
    );
  });

  it('age of an RFC 3339 timestamp, epoch seconds or epoch milliseconds is the time since it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: -840, max: 840 }),
        (t, offsetMin) => {
          const local = new Date(t + offsetMin * 60_000).toISOString().slice(0, -1);
          const sign = offsetMin < 0 ? '-' : '+';
          const abs = Math.abs(offsetMin);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const seconds = Math.floor(t / 1000);
          const r = evaluate(
            parseCondition('age(x.iso) == age(x.zoned)'),
            ctx({ iso: new Date(t).toISOString(), zoned: local + zone }),
          );
          expect(r).toMatchObject({ value: true });
          expect(
            evaluate(parseCondition('age(x.iso)'), ctx({ iso: new Date(t).toISOString() })),
          ).toMatchObject({
            value: NOW - t,
          });
          expect(evaluate(parseCondition('age(x.s)'), ctx({ s: seconds }))).toMatchObject({
            value: seconds < 1e11 ? NOW - seconds * 1000 : NOW - seconds,
          });
          if (t >= 1e11)
            expect(evaluate(parseCondition('age(x.ms)'), ctx({ ms: t }))).toMatchObject({ value: NOW - t });
        },
      ),
      { numRuns: 2000 },
    );
  });
});
