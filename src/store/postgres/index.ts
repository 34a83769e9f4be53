import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Alert, StoredEvent } from '../../alerts/model.js';
import type { Incident } from '../../incidents/model.js';
import type {
  AlertQuery,
  CountRow,
  EventQuery,
  IncidentQuery,
  MigrationReport,
  PurgeResult,
  SignatureCount,
  Store,
  StoreTx,
} from '../store.js';
import { MIGRATIONS, runMigrations } from './migrations.js';
import {
  ALERT_SELECT,
  alertFromRow,
  EVENT_SELECT,
  eventFromRow,
  INCIDENT_SELECT,
  incidentFromRow,
  toTs,
  type AlertRow,
  type EventRow,
  type IncidentRow,
} from './rows.js';
import { PgTx } from './tx.js';

export interface PostgresStoreOptions {
  url: string;
  /** Schema holding Sentinel's tables (created if missing); default public. */
  schema?: string;
  poolSize?: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;
// Conflicts between replicas that a rerun resolves: unique violation (two replicas raised the same
// new alert), deadlock, serialization failure.
const RETRYABLE = new Set(['23505', '40P01', '40001']);
const MAX_ATTEMPTS = 5;

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** PostgreSQL via pg: several Sentinel replicas can share one database. */
export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = opts.schema ?? 'public';
    if (!SCHEMA_RE.test(schema))
      throw new Error(`invalid schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*`);
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      options: `-c search_path=${schema}`,
      // A query that cannot get a connection within this time fails (503) instead of hanging a request.
      connectionTimeoutMillis: 10_000,
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      client.release();
    }
    return new PostgresStore(pool, schema);
  }

  async migrate(): Promise<MigrationReport> {
    const client = await this.pool.connect();
    try {
      const applied = await runMigrations(client);
      return { applied, current: MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0 };
    } finally {
      client.release();
    }
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const tx = new PgTx(client);
        const result = await fn(tx);
        await tx.flushEvents();
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        const code = (err as { code?: string }).code;
        if (code === undefined || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw err;
        await sleep(Math.random() * 10 * attempt);
      } finally {
        client.release(broken);
      }
    }
  }

  private async alerts(sql: string, params: unknown[]): Promise<Alert[]> {
    return (await this.pool.query<AlertRow>(sql, params)).rows.map(alertFromRow);
  }

  async getAlert(ref: string): Promise<Alert | null> {
    const [a] = await this.alerts(`SELECT ${ALERT_SELECT} FROM alerts WHERE ref = $1`, [ref]);
    return a ?? null;
  }

  async listAlerts(q: AlertQuery): Promise<Alert[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (q.service !== undefined) add((p) => `service = ${p}`, q.service);
    if (q.severity !== undefined) add((p) => `severity = ${p}`, q.severity);
    if (q.state !== undefined) add((p) => `state = ${p}`, q.state);
    if (q.source !== undefined) add((p) => `source = ${p}`, q.source);
    if (q.statusIn && q.statusIn.length > 0) add((p) => `status = ANY(${p}::text[])`, q.statusIn);
    if (q.seenSince !== undefined) add((p) => `last_seen_at >= ${toTs(`${p}::float8`)}`, q.seenSince);
    if (q.beforeId !== undefined) add((p) => `id < ${p}`, q.beforeId);
    if (q.text !== undefined && q.text !== '') {
      add((p) => `(title ILIKE ${p} OR message ILIKE ${p} OR service ILIKE ${p})`, `%${escapeLike(q.text)}%`);
    }
    params.push(q.limit);
    return this.alerts(
      `SELECT ${ALERT_SELECT} FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async listEvents(q: EventQuery): Promise<StoredEvent[]> {
    const params: unknown[] = [q.after];
    let sql = `SELECT ${EVENT_SELECT} FROM events WHERE id > $1`;
    if (q.alertRef !== undefined) {
      params.push(q.alertRef);
      sql += ` AND alert_ref = $${params.length}`;
    }
    if (q.incidentRef !== undefined) {
      params.push(q.incidentRef);
      sql += ` AND incident_ref = $${params.length}`;
    }
    params.push(q.limit);
    sql += ` ORDER BY id LIMIT $${params.length}`;
    return (await this.pool.query<EventRow>(sql, params)).rows.map(eventFromRow);
  }

  async countAlerts(seenSince?: number): Promise<CountRow[]> {
    const { rows } = await this.pool.query<{
      state: string;
      status: string;
      severity: string;
      count: string;
    }>(
      `SELECT state, status, severity, count(*) AS count FROM alerts
       WHERE $1::float8 IS NULL OR last_seen_at >= ${toTs('$1')} GROUP BY state, status, severity`,
      [seenSince ?? null],
    );
    return rows.map((r) => ({ ...r, count: Number(r.count) }) as CountRow);
  }

  async topSignatures(seenSince: number, limit: number): Promise<SignatureCount[]> {
    const { rows } = await this.pool.query<{
      signature: string;
      service: string;
      title: string;
      alerts: string;
      occurrences: string;
      last_seen_at: number;
    }>(
      `SELECT signature,
              (array_agg(service ORDER BY last_seen_at DESC, id DESC))[1] AS service,
              (array_agg(title ORDER BY last_seen_at DESC, id DESC))[1] AS title,
              count(*) AS alerts, sum(occurrences) AS occurrences,
              round(extract(epoch from max(last_seen_at)) * 1000)::float8 AS last_seen_at
       FROM alerts WHERE last_seen_at >= ${toTs('$1::float8')}
       GROUP BY signature ORDER BY count(*) DESC, sum(occurrences) DESC, signature LIMIT $2`,
      [seenSince, limit],
    );
    return rows.map((r) => ({
      signature: r.signature,
      service: r.service,
      title: r.title,
      alerts: Number(r.alerts),
      occurrences: Number(r.occurrences),
      lastSeenAt: r.last_seen_at,
    }));
  }

  async getIncident(ref: string): Promise<Incident | null> {
    const { rows } = await this.pool.query<IncidentRow>(
      `SELECT ${INCIDENT_SELECT} FROM incidents WHERE ref = $1`,
      [ref],
    );
    return rows[0] ? incidentFromRow(rows[0]) : null;
  }

  async listIncidents(q: IncidentQuery): Promise<Incident[]> {
    const { rows } = await this.pool.query<IncidentRow>(
      `SELECT ${INCIDENT_SELECT} FROM incidents
       WHERE ($1::text[] IS NULL OR status = ANY($1::text[])) AND ($2::text IS NULL OR service = $2)
         AND ($3::bigint IS NULL OR id < $3)
       ORDER BY id DESC LIMIT $4`,
      [
        q.statusIn && q.statusIn.length > 0 ? q.statusIn : null,
        q.service ?? null,
        q.beforeId ?? null,
        q.limit,
      ],
    );
    return rows.map(incidentFromRow);
  }

  async incidentAlertRefs(ref: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ alert_ref: string }>(
      'SELECT alert_ref FROM incident_alerts WHERE incident_ref = $1 ORDER BY attached_at, seq',
      [ref],
    );
    return rows.map((r) => r.alert_ref);
  }

  async purgeExpired(cutoff: number, batchSize: number): Promise<PurgeResult> {
    return this.transaction(async (tx) => {
      const client = (tx as PgTx).client;
      const alerts = await client.query<{ ref: string }>(
        // Alerts of an incident that is not closed stay: they are part of its record.
        `SELECT ref FROM alerts
         WHERE (state = 'resolved' OR status = 'acked') AND updated_at < ${toTs('$1::float8')}
           AND (incident_ref IS NULL OR EXISTS (SELECT 1 FROM incidents i WHERE i.ref = alerts.incident_ref AND i.status = 'closed'))
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [cutoff, batchSize],
      );
      const alertRefs = alerts.rows.map((r) => r.ref);
      let events = 0;
      if (alertRefs.length > 0) {
        events +=
          (await client.query('DELETE FROM events WHERE alert_ref = ANY($1::text[])', [alertRefs]))
            .rowCount ?? 0;
        await client.query('DELETE FROM incident_alerts WHERE alert_ref = ANY($1::text[])', [alertRefs]);
        await client.query('DELETE FROM alerts WHERE ref = ANY($1::text[])', [alertRefs]);
      }
      const incidents = await client.query<{ ref: string }>(
        `SELECT ref FROM incidents WHERE status = 'closed' AND updated_at < ${toTs('$1::float8')}
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [cutoff, batchSize],
      );
      const incidentRefs = incidents.rows.map((r) => r.ref);
      if (incidentRefs.length > 0) {
        events +=
          (await client.query('DELETE FROM events WHERE incident_ref = ANY($1::text[])', [incidentRefs]))
            .rowCount ?? 0;
        await client.query('DELETE FROM incident_alerts WHERE incident_ref = ANY($1::text[])', [
          incidentRefs,
        ]);
        await client.query('DELETE FROM incidents WHERE ref = ANY($1::text[])', [incidentRefs]);
      }
      events +=
        (
          await client.query(
            `DELETE FROM events WHERE id IN (
               SELECT e.id FROM events e WHERE e.at < ${toTs('$1::float8')}
                 AND (e.alert_ref IS NULL OR NOT EXISTS (SELECT 1 FROM alerts a WHERE a.ref = e.alert_ref))
                 AND (e.incident_ref IS NULL OR NOT EXISTS (SELECT 1 FROM incidents i WHERE i.ref = e.incident_ref))
               ORDER BY e.id LIMIT $2)`,
            [cutoff, batchSize],
          )
        ).rowCount ?? 0;
      return { alerts: alertRefs.length, events, incidents: incidentRefs.length };
    });
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** The schema this store works in (for tests and operators). */
  get schemaName(): string {
    return this.schema;
  }
}
