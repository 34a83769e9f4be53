import { aggregate, signalOf, type Point, type SeriesType } from '../anomaly/index.js';
import { allMatch, type Matcher } from '../routing/matchers.js';
import type { SeriesOps } from '../store/store.js';
import type { RollupRow, SeriesRef } from '../store/sql/series.js';

/** 1-minute rollups: the resolution of long history (seasonal baselines, charts over days). */
export const ROLLUP_STEP_MS = 60_000;

/**
 * Reads series for the anomaly layer and the API: the series of a metric that match, their raw
 * points, and their 1-minute rollups as a signal. Several matching series are kept apart here;
 * detectors sum them.
 */
export class SeriesReader {
  /** Series of each metric, looked up once per reader (a reader lives for one cycle or request). */
  private readonly byMetric = new Map<string, Promise<SeriesRef[]>>();

  constructor(private readonly ops: SeriesOps) {}

  async select(metric: string, matchers: readonly Matcher[]): Promise<SeriesRef[]> {
    let all = this.byMetric.get(metric);
    if (!all) {
      all = this.ops.seriesOf(metric);
      this.byMetric.set(metric, all);
    }
    return (await all).filter((s) => allMatch(matchers, s.labels));
  }

  /** Raw points of each series with from <= at < to, each preceded by its newest earlier point. */
  async points(refs: readonly SeriesRef[], from: number, to: number): Promise<Point[][]> {
    return Promise.all(refs.map((r) => this.ops.points(r.id, from, to)));
  }

  async rollups(ref: SeriesRef, from: number, to: number): Promise<RollupRow[]> {
    return this.ops.rollups(ref.id, from, to);
  }

  /** The series' summed 1-minute signal (rate or mean) over [from, to), from the rollups. */
  async minuteHistory(
    refs: readonly SeriesRef[],
    type: SeriesType,
    from: number,
    to: number,
  ): Promise<Array<{ start: number; value: number | null }>> {
    const sums = new Map<number, number | null>();
    for (const ref of refs) {
      for (const b of await this.ops.rollups(ref.id, from, to)) {
        const v = signalOf(b, type);
        const prev = sums.get(b.start);
        sums.set(b.start, v === null ? (prev ?? null) : (prev ?? 0) + v);
      }
    }
    return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([start, value]) => ({ start, value }));
  }
}

/** The type a selection is judged as: the configured one, else the stored series' (counter wins a tie). */
export function typeOf(configured: SeriesType | null, refs: readonly SeriesRef[]): SeriesType {
  if (configured) return configured;
  return refs.some((r) => r.type === 'counter') ? 'counter' : refs.length > 0 ? 'gauge' : 'counter';
}

/**
 * 1-minute rollups of a series' raw points over [from, to) (complete minutes only). A counter's
 * first minute needs the point before `from`, which SqlSeries.points() includes.
 */
export function rollupsOf(
  points: readonly Point[],
  type: SeriesType,
  from: number,
  to: number,
  counterSilenceMs: number,
): RollupRow[] {
  return aggregate(points, type, from, to, ROLLUP_STEP_MS, { now: to, zeroAfterMs: counterSilenceMs }).filter(
    (b) => b.count > 0 || b.coveredMs > 0,
  );
}
