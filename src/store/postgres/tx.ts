import type pg from 'pg';
import { SqlHealth } from '../sql/health.js';
import { SqlSeries } from '../sql/series.js';
import { SqlNotify } from '../sql/notify.js';
import { pgRunner } from './runner.js';
import { contentHash } from '../../alerts/fingerprint.js';
import type { Alert, AlertHead, EventDraft } from '../../alerts/model.js';
import type { Incident, SignatureState } from '../../incidents/model.js';
import type { AlertTouch, ClaimQuery, PurgeResult, StoreTx } from '../store.js';
import { EVENT_LOG_LOCK_CLASS } from './locks.js';
import {
  ALERT_SELECT,
  ALERT_WRITE_COLUMNS,
  alertColumnArrays,
  alertFromRow,
  contentHashOf,
  eventColumnArrays,
  HEAD_SELECT,
  headFromRow,
  INCIDENT_SELECT,
  incidentFromRow,
  incidentParams,
  num,
  SIGNATURE_SELECT,
  signatureFromRow,
  storedContentHash,
  toTs,
  type AlertRow,
  type HeadRow,
  type IncidentRow,
  type SignatureRow,
} from './rows.js';

/*
 * Statements on the ingest path run with a name, so each pooled connection parses them once
 * instead of on every batch (the alert insert and update carry 32 array parameters). A name is
 * bound to one text per connection, so their texts must not vary.
 *
 * Connections run with plan_cache_mode=force_custom_plan (set in index.ts): otherwise, after five
 * executions, PostgreSQL may switch a named statement to a generic plan costed with whatever
 * statistics the table had then. Planned against a new, nearly empty alerts table, the heads
 * lookup became a sequential scan that stayed cached as the table grew (15x slower in the ingest
 * benchmark). Planning with the actual arrays every time costs far less than that risk.
 */

const UNNEST_ALERTS = `unnest(${ALERT_WRITE_COLUMNS.map((c, i) => `$${i + 1}::${c.arrayType}`).join(', ')})
  AS u(${ALERT_WRITE_COLUMNS.map((c) => c.name).join(', ')})`;

const INSERT_ALERTS = {
  name: 'sentinel_insert_alerts',
  text: `INSERT INTO alerts (${ALERT_WRITE_COLUMNS.map((c) => c.name).join(', ')})
    SELECT ${ALERT_WRITE_COLUMNS.map((c) => c.expr(`u.${c.name}`)).join(', ')} FROM ${UNNEST_ALERTS}`,
};

const UPDATE_ALERTS = {
  name: 'sentinel_update_alerts',
  text: `UPDATE alerts a SET ${ALERT_WRITE_COLUMNS.filter((c) => c.name !== 'ref')
    .map((c) => `${c.name} = ${c.expr(`u.${c.name}`)}`)
    .join(', ')}
    FROM ${UNNEST_ALERTS} WHERE a.ref = u.ref`,
};

const TOUCH_ALERTS = {
  name: 'sentinel_touch_alerts',
  text: `UPDATE alerts a
    SET occurrences = u.occurrences, last_seen_at = ${toTs('u.last_seen_at')}, updated_at = ${toTs('u.updated_at')}
    FROM unnest($1::text[], $2::int4[], $3::float8[], $4::float8[]) AS u(ref, occurrences, last_seen_at, updated_at)
    WHERE a.ref = u.ref`,
};

// Fingerprint order: concurrent batches lock overlapping current alerts in the same order and so
// wait for each other instead of deadlocking.
const CURRENT_HEADS = {
  name: 'sentinel_current_heads',
  text: `SELECT ${HEAD_SELECT} FROM alerts
    WHERE fingerprint = ANY($1::text[]) AND is_current ORDER BY fingerprint FOR UPDATE`,
};

/*
 * A fingerprint with no current alert has no row to lock, so two transactions that both find it
 * missing would both insert it, and one would fail on the unique index. Rerunning does not cure
 * that under load: with several ingest batches in flight (group commit, several replicas) the rerun
 * keeps colliding with newer batches that create the same new alerts, and runs out of attempts.
 * So currentAlertsByFingerprint first takes an advisory lock per fingerprint that has no current
 * alert (one statement, in key order), and only then locks the current rows. Whoever comes second
 * waits for the first to commit and then finds its alert.
 *
 * Every transaction takes its advisory locks before any row lock and never waits for one
 * afterwards, so these waits cannot form a cycle with the row locks. Only missing fingerprints
 * are locked, i.e. new alerts, which keeps the shared lock table (max_locks_per_transaction x
 * max_connections entries) light; a batch with more than FINGERPRINT_LOCKS new fingerprints (a
 * first start, a flood of new alerts) locks that many hash buckets instead. Such a batch and a
 * small one do not exclude each other, and the unique index and the rerun are the safety net.
 */
const FINGERPRINT_LOCKS = 1024; // a power of two: buckets are the hash's low bits
const LOCK_MISSING_FINGERPRINTS = {
  name: 'sentinel_lock_missing_fingerprints',
  text: `WITH missing AS (
      SELECT DISTINCT f FROM unnest($1::text[]) AS f
      WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.fingerprint = f AND a.is_current)),
    keys AS (
      SELECT DISTINCT CASE WHEN (SELECT count(*) FROM missing) > ${FINGERPRINT_LOCKS}
                           THEN hashtextextended(f, $2::int8) & ${FINGERPRINT_LOCKS - 1}
                           ELSE hashtextextended(f, $2::int8) END AS k
      FROM missing)
    SELECT count(*) AS locked FROM (SELECT pg_advisory_xact_lock(k) FROM keys ORDER BY k) AS l`,
};

const EVENT_LOG_LOCK = {
  name: 'sentinel_event_log_lock',
  text: 'SELECT pg_advisory_xact_lock($1::int4, $2::int4)',
};

// ORDER BY ordinality: ids are drawn in the order the events were appended.
const INSERT_EVENTS = {
  name: 'sentinel_insert_events',
  text: `INSERT INTO events (at, type, alert_ref, incident_ref, actor, data)
    SELECT ${toTs('u.at')}, u.type, u.alert_ref, u.incident_ref, u.actor, u.data::jsonb
    FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
      WITH ORDINALITY AS u(at, type, alert_ref, incident_ref, actor, data, ord)
    ORDER BY u.ord`,
};

/** One PostgreSQL transaction on one pooled connection. Batch writes are one statement each. */
export class PgTx implements StoreTx {
  private readonly events: EventDraft[] = [];
  private finished = false;
  readonly notify: SqlNotify;
  readonly health: SqlHealth;
  readonly series: SqlSeries;

  constructor(
    private readonly conn: pg.PoolClient,
    private readonly lockKey: number,
  ) {
    this.notify = new SqlNotify(pgRunner(() => this.client));
    this.health = new SqlHealth(pgRunner(() => this.client));
    this.series = new SqlSeries(pgRunner(() => this.client));
  }

  /**
   * The connection, while the transaction lasts. A callback that keeps `tx` and uses it after
   * transaction() returned would otherwise run statements on a connection that is back in the pool,
   * inside somebody else's transaction.
   */
  private get client(): pg.PoolClient {
    if (this.finished) throw new Error('this store transaction has already finished');
    return this.conn;
  }

  finish(): void {
    this.finished = true;
  }

  private async alerts(sql: string, params: unknown[]): Promise<Alert[]> {
    return (await this.client.query<AlertRow>(sql, params)).rows.map(alertFromRow);
  }

  async currentAlertsByFingerprint(fingerprints: readonly string[]): Promise<Map<string, AlertHead>> {
    const out = new Map<string, AlertHead>();
    if (fingerprints.length === 0) return out;
    await this.client.query({ ...LOCK_MISSING_FINGERPRINTS, values: [fingerprints, this.lockKey] });
    // A new statement, so a new snapshot: it sees alerts committed while we waited for a lock.
    const { rows } = await this.client.query<HeadRow>({ ...CURRENT_HEADS, values: [fingerprints] });
    const unhashed: string[] = [];
    for (const r of rows) {
      const hash = contentHashOf(r.content_hash);
      if (hash === null) unhashed.push(r.ref);
      else out.set(r.fingerprint, headFromRow(r, hash));
    }
    if (unhashed.length > 0) {
      for (const [fingerprint, head] of await this.hashLegacyRows(unhashed, rows)) out.set(fingerprint, head);
    }
    return out;
  }

  /**
   * Rows without a usable stored hash (written before content_hash existed, or by a version with
   * another hash function): hash them from their full content and store the result, so each row
   * pays this once. They are locked already (FOR UPDATE above).
   */
  private async hashLegacyRows(refs: string[], heads: HeadRow[]): Promise<Map<string, AlertHead>> {
    const full = await this.alerts(`SELECT ${ALERT_SELECT} FROM alerts WHERE ref = ANY($1::text[])`, [refs]);
    await this.client.query(
      `UPDATE alerts a SET content_hash = u.hash FROM unnest($1::text[], $2::text[]) AS u(ref, hash)
       WHERE a.ref = u.ref`,
      [full.map((a) => a.ref), full.map(storedContentHash)],
    );
    const hashes = new Map(full.map((a) => [a.ref, contentHash(a)]));
    const out = new Map<string, AlertHead>();
    for (const r of heads) {
      const hash = hashes.get(r.ref);
      if (hash !== undefined) out.set(r.fingerprint, headFromRow(r, hash));
    }
    return out;
  }

  async alertForUpdate(ref: string): Promise<Alert | null> {
    const [a] = await this.alerts(`SELECT ${ALERT_SELECT} FROM alerts WHERE ref = $1 FOR UPDATE`, [ref]);
    return a ?? null;
  }

  async alertsByRefs(refs: readonly string[]): Promise<Alert[]> {
    if (refs.length === 0) return [];
    return this.alerts(`SELECT ${ALERT_SELECT} FROM alerts WHERE ref = ANY($1::text[])`, [
      [...new Set(refs)],
    ]);
  }

  async expiredAlerts(now: number, limit: number): Promise<Alert[]> {
    // alerts_expiring (migration 3) holds only firing current alerts that can expire, keyed by id
    // rather than last_seen_at, so re-sends stay HOT updates; the time test runs on those rows.
    return this.alerts(
      `SELECT ${ALERT_SELECT} FROM alerts
       WHERE is_current AND state = 'firing' AND resolve_after_ms IS NOT NULL
         AND last_seen_at + resolve_after_ms * interval '1 millisecond' <= ${toTs('$1::float8')}
       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
  }

  async requeueCandidates(now: number, limit: number): Promise<Alert[]> {
    return this.alerts(
      `SELECT ${ALERT_SELECT} FROM alerts
       WHERE (status = 'processing' AND lock_until <= ${toTs('$1::float8')})
          OR (status = 'failed' AND retry_at <= ${toTs('$1::float8')})
       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
  }

  async claimCandidates(q: ClaimQuery): Promise<Alert[]> {
    if (q.statusIn.length === 0 || q.limit <= 0) return [];
    const params: unknown[] = [q.statusIn, q.limit];
    let seen = '';
    if (q.seenSince !== undefined) {
      params.push(q.seenSince);
      seen = `AND last_seen_at >= ${toTs('$3::float8')}`;
    }
    // SKIP LOCKED sits below the LIMIT in the plan, so rows another claimer holds are passed over
    // without counting: each claimer gets up to `limit` rows nobody else is taking.
    return this.alerts(
      `SELECT ${ALERT_SELECT} FROM alerts WHERE status = ANY($1::text[]) ${seen}
       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      params,
    );
  }

  async insertAlerts(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    await this.client.query({ ...INSERT_ALERTS, values: alertColumnArrays(alerts) });
  }

  async updateAlerts(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    await this.client.query({ ...UPDATE_ALERTS, values: alertColumnArrays(alerts) });
  }

  async touchAlerts(touches: readonly AlertTouch[]): Promise<void> {
    if (touches.length === 0) return;
    await this.client.query({
      ...TOUCH_ALERTS,
      values: [
        touches.map((t) => t.ref),
        touches.map((t) => t.occurrences),
        touches.map((t) => t.lastSeenAt),
        touches.map((t) => t.updatedAt),
      ],
    });
  }

  async incidentForUpdate(ref: string): Promise<Incident | null> {
    const { rows } = await this.client.query<IncidentRow>(
      `SELECT ${INCIDENT_SELECT} FROM incidents WHERE ref = $1 FOR UPDATE`,
      [ref],
    );
    return rows[0] ? incidentFromRow(rows[0]) : null;
  }

  async openIncidentForSignature(signature: string, createdSince: number): Promise<Incident | null> {
    const { rows } = await this.client.query<IncidentRow>(
      `SELECT ${INCIDENT_SELECT} FROM incidents
       WHERE signature = $1 AND status IN ('open', 'mitigating') AND created_at >= ${toTs('$2::float8')}
       ORDER BY id DESC LIMIT 1 FOR UPDATE`,
      [signature, createdSince],
    );
    return rows[0] ? incidentFromRow(rows[0]) : null;
  }

  async insertIncident(incident: Incident): Promise<void> {
    await this.client.query(
      `INSERT INTO incidents (ref, signature, service, title, severity, status, alert_count,
         created_at, updated_at, resolved_at, closed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, ${toTs('$8::float8')}, ${toTs('$9::float8')},
         ${toTs('$10::float8')}, ${toTs('$11::float8')})`,
      incidentParams(incident),
    );
  }

  async updateIncident(incident: Incident): Promise<void> {
    await this.client.query(
      `UPDATE incidents SET signature = $2, service = $3, title = $4, severity = $5, status = $6,
         alert_count = $7, created_at = ${toTs('$8::float8')}, updated_at = ${toTs('$9::float8')},
         resolved_at = ${toTs('$10::float8')}, closed_at = ${toTs('$11::float8')}
       WHERE ref = $1`,
      incidentParams(incident),
    );
  }

  async attachAlertToIncident(incidentRef: string, alertRef: string, at: number): Promise<boolean> {
    const r = await this.client.query(
      `INSERT INTO incident_alerts (incident_ref, alert_ref, attached_at)
       VALUES ($1, $2, ${toTs('$3::float8')}) ON CONFLICT (incident_ref, alert_ref) DO NOTHING`,
      [incidentRef, alertRef, at],
    );
    return r.rowCount === 1;
  }

  async lockSignature(signature: string): Promise<SignatureState> {
    // If another transaction inserted the row and has not committed, the insert waits for it and
    // then does nothing; the SELECT (a new snapshot under READ COMMITTED) then sees and locks it.
    await this.client.query(
      'INSERT INTO signature_state (signature) VALUES ($1) ON CONFLICT (signature) DO NOTHING',
      [signature],
    );
    const { rows } = await this.client.query<SignatureRow>(
      `SELECT ${SIGNATURE_SELECT} FROM signature_state WHERE signature = $1 FOR UPDATE`,
      [signature],
    );
    const row = rows[0];
    if (!row) throw new Error(`signature_state row for ${signature} vanished inside its transaction`);
    return signatureFromRow(row);
  }

  async saveSignature(state: SignatureState): Promise<void> {
    // An upsert, so saving works without a preceding lockSignature too.
    await this.client.query(
      `INSERT INTO signature_state (signature, last_triage_at, last_incident_ref)
       VALUES ($1, ${toTs('$2::float8')}, $3)
       ON CONFLICT (signature) DO UPDATE
         SET last_triage_at = EXCLUDED.last_triage_at, last_incident_ref = EXCLUDED.last_incident_ref`,
      [state.signature, state.lastTriageAt, state.lastIncidentRef],
    );
  }

  appendEvents(events: readonly EventDraft[]): void {
    if (this.finished) throw new Error('this store transaction has already finished');
    for (const e of events) this.events.push(e);
  }

  /**
   * The last statements of the transaction, right before COMMIT.
   *
   * Event ids come from a sequence, which hands them out when the row is inserted, not when the
   * transaction commits. Without a lock, replica A could take id 10, replica B id 11, B commit, a
   * reader of `GET /events?after=N` see 11 and move its cursor past 10, and A commit 10 after that:
   * the reader would never see it. Holding this transaction-level advisory lock from just before the
   * insert until the commit releases it makes ids become visible in id order across all replicas
   * (PostgreSQL makes a commit visible before it releases the transaction's locks).
   *
   * It is taken last, after every row lock the transaction needs, so a transaction holding it never
   * waits for anything but its own insert and commit; the cost is that commits which append events
   * are serialised, fsync included.
   */
  async flushEvents(): Promise<void> {
    if (this.events.length === 0) return;
    await this.client.query({ ...EVENT_LOG_LOCK, values: [EVENT_LOG_LOCK_CLASS, this.lockKey] });
    await this.client.query({ ...INSERT_EVENTS, values: eventColumnArrays(this.events) });
  }

  /**
   * PostgresStore.purgeExpired, inside this transaction. SKIP LOCKED leaves rows that live
   * transactions are working on for a later run instead of waiting for them.
   */
  async purge(cutoff: number, batchSize: number): Promise<PurgeResult> {
    const client = this.client;
    type Counts = { deleted: string; events: string };
    const alerts = await client.query<Counts>(
      `WITH doomed AS (
         DELETE FROM alerts WHERE id IN (
           SELECT a.id FROM alerts a
           WHERE (a.state = 'resolved' OR a.status = 'acked') AND a.updated_at < ${toTs('$1::float8')}
             -- Alerts of an incident that is not closed stay: they are part of its record. A link
             -- to an incident that no longer exists does not keep an alert forever.
             AND NOT EXISTS (SELECT 1 FROM incidents i
                             WHERE i.ref = a.incident_ref AND i.status <> 'closed')
             AND NOT EXISTS (SELECT 1 FROM incident_alerts ia JOIN incidents i ON i.ref = ia.incident_ref
                             WHERE ia.alert_ref = a.ref AND i.status <> 'closed')
           ORDER BY a.id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING ref),
       links AS (DELETE FROM incident_alerts WHERE alert_ref IN (SELECT ref FROM doomed)),
       gone_events AS (DELETE FROM events WHERE alert_ref IN (SELECT ref FROM doomed) RETURNING 1)
       SELECT (SELECT count(*) FROM doomed) AS deleted, (SELECT count(*) FROM gone_events) AS events`,
      [cutoff, batchSize],
    );
    const incidents = await client.query<Counts>(
      `WITH doomed AS (
         DELETE FROM incidents WHERE id IN (
           SELECT id FROM incidents WHERE status = 'closed' AND updated_at < ${toTs('$1::float8')}
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING ref),
       links AS (DELETE FROM incident_alerts WHERE incident_ref IN (SELECT ref FROM doomed)),
       gone_events AS (DELETE FROM events WHERE incident_ref IN (SELECT ref FROM doomed) RETURNING 1)
       SELECT (SELECT count(*) FROM doomed) AS deleted, (SELECT count(*) FROM gone_events) AS events`,
      [cutoff, batchSize],
    );
    // A separate statement, so it sees the deletions above.
    const orphans = await client.query(
      `DELETE FROM events WHERE id IN (
         SELECT e.id FROM events e
         WHERE e.at < ${toTs('$1::float8')}
           AND (e.alert_ref IS NULL OR NOT EXISTS (SELECT 1 FROM alerts a WHERE a.ref = e.alert_ref))
           AND (e.incident_ref IS NULL OR NOT EXISTS (SELECT 1 FROM incidents i WHERE i.ref = e.incident_ref))
         ORDER BY e.id LIMIT $2)`,
      [cutoff, batchSize],
    );
    const a = alerts.rows[0];
    const i = incidents.rows[0];
    return {
      alerts: a ? num(a.deleted) : 0,
      incidents: i ? num(i.deleted) : 0,
      events: (a ? num(a.events) : 0) + (i ? num(i.events) : 0) + (orphans.rowCount ?? 0),
    };
  }
}
