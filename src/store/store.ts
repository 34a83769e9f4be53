import type {
  Alert,
  AlertHead,
  AlertState,
  EventDraft,
  ProcessingStatus,
  Severity,
  StoredEvent,
} from '../alerts/model.js';
import type { Incident, IncidentStatus, SignatureState } from '../incidents/model.js';
import type { SqlHealth } from './sql/health.js';
import type { SqlNotify } from './sql/notify.js';
import type { SqlSeries } from './sql/series.js';

/**
 * The notification tables' operations. Both backends run the same statements (src/store/sql/), so
 * the type is that one implementation's.
 */
export type NotifyOps = SqlNotify;
/** The health engine's tables (check state, cycles, heartbeat pings), shared like NotifyOps. */
export type HealthOps = SqlHealth;
/** The series tables of the anomaly layer (points, 1-minute rollups), shared like NotifyOps. */
export type SeriesOps = SqlSeries;

/*
 * The storage interface. Business rules (dedupe, the claim state machine, incidents) live in shared
 * code that runs inside `transaction()`; a backend only moves rows. Both backends pass the same
 * contract suite (test/store/contract.ts).
 *
 * Conventions every backend keeps:
 * - Times are milliseconds since the epoch in and out (PostgreSQL stores timestamptz).
 * - Alerts are addressed by `ref`; `id` is an ordering key assigned by the database on insert and
 *   ignored by insertAlerts.
 * - At most one alert per fingerprint has current = true (a unique partial index enforces it).
 * - Events appended in a transaction become visible atomically at commit, and the log is ordered:
 *   a reader that has seen event N never later finds a new event with an id below N.
 * - Reads inside a transaction see that transaction's own writes.
 */

export interface AlertQuery {
  service?: string;
  severity?: Severity;
  state?: AlertState;
  statusIn?: ProcessingStatus[];
  source?: string;
  /** Only alerts whose lastSeenAt >= this. */
  seenSince?: number;
  /** Case-insensitive substring of title, message or service. */
  text?: string;
  /** Only the current alert of each fingerprint (true) or only superseded ones (false). */
  current?: boolean;
  /** Keyset pagination: only alerts with id < beforeId (results are newest first). */
  beforeId?: number;
  limit: number;
}

export interface ClaimQuery {
  statusIn: ProcessingStatus[];
  seenSince?: number;
  limit: number;
}

export interface EventQuery {
  after: number;
  limit: number;
  /** Take the newest `limit` events after `after` instead of the oldest; still returned oldest first. */
  newest?: boolean;
  alertRef?: string;
  incidentRef?: string;
}

export interface IncidentQuery {
  statusIn?: IncidentStatus[];
  service?: string;
  beforeId?: number;
  limit: number;
}

/** Only the fields a dedupe changes: the cheap update on the hot path. */
export interface AlertTouch {
  ref: string;
  occurrences: number;
  lastSeenAt: number;
  updatedAt: number;
}

export interface CountRow {
  state: AlertState;
  status: ProcessingStatus;
  severity: Severity;
  count: number;
}

export interface SignatureCount {
  signature: string;
  service: string;
  title: string;
  alerts: number;
  occurrences: number;
  lastSeenAt: number;
}

export interface PurgeResult {
  alerts: number;
  events: number;
  incidents: number;
  /** Finished notifications (outbox rows) deleted; set by the retention job, not by purgeExpired. */
  notifications?: number;
  /** Sample series not updated since the cutoff; set by the retention job. */
  samples?: number;
}

export interface StoreTx {
  /**
   * Heads of the current alerts for these fingerprints (see AlertHead), locked for update
   * (PostgreSQL: FOR UPDATE, in fingerprint order). A backend may serve them from a cache it keeps
   * consistent with its own commits.
   */
  currentAlertsByFingerprint(fingerprints: readonly string[]): Promise<Map<string, AlertHead>>;
  /** One alert, locked for update; null if there is none. */
  alertForUpdate(ref: string): Promise<Alert | null>;
  /**
   * Alerts whose claim lock expired (status processing, lockUntil <= now) or whose retry is due
   * (status failed, retryAt <= now). PostgreSQL: FOR UPDATE SKIP LOCKED.
   */
  requeueCandidates(now: number, limit: number): Promise<Alert[]>;
  /** Oldest first (by id). PostgreSQL: FOR UPDATE SKIP LOCKED, so parallel claimers never share rows. */
  claimCandidates(query: ClaimQuery): Promise<Alert[]>;
  insertAlerts(alerts: readonly Alert[]): Promise<void>;
  /** Writes every mutable field of these alerts (matched by ref). */
  updateAlerts(alerts: readonly Alert[]): Promise<void>;
  touchAlerts(touches: readonly AlertTouch[]): Promise<void>;

  incidentForUpdate(ref: string): Promise<Incident | null>;
  /** The newest open or mitigating incident with this signature created at or after `createdSince`. */
  openIncidentForSignature(signature: string, createdSince: number): Promise<Incident | null>;
  insertIncident(incident: Incident): Promise<void>;
  updateIncident(incident: Incident): Promise<void>;
  /** Returns false if the alert was already attached. */
  attachAlertToIncident(incidentRef: string, alertRef: string, at: number): Promise<boolean>;
  /** Creates the row if needed and locks it, serialising work on one signature across replicas. */
  lockSignature(signature: string): Promise<SignatureState>;
  saveSignature(state: SignatureState): Promise<void>;

  /** Buffered and written last, at commit, in the order given. */
  appendEvents(events: readonly EventDraft[]): void;

  /** Alerts by ref, in no particular order; refs that do not exist are left out. */
  alertsByRefs(refs: readonly string[]): Promise<Alert[]>;
  /**
   * Current firing alerts with a resolveAfterMs whose lastSeenAt + resolveAfterMs <= now, locked for
   * update (PostgreSQL: SKIP LOCKED, so replicas sweeping at once take different ones).
   */
  expiredAlerts(now: number, limit: number): Promise<Alert[]>;

  /** The notification tables, inside this transaction. */
  readonly notify: NotifyOps;
  /** The health engine's tables, inside this transaction. */
  readonly health: HealthOps;
  /** The series tables, inside this transaction. */
  readonly series: SeriesOps;
}

export interface TransactionOptions {
  /**
   * false: the commit may return before it is on disk (SQLite: no fsync; PostgreSQL:
   * synchronous_commit off). Only for writes whose loss in a crash is harmless, e.g. marking a
   * notification `sending` (after a crash it is sent again with the same idempotency key either
   * way). A later durable commit makes it durable too. Default true.
   */
  durable?: boolean;
}

export interface MigrationReport {
  applied: string[];
  current: number;
}

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe to run again and from several processes at once. */
  migrate(): Promise<MigrationReport>;
  /**
   * Runs fn in one transaction and commits. On PostgreSQL, conflicts between replicas (unique
   * violation on the current fingerprint, deadlock, serialization failure) rerun fn, so fn must
   * derive everything it writes from what it reads inside the transaction.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, opts?: TransactionOptions): Promise<T>;

  getAlert(ref: string): Promise<Alert | null>;
  listAlerts(query: AlertQuery): Promise<Alert[]>;
  listEvents(query: EventQuery): Promise<StoredEvent[]>;
  countAlerts(seenSince?: number): Promise<CountRow[]>;
  topSignatures(seenSince: number, limit: number): Promise<SignatureCount[]>;

  /** The notification tables, read outside any transaction (API reads; never blocks writers). */
  readonly notify: NotifyOps;
  /** The health engine's tables, read outside any transaction. */
  readonly health: HealthOps;
  /** The series tables, read outside any transaction. */
  readonly series: SeriesOps;

  getIncident(ref: string): Promise<Incident | null>;
  listIncidents(query: IncidentQuery): Promise<Incident[]>;
  incidentAlertRefs(ref: string): Promise<string[]>;

  /**
   * Deletes at most `batchSize` expired rows of each kind, oldest first: alerts resolved or acked
   * with updatedAt < cutoff that belong to no incident or to a closed one (with their events and
   * incident links), closed incidents with
   * updatedAt < cutoff (with their events), and events older than cutoff that belong to neither a
   * remaining alert nor a remaining incident. Returns how many of each it deleted.
   */
  purgeExpired(cutoff: number, batchSize: number): Promise<PurgeResult>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
