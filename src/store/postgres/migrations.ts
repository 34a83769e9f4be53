import type pg from 'pg';
import type { MigrationReport } from '../store.js';
import { healthSchemaSql } from '../sql/health-schema.js';
import { notifySchemaSql } from '../sql/notify-schema.js';
import { seriesSchemaSql } from '../sql/series-schema.js';
import { MIGRATION_LOCK_CLASS } from './locks.js';

/**
 * The PostgreSQL schema as ordered, versioned migrations. A migration that has shipped is never
 * edited: change the schema by appending one. Each is written to be idempotent as well (IF NOT
 * EXISTS), so a database whose schema_migrations table was lost or restored separately can still
 * be brought up to date.
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
      CREATE TABLE IF NOT EXISTS alerts (
        id bigserial PRIMARY KEY,
        ref text NOT NULL UNIQUE,
        fingerprint text NOT NULL,
        signature text NOT NULL,
        is_current boolean NOT NULL,
        source text NOT NULL,
        service text NOT NULL,
        kind text,
        title text NOT NULL,
        message text NOT NULL,
        severity text NOT NULL,
        labels jsonb NOT NULL,
        annotations jsonb NOT NULL,
        generator_url text,
        state text NOT NULL,
        status text NOT NULL,
        occurrences integer NOT NULL,
        dedupe_ttl_ms bigint NOT NULL,
        starts_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        resolved_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        owner text,
        lock_until timestamptz,
        retry_at timestamptz,
        last_error text,
        fail_count integer NOT NULL DEFAULT 0,
        ack_note text,
        acked_by text,
        acked_at timestamptz,
        incident_ref text
      ) WITH (fillfactor = 80);
      -- Re-sends rewrite occurrences, last_seen_at and updated_at on every evaluation. No index
      -- covers those columns and pages keep free space (fillfactor), so such updates stay HOT: the
      -- row version is added on the same page and no index is touched.
      -- At most one current alert per fingerprint: two replicas raising the same new alert at once
      -- collide here, and the loser's transaction reruns and dedupes instead.
      CREATE UNIQUE INDEX IF NOT EXISTS alerts_current_fingerprint ON alerts (fingerprint) WHERE is_current;
      CREATE INDEX IF NOT EXISTS alerts_status ON alerts (status, id);
      CREATE INDEX IF NOT EXISTS alerts_service ON alerts (service, id);
      -- Partial: retention only ever looks at resolved or acked alerts, usually a minority of rows;
      -- keyed by id rather than updated_at so that re-sends stay HOT (see above).
      CREATE INDEX IF NOT EXISTS alerts_retention ON alerts (id) WHERE state = 'resolved' OR status = 'acked';

      CREATE TABLE IF NOT EXISTS events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        type text NOT NULL,
        alert_ref text,
        incident_ref text,
        actor text,
        data jsonb NOT NULL
      );
      CREATE INDEX IF NOT EXISTS events_alert ON events (alert_ref, id) WHERE alert_ref IS NOT NULL;
      CREATE INDEX IF NOT EXISTS events_incident ON events (incident_ref, id) WHERE incident_ref IS NOT NULL;
      CREATE INDEX IF NOT EXISTS events_at ON events (at);

      CREATE TABLE IF NOT EXISTS incidents (
        id bigserial PRIMARY KEY,
        ref text NOT NULL UNIQUE,
        signature text NOT NULL,
        service text NOT NULL,
        title text NOT NULL,
        severity text NOT NULL,
        status text NOT NULL,
        alert_count integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        resolved_at timestamptz,
        closed_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS incidents_signature ON incidents (signature, status);
      CREATE INDEX IF NOT EXISTS incidents_status ON incidents (status, id);

      -- seq orders alerts attached in the same millisecond by attach order.
      CREATE TABLE IF NOT EXISTS incident_alerts (
        incident_ref text NOT NULL,
        alert_ref text NOT NULL,
        attached_at timestamptz NOT NULL,
        seq bigserial,
        PRIMARY KEY (incident_ref, alert_ref)
      );
      CREATE INDEX IF NOT EXISTS incident_alerts_alert ON incident_alerts (alert_ref);

      CREATE TABLE IF NOT EXISTS signature_state (
        signature text PRIMARY KEY,
        last_triage_at timestamptz,
        last_incident_ref text
      );
    `,
  },
  {
    version: 2,
    name: 'alert_content_hash',
    sql: `
      -- AlertHead.contentHash, stored so ingest decides dedupe vs update without reading labels and
      -- annotations for every re-send. Rows from before this migration have NULL; the store
      -- computes and stores their hash the first time ingest reads them.
      ALTER TABLE alerts ADD COLUMN IF NOT EXISTS content_hash text;
    `,
  },
  {
    version: 3,
    name: 'notifications',
    sql: notifySchemaSql('postgres'),
  },
  {
    version: 4,
    name: 'health',
    sql: healthSchemaSql('postgres'),
  },
  {
    version: 5,
    name: 'series',
    sql: seriesSchemaSql('postgres'),
  },
];

/** The newest version this code knows. */
export const LATEST_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);

/**
 * Applies pending migrations in one transaction on `client` (which must not be in a transaction).
 * The advisory lock is taken before anything else, schema_migrations included, because two
 * concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog; a replica that waited
 * finds everything applied and does nothing.
 */
export async function migrate(client: pg.ClientBase, lockKey: number): Promise<MigrationReport> {
  const applied: string[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [MIGRATION_LOCK_CLASS, lockKey]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
      applied.push(`${m.version}_${m.name}`);
      done.add(m.version);
    }
    await client.query('COMMIT');
    // A database migrated by a newer Sentinel reports its own version, not ours.
    return { applied, current: Math.max(0, ...done) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
