import { healthSchemaSql } from '../sql/health-schema.js';
import { notifySchemaSql } from '../sql/notify-schema.js';
import { seriesSchemaSql } from '../sql/series-schema.js';

/**
 * SQLite schema, as ordered, versioned migrations. Each runs once inside a transaction and is
 * recorded in schema_migrations, so running them again applies nothing. Times are INTEGER
 * milliseconds since the epoch; label sets are JSON text.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'alerts_events_incidents',
    sql: `
      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        fingerprint TEXT NOT NULL,
        signature TEXT NOT NULL,
        is_current INTEGER NOT NULL,
        source TEXT NOT NULL,
        service TEXT NOT NULL,
        kind TEXT,
        title TEXT NOT NULL,
        message TEXT NOT NULL,
        severity TEXT NOT NULL,
        labels TEXT NOT NULL,
        annotations TEXT NOT NULL,
        generator_url TEXT,
        state TEXT NOT NULL,
        status TEXT NOT NULL,
        occurrences INTEGER NOT NULL,
        dedupe_ttl_ms INTEGER NOT NULL,
        starts_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        resolved_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        owner TEXT,
        lock_until INTEGER,
        retry_at INTEGER,
        last_error TEXT,
        fail_count INTEGER NOT NULL DEFAULT 0,
        ack_note TEXT,
        acked_by TEXT,
        acked_at INTEGER,
        incident_ref TEXT,
        -- Newest event of this alert: the head of its event chain (events.prev_id links back).
        last_event_id INTEGER
      );
      CREATE UNIQUE INDEX alerts_current_fingerprint ON alerts (fingerprint) WHERE is_current = 1;
      -- Every dedupe rewrites last_seen_at and updated_at, so no index covers them: indexes on
      -- columns the hot path changes would turn each re-send into index deletes and inserts.
      -- Retention only looks at resolved or acked alerts, which the hot path rarely touches.
      -- Signatures are only ever aggregated over a time window (a scan), so they have no index:
      -- their random values would cost a random page write per new alert.
      CREATE INDEX alerts_status ON alerts (status, id);
      CREATE INDEX alerts_service ON alerts (service, id);
      CREATE INDEX alerts_retention ON alerts (updated_at) WHERE state = 'resolved' OR status = 'acked';

      -- AUTOINCREMENT: ids are never reused, even after retention deletes the newest events, so a
      -- consumer's cursor can never be overtaken by an older id.
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        alert_ref TEXT,
        incident_ref TEXT,
        actor TEXT,
        data TEXT NOT NULL,
        -- Previous event of the same alert. An alert's events are found by walking this chain from
        -- alerts.last_event_id instead of through an index on alert_ref: every re-send appends an
        -- event, and an index keyed by alert would turn each append into a random page write.
        prev_id INTEGER
      );
      CREATE INDEX events_incident ON events (incident_ref, id) WHERE incident_ref IS NOT NULL;
      CREATE INDEX events_at ON events (at);

      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        signature TEXT NOT NULL,
        service TEXT NOT NULL,
        title TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        alert_count INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        resolved_at INTEGER,
        closed_at INTEGER
      );
      CREATE INDEX incidents_signature ON incidents (signature, status);
      CREATE INDEX incidents_status ON incidents (status, id);

      CREATE TABLE incident_alerts (
        incident_ref TEXT NOT NULL,
        alert_ref TEXT NOT NULL,
        attached_at INTEGER NOT NULL,
        PRIMARY KEY (incident_ref, alert_ref)
      );
      CREATE INDEX incident_alerts_alert ON incident_alerts (alert_ref);

      -- touch_watermark: every event up to this id has its counters applied to its alert row
      -- (re-sends update rows lazily; see SqliteStore.flushTouches).
      CREATE TABLE store_meta (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      );

      CREATE TABLE signature_state (
        signature TEXT PRIMARY KEY,
        last_triage_at INTEGER,
        last_incident_ref TEXT
      );
    `,
  },
  {
    version: 2,
    name: 'notifications',
    sql: notifySchemaSql('sqlite'),
  },
  {
    version: 3,
    name: 'health',
    sql: healthSchemaSql('sqlite'),
  },
  {
    version: 4,
    name: 'series',
    sql: seriesSchemaSql('sqlite'),
  },
];
