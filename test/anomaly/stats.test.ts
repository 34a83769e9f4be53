import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alphaForHalfLife, ewma, mad, MAD_SCALE, median, medianMad } from '../../src/anomaly/index.js';

function sortedMedian(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >>> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

describe('median and MAD', () => {
  it('on known arrays', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
    expect(median([])).toBeNaN();
    expect(median([2, 2, 2, 9, 9])).toBe(2);
    // median 2; deviations 1 1 0 0 2 4 7 -> median 1
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBeCloseTo(MAD_SCALE, 12);
    expect(medianMad([1, 1, 2, 2, 4, 6, 9])).toEqual({ median: 2, mad: MAD_SCALE });
    expect(mad([7, 7, 7, 7])).toBe(0);
    expect(mad([1, 2, 3], 0)).toBeCloseTo(2 * MAD_SCALE, 12);
  });

  it('scaled MAD estimates sigma for normal data, and ignores a few glitches', () => {
    // Evenly spaced normal quantiles: an exact standard normal sample shape.
    const values: number[] = [];
    const n = 2001;
    for (let i = 1; i <= n; i++) values.push(probit(i / (n + 1)) * 3 + 10);
    for (let i = 0; i < 50; i++) values.push(1e6);
    expect(median(values)).toBeCloseTo(10, 0);
    expect(mad(values)).toBeGreaterThan(2.9);
    expect(mad(values)).toBeLessThan(3.3);
  });

  it('property: the median lies within min..max, equals a sorting median, and the MAD is >= 0', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (v) => {
          const m = median(v);
          expect(m).toBeGreaterThanOrEqual(Math.min(...v));
          expect(m).toBeLessThanOrEqual(Math.max(...v));
          expect(m === sortedMedian(v)).toBe(true); // === : -0 and 0 are the same median
          expect(mad(v)).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('property: duplicates-heavy inputs (small integers) agree with a sorting median', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 100 }), (v) => {
        expect(median(v) === sortedMedian(v)).toBe(true);
      }),
    );
  });
});

describe('ewma', () => {
  it('converges on a constant with zero deviation', () => {
    expect(ewma([5, 5, 5, 5], 0.3)).toEqual({ mean: 5, std: 0, points: 4 });
    const values = [...Array(10).fill(0), ...Array(200).fill(10)];
    const e = ewma(values, 0.1);
    expect(e.mean).toBeCloseTo(10, 6);
    expect(e.std).toBeLessThan(1e-3);
    expect(e.points).toBe(210);
  });

  it('weights recent values more, skips nulls, and is empty without values', () => {
    const e = ewma([0, null, 10, null], 0.5);
    expect(e.mean).toBe(5);
    expect(e.std).toBeCloseTo(Math.sqrt(0.5 * (0 + 10 * 5)), 12);
    expect(e.points).toBe(2);
    const none = ewma([null, null], 0.5);
    expect(none.points).toBe(0);
    expect(none.mean).toBeNaN();
    expect(() => ewma([1], 0)).toThrow(RangeError);
  });

  it('estimates the deviation of noisy data', () => {
    const values: number[] = [];
    for (let i = 0; i < 5000; i++) values.push(i % 2 === 0 ? 9 : 11); // sd 1
    const e = ewma(values, 0.02);
    expect(e.mean).toBeCloseTo(10, 0);
    expect(e.std).toBeGreaterThan(0.9);
    expect(e.std).toBeLessThan(1.1);
  });

  it('alphaForHalfLife: a value one half-life old weighs half', () => {
    expect(alphaForHalfLife(10_000, 10_000)).toBe(0.5);
    const a = alphaForHalfLife(10_000, 900_000);
    expect(Math.pow(1 - a, 90)).toBeCloseTo(0.5, 12);
  });
});

/** Inverse of the standard normal CDF (Acklam's approximation; enough for a test fixture). */
function probit(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowP = 0.02425;
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lowP) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}
