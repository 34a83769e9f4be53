import type { Dialect } from './notify-schema.js';

/**
 * Tables of the health engine, one set of statements for both backends (see notify-schema.ts):
 * times are epoch milliseconds, JSON is text.
 */
export function healthSchemaSql(dialect: Dialect): string {
  const serial = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'bigserial PRIMARY KEY';
  const int8 = dialect === 'sqlite' ? 'INTEGER' : 'bigint';
  const ifNotExists = dialect === 'postgres' ? 'IF NOT EXISTS ' : '';
  return `
    -- One row per configured check: its state machine, schedule and claim. Replicas claim due
    -- checks (lease_owner/lease_until; SKIP LOCKED on PostgreSQL) so each runs once per interval.
    CREATE TABLE ${ifNotExists}check_state (
      check_id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      severity TEXT,
      consecutive_failures INTEGER NOT NULL,
      consecutive_successes INTEGER NOT NULL,
      firing INTEGER NOT NULL,
      alert_ref TEXT,
      last_run_at ${int8},
      next_run_at ${int8} NOT NULL,
      last_ok_at ${int8},
      unavailable_since ${int8},
      result TEXT,
      heartbeat TEXT,
      -- Sources of this check whose unavailability has raised its own alert (JSON list).
      unavailable_alerts TEXT NOT NULL,
      lease_owner TEXT,
      lease_until ${int8},
      runs ${int8} NOT NULL,
      updated_at ${int8} NOT NULL
    );
    CREATE INDEX ${ifNotExists}check_state_due ON check_state (next_run_at);

    -- The processes running cycles on this store, as each last said (every pass). Claims are sized
    -- by the number of live replicas so the checks spread over them.
    CREATE TABLE ${ifNotExists}replicas (
      id TEXT PRIMARY KEY,
      started_at ${int8} NOT NULL,
      seen_at ${int8} NOT NULL
    );

    -- Recent evaluation cycles (bounded), for the dashboard and the self-watchdog.
    CREATE TABLE ${ifNotExists}cycles (
      id ${serial},
      started_at ${int8} NOT NULL,
      duration_ms DOUBLE PRECISION NOT NULL,
      replica TEXT NOT NULL,
      summary TEXT NOT NULL
    );
    CREATE INDEX ${ifNotExists}cycles_started ON cycles (started_at);

    -- Heartbeat pings as received (the log excerpt truncated), newest last.
    CREATE TABLE ${ifNotExists}heartbeat_pings (
      id ${serial},
      check_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      run_id TEXT,
      exit_status INTEGER,
      at ${int8} NOT NULL,
      body TEXT
    );
    CREATE INDEX ${ifNotExists}heartbeat_pings_check ON heartbeat_pings (check_id, id);

    -- Pushed progress samples (POST /api/v1/samples): the newest value of each series, when it
    -- last arrived and when it last advanced (a counter grew, a gauge changed).
    CREATE TABLE ${ifNotExists}samples (
      series TEXT PRIMARY KEY,
      metric TEXT NOT NULL,
      labels TEXT NOT NULL,
      type TEXT NOT NULL,
      value DOUBLE PRECISION NOT NULL,
      updated_at ${int8} NOT NULL,
      advanced_at ${int8} NOT NULL,
      -- The sample before the newest (for a rate); null until there are two.
      previous_value DOUBLE PRECISION,
      previous_at ${int8},
      sample_count ${int8} NOT NULL
    );
    CREATE INDEX ${ifNotExists}samples_metric ON samples (metric);

    -- Pushed events (POST /api/v1/events/ingest), newest last, bounded; with the rules they matched.
    CREATE TABLE ${ifNotExists}ingested_events (
      id ${serial},
      type TEXT NOT NULL,
      service TEXT,
      labels TEXT NOT NULL,
      message TEXT,
      occurred_at ${int8} NOT NULL,
      received_at ${int8} NOT NULL,
      matched TEXT NOT NULL
    );
  `;
}
