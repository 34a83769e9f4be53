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
  TransactionOptions,
} from '../store.js';
import { schemaLockKey } from './locks.js';
import { migrate } from './migrations.js';
import {
  ALERT_SELECT,
  alertFromRow,
  EVENT_SELECT,
  eventFromRow,
  INCIDENT_SELECT,
  incidentFromRow,
  msOf,
  num,
  toTs,
  type AlertRow,
  type CountSqlRow,
  type EventRow,
  type IncidentRow,
  type SignatureCountRow,
} from './rows.js';
import { SqlHealth } from '../sql/health.js';
import { SqlSeries } from '../sql/series.js';
import { SqlNotify } from '../sql/notify.js';
import { pgRunner } from './runner.js';
import { PgTx } from './tx.js';

export interface PostgresStoreOptions {
  url: string;
  /** Schema holding Sentinel's tables (created if missing); default public. */
  schema?: string;
  poolSize?: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

// Conflicts between transactions that a rerun resolves: unique violation (two replicas raised the
// same new alert; the rerun finds it and dedupes), deadlock, serialization failure. Only pg errors
// carry these SQLSTATE codes; Sentinel's own errors use words.
const RETRYABLE = new Set(['23505', '40P01', '40001']);
const MAX_ATTEMPTS = 5;

function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * The connection string and startup `options` that put every connection in `schema`. Set at
 * connection start rather than with SET after connecting: no extra round trip, and it survives a
 * RESET ALL. pg lets an `options` parameter in the URL replace the `options` we pass, which would
 * silently put the tables in the wrong schema, so one in the URL is merged into ours instead.
 */
function connectionSettings(url: string, schema: string): { connectionString: string; options: string } {
  // force_custom_plan: see the note on named statements in tx.ts.
  const ours = `-c search_path=${quoteIdent(schema)} -c plan_cache_mode=force_custom_plan`;
  if (!/[?&]options=/.test(url)) return { connectionString: url, options: ours };
  const parsed = new URL(url);
  const given = parsed.searchParams.get('options') ?? '';
  parsed.searchParams.delete('options');
  // Later -c settings win, so ours goes last.
  return { connectionString: parsed.toString(), options: `${given} ${ours}`.trim() };
}

/** Creates the schema unless it exists; checks first, so a role without CREATE can use an existing one. */
async function ensureSchema(pool: pg.Pool, schema: string): Promise<void> {
  const { rowCount } = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (rowCount !== 0) return;
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } catch (err) {
    // Two replicas creating it at the same moment: IF NOT EXISTS does not cover that race.
    const code = sqlState(err);
    if (code !== '23505' && code !== '42P06') throw err;
  }
}

/** PostgreSQL via pg: several Sentinel replicas can share one database. */
export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  readonly notify: SqlNotify;
  readonly health: SqlHealth;
  readonly series: SqlSeries;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    /** Advisory lock key of this installation (see locks.ts). */
    private readonly lockKey: number,
  ) {
    this.notify = new SqlNotify(pgRunner(() => this.pool));
    this.health = new SqlHealth(pgRunner(() => this.pool));
    this.series = new SqlSeries(pgRunner(() => this.pool));
  }

  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = opts.schema ?? 'public';
    if (!SCHEMA_RE.test(schema)) {
      throw new Error(`invalid schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]* (at most 63)`);
    }
    const poolSize = opts.poolSize ?? 10;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`invalid pool size ${poolSize}`);
    const pool = new pg.Pool({
      ...connectionSettings(opts.url, schema),
      max: poolSize,
      // A query that cannot get a connection within this time fails (503) instead of hanging a request.
      connectionTimeoutMillis: 10_000,
      application_name: 'sentinel',
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      await ensureSchema(pool, schema);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PostgresStore(pool, schema, schemaLockKey(schema));
  }

  /** The schema this store works in (for tests and operators). */
  get schemaName(): string {
    return this.schema;
  }

  async migrate(): Promise<MigrationReport> {
    const client = await this.pool.connect();
    let failed = false;
    // See run(): a connection error between statements must not go unheard.
    const onConnectionError = (): void => {
      failed = true;
    };
    client.on('error', onConnectionError);
    try {
      return await migrate(client, this.lockKey);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // After a failed migration the connection's state is not worth reasoning about; it is rare
      // enough to just open a new one.
      client.removeListener('error', onConnectionError);
      client.release(failed);
    }
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    return this.run(fn, opts?.durable === false);
  }

  /**
   * BEGIN, fn, the buffered events, COMMIT; reruns fn on the conflicts in RETRYABLE. The connection
   * goes back to the pool before the backoff, and is discarded if it failed or ROLLBACK did (it may
   * be dead or mid-transaction). pg-pool stops listening for errors on a client while it is checked
   * out, and a connection that drops while fn is between statements emits 'error': unheard, that
   * would crash the process, so we listen; the next statement then fails and rolls back as usual.
   */
  private async run<T>(fn: (tx: PgTx) => Promise<T>, relaxed = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      const tx = new PgTx(client, this.lockKey);
      let discard = false;
      const onConnectionError = (): void => {
        discard = true;
      };
      client.on('error', onConnectionError);
      try {
        await client.query('BEGIN');
        if (relaxed) await client.query('SET LOCAL synchronous_commit TO OFF');
        const result = await fn(tx);
        await tx.flushEvents();
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          discard = true;
        }
        const code = sqlState(err);
        if (code === undefined || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw err;
      } finally {
        tx.finish();
        client.removeListener('error', onConnectionError);
        client.release(discard);
      }
      // Random, growing with each attempt, so the transactions that collided do not collide again.
      await sleep(Math.random() * 5 * 2 ** attempt);
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
    if (q.current !== undefined) where.push(q.current ? 'is_current' : 'NOT is_current');
    if (q.statusIn && q.statusIn.length > 0) add((p) => `status = ANY(${p}::text[])`, q.statusIn);
    if (q.seenSince !== undefined) add((p) => `last_seen_at >= ${toTs(`${p}::float8`)}`, q.seenSince);
    if (q.beforeId !== undefined) add((p) => `id < ${p}`, q.beforeId);
    if (q.text !== undefined && q.text !== '') {
      // Backslash is ILIKE's default escape character.
      add((p) => `(title ILIKE ${p} OR message ILIKE ${p} OR service ILIKE ${p})`, `%${escapeLike(q.text)}%`);
    }
    params.push(q.limit);
    return this.alerts(
      `SELECT ${ALERT_SELECT} FROM alerts ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY id DESC LIMIT $${params.length}`,
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
    sql += ` ORDER BY id ${q.newest ? 'DESC' : 'ASC'} LIMIT $${params.length}`;
    const rows = (await this.pool.query<EventRow>(sql, params)).rows.map(eventFromRow);
    return q.newest ? rows.reverse() : rows;
  }

  async countAlerts(seenSince?: number): Promise<CountRow[]> {
    const { rows } =
      seenSince === undefined
        ? await this.pool.query<CountSqlRow>(
            'SELECT state, status, severity, count(*) AS count FROM alerts GROUP BY state, status, severity',
          )
        : await this.pool.query<CountSqlRow>(
            `SELECT state, status, severity, count(*) AS count FROM alerts
             WHERE last_seen_at >= ${toTs('$1::float8')} GROUP BY state, status, severity`,
            [seenSince],
          );
    return rows.map((r) => ({
      state: r.state as CountRow['state'],
      status: r.status as CountRow['status'],
      severity: r.severity as CountRow['severity'],
      count: num(r.count),
    }));
  }

  async topSignatures(seenSince: number, limit: number): Promise<SignatureCount[]> {
    // Aggregate first, then fetch service and title of each winner's newest alert through the
    // (signature, last_seen_at) index, rather than carrying every title through the grouping.
    const { rows } = await this.pool.query<SignatureCountRow>(
      `SELECT g.signature, newest.service, newest.title, g.alerts, g.occurrences,
              ${msOf('g.last_seen')} AS last_seen_at
       FROM (
         SELECT signature, count(*) AS alerts, sum(occurrences) AS occurrences, max(last_seen_at) AS last_seen
         FROM alerts WHERE last_seen_at >= ${toTs('$1::float8')}
         GROUP BY signature
         ORDER BY count(*) DESC, sum(occurrences) DESC, signature
         LIMIT $2
       ) g
       CROSS JOIN LATERAL (
         SELECT service, title FROM alerts a
         WHERE a.signature = g.signature AND a.last_seen_at >= ${toTs('$1::float8')}
         ORDER BY a.last_seen_at DESC, a.id DESC LIMIT 1
       ) newest
       ORDER BY g.alerts DESC, g.occurrences DESC, g.signature`,
      [seenSince, limit],
    );
    return rows.map((r) => ({
      signature: r.signature,
      service: r.service,
      title: r.title,
      alerts: num(r.alerts),
      occurrences: num(r.occurrences),
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
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.statusIn && q.statusIn.length > 0) {
      params.push(q.statusIn);
      where.push(`status = ANY($${params.length}::text[])`);
    }
    if (q.service !== undefined) {
      params.push(q.service);
      where.push(`service = $${params.length}`);
    }
    if (q.beforeId !== undefined) {
      params.push(q.beforeId);
      where.push(`id < $${params.length}`);
    }
    params.push(q.limit);
    const { rows } = await this.pool.query<IncidentRow>(
      `SELECT ${INCIDENT_SELECT} FROM incidents ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY id DESC LIMIT $${params.length}`,
      params,
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

  purgeExpired(cutoff: number, batchSize: number): Promise<PurgeResult> {
    if (batchSize <= 0) return Promise.resolve({ alerts: 0, events: 0, incidents: 0 });
    return this.run((tx) => tx.purge(cutoff, batchSize));
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    // pg throws if a pool is ended twice; tests and shutdown paths may both close.
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
