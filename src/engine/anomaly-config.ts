import {
  IssueCollector,
  matcherListAt,
  optionalDuration,
  optionalNumber,
  optionalString,
  unknownKeys,
} from '../config/collect.js';
import type { PathSegment } from '../config/yaml-source.js';
import { ConditionError, parseCondition, sourcesOf, PRIMARY } from '../checks/expr/index.js';
import { isRecord } from '../notify/receivers/common.js';
import {
  DEFAULT_BASELINE,
  DEFAULT_COLLAPSE,
  DEFAULT_FLOW_MISMATCH,
  DEFAULT_SPIKE,
  DEFAULT_ZERO_AFTER_MS,
  type BaselineSpec,
  type DetectorSpec,
  type Display,
  type Seasonality,
} from '../anomaly/index.js';
import type { AnomalyCheck, SeriesOptions, SeriesSelector, SourceConfig } from './model.js';
import { METRIC_NAME_RE } from '../series/record.js';

/*
 * The `anomaly` check kind's options (docs/anomalies.md): which series, which detector, which
 * baseline. Defaults are chosen so that stationary noise never raises a warning (see
 * `npm run bench:anomaly`) while a 90% collapse at 1 s samples shows within about a minute and a half.
 */

export const ANOMALY_KEYS = [
  'detector',
  'series',
  'upstream',
  'downstream',
  'fraction',
  'for',
  'k',
  'min_baseline',
  'min_spread',
  'lag',
  'min_upstream_increase',
  'min_ratio',
  'baseline',
  'display',
] as const;

const DETECTORS = ['collapse', 'spike', 'flow_mismatch'] as const;
const SEASONALITIES: readonly Seasonality[] = ['none', 'hour_of_day', 'hour_of_week'];
const MINUTE = 60_000;
const DAY = 86_400_000;
const PER = { second: 1, minute: 60, hour: 3600 } as const;

export const DEFAULT_SERIES_OPTIONS: SeriesOptions = {
  rawRetentionMs: 6 * 3_600_000,
  rollupRetentionMs: 35 * DAY,
  counterSilenceMs: DEFAULT_ZERO_AFTER_MS,
};

export function parseSeriesOptions(raw: unknown, at: PathSegment[], c: IssueCollector): SeriesOptions {
  if (raw === undefined || raw === null) return DEFAULT_SERIES_OPTIONS;
  if (!isRecord(raw)) {
    c.issue(at, 'must be a mapping (raw_retention, rollup_retention, counter_silence)');
    return DEFAULT_SERIES_OPTIONS;
  }
  unknownKeys(raw, ['raw_retention', 'rollup_retention', 'counter_silence'], at, c);
  const out: SeriesOptions = {
    rawRetentionMs:
      optionalDuration(raw, 'raw_retention', at, c, { positive: true }) ??
      DEFAULT_SERIES_OPTIONS.rawRetentionMs,
    rollupRetentionMs:
      optionalDuration(raw, 'rollup_retention', at, c, { positive: true }) ??
      DEFAULT_SERIES_OPTIONS.rollupRetentionMs,
    counterSilenceMs:
      optionalDuration(raw, 'counter_silence', at, c, { positive: true }) ??
      DEFAULT_SERIES_OPTIONS.counterSilenceMs,
  };
  if (out.rawRetentionMs < 10 * MINUTE) c.issue([...at, 'raw_retention'], 'must be at least 10m');
  if (out.rollupRetentionMs < out.rawRetentionMs)
    c.issue([...at, 'rollup_retention'], 'must be at least raw_retention');
  return out;
}

/** The parts of an anomaly check beyond the common ones; null after an issue. */
export function parseAnomaly(
  entry: Record<string, unknown>,
  at: PathSegment[],
  c: IssueCollector,
  sources: ReadonlyMap<string, SourceConfig>,
  declared: ReadonlySet<string>,
  series: SeriesOptions,
): Pick<AnomalyCheck, 'detector' | 'series' | 'upstream' | 'downstream' | 'display' | 'sources'> | null {
  const before = c.issues.length;
  const detector = optionalString(entry, 'detector', at, c);
  if (detector === null || !(DETECTORS as readonly string[]).includes(detector)) {
    c.issue([...at, 'detector'], `must be one of ${DETECTORS.join(', ')}`);
    return null;
  }
  const selector = (key: 'series' | 'upstream' | 'downstream'): SeriesSelector | null =>
    parseSelector(entry[key], [...at, key], c, sources, declared);
  const onlyFor = (keys: readonly string[], kind: string): void => {
    for (const key of keys)
      if (entry[key] !== undefined) c.issue([...at, key], `applies to the ${kind} detector only`);
  };
  let spec: DetectorSpec;
  let judged: SeriesSelector | null = null;
  let upstream: SeriesSelector | null = null;
  let downstream: SeriesSelector | null = null;
  if (detector === 'flow_mismatch') {
    onlyFor(
      ['series', 'fraction', 'for', 'k', 'min_baseline', 'min_spread', 'baseline'],
      'collapse and spike',
    );
    if (entry.upstream === undefined)
      c.issue([...at, 'upstream'], 'is required: the counter that advances first');
    if (entry.downstream === undefined)
      c.issue([...at, 'downstream'], 'is required: the counter that should follow it');
    upstream = selector('upstream');
    downstream = selector('downstream');
    for (const [key, s] of [
      ['upstream', upstream],
      ['downstream', downstream],
    ] as const)
      if (s?.type === 'gauge') c.issue([...at, key, 'type'], 'flow mismatch compares counters');
    const lagMs = optionalDuration(entry, 'lag', at, c, { positive: true }) ?? DEFAULT_FLOW_MISMATCH.lagMs;
    if (lagMs > series.rawRetentionMs) c.issue([...at, 'lag'], 'must not exceed health.series.raw_retention');
    spec = {
      kind: 'flow_mismatch',
      lagMs,
      minUpstreamIncrease:
        optionalNumber(entry, 'min_upstream_increase', at, c, { min: 0, max: Number.MAX_VALUE }) ??
        DEFAULT_FLOW_MISMATCH.minUpstreamIncrease,
      minRatio:
        optionalNumber(entry, 'min_ratio', at, c, { min: 0, max: 1 }) ?? DEFAULT_FLOW_MISMATCH.minRatio,
    };
  } else {
    onlyFor(['upstream', 'downstream', 'lag', 'min_upstream_increase', 'min_ratio'], 'flow_mismatch');
    if (entry.series === undefined) c.issue([...at, 'series'], 'is required: the series to judge');
    judged = selector('series');
    const baseline = parseBaseline(entry.baseline, [...at, 'baseline'], c, series);
    const stepMs = baseline.stepMs;
    if (detector === 'collapse') {
      if (entry.min_spread !== undefined)
        c.issue([...at, 'min_spread'], 'applies to the spike detector only');
      const forMs = optionalDuration(entry, 'for', at, c, { positive: true }) ?? DEFAULT_COLLAPSE.forMs;
      if (forMs < stepMs) c.issue([...at, 'for'], 'must be at least baseline.step');
      spec = {
        kind: 'collapse',
        fraction:
          optionalNumber(entry, 'fraction', at, c, { min: 0.001, max: 0.999 }) ?? DEFAULT_COLLAPSE.fraction,
        forMs,
        k: optionalNumber(entry, 'k', at, c, { min: 0, max: 100 }) ?? DEFAULT_COLLAPSE.k,
        minBaseline:
          optionalNumber(entry, 'min_baseline', at, c, { min: 0, max: Number.MAX_VALUE }) ??
          DEFAULT_COLLAPSE.minBaseline,
        baseline,
      };
    } else {
      if (entry.fraction !== undefined) c.issue([...at, 'fraction'], 'applies to the collapse detector only');
      if (entry.min_baseline !== undefined)
        c.issue([...at, 'min_baseline'], 'applies to the collapse detector only');
      const forMs =
        optionalDuration(entry, 'for', at, c, { positive: true }) ?? Math.max(stepMs, DEFAULT_SPIKE.forMs);
      if (forMs < stepMs) c.issue([...at, 'for'], 'must be at least baseline.step');
      spec = {
        kind: 'spike',
        k: optionalNumber(entry, 'k', at, c, { min: 0, max: 100 }) ?? DEFAULT_SPIKE.k,
        forMs,
        minSpread:
          optionalNumber(entry, 'min_spread', at, c, { min: 0, max: Number.MAX_VALUE }) ??
          DEFAULT_SPIKE.minSpread,
        baseline,
      };
    }
    if (baseline.seasonality === 'none' && baseline.windowMs + spec.forMs > series.rawRetentionMs)
      c.issue(
        [...at, 'baseline', 'window'],
        'window + for must fit in health.series.raw_retention (raw points older than that are rolled up); raise raw_retention or use seasonality',
      );
  }
  const display = parseDisplay(entry.display, [...at, 'display'], c, judged, upstream, downstream);
  if (c.issues.length > before) return null;
  const collected = [judged, upstream, downstream].flatMap((s) => (s?.collect ? [s.collect.source] : []));
  return {
    detector: spec,
    series: judged,
    upstream,
    downstream,
    display,
    sources: [...new Set(collected)],
  };
}

/**
 * A series selector: a metric name, or a mapping with metric, matchers and type, or (collected by
 * the check) metric, source, value and type.
 */
function parseSelector(
  raw: unknown,
  at: PathSegment[],
  c: IssueCollector,
  sources: ReadonlyMap<string, SourceConfig>,
  declared: ReadonlySet<string>,
): SeriesSelector | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') {
    if (!METRIC_NAME_RE.test(raw)) c.issue(at, 'must be a metric name such as quotes_published_total');
    return { metric: raw, matchers: [], type: null, collect: null };
  }
  if (!isRecord(raw)) {
    c.issue(at, 'must be a metric name or a mapping with metric (and matchers, type, or source and value)');
    return null;
  }
  unknownKeys(raw, ['metric', 'matchers', 'type', 'source', 'value'], at, c);
  const metric = optionalString(raw, 'metric', at, c);
  if (metric === null || !METRIC_NAME_RE.test(metric)) {
    c.issue([...at, 'metric'], 'is required: a metric name such as quotes_published_total');
    return null;
  }
  const type = optionalString(raw, 'type', at, c);
  if (type !== null && type !== 'counter' && type !== 'gauge')
    c.issue([...at, 'type'], 'must be counter or gauge');
  const matchers = matcherListAt(raw.matchers, [...at, 'matchers'], c, 'feed="near"');
  let collect: SeriesSelector['collect'] = null;
  if (raw.source !== undefined || raw.value !== undefined) {
    const source = optionalString(raw, 'source', at, c);
    if (source === null)
      c.issue([...at, 'source'], 'is required with value: the source the value is read from');
    else if (!sources.has(source) && !declared.has(source))
      c.issue([...at, 'source'], `undefined source ${JSON.stringify(source)}`);
    if (matchers.length > 0)
      c.issue(
        [...at, 'matchers'],
        'a collected series is this check\'s own (metric{source="..."}): no matchers',
      );
    if (typeof raw.value !== 'string')
      c.issue([...at, 'value'], 'is required: an expression such as [BODY].quotes_total');
    else if (source !== null) {
      try {
        const value = parseCondition(raw.value);
        for (const name of sourcesOf(value))
          if (name !== PRIMARY && name !== source)
            c.issue(
              [...at, 'value'],
              `reads source ${JSON.stringify(name)}; a collected value reads only ${source}`,
            );
        collect = { source, value };
      } catch (err) {
        if (!(err instanceof ConditionError)) throw err;
        c.issue([...at, 'value'], err.message);
      }
    }
    if (type === null) c.issue([...at, 'type'], 'is required for a collected series: counter or gauge');
  }
  return {
    metric,
    matchers: collect ? [{ name: 'source', type: '=', value: collect.source }] : matchers,
    type: type === 'counter' || type === 'gauge' ? type : null,
    collect,
  };
}

function parseBaseline(
  raw: unknown,
  at: PathSegment[],
  c: IssueCollector,
  series: SeriesOptions,
): BaselineSpec {
  const r = raw === undefined || raw === null ? {} : raw;
  if (!isRecord(r)) {
    c.issue(at, 'must be a mapping (method, window, step, ...)');
    return DEFAULT_BASELINE;
  }
  unknownKeys(
    r,
    [
      'method',
      'window',
      'step',
      'min_points',
      'half_life',
      'seasonality',
      'seasonal_min_periods',
      'seasonal_tolerance',
    ],
    at,
    c,
  );
  const method = optionalString(r, 'method', at, c) ?? 'median';
  if (method !== 'median' && method !== 'ewma') c.issue([...at, 'method'], 'must be median or ewma');
  const seasonality = (optionalString(r, 'seasonality', at, c) ?? 'none') as Seasonality;
  if (!SEASONALITIES.includes(seasonality))
    c.issue([...at, 'seasonality'], `must be one of ${SEASONALITIES.join(', ')}`);
  const seasonal = seasonality !== 'none' && SEASONALITIES.includes(seasonality);
  const stepMs =
    optionalDuration(r, 'step', at, c, { positive: true }) ?? (seasonal ? MINUTE : DEFAULT_BASELINE.stepMs);
  if (stepMs < 1000) c.issue([...at, 'step'], 'must be at least 1s');
  // Seasonal history comes from the 1-minute rollups, so the grid must be made of whole minutes.
  if (seasonal && stepMs % MINUTE !== 0)
    c.issue([...at, 'step'], 'must be whole minutes with seasonality (1m, 5m, ...)');
  const windowMs = optionalDuration(r, 'window', at, c, { positive: true }) ?? DEFAULT_BASELINE.windowMs;
  const buckets = Math.floor(windowMs / stepMs);
  if (buckets < 10) c.issue([...at, 'window'], 'must hold at least 10 steps');
  const minPoints =
    optionalNumber(r, 'min_points', at, c, { min: 5, max: 1_000_000, integer: true }) ??
    Math.min(Math.max(30, Math.ceil(buckets / 4)), Math.max(buckets, 1));
  if (!seasonal && minPoints > buckets)
    c.issue([...at, 'min_points'], `must be at most the ${buckets} steps of the window`);
  const period = seasonality === 'hour_of_week' ? 7 * DAY : DAY;
  const minPeriods =
    optionalNumber(r, 'seasonal_min_periods', at, c, { min: 1, max: 52, integer: true }) ??
    (seasonality === 'hour_of_week' ? 2 : 3);
  if (seasonal && minPeriods * period > series.rollupRetentionMs)
    c.issue(
      [...at, 'seasonal_min_periods'],
      'needs more history than health.series.rollup_retention keeps; raise rollup_retention',
    );
  return {
    method: method === 'ewma' ? 'ewma' : 'median',
    windowMs,
    stepMs,
    minPoints,
    halfLifeMs: optionalDuration(r, 'half_life', at, c, { positive: true }) ?? Math.max(stepMs, windowMs / 4),
    seasonality: seasonal ? seasonality : 'none',
    seasonalMinPeriods: minPeriods,
    seasonalToleranceMs:
      optionalDuration(r, 'seasonal_tolerance', at, c, { positive: false }) ??
      DEFAULT_BASELINE.seasonalToleranceMs,
  };
}

/** How values appear in messages: `display: {name: quote rate, per: second}`. */
function parseDisplay(
  raw: unknown,
  at: PathSegment[],
  c: IssueCollector,
  judged: SeriesSelector | null,
  upstream: SeriesSelector | null,
  downstream: SeriesSelector | null,
): Display {
  const r = raw === undefined || raw === null ? {} : raw;
  const fallbackName = judged
    ? judged.metric
    : `${upstream?.metric ?? 'upstream'} -> ${downstream?.metric ?? 'downstream'}`;
  if (!isRecord(r)) {
    c.issue(at, 'must be a mapping (name, per)');
    return { name: fallbackName, unit: '/s', perSeconds: 1 };
  }
  unknownKeys(r, ['name', 'per'], at, c);
  const per = optionalString(r, 'per', at, c) ?? 'second';
  if (!Object.hasOwn(PER, per)) c.issue([...at, 'per'], 'must be second, minute or hour');
  const perSeconds = PER[per as keyof typeof PER] ?? 1;
  const unit = per === 'minute' ? '/min' : per === 'hour' ? '/h' : '/s';
  return { name: optionalString(r, 'name', at, c) ?? fallbackName, unit, perSeconds };
}
