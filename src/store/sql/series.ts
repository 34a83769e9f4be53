import type { BucketAggregate } from '../../anomaly/index.js';
import { int, intOrNull, placeholders, type SqlRunner, type SqlValue } from './runner.js';

type Num = string | number;

export type SeriesKind = 'counter' | 'gauge';

/** A series as stored: identity, type, and bookkeeping times. */
export interface SeriesRef {
  id: number;
  key: string;
  metric: string;
  labels: Record<string, string>;
  type: SeriesKind;
  createdAt: number;
  lastAt: number;
  /** Points before this are rolled up into 1-minute buckets; null: none yet. */
  rolledUntil: number | null;
}

export interface SeriesUpsert {
  key: string;
  metric: string;
  labels: Readonly<Record<string, string>>;
  type: SeriesKind;
  /** The newest point's time in this batch. */
  at: number;
}

export interface PointRow {
  seriesId: number;
  at: number;
  value: number;
}

/** One stored 1-minute bucket, as src/anomaly/signal.ts aggregate() makes it. */
export type RollupRow = BucketAggregate;

/** Rows per multi-row statement (3-9 parameters each: well under both backends' limits). */
const CHUNK = 200;

interface SeriesRow {
  id: Num;
  series_key: string;
  metric: string;
  labels: string;
  type: string;
  created_at: Num;
  last_at: Num;
  rolled_until: Num | null;
}

function refFromRow(r: SeriesRow): SeriesRef {
  return {
    id: int(r.id),
    key: r.series_key,
    metric: r.metric,
    labels: JSON.parse(r.labels) as Record<string, string>,
    type: r.type as SeriesKind,
    createdAt: int(r.created_at),
    lastAt: int(r.last_at),
    rolledUntil: intOrNull(r.rolled_until),
  };
}

const SERIES_COLUMNS = 'id, series_key, metric, labels, type, created_at, last_at, rolled_until';

/** The series tables (see series-schema.ts), one implementation for both backends. */
export class SqlSeries {
  constructor(private readonly db: SqlRunner) {}

  private get greatest(): string {
    return this.db.dialect === 'postgres' ? 'GREATEST' : 'max';
  }

  /**
   * Creates the series that are new and moves `last_at` of the others; returns every key's id.
   * A series pushed with another type than before takes the new one (the sender knows best).
   */
  async upsertSeries(rows: readonly SeriesUpsert[], now: number): Promise<Map<string, number>> {
    // One row per key: a statement may not update the same row twice (PostgreSQL refuses).
    const byKey = new Map<string, SeriesUpsert>();
    for (const r of rows) {
      const seen = byKey.get(r.key);
      if (!seen || r.at > seen.at) byKey.set(r.key, r);
    }
    const unique = [...byKey.values()];
    const ids = new Map<string, number>();
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const params: SqlValue[] = [];
      for (const r of part) params.push(r.key, r.metric, JSON.stringify(r.labels), r.type, now, r.at);
      const got = await this.db.all<{ id: Num; series_key: string }>(
        `INSERT INTO series (series_key, metric, labels, type, created_at, last_at)
         VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (series_key) DO UPDATE SET
           last_at = ${this.greatest}(series.last_at, excluded.last_at),
           type = excluded.type
         RETURNING id, series_key`,
        params,
      );
      for (const g of got) ids.set(g.series_key, int(g.id));
    }
    return ids;
  }

  /** Stores points; a second point of a series at the same millisecond replaces the first. */
  async insertPoints(points: readonly PointRow[]): Promise<void> {
    const byKey = new Map<string, PointRow>();
    for (const p of points) byKey.set(`${p.seriesId}:${p.at}`, p);
    const unique = [...byKey.values()];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const params: SqlValue[] = [];
      for (const p of part) params.push(p.seriesId, p.at, p.value);
      await this.db.run(
        `INSERT INTO series_points (series_id, at, value) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
         ON CONFLICT (series_id, at) DO UPDATE SET value = excluded.value`,
        params,
      );
    }
  }

  /** The series of a metric, in key order. */
  async seriesOf(metric: string): Promise<SeriesRef[]> {
    const rows = await this.db.all<SeriesRow>(
      `SELECT ${SERIES_COLUMNS} FROM series WHERE metric = ? ORDER BY series_key`,
      [metric],
    );
    return rows.map(refFromRow);
  }

  /** Every stored metric name with its number of series (for the API's listing). */
  async metrics(): Promise<Array<{ metric: string; series: number }>> {
    const rows = await this.db.all<{ metric: string; n: Num }>(
      'SELECT metric, count(*) AS n FROM series GROUP BY metric ORDER BY metric',
    );
    return rows.map((r) => ({ metric: r.metric, series: int(r.n) }));
  }

  /**
   * Points of one series with from <= at < to, ascending, preceded by the newest point before
   * `from` when there is one (a counter's first increase needs it); with `withNext`, followed by
   * the oldest point at or after `to` (the increase up to `to` needs it).
   */
  async points(
    seriesId: number,
    from: number,
    to: number,
    withNext = false,
  ): Promise<Array<{ at: number; value: number }>> {
    const before = await this.db.all<{ at: Num; value: Num }>(
      'SELECT at, value FROM series_points WHERE series_id = ? AND at < ? ORDER BY at DESC LIMIT 1',
      [seriesId, from],
    );
    const rows = await this.db.all<{ at: Num; value: Num }>(
      'SELECT at, value FROM series_points WHERE series_id = ? AND at >= ? AND at < ? ORDER BY at',
      [seriesId, from, to],
    );
    const next = withNext
      ? await this.db.all<{ at: Num; value: Num }>(
          'SELECT at, value FROM series_points WHERE series_id = ? AND at >= ? ORDER BY at LIMIT 1',
          [seriesId, to],
        )
      : [];
    return [...before, ...rows, ...next].map((r) => ({ at: int(r.at), value: Number(r.value) }));
  }

  /** 1-minute buckets of one series with from <= start < to, ascending. */
  async rollups(seriesId: number, from: number, to: number): Promise<RollupRow[]> {
    const rows = await this.db.all<{
      start: Num;
      count: Num;
      sum: Num;
      min: Num;
      max: Num;
      last: Num;
      increase: Num;
      covered_ms: Num;
    }>(
      `SELECT start, count, sum, min, max, last, increase, covered_ms FROM series_rollups
       WHERE series_id = ? AND start >= ? AND start < ? ORDER BY start`,
      [seriesId, from, to],
    );
    return rows.map((r) => ({
      start: int(r.start),
      count: int(r.count),
      sum: Number(r.sum),
      min: Number(r.min),
      max: Number(r.max),
      last: Number(r.last),
      increase: Number(r.increase),
      coveredMs: int(r.covered_ms),
    }));
  }

  /** Series whose points are not rolled up to `until` yet (oldest watermark first). */
  async rollupDue(until: number, limit: number): Promise<SeriesRef[]> {
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.db.all<SeriesRow>(
      `SELECT ${SERIES_COLUMNS} FROM series WHERE rolled_until IS NULL OR rolled_until < ?
       ORDER BY rolled_until NULLS FIRST, id LIMIT ?${lock}`,
      [until, limit],
    );
    return rows.map(refFromRow);
  }

  /** The oldest point of a series (where its first rollup starts); null when it has none. */
  async firstPointAt(seriesId: number): Promise<number | null> {
    const rows = await this.db.all<{ at: Num }>(
      'SELECT at FROM series_points WHERE series_id = ? ORDER BY at LIMIT 1',
      [seriesId],
    );
    return rows.length === 0 ? null : int(rows[0]!.at);
  }

  /** Writes (replaces) buckets of a series and moves its rollup watermark. */
  async saveRollups(seriesId: number, buckets: readonly RollupRow[], rolledUntil: number): Promise<void> {
    for (let i = 0; i < buckets.length; i += CHUNK) {
      const part = buckets.slice(i, i + CHUNK);
      const params: SqlValue[] = [];
      for (const b of part)
        params.push(seriesId, b.start, b.count, b.sum, b.min, b.max, b.last, b.increase, b.coveredMs);
      await this.db.run(
        `INSERT INTO series_rollups (series_id, start, count, sum, min, max, last, increase, covered_ms)
         VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (series_id, start) DO UPDATE SET count = excluded.count, sum = excluded.sum,
           min = excluded.min, max = excluded.max, last = excluded.last, increase = excluded.increase,
           covered_ms = excluded.covered_ms`,
        params,
      );
    }
    await this.db.run('UPDATE series SET rolled_until = ? WHERE id = ?', [rolledUntil, seriesId]);
  }

  /**
   * Retention: raw points older than `rawCutoff`, buckets older than `rollupCutoff`, and series
   * with no point since `rollupCutoff` (nothing of them is left). Returns how many rows went.
   */
  async purge(
    rawCutoff: number,
    rollupCutoff: number,
  ): Promise<{ points: number; rollups: number; series: number }> {
    const points = await this.db.run('DELETE FROM series_points WHERE at < ?', [rawCutoff]);
    const rollups = await this.db.run('DELETE FROM series_rollups WHERE start < ?', [rollupCutoff]);
    const gone = await this.db.all<{ id: Num }>('SELECT id FROM series WHERE last_at < ?', [rollupCutoff]);
    let series = 0;
    for (let i = 0; i < gone.length; i += CHUNK) {
      const ids = gone.slice(i, i + CHUNK).map((g) => int(g.id));
      await this.db.run(`DELETE FROM series_points WHERE series_id IN (${placeholders(ids.length)})`, ids);
      await this.db.run(`DELETE FROM series_rollups WHERE series_id IN (${placeholders(ids.length)})`, ids);
      series += await this.db.run(`DELETE FROM series WHERE id IN (${placeholders(ids.length)})`, ids);
    }
    return { points, rollups, series };
  }
}
