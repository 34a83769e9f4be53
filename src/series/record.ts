import type { StoreTx } from '../store/store.js';
import type { SeriesKind } from '../store/sql/series.js';

/** A metric name, as Prometheus spells them (quotes_published_total). */
export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** One numeric observation: pushed (POST /api/v1/samples) or collected by an anomaly check. */
export interface SeriesSample {
  metric: string;
  labels: Readonly<Record<string, string>>;
  type: SeriesKind;
  value: number;
  at: number;
}

/** A series' identity: its metric and its labels in sorted order (`m{a="1",b="2"}`). */
export function seriesKey(metric: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  return `${metric}{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(',')}}`;
}

/** Stores samples as series points inside the caller's transaction (creating series as needed). */
export async function recordSamples(
  tx: StoreTx,
  samples: readonly SeriesSample[],
  now: number,
): Promise<void> {
  if (samples.length === 0) return;
  const keys = samples.map((s) => seriesKey(s.metric, s.labels));
  const ids = await tx.series.upsertSeries(
    samples.map((s, i) => ({ key: keys[i]!, metric: s.metric, labels: s.labels, type: s.type, at: s.at })),
    now,
  );
  await tx.series.insertPoints(
    samples.map((s, i) => ({ seriesId: ids.get(keys[i]!)!, at: s.at, value: s.value })),
  );
}
