import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aggregate,
  lastAdvance,
  signalOf,
  sumSignals,
  toSignal,
  windowIncrease,
  type Point,
} from '../../src/anomaly/index.js';

const S = 1000;
const far = { now: 1e12, zeroAfterMs: 60 * S };

function pts(...pairs: Array<[number, number]>): Point[] {
  return pairs.map(([at, value]) => ({ at, value }));
}

describe('aggregate: the grid', () => {
  it('aligns buckets to multiples of the step: from rounds down, to (exclusive) rounds up', () => {
    const b = aggregate([], 'gauge', 10_500, 29_500, 10 * S, far);
    expect(b.map((x) => x.start)).toEqual([10_000, 20_000]);
    expect(aggregate([], 'gauge', 10_000, 30_000, 10 * S, far).map((x) => x.start)).toEqual([10_000, 20_000]);
    expect(aggregate([], 'gauge', 10_000, 30_001, 10 * S, far)).toHaveLength(3);
    expect(aggregate([], 'gauge', 10_000, 10_000, 10 * S, far)).toHaveLength(0);
    expect(aggregate([], 'gauge', 5_000, 5_000, 10 * S, far)).toHaveLength(1);
    expect(aggregate([], 'gauge', -15_000, -5_000, 10 * S, far).map((x) => x.start)).toEqual([
      -20_000, -10_000,
    ]);
  });

  it('refuses a step that is not positive', () => {
    expect(() => aggregate([], 'gauge', 0, 10, 0, far)).toThrow(RangeError);
  });
});

describe('aggregate and signalOf: gauges', () => {
  it('takes count, sum, min, max and last per bucket, and the mean as the signal', () => {
    const p = pts([1 * S, 4], [3 * S, 8], [5 * S, 6], [12 * S, 1], [25 * S, 7]);
    const b = aggregate(p, 'gauge', 0, 30 * S, 10 * S, far);
    expect(b[0]).toMatchObject({ start: 0, count: 3, sum: 18, min: 4, max: 8, last: 6 });
    expect(b[1]).toMatchObject({ count: 1, sum: 1, min: 1, max: 1, last: 1 });
    expect(b.map((x) => signalOf(x, 'gauge'))).toEqual([6, 1, 7]);
  });

  it('leaves an empty bucket at zero counts (no NaN) with no signal', () => {
    const b = aggregate(pts([25 * S, 7]), 'gauge', 0, 30 * S, 10 * S, far);
    expect(b[0]).toEqual({ start: 0, count: 0, sum: 0, min: 0, max: 0, last: 0, increase: 0, coveredMs: 0 });
    expect(toSignal(pts([25 * S, 7]), 'gauge', 0, 30 * S, 10 * S, far)).toEqual([null, null, 7]);
  });

  it('ignores points after now', () => {
    const p = pts([1 * S, 4], [8 * S, 100]);
    expect(toSignal(p, 'gauge', 0, 10 * S, 10 * S, { now: 5 * S, zeroAfterMs: 0 })).toEqual([4]);
  });
});

describe('aggregate and signalOf: counters', () => {
  it('treats a drop of the value as a reset (the new value is the increase), never as negative', () => {
    const p = pts([0, 100], [10 * S, 110], [20 * S, 5], [30 * S, 15]);
    const b = aggregate(p, 'counter', 0, 30 * S, 10 * S, { now: 30 * S, zeroAfterMs: 60 * S });
    expect(b.map((x) => x.increase)).toEqual([10, 5, 10]);
    expect(b.map((x) => x.coveredMs)).toEqual([10 * S, 10 * S, 10 * S]);
    expect(b.map((x) => signalOf(x, 'counter'))).toEqual([1, 0.5, 1]);
  });

  it('spreads the increase between sparse samples over the buckets in proportion to time', () => {
    // 40 events over 40 s, sampled only at both ends: 1/s in every bucket, not 40 in one.
    const p = pts([0, 0], [40 * S, 40]);
    expect(toSignal(p, 'counter', 0, 40 * S, 10 * S, { now: 40 * S, zeroAfterMs: 60 * S })).toEqual([
      1, 1, 1, 1,
    ]);
    // Irregular samples: 0..5 s +10, 5..25 s +20 (1/s), so bucket 0 has 10 + 5 over 10 s.
    const q = pts([0, 0], [5 * S, 10], [25 * S, 30]);
    const b = aggregate(q, 'counter', 0, 30 * S, 10 * S, { now: 25 * S, zeroAfterMs: 60 * S });
    expect(b.map((x) => x.increase)).toEqual([15, 10, 5]);
    expect(b.map((x) => x.coveredMs)).toEqual([10 * S, 10 * S, 5 * S]);
  });

  it('uses the point before `from` to explain the first bucket', () => {
    const p = pts([-5 * S, 0], [5 * S, 10], [15 * S, 20]);
    const b = aggregate(p, 'counter', 0, 20 * S, 10 * S, { now: 15 * S, zeroAfterMs: 60 * S });
    expect(b[0]).toMatchObject({ increase: 10, coveredMs: 10 * S });
    expect(b[1]).toMatchObject({ increase: 5, coveredMs: 5 * S });
  });

  it('knows nothing before the first point', () => {
    const p = pts([15 * S, 3], [20 * S, 8]);
    expect(toSignal(p, 'counter', 0, 20 * S, 10 * S, { now: 20 * S, zeroAfterMs: 60 * S })).toEqual([
      null,
      1,
    ]);
  });

  it('counts the silence after the last point as zero once zeroAfterMs has passed, not before', () => {
    const p = pts([0, 0], [10 * S, 20]);
    const opts = { now: 60 * S, zeroAfterMs: 20 * S };
    const b = aggregate(p, 'counter', 0, 60 * S, 10 * S, opts);
    // 10..30 s: not reported yet; 30..60 s: no progress.
    expect(b.map((x) => x.coveredMs)).toEqual([10 * S, 0, 0, 10 * S, 10 * S, 10 * S]);
    expect(b.map((x) => signalOf(x, 'counter'))).toEqual([2, null, null, 0, 0, 0]);
    // Before zeroAfterMs has passed, the tail is just not reported yet.
    expect(toSignal(p, 'counter', 0, 60 * S, 10 * S, { now: 25 * S, zeroAfterMs: 20 * S })).toEqual([
      2,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('ignores points after now, so a replay at an earlier time sees what it would have seen', () => {
    const p = pts([0, 0], [10 * S, 10], [20 * S, 1000]);
    expect(toSignal(p, 'counter', 0, 20 * S, 10 * S, { now: 12 * S, zeroAfterMs: 60 * S })).toEqual([
      1,
      null,
    ]);
  });

  it('windowIncrease is the same spreading without a grid', () => {
    const p = pts([0, 0], [30 * S, 30], [40 * S, 2]); // reset at 40 s: +2
    const w = windowIncrease(p, 15 * S, 40 * S, { now: 40 * S, zeroAfterMs: 60 * S });
    expect(w.increase).toBeCloseTo(17, 9);
    expect(w.coveredMs).toBe(25 * S);
  });

  it('lastAdvance finds the newest sample where a counter moved (a reset to a positive value counts)', () => {
    expect(lastAdvance(pts([0, 1], [10, 2], [20, 2], [30, 2]), 100)).toBe(10);
    expect(lastAdvance(pts([0, 5], [10, 3]), 100)).toBe(10);
    expect(lastAdvance(pts([0, 5], [10, 5]), 100)).toBeNull();
    expect(lastAdvance(pts([0, 1], [10, 2], [20, 3]), 15)).toBe(10);
  });
});

describe('sumSignals', () => {
  it('sums non-null values per bucket, null only when all are null', () => {
    expect(
      sumSignals([
        [1, null, 2, null],
        [3, null, null],
        [null, null, 4, 5],
      ]),
    ).toEqual([4, null, 6, 5]);
    expect(sumSignals([])).toEqual([]);
  });

  it('property: per bucket, the sum of the present values, or null when none', () => {
    const signal = fc.array(fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null }), {
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.array(signal, { maxLength: 5 }), (signals) => {
        const out = sumSignals(signals);
        expect(out.length).toBe(Math.max(0, ...signals.map((s) => s.length)));
        out.forEach((v, i) => {
          const present = signals.map((s) => s[i]).filter((x): x is number => x !== null && x !== undefined);
          if (present.length === 0) expect(v).toBeNull();
          else
            expect(v).toBeCloseTo(
              present.reduce((a, b) => a + b, 0),
              6,
            );
        });
      }),
    );
  });
});

/** Ascending points from (gap, value) steps; values may drop (resets). */
const counterPoints = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 120_000 }), fc.integer({ min: 0, max: 1_000_000 })), {
    minLength: 2,
    maxLength: 40,
  })
  .chain((steps) =>
    fc.integer({ min: -1_000_000, max: 1_000_000 }).map((origin) => {
      let at = origin;
      return steps.map(([gap, value]) => ({ at: (at += gap), value }));
    }),
  );

function resetCorrectedTotal(p: readonly Point[]): number {
  let total = 0;
  for (let i = 1; i < p.length; i++) {
    const a = p[i - 1]!.value;
    const b = p[i]!.value;
    total += b >= a ? b - a : b;
  }
  return total;
}

describe('properties', () => {
  it('the increase over the buckets equals the reset-corrected total between first and last point', () => {
    fc.assert(
      fc.property(counterPoints, fc.integer({ min: 700, max: 90_000 }), (p, step) => {
        const first = p[0]!.at;
        const last = p[p.length - 1]!.at;
        const b = aggregate(p, 'counter', first, last, step, { now: last, zeroAfterMs: 0 });
        const total = b.reduce((a, x) => a + x.increase, 0);
        const expected = resetCorrectedTotal(p);
        expect(Math.abs(total - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
        expect(b.reduce((a, x) => a + x.coveredMs, 0)).toBeCloseTo(last - first, 3);
      }),
    );
  });

  it('a signal is never NaN or infinite, whatever the points (duplicate times, resets, any values)', () => {
    const point = fc.record({
      at: fc.integer({ min: 0, max: 600_000 }),
      value: fc.double({ min: -1e12, max: 1e12, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(point, { maxLength: 40 }).map((a) => [...a].sort((x, y) => x.at - y.at)),
        fc.constantFrom('counter' as const, 'gauge' as const),
        fc.integer({ min: 500, max: 120_000 }),
        fc.integer({ min: 0, max: 700_000 }),
        fc.integer({ min: 0, max: 300_000 }),
        (p, type, step, now, zeroAfterMs) => {
          for (const v of toSignal(p, type, 0, 600_000, step, { now, zeroAfterMs }))
            if (v !== null) expect(Number.isFinite(v)).toBe(true);
          for (const b of aggregate(p, type, 0, 600_000, step, { now, zeroAfterMs }))
            for (const x of Object.values(b)) expect(Number.isFinite(x)).toBe(true);
        },
      ),
    );
  });

  it('toSignal is aggregate + signalOf, and counter rates are never negative', () => {
    fc.assert(
      fc.property(counterPoints, fc.integer({ min: 700, max: 60_000 }), (p, step) => {
        const from = p[0]!.at - 30_000;
        const to = p[p.length - 1]!.at + 90_000;
        const opts = { now: to, zeroAfterMs: 45_000 };
        for (const type of ['counter', 'gauge'] as const) {
          const s = toSignal(p, type, from, to, step, opts);
          expect(s).toEqual(aggregate(p, type, from, to, step, opts).map((b) => signalOf(b, type)));
          if (type === 'counter') for (const v of s) if (v !== null) expect(v).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});
