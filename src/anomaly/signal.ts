// From raw series points to a signal on a fixed step grid: one value per bucket, a rate per second
// for counters and a mean for gauges. Pure: the caller passes `now`; nothing here reads a clock.
//
// Counters follow Prometheus' rate(): a drop of the value is a reset, and the increase across it is
// the new value. The increase between two samples is spread over the time between them, so sparse
// or irregular samples give a smooth rate instead of a spike in the bucket that happens to hold the
// sample. What we know is tracked per bucket as `coveredMs`: a bucket is judged on the part of its
// time that some pair of samples (or the zero tail, below) explains, and a bucket nothing explains
// has no value (null), not a rate of zero.
//
// The zero tail: after the last sample of a counter, the first `zeroAfterMs` are "not reported yet"
// (not covered), and everything later, up to `now`, counts as covered with no increase. A pusher that
// died must look like a collapse, not like a gap.

export type SeriesType = 'counter' | 'gauge';

/** One sample: `at` in epoch ms. Arrays of points are ascending by `at` (the caller sorts). */
export interface Point {
  at: number;
  value: number;
}

/** Aggregates of one bucket [start, start + stepMs). */
export interface BucketAggregate {
  start: number;
  /** Raw points whose `at` falls in the bucket. */
  count: number;
  /** Of the raw point values in the bucket; 0 when `count` is 0 (never NaN). */
  sum: number;
  min: number;
  max: number;
  last: number;
  /** Counters: the reset-corrected increase attributed to this bucket. */
  increase: number;
  /** Counters: time inside the bucket covered by known intervals. */
  coveredMs: number;
}

export interface SignalOptions {
  /** Points after `now` are ignored (clock skew, or a replay of the past by `timeline`). */
  now: number;
  /** Counters: how long after the last point the series counts as "not reported yet". */
  zeroAfterMs: number;
}

/** Bucket aggregates over [from, to), aligned to multiples of `stepMs` since the epoch. */
export function aggregate(
  points: readonly Point[],
  type: SeriesType,
  from: number,
  to: number,
  stepMs: number,
  opts: SignalOptions,
): BucketAggregate[] {
  const g = grid(from, to, stepMs);
  const raw = rawStats(points, g, opts.now);
  const spread = type === 'counter' ? counterSpread(points, g, opts) : null;
  const out: BucketAggregate[] = new Array(g.n);
  for (let i = 0; i < g.n; i++) {
    const count = raw.count[i]!;
    out[i] = {
      start: g.start + i * stepMs,
      count,
      sum: raw.sum[i]!,
      min: count > 0 ? raw.min[i]! : 0,
      max: count > 0 ? raw.max[i]! : 0,
      last: count > 0 ? raw.last[i]! : 0,
      increase: spread ? spread.increase[i]! : 0,
      coveredMs: spread ? spread.covered[i]! : 0,
    };
  }
  return out;
}

/** A counter's rate per second (null when nothing is covered), a gauge's mean (null when empty). */
export function signalOf(b: BucketAggregate, type: SeriesType): number | null {
  if (type === 'counter') return b.coveredMs > 0 ? b.increase / (b.coveredMs / 1000) : null;
  return b.count > 0 ? b.sum / b.count : null;
}

/**
 * `aggregate(...).map(signalOf)`, computed without building the bucket objects (this is the
 * detectors' hot path: one call per series per evaluation).
 */
export function toSignal(
  points: readonly Point[],
  type: SeriesType,
  from: number,
  to: number,
  stepMs: number,
  opts: SignalOptions,
): Array<number | null> {
  const g = grid(from, to, stepMs);
  const out: Array<number | null> = new Array(g.n);
  if (type === 'counter') {
    const { increase, covered } = counterSpread(points, g, opts);
    for (let i = 0; i < g.n; i++) out[i] = covered[i]! > 0 ? increase[i]! / (covered[i]! / 1000) : null;
  } else {
    const { count, sum } = rawStats(points, g, opts.now);
    for (let i = 0; i < g.n; i++) out[i] = count[i]! > 0 ? sum[i]! / count[i]! : null;
  }
  return out;
}

/**
 * Per bucket, the sum of the non-null values of several signals (series of one metric, e.g. quotes
 * from several feeds); null when all are null. Signals of different lengths are padded with nulls.
 */
export function sumSignals(signals: ReadonlyArray<ReadonlyArray<number | null>>): Array<number | null> {
  let len = 0;
  for (const s of signals) len = Math.max(len, s.length);
  const out: Array<number | null> = new Array(len).fill(null);
  for (const s of signals)
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v === null || v === undefined) continue;
      out[i] = (out[i] ?? 0) + v;
    }
  return out;
}

/**
 * A counter's reset-corrected increase over [from, to) with the same spreading and zero tail as
 * `aggregate`, without a grid (the flow-mismatch detector's trailing window), and how much of the
 * window is covered.
 */
export function windowIncrease(
  points: readonly Point[],
  from: number,
  to: number,
  opts: SignalOptions,
): { increase: number; coveredMs: number } {
  if (!(to > from)) return { increase: 0, coveredMs: 0 };
  const s = counterSpread(points, { start: from, stepMs: to - from, n: 1 }, opts);
  return { increase: s.increase[0]!, coveredMs: s.covered[0]! };
}

/**
 * The `at` of the latest sample at or before `now` where a counter advanced (value above the one
 * before, or a reset to a positive value); null when it never did in `points`.
 */
export function lastAdvance(points: readonly Point[], now: number): number | null {
  let i = upperBound(points, now) - 1;
  for (; i > 0; i--) {
    const p = points[i]!;
    const q = points[i - 1]!;
    if (!usable(p) || !usable(q)) continue;
    if (p.value > q.value || (p.value < q.value && p.value > 0)) return p.at;
  }
  return null;
}

/**
 * Binary search over a list ascending by `key`: the first index whose key is at or after `t`
 * (`strict`: after `t`); the list's length when there is none.
 */
export function bisect<T>(list: readonly T[], key: (item: T) => number, t: number, strict = false): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = key(list[mid]!);
    if (k < t || (strict && k === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const atOf = (p: Point): number => p.at;

/** The first index whose point is at or after `t` (points ascending by `at`). */
export function lowerBound(points: readonly Point[], t: number): number {
  return bisect(points, atOf, t);
}

/** The first index whose point is after `t`. */
export function upperBound(points: readonly Point[], t: number): number {
  return bisect(points, atOf, t, true);
}

function usable(p: Point): boolean {
  return Number.isFinite(p.at) && Number.isFinite(p.value);
}

interface Grid {
  /** Start of bucket 0. */
  start: number;
  stepMs: number;
  n: number;
}

/** Buckets covering [from, to) on the epoch-aligned grid of `stepMs`. */
function grid(from: number, to: number, stepMs: number): Grid {
  if (!(stepMs > 0) || !Number.isFinite(stepMs))
    throw new RangeError(`stepMs must be positive, got ${stepMs}`);
  const start = Math.floor(from / stepMs) * stepMs;
  const end = Math.ceil(to / stepMs) * stepMs;
  return { start, stepMs, n: end > start ? Math.round((end - start) / stepMs) : 0 };
}

/** Count, sum, min, max and last of the raw values per bucket (points after `now` ignored). */
function rawStats(points: readonly Point[], g: Grid, now: number) {
  const count = new Float64Array(g.n);
  const sum = new Float64Array(g.n);
  const min = new Float64Array(g.n);
  const max = new Float64Array(g.n);
  const last = new Float64Array(g.n);
  const end = g.start + g.n * g.stepMs;
  for (let i = lowerBound(points, g.start); i < points.length; i++) {
    const p = points[i]!;
    if (p.at >= end || p.at > now) break; // points at `now` count; later ones are the future
    if (!usable(p)) continue;
    const b = Math.floor((p.at - g.start) / g.stepMs);
    if (count[b] === 0 || p.value < min[b]!) min[b] = p.value;
    if (count[b] === 0 || p.value > max[b]!) max[b] = p.value;
    count[b]!++;
    sum[b]! += p.value;
    last[b] = p.value;
  }
  return { count, sum, min, max, last };
}

/**
 * The reset-corrected increase and covered time per bucket: each pair of consecutive samples
 * spreads its increase evenly over the time between them, then the zero tail. Samples before the
 * grid are used: the one just before it explains the start of the first bucket.
 */
function counterSpread(points: readonly Point[], g: Grid, opts: SignalOptions) {
  const increase = new Float64Array(g.n);
  const covered = new Float64Array(g.n);
  const from = g.start;
  const to = Math.min(g.start + g.n * g.stepMs, opts.now);
  const add = (a: number, b: number, perMs: number) => {
    const lo = Math.max(a, from);
    const hi = Math.min(b, to);
    if (!(hi > lo)) return;
    for (let i = Math.floor((lo - from) / g.stepMs); i < g.n; i++) {
      const bs = from + i * g.stepMs;
      if (bs >= hi) break;
      const ov = Math.min(hi, bs + g.stepMs) - Math.max(lo, bs);
      if (ov <= 0) continue;
      increase[i]! += perMs * ov;
      covered[i]! += ov;
    }
  };
  let prev: Point | undefined;
  let i = Math.max(0, lowerBound(points, from) - 1);
  for (; i < points.length; i++) {
    const p = points[i]!;
    if (p.at > opts.now) break;
    if (!usable(p)) continue;
    if (prev !== undefined) {
      if (p.at < prev.at) continue; // out of order: the caller sorts, but never let time run backwards
      const inc = p.value >= prev.value ? p.value - prev.value : Math.max(0, p.value);
      // Two samples at one instant carry no time to spread over; their difference is noise of the
      // pusher, not a rate, so it is dropped rather than made infinite.
      if (p.at > prev.at && Number.isFinite(inc)) {
        const b = Math.floor((prev.at - from) / g.stepMs);
        if (prev.at >= from && p.at <= from + (b + 1) * g.stepMs && p.at <= to) {
          // The common case, samples closer together than a step: all of it in one bucket.
          increase[b]! += inc;
          covered[b]! += p.at - prev.at;
        } else add(prev.at, p.at, inc / (p.at - prev.at));
      }
    }
    prev = p;
    if (p.at >= to) break; // the interval that crosses the end is done; no tail inside the grid
  }
  if (prev !== undefined && prev.at < to) add(prev.at + Math.max(0, opts.zeroAfterMs), to, 0);
  return { increase, covered };
}
