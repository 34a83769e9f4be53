import type pg from 'pg';

/**
 * PostgreSQL schema as ordered, versioned migrations, applied in one transaction under an advisory
 * lock so several replicas starting together apply each exactly once. Times are timestamptz; the
 * store converts them to and from epoch milliseconds.
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
      );
      -- At most one current alert per fingerprint: two replicas raising the same new alert at once
      -- collide here, and the loser's transaction reruns and dedupes instead.
      CREATE UNIQUE INDEX alerts_current_fingerprint ON alerts (fingerprint) WHERE is_current;
      CREATE INDEX alerts_status ON alerts (status, id);
      CREATE INDEX alerts_service ON alerts (service, id);
      CREATE INDEX alerts_last_seen ON alerts (last_seen_at);
      CREATE INDEX alerts_retention ON alerts (updated_at) WHERE state = 'resolved' OR status = 'acked';

      CREATE TABLE events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        type text NOT NULL,
        alert_ref text,
        incident_ref text,
        actor text,
        data jsonb NOT NULL
      );
      CREATE INDEX events_alert ON events (alert_ref, id) WHERE alert_ref IS NOT NULL;
      CREATE INDEX events_incident ON events (incident_ref, id) WHERE incident_ref IS NOT NULL;
      CREATE INDEX events_at ON events (at);

      CREATE TABLE incidents (
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
      CREATE INDEX incidents_signature ON incidents (signature, status);
      CREATE INDEX incidents_status ON incidents (status, id);

      CREATE TABLE incident_alerts (
        incident_ref text NOT NULL,
        alert_ref text NOT NULL,
        attached_at timestamptz NOT NULL,
        seq bigserial,
        PRIMARY KEY (incident_ref, alert_ref)
      );
      CREATE INDEX incident_alerts_alert ON incident_alerts (alert_ref);

      CREATE TABLE signature_state (
        signature text PRIMARY KEY,
        last_triage_at timestamptz,
        last_incident_ref text
      );
    `,
  },
];

// Any constant distinct from EVENT_LOG_LOCK; serialises migrations across replicas.
const MIGRATION_LOCK = 0x53454e54;

export async function runMigrations(client: pg.PoolClient): Promise<string[]> {
  const applied: string[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
      applied.push(`${m.version}_${m.name}`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return applied;
}
