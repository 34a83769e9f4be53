// Robust and exponentially weighted statistics for baselines. Medians use quickselect on a typed
// copy (the property test checks them against a plain sort). Values must not be NaN.

/** Scales the median absolute deviation so that it estimates sigma for normal data. */
export const MAD_SCALE = 1.4826;

/** The median of `values`; NaN when there are none. */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  return medianInPlace(Float64Array.from(values));
}

/** The median of `a`, reordering it (quickselect: linear time on average). */
function medianInPlace(a: Float64Array): number {
  const n = a.length;
  const mid = n >>> 1;
  const upper = select(a, mid);
  if (n % 2 === 1) return upper;
  // After selecting `mid`, everything left of it is <= a[mid]: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + upper) / 2;
}

/** Hoare's selection: puts the k-th smallest value at index k and returns it. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

/** The median absolute deviation from `center` (default: the median), scaled by MAD_SCALE. */
export function mad(values: ArrayLike<number>, center: number = median(values)): number {
  const n = values.length;
  if (n === 0) return NaN;
  const dev = new Float64Array(n);
  for (let i = 0; i < n; i++) dev[i] = Math.abs(values[i]! - center);
  return MAD_SCALE * medianInPlace(dev);
}

export function medianMad(values: ArrayLike<number>): { median: number; mad: number } {
  const m = median(values);
  return { median: m, mad: mad(values, m) };
}

/**
 * Exponentially weighted mean and standard deviation, oldest value first; nulls are skipped (they
 * neither count nor decay the weights). Incremental form (West 1979 / Finch 2009): the variance is
 * that of the values around the moving mean. Empty input gives NaN mean and std and 0 points.
 */
export function ewma(
  values: ReadonlyArray<number | null>,
  alpha: number,
): { mean: number; std: number; points: number } {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`);
  let mean = NaN;
  let variance = 0;
  let points = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (points === 0) {
      mean = v;
    } else {
      const diff = v - mean;
      const incr = alpha * diff;
      mean += incr;
      variance = (1 - alpha) * (variance + diff * incr);
    }
    points++;
  }
  return { mean, std: points === 0 ? NaN : Math.sqrt(variance), points };
}

/** The EWMA weight per step for a half-life: a value `halfLifeMs` old weighs half a new one. */
export function alphaForHalfLife(stepMs: number, halfLifeMs: number): number {
  if (!(halfLifeMs > 0)) return 1;
  return 1 - Math.pow(2, -stepMs / halfLifeMs);
}
