// Synthetic series with known answers for the anomaly tests: a seeded PRNG, Poisson counts, and
// cumulative counters sampled every second.
import { aggregate, signalOf, sumSignals, type Point, type SeriesType } from '../../src/anomaly/index.js';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Poisson draw with mean `lambda` (Knuth; fine for the small means of one sample). */
export function poisson(rand: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(rand)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  for (;;) {
    p *= rand();
    if (p <= l) return k;
    k++;
  }
}

export function gaussian(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A cumulative counter sampled every `everyMs` from `from` (inclusive) to `to` (exclusive), whose
 * events arrive at `rate(t)` per second (Poisson). `reset(t)` true makes the counter restart at 0.
 */
export function counter(
  rand: () => number,
  from: number,
  to: number,
  rate: (t: number) => number,
  opts: { everyMs?: number; start?: number; reset?: (t: number) => boolean } = {},
): Point[] {
  const every = opts.everyMs ?? 1000;
  const out: Point[] = [];
  let value = opts.start ?? 1000;
  for (let t = from; t < to; t += every) {
    if (opts.reset?.(t)) value = 0;
    value += poisson(rand, (rate(t) * every) / 1000);
    out.push({ at: t, value });
  }
  return out;
}

export const SECOND = 1000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** A Monday 00:00 UTC, so that times of day read plainly in tests. */
export const T0 = Date.UTC(2026, 0, 5);

/** A gauge sampled every `everyMs`: `level(t)` plus `noise()`. */
export function gauge(
  from: number,
  to: number,
  level: (t: number) => number,
  noise: () => number,
  everyMs = 1000,
): Point[] {
  const out: Point[] = [];
  for (let t = from; t < to; t += everyMs) out.push({ at: t, value: level(t) + noise() });
  return out;
}

/**
 * The 1-minute history the store's rollups hold for these series: aggregate at 1 minute +
 * signalOf, summed over the series.
 */
export function minuteHistory(
  series: ReadonlyArray<readonly Point[]>,
  type: SeriesType,
  from: number,
  to: number,
  zeroAfterMs: number,
): Array<{ start: number; value: number | null }> {
  const per = series.map((p) =>
    aggregate(p, type, from, to, MINUTE, { now: to, zeroAfterMs }).map((b) => signalOf(b, type)),
  );
  return sumSignals(per).map((value, i) => ({
    start: Math.floor(from / MINUTE) * MINUTE + i * MINUTE,
    value,
  }));
}
