// The windows the level detectors (collapse, spike) judge, and what they share: the signal on the
// spec's step grid summed over the series, the current window (the last `forMs` of complete
// buckets) and the baseline window (`windowMs` of buckets just before it, so an anomaly does not
// pollute its own baseline), the baseline, and messages.
//
// Counters: the judged end is the end of the last bucket every reporting series has covered. A
// series sampled every 15 s has its newest bucket uncovered until its next sample (or until the
// zero tail starts, at most `zeroAfterMs` later); judging that bucket would compare a partial sum
// of several series, or nothing, with the baseline. So the windows end a bucket or two earlier
// instead, never more than zeroAfterMs + one step.

import { humanDuration } from '../../checks/context.js';
import { DAY_MS, periodMs, rollingBaseline, seasonalBaseline, type BaselineResult } from '../baseline.js';
import { pctChange, round4, sig3 } from '../format.js';
import { sumSignals, toSignal } from '../signal.js';
import type { CollapseSpec, DetectOptions, Detection, Display, SeriesInput, SpikeSpec } from './types.js';

export interface LevelWindow {
  stepMs: number;
  /** Buckets of the current window as configured (forMs / step, at least 1). */
  n: number;
  /** The summed signal over the loaded range, oldest first; bucket i starts at rangeStart + i x step. */
  signal: Array<number | null>;
  rangeStart: number;
  /** Index just past the last judged bucket. */
  cut: number;
  /** Non-null values of the current window. */
  current: number[];
  baseline: BaselineResult;
  seriesCount: number;
}

export function levelWindow(
  spec: CollapseSpec | SpikeSpec,
  input: SeriesInput,
  now: number,
  opts: DetectOptions,
  side: 'low' | 'high',
): LevelWindow {
  const b = spec.baseline;
  const stepMs = b.stepMs;
  if (!(stepMs > 0)) throw new RangeError(`baseline.stepMs must be positive, got ${stepMs}`);
  const n = Math.max(1, Math.round(spec.forMs / stepMs));
  const m = Math.max(1, Math.round(b.windowMs / stepMs));
  const g = input.type === 'counter' ? Math.ceil(Math.max(0, opts.zeroAfterMs) / stepMs) + 1 : 0;
  const end = Math.floor(now / stepMs) * stepMs; // only complete buckets are judged
  // A frozen baseline (opts.baselineEnd, an anomaly in progress) ends before the current window.
  const frozenEnd =
    opts.baselineEnd !== undefined && opts.baselineEnd < end - n * stepMs
      ? Math.floor(opts.baselineEnd / stepMs) * stepMs
      : null;
  const rangeStart = Math.min(
    end - (n + m + g) * stepMs,
    frozenEnd === null ? Infinity : frozenEnd - m * stepMs,
  );
  const signalOpts = { now, zeroAfterMs: opts.zeroAfterMs };
  const perSeries = input.series.map((pts) => toSignal(pts, input.type, rangeStart, end, stepMs, signalOpts));
  const len = Math.round((end - rangeStart) / stepMs);
  let cut = len;
  if (input.type === 'counter') {
    for (const s of perSeries) {
      let last = s.length - 1;
      while (last >= 0 && s[last] === null) last--;
      if (last >= 0) cut = Math.min(cut, last + 1);
    }
    cut = Math.max(cut, len - g);
  }
  const signal = perSeries.length > 0 ? sumSignals(perSeries) : new Array<number | null>(len).fill(null);
  const current: number[] = [];
  for (let i = cut - n; i < cut; i++) {
    const v = signal[i];
    if (v !== null && v !== undefined) current.push(v);
  }
  let baseline: BaselineResult;
  if (b.seasonality === 'none') {
    const baselineEndIdx =
      frozenEnd === null ? cut - n : Math.min(cut - n, Math.round((frozenEnd - rangeStart) / stepMs));
    baseline = rollingBaseline(signal.slice(Math.max(0, baselineEndIdx - m), baselineEndIdx), b);
  } else {
    // Judged against the time of period at the middle of the current window; the tolerance grows by
    // half the window so that the whole window is inside it.
    const mid = rangeStart + (cut - n) * stepMs + (n * stepMs) / 2;
    const widened = { ...b, seasonalToleranceMs: b.seasonalToleranceMs + (n * stepMs) / 2 };
    baseline = seasonalBaseline(input.minuteHistory ?? [], mid, widened, side);
  }
  return { stepMs, n, signal, rangeStart, cut, current, baseline, seriesCount: input.series.length };
}

/**
 * How long `violates` has held, back from the judged end: the run of violating buckets (gaps
 * without data do not break it) up to the first bucket with data that does not violate. Capped by
 * the loaded range (about window + for).
 */
export function sinceOf(w: LevelWindow, violates: (v: number) => boolean): number | null {
  let earliest = -1;
  for (let i = w.cut - 1; i >= 0; i--) {
    const v = w.signal[i];
    if (v === null || v === undefined) continue;
    if (!violates(v)) break;
    earliest = i;
  }
  return earliest < 0 ? null : (w.cut - earliest) * w.stepMs;
}

export function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export function scale(v: number | null, d: Display): number | null {
  return v === null || !Number.isFinite(v) ? null : v * d.perSeconds;
}

/** "quote rate 0.4/s vs baseline 12.1/s (-97%)", plus " for 6 min" when a duration is given. */
export function levelMessage(d: Display, current: number, center: number, sinceMs: number | null): string {
  const cur = current * d.perSeconds;
  const base = center * d.perSeconds;
  const pct = pctChange(cur, base);
  return `${d.name} ${sig3(cur)}${d.unit} vs baseline ${sig3(base)}${d.unit}${pct === null ? '' : ` (${pct})`}${
    sinceMs === null ? '' : ` for ${humanDuration(sinceMs)}`
  }`;
}

/** What the baseline is, for the signal query. */
export function baselineText(spec: CollapseSpec | SpikeSpec, side: 'low' | 'high'): string {
  const b = spec.baseline;
  if (b.seasonality !== 'none') {
    const period = periodMs(b.seasonality) === DAY_MS ? 'day' : 'week';
    return `${side === 'low' ? 'lowest' : 'highest'} 5 min level within +-${humanDuration(b.seasonalToleranceMs)} of the same time of ${period}, median over previous ${period}s`;
  }
  if (b.method === 'ewma')
    return `EWMA (half-life ${humanDuration(b.halfLifeMs)}) of the previous ${humanDuration(b.windowMs)}`;
  return `median of the previous ${humanDuration(b.windowMs)}`;
}

/** The parts of `observed` every level detection has. */
export function commonObserved(
  spec: CollapseSpec | SpikeSpec,
  w: LevelWindow,
  d: Display,
): Record<string, unknown> {
  const b = spec.baseline;
  return {
    detector: spec.kind,
    method: b.seasonality === 'none' ? b.method : 'seasonal_median',
    seasonality: b.seasonality,
    window: humanDuration(b.windowMs),
    for: humanDuration(spec.forMs),
    step: humanDuration(w.stepMs),
    unit: d.unit,
    series: w.seriesCount,
    judged_until: new Date(w.rangeStart + w.cut * w.stepMs).toISOString(),
  };
}

/** What a level detector (collapse, spike) decided, for levelDetection to report. */
export interface LevelVerdict {
  anomalous: boolean;
  /** The current window's mean (signal units). */
  current: number;
  center: number;
  /** The spread reported (spike: the width actually used). */
  spread: number;
  /** The band's bounds in signal units (null: that side is not judged). */
  lower: number | null;
  upper: number | null;
  sinceMs: number | null;
  /** Detector-specific fields of `observed` (already in display units). */
  extra: Record<string, unknown>;
}

/** The Detection of a judged level window: values in display units, message, observed state. */
export function levelDetection(
  spec: CollapseSpec | SpikeSpec,
  w: LevelWindow,
  display: Display,
  v: LevelVerdict,
  signalQuery: string,
  /** opts.baselineEnd: when the anomaly in progress began, as the caller knows it. */
  frozenFrom?: number,
): Detection {
  if (!w.baseline.ok) throw new Error('unreachable: baseline warming up');
  const { points, seasonal } = w.baseline.baseline;
  const needed = seasonal ? spec.baseline.seasonalMinPeriods : spec.baseline.minPoints;
  const shown = (x: number | null): number | null => (x === null ? null : round4(x * display.perSeconds));
  return {
    state: v.anomalous ? 'anomalous' : 'ok',
    current: scale(v.current, display),
    baseline: scale(v.center, display),
    lower: v.lower === null ? null : scale(v.lower, display),
    upper: v.upper === null ? null : scale(v.upper, display),
    points,
    needed,
    sinceMs: v.sinceMs,
    message: levelMessage(display, v.current, v.center, v.anomalous ? v.sinceMs : null),
    observed: {
      ...commonObserved(spec, w, display),
      seasonal,
      current: shown(v.current),
      baseline: shown(v.center),
      spread: shown(v.spread),
      band: [shown(v.lower), shown(v.upper)],
      lower: shown(v.lower),
      upper: shown(v.upper),
      ...v.extra,
      points,
      needed,
      judged_buckets: w.current.length,
      since: v.sinceMs === null ? null : humanDuration(v.sinceMs),
      anomalous_since: v.anomalous ? new Date(anomalousSince(w, v.sinceMs, frozenFrom)).toISOString() : null,
    },
    signalQuery,
  };
}

/**
 * When the anomaly in progress began: the start of its run of violating buckets, or the start the
 * caller passed (an anomaly that has lasted longer than the loaded range keeps its first start).
 */
function anomalousSince(w: LevelWindow, sinceMs: number | null, previous: number | undefined): number {
  const judgedEnd = w.rangeStart + w.cut * w.stepMs;
  const own = judgedEnd - (sinceMs ?? w.n * w.stepMs);
  return previous === undefined ? own : Math.min(previous, own);
}

/** A detection for the states where nothing is compared (warming up, no data). */
export function notJudged(
  spec: CollapseSpec | SpikeSpec,
  w: LevelWindow,
  d: Display,
  signalQuery: string,
): Detection | null {
  const b = w.baseline;
  const base = {
    current: null,
    baseline: null,
    lower: null,
    upper: null,
    points: b.ok ? b.baseline.points : b.points,
    needed: b.ok
      ? spec.baseline.seasonality === 'none'
        ? spec.baseline.minPoints
        : spec.baseline.seasonalMinPeriods
      : b.needed,
    sinceMs: null,
    signalQuery,
  };
  if (w.current.length === 0) {
    return {
      ...base,
      state: 'no_data',
      message: `no data for ${d.name} in the last ${humanDuration(spec.forMs)}`,
      observed: { ...commonObserved(spec, w, d), points: base.points, needed: base.needed },
    };
  }
  if (!b.ok) {
    const cur = scale(mean(w.current), d);
    return {
      ...base,
      state: 'warming_up',
      current: cur,
      message: `${b.warmingUp} (${d.name})`,
      observed: { ...commonObserved(spec, w, d), current: round4(cur), points: b.points, needed: b.needed },
    };
  }
  return null;
}
