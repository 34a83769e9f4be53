import type pg from 'pg';
import { headOf } from '../../alerts/fingerprint.js';
import type { Alert, AlertHead, EventDraft } from '../../alerts/model.js';
import type { Incident, SignatureState } from '../../incidents/model.js';
import type { AlertTouch, ClaimQuery, StoreTx } from '../store.js';
import {
  ALERT_SELECT,
  ALERT_WRITE_COLUMNS,
  alertFromRow,
  INCIDENT_SELECT,
  incidentFromRow,
  incidentValues,
  toTs,
  type AlertRow,
  type IncidentRow,
} from './rows.js';

// Held from the events insert to commit, so event ids become visible in id order across replicas:
// a reader that has seen event N can never later find a newly committed event below N. The events
// insert is the last statement of every transaction, so nobody waits for row locks while holding it.
const EVENT_LOG_LOCK = 0x45564e54;

const n = ALERT_WRITE_COLUMNS.length;
const UNNEST = `unnest(${ALERT_WRITE_COLUMNS.map((c, i) => `$${i + 1}::${c[1]}`).join(', ')}) AS u(${ALERT_WRITE_COLUMNS.map((c) => c[0]).join(', ')})`;
const INSERT_ALERTS = `INSERT INTO alerts (${ALERT_WRITE_COLUMNS.map((c) => c[0]).join(', ')})
  SELECT ${ALERT_WRITE_COLUMNS.map((c) => c[2](`u.${c[0]}`)).join(', ')} FROM ${UNNEST}`;
const UPDATE_ALERTS = `UPDATE alerts a SET ${ALERT_WRITE_COLUMNS.slice(1)
  .map((c) => `${c[0]} = ${c[2](`u.${c[0]}`)}`)
  .join(', ')} FROM ${UNNEST} WHERE a.ref = u.ref`;
void n;

function columnArrays(alerts: readonly Alert[]): unknown[][] {
  return ALERT_WRITE_COLUMNS.map((c) => alerts.map((a) => c[3](a)));
}

/** One PostgreSQL transaction on one pooled connection; batch writes are one statement each. */
export class PgTx implements StoreTx {
  private readonly events: EventDraft[] = [];
  constructor(readonly client: pg.PoolClient) {}

  private async alerts(sql: string, params: unknown[]): Promise<Alert[]> {
    return (await this.client.query<AlertRow>(sql, params)).rows.map(alertFromRow);
  }

  async currentAlertsByFingerprint(fingerprints: readonly string[]): Promise<Map<string, AlertHead>> {
    const out = new Map<string, AlertHead>();
    if (fingerprints.length === 0) return out;
    const rows = await this.alerts(
      `SELECT ${ALERT_SELECT} FROM alerts WHERE fingerprint = ANY($1::text[]) AND is_current ORDER BY fingerprint FOR UPDATE`,
      [fingerprints],
    );
    for (const a of rows) out.set(a.fingerprint, headOf(a));
    return out;
  }

  async alertForUpdate(ref: string): Promise<Alert | null> {
    const [a] = await this.alerts(`SELECT ${ALERT_SELECT} FROM alerts WHERE ref = $1 FOR UPDATE`, [ref]);
    return a ?? null;
  }

  async requeueCandidates(now: number, limit: number): Promise<Alert[]> {
    return this.alerts(
      `SELECT ${ALERT_SELECT} FROM alerts
       WHERE (status = 'processing' AND lock_until <= ${toTs('$1')}) OR (status = 'failed' AND retry_at <= ${toTs('$1')})
       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
  }

  async claimCandidates(q: ClaimQuery): Promise<Alert[]> {
    if (q.statusIn.length === 0) return [];
    return this.alerts(
      `SELECT ${ALERT_SELECT} FROM alerts
       WHERE status = ANY($1::text[]) AND ($2::float8 IS NULL OR last_seen_at >= ${toTs('$2')})
       ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [q.statusIn, q.seenSince ?? null, q.limit],
    );
  }

  async insertAlerts(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length > 0) await this.client.query(INSERT_ALERTS, columnArrays(alerts));
  }

  async updateAlerts(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length > 0) await this.client.query(UPDATE_ALERTS, columnArrays(alerts));
  }

  async touchAlerts(touches: readonly AlertTouch[]): Promise<void> {
    if (touches.length === 0) return;
    await this.client.query(
      `UPDATE alerts a SET occurrences = u.occurrences, last_seen_at = ${toTs('u.last_seen')}, updated_at = ${toTs('u.updated')}
       FROM unnest($1::text[], $2::int4[], $3::float8[], $4::float8[]) AS u(ref, occurrences, last_seen, updated)
       WHERE a.ref = u.ref`,
      [
        touches.map((t) => t.ref),
        touches.map((t) => t.occurrences),
        touches.map((t) => t.lastSeenAt),
        touches.map((t) => t.updatedAt),
      ],
    );
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
       WHERE signature = $1 AND status IN ('open', 'mitigating') AND created_at >= ${toTs('$2')}
       ORDER BY id DESC LIMIT 1 FOR UPDATE`,
      [signature, createdSince],
    );
    return rows[0] ? incidentFromRow(rows[0]) : null;
  }

  async insertIncident(incident: Incident): Promise<void> {
    await this.client.query(
      `INSERT INTO incidents (ref, signature, service, title, severity, status, alert_count, created_at, updated_at, resolved_at, closed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, ${toTs('$8::float8')}, ${toTs('$9::float8')}, ${toTs('$10::float8')}, ${toTs('$11::float8')})`,
      incidentValues(incident),
    );
  }

  async updateIncident(incident: Incident): Promise<void> {
    await this.client.query(
      `UPDATE incidents SET signature = $2, service = $3, title = $4, severity = $5, status = $6, alert_count = $7,
         created_at = ${toTs('$8::float8')}, updated_at = ${toTs('$9::float8')}, resolved_at = ${toTs('$10::float8')},
         closed_at = ${toTs('$11::float8')}
       WHERE ref = $1`,
      incidentValues(incident),
    );
  }

  async attachAlertToIncident(incidentRef: string, alertRef: string, at: number): Promise<boolean> {
    const r = await this.client.query(
      `INSERT INTO incident_alerts (incident_ref, alert_ref, attached_at) VALUES ($1, $2, ${toTs('$3::float8')}) ON CONFLICT DO NOTHING`,
      [incidentRef, alertRef, at],
    );
    return r.rowCount === 1;
  }

  async lockSignature(signature: string): Promise<SignatureState> {
    await this.client.query('INSERT INTO signature_state (signature) VALUES ($1) ON CONFLICT DO NOTHING', [
      signature,
    ]);
    const { rows } = await this.client.query<{
      signature: string;
      last_triage_at: number | null;
      last_incident_ref: string | null;
    }>(
      `SELECT signature, round(extract(epoch from last_triage_at) * 1000)::float8 AS last_triage_at, last_incident_ref
       FROM signature_state WHERE signature = $1 FOR UPDATE`,
      [signature],
    );
    const row = rows[0]!;
    return {
      signature: row.signature,
      lastTriageAt: row.last_triage_at,
      lastIncidentRef: row.last_incident_ref,
    };
  }

  async saveSignature(state: SignatureState): Promise<void> {
    await this.client.query(
      `UPDATE signature_state SET last_triage_at = ${toTs('$2::float8')}, last_incident_ref = $3 WHERE signature = $1`,
      [state.signature, state.lastTriageAt, state.lastIncidentRef],
    );
  }

  appendEvents(events: readonly EventDraft[]): void {
    for (const e of events) this.events.push(e);
  }

  /** The last statement of the transaction: takes the event-log lock, then inserts in order. */
  async flushEvents(): Promise<void> {
    if (this.events.length === 0) return;
    await this.client.query('SELECT pg_advisory_xact_lock($1)', [EVENT_LOG_LOCK]);
    const e = this.events;
    await this.client.query(
      `INSERT INTO events (at, type, alert_ref, incident_ref, actor, data)
       SELECT ${toTs('u.at')}, u.type, u.alert_ref, u.incident_ref, u.actor, u.data::jsonb
       FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         WITH ORDINALITY AS u(at, type, alert_ref, incident_ref, actor, data, ord)
       ORDER BY u.ord`,
      [
        e.map((x) => x.at),
        e.map((x) => x.type),
        e.map((x) => x.alertRef),
        e.map((x) => x.incidentRef),
        e.map((x) => x.actor),
        e.map((x) => x.dataJson ?? JSON.stringify(x.data)),
      ],
    );
  }
}
