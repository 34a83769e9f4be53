// Baselines: what the signal is expected to be, as a center and a spread (sigma-like, in the
// signal's units at the spec's step).
//
// Rolling: over the buckets of the baseline window (the caller passes exactly those), either the
// median with the scaled MAD (robust to the odd glitch in the window) or an EWMA mean and deviation
// (follows recent level changes faster).
//
// Seasonal (hour_of_day: period 1 day; hour_of_week: period 1 week), from the 1-minute signal the
// store's rollups hold. For each previous period k = 1, 2, ... we look at the minutes around the
// same time of period, `at - k x period`, within +- tolerance, and slide a 5-minute slot across them
// (1-minute steps). A slot counts when at least 3 of its 5 minutes have data. For a `low` comparison
// (collapse) we keep the period's lowest slot mean, for a `high` one (spike) its highest: phase
// jitter from day to day (a nightly drop at 22:00 +- 10 min, a batch at 02:00) then does not matter
// as long as the tolerance covers it, because each period is searched on its own. Across periods:
//   center = median of those per-period levels;
//   spread = sqrt(levelSpread^2 + noise^2), with levelSpread the scaled MAD of the levels across
//            periods (how much the level moves from day to day) and noise the scaled MAD of the
//            minutes around their slot means, pooled over periods, converted from a 1-minute to a
//            step-sized bucket as independent noise would be (x sqrt(60 s / step) when the step is
//            shorter than a minute; never scaled down).
// Taking the extreme of about 2 x tolerance / 1 min overlapping slots biases the center a little
// outwards (lower for `low`, higher for `high`): both make the detectors more conservative, which is
// the intent. Only whole previous periods are used, never data from the current one. Seasonal
// baselines always use median/MAD; `method` applies to rolling baselines.

import { bisect } from './signal.js';
import { alphaForHalfLife, ewma, mad, median, medianMad } from './stats.js';

export type Seasonality = 'none' | 'hour_of_day' | 'hour_of_week';

export interface BaselineSpec {
  method: 'median' | 'ewma';
  windowMs: number;
  stepMs: number;
  /** Non-null buckets needed before anything is raised (warm-up). */
  minPoints: number;
  /** EWMA only. */
  halfLifeMs: number;
  seasonality: Seasonality;
  /** Periods (days/weeks) of history needed before a seasonal baseline exists. */
  seasonalMinPeriods: number;
  /** Phase tolerance: how far from the same time of period a previous period is searched. */
  seasonalToleranceMs: number;
}

export interface Baseline {
  center: number;
  spread: number;
  points: number;
  seasonal: boolean;
}

export type BaselineResult =
  { ok: true; baseline: Baseline } | { ok: false; warmingUp: string; points: number; needed: number };

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
/** Width of a seasonal slot, and how many of its minutes need data. */
export const SEASONAL_SLOT_MS = 5 * MINUTE_MS;
const SLOT_MINUTES = SEASONAL_SLOT_MS / MINUTE_MS;
const SLOT_MIN_FILLED = 3;
/** Periods looked back at most (a bound on the cost when the caller passes long histories). */
const MAX_PERIODS = 60;

export function periodMs(seasonality: Seasonality): number | null {
  if (seasonality === 'hour_of_day') return DAY_MS;
  if (seasonality === 'hour_of_week') return WEEK_MS;
  return null;
}

/** Median/MAD or EWMA over the baseline window's buckets (oldest first). */
export function rollingBaseline(history: ReadonlyArray<number | null>, spec: BaselineSpec): BaselineResult {
  const values: number[] = [];
  for (const v of history) if (v !== null && Number.isFinite(v)) values.push(v);
  const needed = Math.max(1, spec.minPoints);
  if (values.length < needed)
    return {
      ok: false,
      warmingUp: `warming up: ${values.length} of ${needed} points`,
      points: values.length,
      needed,
    };
  if (spec.method === 'ewma') {
    const e = ewma(values, alphaForHalfLife(spec.stepMs, spec.halfLifeMs));
    return { ok: true, baseline: { center: e.mean, spread: e.std, points: e.points, seasonal: false } };
  }
  const m = medianMad(values);
  return { ok: true, baseline: { center: m.median, spread: m.mad, points: values.length, seasonal: false } };
}

/**
 * The seasonal baseline at `at` from the 1-minute signal (ascending by `start`, covering up to
 * several periods before `at`); see the header comment for the method.
 */
export function seasonalBaseline(
  minuteHistory: ReadonlyArray<{ start: number; value: number | null }>,
  at: number,
  spec: BaselineSpec,
  side: 'low' | 'high',
): BaselineResult {
  const period = periodMs(spec.seasonality);
  if (period === null) throw new RangeError('seasonalBaseline needs a seasonality other than none');
  const tolerance = Math.min(Math.max(0, spec.seasonalToleranceMs), period / 4);
  const needed = Math.max(1, spec.seasonalMinPeriods);
  const levels: number[] = [];
  const residuals: number[] = [];
  const first = minuteHistory[0]?.start ?? Infinity;
  for (let k = 1; k <= MAX_PERIODS; k++) {
    const lo = Math.floor((at - k * period - tolerance - SEASONAL_SLOT_MS / 2) / MINUTE_MS) * MINUTE_MS;
    const hi = Math.ceil((at - k * period + tolerance + SEASONAL_SLOT_MS / 2) / MINUTE_MS) * MINUTE_MS;
    if (hi <= first) break;
    const best = extremeSlot(minuteHistory, lo, hi, side);
    if (best === null) continue;
    levels.push(best.mean);
    for (const v of best.values) residuals.push(v - best.mean);
  }
  if (levels.length < needed) {
    const unit = period === DAY_MS ? 'day' : 'week';
    const plural = (n: number) => `${n} ${unit}${n === 1 ? '' : 's'}`;
    return {
      ok: false,
      warmingUp: `seasonal baseline needs ${plural(needed)} of history (has ${levels.length})`,
      points: levels.length,
      needed,
    };
  }
  const center = median(levels);
  const levelSpread = mad(levels, center);
  const noise = residuals.length > 0 ? mad(residuals, 0) : 0;
  const noiseAtStep = noise * Math.sqrt(Math.max(1, MINUTE_MS / spec.stepMs));
  return {
    ok: true,
    baseline: {
      center,
      spread: Math.sqrt(levelSpread * levelSpread + noiseAtStep * noiseAtStep),
      points: levels.length,
      seasonal: true,
    },
  };
}

/** The lowest (or highest) 5-minute slot mean among the minutes in [lo, hi), with its minutes. */
function extremeSlot(
  minuteHistory: ReadonlyArray<{ start: number; value: number | null }>,
  lo: number,
  hi: number,
  side: 'low' | 'high',
): { mean: number; values: number[] } | null {
  const len = Math.round((hi - lo) / MINUTE_MS);
  const minutes: Array<number | null> = new Array(len).fill(null);
  let any = false;
  for (let i = bisect(minuteHistory, (m) => m.start, lo); i < minuteHistory.length; i++) {
    const m = minuteHistory[i]!;
    if (m.start >= hi) break;
    if (m.value === null || !Number.isFinite(m.value)) continue;
    minutes[Math.floor((m.start - lo) / MINUTE_MS)] = m.value;
    any = true;
  }
  if (!any) return null;
  let best: { mean: number; from: number } | null = null;
  for (let s = 0; s + SLOT_MINUTES <= len; s++) {
    let sum = 0;
    let filled = 0;
    for (let j = s; j < s + SLOT_MINUTES; j++) {
      const v = minutes[j];
      if (v === null || v === undefined) continue;
      sum += v;
      filled++;
    }
    if (filled < SLOT_MIN_FILLED) continue;
    const mean = sum / filled;
    if (best === null || (side === 'low' ? mean < best.mean : mean > best.mean)) best = { mean, from: s };
  }
  if (best === null) return null;
  const values: number[] = [];
  for (let j = best.from; j < best.from + SLOT_MINUTES; j++) {
    const v = minutes[j];
    if (v !== null && v !== undefined) values.push(v);
  }
  return { mean: best.mean, values };
}
