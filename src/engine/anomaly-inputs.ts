import { evaluate } from '../checks/expr/index.js';
import { exprSource } from '../checks/context.js';
import { periodMs, type SeriesInput } from '../anomaly/index.js';
import { recordSamples, type SeriesSample } from '../series/record.js';
import { SeriesReader, typeOf } from '../series/reader.js';
import type { SourceOutcome } from '../sources/source.js';
import type { Store } from '../store/store.js';
import type { AnomalyCheck, CheckResult, SeriesOptions, SeriesSelector } from './model.js';

/*
 * What an anomaly check needs before it can be judged, fetched per cycle: the values it collects
 * from sources are recorded as series points first, then the series' points (and, for seasonal
 * baselines, their 1-minute history) are read back from the store. The evaluation itself
 * (src/checks/anomaly.ts) stays synchronous and pure like every other check kind's.
 */

export type AnomalyData =
  | {
      ok: true;
      input: SeriesInput | { upstream: SeriesInput; downstream: SeriesInput };
      zeroAfterMs: number;
      /** While an anomaly lasts: when it began, where the baseline window stays frozen. */
      baselineEnd?: number;
      /** Series summed (collapse, spike) or per side (flow mismatch). */
      seriesCount: number;
    }
  | { ok: false; unavailable: string[] }
  | { ok: false; error: string };

/** Seasonal history read: the periods a baseline looks back over, within what rollups keep. */
function historyMs(check: AnomalyCheck, options: SeriesOptions): number {
  if (check.detector.kind === 'flow_mismatch') return 0;
  const b = check.detector.baseline;
  const period = periodMs(b.seasonality);
  if (period === null) return 0;
  const periods = Math.max(b.seasonalMinPeriods, b.seasonality === 'hour_of_week' ? 4 : 7);
  return Math.min(options.rollupRetentionMs, periods * period + b.seasonalToleranceMs);
}

/**
 * What the detector of `check` needs of one selector to judge [from, to]: raw points from the
 * baseline window before `from` (and `extraRawMs` more: a frozen baseline), and for a seasonal
 * baseline the 1-minute history. One evaluation (the engine) has from = now; a chart's timeline
 * (the API) a range.
 */
export async function loadSeriesInput(
  reader: SeriesReader,
  sel: SeriesSelector,
  check: AnomalyCheck,
  options: SeriesOptions,
  range: { from: number; to: number; extraRawMs?: number },
): Promise<{ input: SeriesInput; count: number }> {
  const refs = await reader.select(sel.metric, sel.matchers);
  const type = typeOf(sel.type, refs);
  const rawFrom = range.from - rawSpanMs(check, options) - (range.extraRawMs ?? 0);
  const series = await reader.points(refs, rawFrom, range.to);
  const history = historyMs(check, options);
  const input: SeriesInput =
    history > 0
      ? {
          type,
          series,
          minuteHistory: await reader.minuteHistory(refs, type, range.from - history, range.to),
        }
      : { type, series };
  return { input, count: refs.length };
}

/**
 * How far back raw points are read for one evaluation: the baseline window, the current window,
 * and the buckets a counter's newest, not yet covered, time may hold back (see detectors/window.ts).
 */
export function rawSpanMs(check: AnomalyCheck, options: SeriesOptions): number {
  const d = check.detector;
  if (d.kind === 'flow_mismatch') return d.lagMs;
  const b = d.baseline;
  // The seasonal baseline comes from rollups; raw points are needed for the current window only.
  const base = b.seasonality === 'none' ? b.windowMs : 0;
  return base + d.forMs + options.counterSilenceMs + 3 * b.stepMs;
}

/** Reads each check's collected values from this cycle's source outcomes. */
function collected(
  checks: readonly AnomalyCheck[],
  outcomes: ReadonlyMap<string, SourceOutcome>,
  now: number,
): { samples: SeriesSample[]; failures: Map<string, AnomalyData> } {
  const samples: SeriesSample[] = [];
  const failures = new Map<string, AnomalyData>();
  for (const check of checks) {
    for (const sel of [check.series, check.upstream, check.downstream]) {
      if (!sel?.collect) continue;
      const r = evaluate(sel.collect.value, {
        now,
        primary: sel.collect.source,
        source: exprSource({ now, source: (name) => outcomes.get(name) }),
      });
      if (r.kind === 'unavailable') {
        failures.set(check.id, { ok: false, unavailable: r.sources });
        continue;
      }
      const value = r.kind === 'value' ? numeric(r.value) : null;
      if (r.kind === 'error' || value === null) {
        const why = r.kind === 'error' ? r.message : `is ${JSON.stringify(r.value)}, not a number`;
        failures.set(check.id, { ok: false, error: `${sel.collect.value.text} ${why}` });
        continue;
      }
      samples.push({
        metric: sel.metric,
        labels: { source: sel.collect.source },
        type: sel.type!,
        value,
        at: now,
      });
    }
  }
  return { samples, failures };
}

/**
 * Where a rolling baseline stays frozen while the check's anomaly lasts: when it began, as its
 * previous result says; undefined when it is not anomalous, or when the points before it have
 * left raw retention (the baseline then follows the series again).
 */
function frozenBaselineEnd(
  check: AnomalyCheck,
  previous: CheckResult | null,
  now: number,
  options: SeriesOptions,
): number | undefined {
  if (check.detector.kind === 'flow_mismatch' || check.detector.baseline.seasonality !== 'none')
    return undefined;
  if (previous?.outcome !== 'violation') return undefined;
  const since = previous.observed.anomalous_since;
  const at = typeof since === 'string' ? Date.parse(since) : NaN;
  if (!Number.isFinite(at)) return undefined;
  return at - check.detector.baseline.windowMs > now - options.rawRetentionMs ? at : undefined;
}

function numeric(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v.trim())) return Number(v);
  return null;
}

/** Records the checks' collected values, then loads every check's series. */
export async function prepareAnomalies(
  checks: readonly AnomalyCheck[],
  outcomes: ReadonlyMap<string, SourceOutcome>,
  now: number,
  store: Store,
  options: SeriesOptions,
  /** Each check's previous result: an anomaly in progress freezes its baseline (see DetectOptions). */
  previous: ReadonlyMap<string, CheckResult | null> = new Map(),
): Promise<Map<string, AnomalyData>> {
  const { samples, failures } = collected(checks, outcomes, now);
  // Collected points are derived data: losing the newest in a crash costs one point of history.
  if (samples.length > 0)
    await store.transaction((tx) => recordSamples(tx, samples, now), { durable: false });
  const out = new Map<string, AnomalyData>(failures);
  const reader = new SeriesReader(store.series);
  for (const check of checks) {
    if (out.has(check.id)) continue;
    const baselineEnd = frozenBaselineEnd(check, previous.get(check.id) ?? null, now, options);
    const range = { from: now, to: now + 1, extraRawMs: baselineEnd === undefined ? 0 : now - baselineEnd };
    const load = (sel: SeriesSelector) => loadSeriesInput(reader, sel, check, options, range);
    if (check.upstream && check.downstream) {
      const [up, down] = [await load(check.upstream), await load(check.downstream)];
      out.set(check.id, {
        ok: true,
        input: { upstream: up.input, downstream: down.input },
        zeroAfterMs: options.counterSilenceMs,
        seriesCount: up.count + down.count,
      });
    } else if (check.series) {
      const s = await load(check.series);
      out.set(check.id, {
        ok: true,
        input: s.input,
        zeroAfterMs: options.counterSilenceMs,
        seriesCount: s.count,
        ...(baselineEnd === undefined ? {} : { baselineEnd }),
      });
    }
  }
  return out;
}
