import { headOf } from '../../alerts/fingerprint.js';
import type { Alert, AlertHead, EventDraft } from '../../alerts/model.js';
import type { Incident, SignatureState } from '../../incidents/model.js';
import type { AlertTouch, ClaimQuery, StoreTx } from '../store.js';
import { SqlHealth } from '../sql/health.js';
import { SqlSeries } from '../sql/series.js';
import { SqlNotify } from '../sql/notify.js';
import { placeholders } from '../sql/runner.js';
import type { PendingTouch } from './cache.js';
import { sqliteRunner } from './runner.js';
import type { SqliteStore } from './index.js';
import {
  alertFromRow,
  ALERT_COLUMNS,
  alertValues,
  incidentFromRow,
  incidentParams,
  type AlertRow,
  type IncidentRow,
} from './rows.js';

type Params = Record<string, string | number | null>;

const INSERT_ALERT = `INSERT INTO alerts (${ALERT_COLUMNS.join(', ')}) VALUES (${ALERT_COLUMNS.map(() => '?').join(', ')})`;
// Every column but ref (the first), then ref for the WHERE clause.
const UPDATE_ALERT = `UPDATE alerts SET ${ALERT_COLUMNS.slice(1)
  .map((c) => `${c} = ?`)
  .join(', ')} WHERE ref = ?`;
const INCIDENT_COLUMNS = Object.keys(incidentParams({} as Incident)).filter((c) => c !== 'ref');
const INSERT_INCIDENT = `INSERT INTO incidents (ref, ${INCIDENT_COLUMNS.join(', ')}) VALUES (@ref, ${INCIDENT_COLUMNS.map((c) => '@' + c).join(', ')})`;
const UPDATE_INCIDENT = `UPDATE incidents SET ${INCIDENT_COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE ref = @ref`;
const EVENT_CHUNK = 32;
const INSERT_EVENTS = (rows: number): string =>
  'INSERT INTO events (id, at, type, alert_ref, incident_ref, actor, data, prev_id) VALUES ' +
  Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
export const RAISE_LAST_EVENT =
  'UPDATE alerts SET last_event_id = max(ifnull(last_event_id, 0), ?) WHERE ref = ?';

/**
 * One SQLite transaction. Reads see committed rows plus pending re-send counters; writes go to the
 * write connection at once, except re-send touches, which become pending after commit. Cache
 * changes are collected and applied only after COMMIT succeeds.
 */
export class SqliteTx implements StoreTx {
  private readonly events: EventDraft[] = [];
  private readonly touches = new Map<string, AlertTouch>();
  private readonly headChanges: Array<{ kind: 'set'; head: AlertHead } | { kind: 'drop'; ref: string }> = [];
  private readonly fullyWritten = new Set<string>();
  /** Alerts created by this transaction: they have no earlier events to link to. */
  private readonly insertedRefs = new Set<string>();
  private readonly flushed: Array<{ ref: string; entry: PendingTouch }> = [];
  private readonly lastEvents = new Map<string, number>();

  readonly notify: SqlNotify;
  readonly health: SqlHealth;
  readonly series: SqlSeries;

  constructor(private readonly s: SqliteStore) {
    const runner = sqliteRunner((sql) => s.stmt(sql));
    this.notify = new SqlNotify(runner);
    this.health = new SqlHealth(runner);
    this.series = new SqlSeries(runner);
  }

  private get cache() {
    return this.s.cache;
  }

  private alert(row: AlertRow): Alert {
    return this.cache.overlay(alertFromRow(row));
  }

  async currentAlertsByFingerprint(fingerprints: readonly string[]): Promise<Map<string, AlertHead>> {
    const heads = this.s.ensureHeads();
    const out = new Map<string, AlertHead>();
    for (const fp of fingerprints) {
      const head = heads.get(fp);
      if (head) out.set(fp, head);
    }
    return out;
  }

  async alertForUpdate(ref: string): Promise<Alert | null> {
    const row = this.s.stmt('SELECT * FROM alerts WHERE ref = ?').get(ref) as AlertRow | undefined;
    return row ? this.alert(row) : null;
  }

  async alertsByRefs(refs: readonly string[]): Promise<Alert[]> {
    const out: Alert[] = [];
    const unique = [...new Set(refs)];
    for (let i = 0; i < unique.length; i += 500) {
      const part = unique.slice(i, i + 500);
      const rows = this.s
        .stmt(`SELECT * FROM alerts WHERE ref IN (${placeholders(part.length)})`)
        .all(...part) as AlertRow[];
      for (const r of rows) out.push(this.alert(r));
    }
    return out;
  }

  async expiredAlerts(now: number, limit: number): Promise<Alert[]> {
    // The in-memory heads hold every current alert with its newest lastSeenAt (pending re-sends
    // included), so finding expired ones reads no rows.
    const refs: string[] = [];
    for (const head of this.s.ensureHeads().values()) {
      if (head.state !== 'firing' || head.resolveAfterMs === null) continue;
      if (head.lastSeenAt + head.resolveAfterMs > now) continue;
      refs.push(head.ref);
      if (refs.length >= limit) break;
    }
    return this.alertsByRefs(refs);
  }

  async requeueCandidates(now: number, limit: number): Promise<Alert[]> {
    const rows = this.s
      .stmt(
        `SELECT * FROM alerts WHERE (status = 'processing' AND lock_until <= ?) OR (status = 'failed' AND retry_at <= ?)
         ORDER BY id LIMIT ?`,
      )
      .all(now, now, limit) as AlertRow[];
    return rows.map((r) => this.alert(r));
  }

  async claimCandidates(q: ClaimQuery): Promise<Alert[]> {
    if (q.statusIn.length === 0) return [];
    // The window filters on last_seen_at, which pending re-sends have not written yet.
    if (q.seenSince !== undefined) this.writePending();
    const params: Array<string | number> = [...q.statusIn];
    let sql = `SELECT * FROM alerts WHERE status IN (${q.statusIn.map(() => '?').join(', ')})`;
    if (q.seenSince !== undefined) {
      sql += ' AND last_seen_at >= ?';
      params.push(q.seenSince);
    }
    sql += ' ORDER BY id LIMIT ?';
    params.push(q.limit);
    return (this.s.stmt(sql).all(...params) as AlertRow[]).map((r) => this.alert(r));
  }

  async insertAlerts(alerts: readonly Alert[]): Promise<void> {
    const stmt = this.s.stmt(INSERT_ALERT);
    for (const a of alerts) {
      stmt.run(alertValues(a));
      this.fullyWritten.add(a.ref);
      this.insertedRefs.add(a.ref);
      if (a.current) this.headChanges.push({ kind: 'set', head: headOf(a) });
    }
  }

  async updateAlerts(alerts: readonly Alert[]): Promise<void> {
    const stmt = this.s.stmt(UPDATE_ALERT);
    const raise = this.s.stmt(RAISE_LAST_EVENT);
    for (const a of alerts) {
      const values = alertValues(a);
      values.push(values.shift()!);
      stmt.run(values);
      // The pending touch this row supersedes may hold the newest chain head; keep it.
      const pending = this.cache.pending.get(a.ref);
      if (pending) raise.run(pending.lastEventId, a.ref);
      this.fullyWritten.add(a.ref);
      this.touches.delete(a.ref);
      this.headChanges.push(a.current ? { kind: 'set', head: headOf(a) } : { kind: 'drop', ref: a.ref });
    }
  }

  async touchAlerts(touches: readonly AlertTouch[]): Promise<void> {
    // Deferred: each touch comes with a committed event carrying the same counters.
    for (const t of touches) this.touches.set(t.ref, t);
  }

  async incidentForUpdate(ref: string): Promise<Incident | null> {
    const row = this.s.stmt('SELECT * FROM incidents WHERE ref = ?').get(ref) as IncidentRow | undefined;
    return row ? incidentFromRow(row) : null;
  }

  async openIncidentForSignature(signature: string, createdSince: number): Promise<Incident | null> {
    const row = this.s
      .stmt(
        `SELECT * FROM incidents WHERE signature = ? AND status IN ('open', 'mitigating') AND created_at >= ?
         ORDER BY id DESC LIMIT 1`,
      )
      .get(signature, createdSince) as IncidentRow | undefined;
    return row ? incidentFromRow(row) : null;
  }

  async insertIncident(incident: Incident): Promise<void> {
    this.s.stmt(INSERT_INCIDENT).run(incidentParams(incident) as Params);
  }

  async updateIncident(incident: Incident): Promise<void> {
    this.s.stmt(UPDATE_INCIDENT).run(incidentParams(incident) as Params);
  }

  async attachAlertToIncident(incidentRef: string, alertRef: string, at: number): Promise<boolean> {
    const r = this.s
      .stmt(
        'INSERT INTO incident_alerts (incident_ref, alert_ref, attached_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(incidentRef, alertRef, at);
    return r.changes === 1;
  }

  async lockSignature(signature: string): Promise<SignatureState> {
    // The write connection holds the database lock for the whole transaction, so no row lock is needed.
    this.s.stmt('INSERT INTO signature_state (signature) VALUES (?) ON CONFLICT DO NOTHING').run(signature);
    const row = this.s
      .stmt('SELECT signature, last_triage_at, last_incident_ref FROM signature_state WHERE signature = ?')
      .get(signature) as {
      signature: string;
      last_triage_at: number | null;
      last_incident_ref: string | null;
    };
    return {
      signature: row.signature,
      lastTriageAt: row.last_triage_at,
      lastIncidentRef: row.last_incident_ref,
    };
  }

  async saveSignature(state: SignatureState): Promise<void> {
    this.s
      .stmt('UPDATE signature_state SET last_triage_at = ?, last_incident_ref = ? WHERE signature = ?')
      .run(state.lastTriageAt, state.lastIncidentRef, state.signature);
  }

  appendEvents(events: readonly EventDraft[]): void {
    for (const e of events) this.events.push(e);
  }

  /** Writes every pending re-send into its row inside this transaction (dropped from pending after commit). */
  writePending(limit = Infinity): number {
    let n = 0;
    const stmt = this.s.stmt(
      `UPDATE alerts SET occurrences = max(occurrences, ?), last_seen_at = max(last_seen_at, ?),
       updated_at = max(updated_at, ?), last_event_id = max(ifnull(last_event_id, 0), ?) WHERE ref = ?`,
    );
    for (const [ref, p] of this.cache.pending) {
      if (n >= limit) break;
      stmt.run(p.occurrences, p.lastSeenAt, p.updatedAt, p.lastEventId, ref);
      this.flushed.push({ ref, entry: p });
      n++;
    }
    return n;
  }

  /** Writes the buffered events (each linked to its alert's previous event) and returns the newest id. */
  flushEvents(): number {
    // Ids are assigned here rather than by SQLite: this connection is the only writer and ids are
    // never reused (see lastCommittedEventId), and knowing them up front lets one statement insert
    // many events, each already linked to its alert's previous event.
    let id = this.s.lastCommittedEventId;
    const rows: Array<string | number | null> = [];
    for (const e of this.events) {
      id++;
      let prev: number | null = null;
      if (e.alertRef !== null) {
        prev =
          this.lastEvents.get(e.alertRef) ??
          // A miss in every cache costs a row lookup; a new alert is known to have no chain yet.
          (this.insertedRefs.has(e.alertRef) ? null : this.s.lastEventIdOf(e.alertRef));
        this.lastEvents.set(e.alertRef, id);
      }
      rows.push(
        id,
        e.at,
        e.type,
        e.alertRef,
        e.incidentRef,
        e.actor,
        e.dataJson ?? JSON.stringify(e.data),
        prev,
      );
    }
    const perRow = 8;
    const chunk = this.s.stmt(INSERT_EVENTS(EVENT_CHUNK));
    let offset = 0;
    for (; offset + EVENT_CHUNK * perRow <= rows.length; offset += EVENT_CHUNK * perRow) {
      chunk.run(rows.slice(offset, offset + EVENT_CHUNK * perRow));
    }
    const one = this.s.stmt(INSERT_EVENTS(1));
    for (; offset < rows.length; offset += perRow) one.run(rows.slice(offset, offset + perRow));
    const last = this.events.length > 0 ? id : 0;
    // Chain heads: written now for alerts this transaction wrote anyway, kept pending for re-sends.
    const raise = this.s.stmt(RAISE_LAST_EVENT);
    for (const [ref, id] of this.lastEvents) {
      if (!this.touches.has(ref) || this.fullyWritten.has(ref)) raise.run(id, ref);
    }
    return last;
  }

  /** Cache changes, applied once COMMIT succeeded. */
  afterCommit(firstEventId: number): void {
    const cache = this.cache;
    for (const { ref, entry } of this.flushed) {
      if (cache.pending.get(ref) !== entry) continue;
      cache.pending.delete(ref);
      // The chain head stays cached, or the alert's next re-send would read it from its row.
      cache.lastEventIds.set(ref, entry.lastEventId);
    }
    for (const c of this.headChanges) {
      if (c.kind === 'set') cache.setHead(c.head);
      else cache.dropHead(c.ref);
    }
    for (const ref of this.fullyWritten) {
      // The row now holds the newest counters; a pending touch could only hold older ones.
      if (!this.touches.has(ref)) cache.pending.delete(ref);
    }
    for (const [ref, t] of this.touches) {
      const lastEventId = this.lastEvents.get(ref) ?? this.s.lastEventIdOf(ref) ?? 0;
      const previous = cache.pending.get(ref);
      cache.pending.set(ref, {
        ...t,
        lastEventId,
        firstEventId: previous?.firstEventId ?? firstEventId,
      });
      const head = cache.headsByRef.get(ref);
      if (head) {
        // In place: the transaction that read this head has finished with it.
        head.occurrences = t.occurrences;
        head.lastSeenAt = t.lastSeenAt;
        head.updatedAt = t.updatedAt;
      }
      // A re-sent alert's chain head lives in its pending touch.
      this.lastEvents.delete(ref);
    }
    cache.rememberLastEvents(this.lastEvents);
  }
}
