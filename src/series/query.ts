import {
  sumSignals,
  timeline,
  toSignal,
  type Display,
  type SeriesType,
  type TimelinePoint,
} from '../anomaly/index.js';
import { loadSeriesInput } from '../engine/anomaly-inputs.js';
import type { AnomalyCheck, HealthConfig, SeriesOptions, SeriesSelector } from '../engine/model.js';
import type { Matcher } from '../routing/matchers.js';
import type { SeriesOps } from '../store/store.js';
import type { SeriesRef } from '../store/sql/series.js';
import { ROLLUP_STEP_MS, SeriesReader, typeOf } from './reader.js';

/*
 * GET /api/v1/series: a metric's series over a time range for the dashboard's charts. Raw points
 * while the range is within raw retention, 1-minute rollups beyond; the summed signal (rate for
 * counters, mean for gauges) on a step grid; and, for each anomaly check on the metric, its band
 * and anomaly markers over the range, computed by the same detector code the checks run.
 */

/** Most grid steps in one answer (the step grows to fit). */
export const MAX_STEPS = 2000;
/** Most raw points returned per series (a longer range comes from rollups). */
const MAX_RAW_POINTS = 20_000;

export interface SeriesQuery {
  name: string;
  matchers: readonly Matcher[];
  from: number;
  to: number;
  stepMs: number | null;
  /** Only this anomaly check's band (default: every anomaly check reading the metric). */
  check: string | null;
}

export interface SeriesAnswer {
  name: string;
  from: number;
  to: number;
  stepMs: number;
  resolution: 'raw' | '1m';
  type: SeriesType | null;
  series: Array<{
    labels: Record<string, string>;
    type: SeriesType;
    points: Array<{ at: number; value: number }>;
  }>;
  signal: Array<{ at: number; value: number | null }>;
  detectors: Array<{
    check: string;
    service: string;
    detector: string;
    points: TimelinePoint[];
    anomalies: Array<{ from: number; to: number }>;
  }>;
}

const DAY = 86_400_000;

function selectorsOf(check: AnomalyCheck): SeriesSelector[] {
  return [check.series, check.upstream, check.downstream].filter((s): s is SeriesSelector => s !== null);
}

/** Nice grid steps: whole seconds, minutes or hours. */
function niceStep(minMs: number): number {
  const steps = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].map(
    (s) => s * 1000,
  );
  return steps.find((s) => s >= minMs) ?? Math.ceil(minMs / DAY) * DAY;
}

export async function querySeries(
  ops: SeriesOps,
  cfg: HealthConfig,
  options: SeriesOptions,
  q: SeriesQuery,
  now: number,
): Promise<SeriesAnswer> {
  const reader = new SeriesReader(ops);
  const refs = await reader.select(q.name, q.matchers);
  const type = refs.length > 0 ? typeOf(null, refs) : null;
  const span = q.to - q.from;
  const rawFrom = now - options.rawRetentionMs;
  const resolution: 'raw' | '1m' = q.from >= rawFrom ? 'raw' : '1m';
  // A range of exactly MAX_STEPS steps has MAX_STEPS + 1 grid points (both ends): one fewer fits.
  let stepMs = Math.max(q.stepMs ?? 0, niceStep(span / (MAX_STEPS - 1)));
  if (resolution === '1m')
    stepMs = Math.max(ROLLUP_STEP_MS, Math.ceil(stepMs / ROLLUP_STEP_MS) * ROLLUP_STEP_MS);
  const opts = { now, zeroAfterMs: options.counterSilenceMs };

  const series: SeriesAnswer['series'] = [];
  const signals: Array<Array<number | null>> = [];
  for (const ref of refs) {
    if (resolution === 'raw') {
      const pts = await ops.points(ref.id, q.from, q.to);
      signals.push(toSignal(pts, ref.type, q.from, q.to, stepMs, opts));
      const shown = pts.filter((p) => p.at >= q.from);
      series.push({ labels: ref.labels, type: ref.type, points: thin(shown, MAX_RAW_POINTS) });
    } else {
      const rows = await reader.rollups(ref, q.from, q.to);
      series.push({
        labels: ref.labels,
        type: ref.type,
        points: rows.map((r) => ({ at: r.start, value: r.last })),
      });
      signals.push(regrid(rows, ref, q.from, q.to, stepMs));
    }
  }
  const first = Math.floor(q.from / stepMs) * stepMs;
  const summed = signals.length > 0 ? sumSignals(signals) : [];
  const signal = summed.map((value, i) => ({ at: first + i * stepMs, value }));

  const detectors: SeriesAnswer['detectors'] = [];
  for (const check of cfg.checks.values()) {
    if (check.kind !== 'anomaly' || check.detector.kind === 'flow_mismatch') continue;
    if (q.check !== null ? check.id !== q.check : !selectorsOf(check).some((s) => s.metric === q.name))
      continue;
    const { input } = await loadSeriesInput(reader, check.series!, check, options, q);
    const display: Display =
      input.type === 'gauge' ? { name: check.display.name, unit: '', perSeconds: 1 } : check.display;
    const points = timeline(check.detector, input, q.from, q.to, stepMs, display, opts);
    detectors.push({
      check: check.id,
      service: check.service,
      detector: check.detector.kind,
      points,
      anomalies: markers(points, stepMs),
    });
  }
  return { name: q.name, from: q.from, to: q.to, stepMs, resolution, type, series, signal, detectors };
}

/** Consecutive anomalous steps as intervals [from, to). */
function markers(points: readonly TimelinePoint[], stepMs: number): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  for (const p of points) {
    if (!p.anomalous) continue;
    const last = out[out.length - 1];
    if (last && last.to >= p.at) last.to = p.at + stepMs;
    else out.push({ from: p.at, to: p.at + stepMs });
  }
  return out;
}

/** Every n-th point so at most `max` remain (the last always kept). */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const every = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % every === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]!);
  return out;
}

/** 1-minute rollups onto a coarser grid: counters by total increase over covered time, gauges by mean. */
function regrid(
  rows: ReadonlyArray<{ start: number; count: number; sum: number; increase: number; coveredMs: number }>,
  ref: SeriesRef,
  from: number,
  to: number,
  stepMs: number,
): Array<number | null> {
  const first = Math.floor(from / stepMs) * stepMs;
  const n = Math.max(0, Math.ceil((to - first) / stepMs));
  const acc = Array.from({ length: n }, () => ({ a: 0, b: 0 }));
  for (const r of rows) {
    const i = Math.floor((r.start - first) / stepMs);
    if (i < 0 || i >= n) continue;
    if (ref.type === 'counter') {
      acc[i]!.a += r.increase;
      acc[i]!.b += r.coveredMs;
    } else {
      acc[i]!.a += r.sum;
      acc[i]!.b += r.count;
    }
  }
  return acc.map(({ a, b }) => (b === 0 ? null : ref.type === 'counter' ? a / (b / 1000) : a / b));
}
