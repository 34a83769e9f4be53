import type { Dialect } from './notify-schema.js';

/**
 * Series points for the anomaly layer (see docs/anomalies.md): every numeric sample pushed or
 * collected, kept raw for hours and as 1-minute rollups for weeks, so a restart keeps the baselines.
 * One set of statements for both backends: times are epoch milliseconds.
 */
export function seriesSchemaSql(dialect: Dialect): string {
  const serial = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'bigserial PRIMARY KEY';
  const int8 = dialect === 'sqlite' ? 'INTEGER' : 'bigint';
  const ifNotExists = dialect === 'postgres' ? 'IF NOT EXISTS ' : '';
  // Points and rollups are addressed by their key only: SQLite stores them in the key's B-tree.
  const withoutRowid = dialect === 'sqlite' ? ' WITHOUT ROWID' : '';
  return `
    -- One row per series (metric + labels): its type, when it last got a point, and how far its
    -- points have been rolled up into 1-minute buckets.
    CREATE TABLE ${ifNotExists}series (
      id ${serial},
      series_key TEXT NOT NULL UNIQUE,
      metric TEXT NOT NULL,
      labels TEXT NOT NULL,
      type TEXT NOT NULL,
      created_at ${int8} NOT NULL,
      last_at ${int8} NOT NULL,
      rolled_until ${int8}
    );
    CREATE INDEX ${ifNotExists}series_metric ON series (metric);

    -- Raw points, as pushed or collected (one per series and millisecond; the last write wins).
    CREATE TABLE ${ifNotExists}series_points (
      series_id ${int8} NOT NULL,
      at ${int8} NOT NULL,
      value DOUBLE PRECISION NOT NULL,
      PRIMARY KEY (series_id, at)
    )${withoutRowid};
    CREATE INDEX ${ifNotExists}series_points_at ON series_points (at);

    -- 1-minute buckets of the raw points (src/anomaly/signal.ts aggregate()): counters keep their
    -- reset-corrected increase and the time it covers, gauges the sum and count of their values.
    CREATE TABLE ${ifNotExists}series_rollups (
      series_id ${int8} NOT NULL,
      start ${int8} NOT NULL,
      count INTEGER NOT NULL,
      sum DOUBLE PRECISION NOT NULL,
      min DOUBLE PRECISION NOT NULL,
      max DOUBLE PRECISION NOT NULL,
      last DOUBLE PRECISION NOT NULL,
      increase DOUBLE PRECISION NOT NULL,
      covered_ms ${int8} NOT NULL,
      PRIMARY KEY (series_id, start)
    )${withoutRowid};
    CREATE INDEX ${ifNotExists}series_rollups_start ON series_rollups (start);
  `;
}
