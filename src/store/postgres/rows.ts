import { contentHash } from '../../alerts/fingerprint.js';
import type {
  AlertOrigin,
  Alert,
  AlertHead,
  AlertState,
  EventDraft,
  EventType,
  Labels,
  ProcessingStatus,
  Severity,
  StoredEvent,
} from '../../alerts/model.js';
import type { Incident, IncidentSeverity, IncidentStatus, SignatureState } from '../../incidents/model.js';

/*
 * Row <-> domain mapping and the SQL fragments that go with it.
 *
 * Times travel as epoch milliseconds in both directions so that pg never parses a timestamptz into
 * a Date (its text parser costs more than the arithmetic below, and a Date would drop any
 * sub-millisecond part silently instead of rounding):
 * - written as float8 with to_timestamp(ms / 1000.0). The float error at present-day magnitudes is
 *   ~0.2 microseconds and to_timestamp rounds to whole microseconds, so an integer millisecond is
 *   stored exactly;
 * - read as round(extract(epoch FROM col) * 1000)::float8. extract returns numeric (exact) since
 *   PostgreSQL 14, and the final round makes it exact on older servers too. pg parses float8 into
 *   a JS number, so there is no bigint string to convert.
 */

export const toTs = (expr: string): string => `to_timestamp(${expr} / 1000.0)`;
export const msOf = (expr: string): string => `round(extract(epoch FROM ${expr}) * 1000)::float8`;
const ms = (column: string): string => `${msOf(column)} AS ${column}`;

/** A nullable millisecond value read back from `msOf`. */
type Ms = number | null;

/** bigint (int8) columns and aggregates arrive as strings: ids stay far below 2^53. */
export const num = (v: string | number): number => (typeof v === 'number' ? v : Number(v));

// ---------------------------------------------------------------------------------------------
// Alerts

export interface AlertRow {
  id: string;
  ref: string;
  fingerprint: string;
  signature: string;
  is_current: boolean;
  source: string;
  service: string;
  kind: string | null;
  title: string;
  message: string;
  severity: string;
  labels: Labels;
  annotations: Labels;
  generator_url: string | null;
  state: string;
  status: string;
  occurrences: number;
  dedupe_ttl_ms: string;
  resolve_after_ms: string | null;
  origin: string;
  starts_at: number;
  last_seen_at: number;
  resolved_at: Ms;
  created_at: number;
  updated_at: number;
  owner: string | null;
  lock_until: Ms;
  retry_at: Ms;
  last_error: string | null;
  fail_count: number;
  ack_note: string | null;
  acked_by: string | null;
  acked_at: Ms;
  incident_ref: string | null;
}

export function alertFromRow(r: AlertRow): Alert {
  return {
    id: num(r.id),
    ref: r.ref,
    fingerprint: r.fingerprint,
    signature: r.signature,
    current: r.is_current,
    source: r.source,
    service: r.service,
    kind: r.kind,
    title: r.title,
    message: r.message,
    severity: r.severity as Severity,
    labels: r.labels,
    annotations: r.annotations,
    generatorUrl: r.generator_url,
    state: r.state as AlertState,
    status: r.status as ProcessingStatus,
    occurrences: r.occurrences,
    dedupeTtlMs: num(r.dedupe_ttl_ms),
    resolveAfterMs: r.resolve_after_ms === null ? null : num(r.resolve_after_ms),
    origin: r.origin as AlertOrigin,
    startsAt: r.starts_at,
    lastSeenAt: r.last_seen_at,
    resolvedAt: r.resolved_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    owner: r.owner,
    lockUntil: r.lock_until,
    retryAt: r.retry_at,
    lastError: r.last_error,
    failCount: r.fail_count,
    ackNote: r.ack_note,
    ackedBy: r.acked_by,
    ackedAt: r.acked_at,
    incidentRef: r.incident_ref,
  };
}

/*
 * Stored content hashes carry a tag of the hash function that made them: the first characters of
 * the hash of a fixed probe. If contentHash's definition changes in a later version, old stored
 * hashes stop matching the tag and are recomputed from their row (PgTx.currentAlertsByFingerprint)
 * instead of comparing unequal to every re-send and turning each into a spurious update.
 */
const HASH_TAG = contentHash({
  title: 'sentinel content hash probe',
  message: 'm',
  severity: 'info',
  source: 's',
  generatorUrl: null,
  labels: { a: '1', b: '2' },
  annotations: { c: '3' },
}).slice(0, 8);

export function storedContentHash(a: Alert): string {
  return `${HASH_TAG}:${contentHash(a)}`;
}

/** The content hash in a stored value, or null if it is missing or made by another hash function. */
export function contentHashOf(stored: string | null): string | null {
  if (stored === null || !stored.startsWith(HASH_TAG) || stored.charCodeAt(HASH_TAG.length) !== 58) {
    return null;
  }
  return stored.slice(HASH_TAG.length + 1);
}

/** What ingest reads for every fingerprint of a batch: no labels, no annotations. */
export const HEAD_SELECT = `ref, fingerprint, state, occurrences, ${ms('last_seen_at')}, ${ms('updated_at')}, content_hash, resolve_after_ms`;

export interface HeadRow {
  ref: string;
  fingerprint: string;
  state: string;
  occurrences: number;
  last_seen_at: number;
  updated_at: number;
  /** As written by storedContentHash; null on rows written before migration 2 and not since. */
  content_hash: string | null;
  resolve_after_ms: string | null;
}

export function headFromRow(r: HeadRow, hash: string): AlertHead {
  return {
    ref: r.ref,
    fingerprint: r.fingerprint,
    state: r.state as AlertState,
    occurrences: r.occurrences,
    lastSeenAt: r.last_seen_at,
    updatedAt: r.updated_at,
    contentHash: hash,
    resolveAfterMs: r.resolve_after_ms === null ? null : num(r.resolve_after_ms),
  };
}

/**
 * One column of the batch writes: its name, the PostgreSQL array type its parameter is sent as,
 * how one unnested element becomes the column value, and how it is taken from an Alert.
 */
interface WriteColumn {
  name: string;
  arrayType: string;
  expr: (element: string) => string;
  value: (a: Alert) => unknown;
  /** How a SELECT reads it back (times as epoch milliseconds). */
  select: string;
}

const plain =
  (arrayType: string) =>
  (name: string, value: (a: Alert) => unknown): WriteColumn => ({
    name,
    arrayType,
    expr: (e) => e,
    value,
    select: name,
  });
const text = plain('text[]');
const int4 = plain('int4[]');
const time = (name: string, value: (a: Alert) => number | null): WriteColumn => ({
  name,
  arrayType: 'float8[]',
  expr: toTs,
  value,
  select: ms(name),
});
// jsonb goes over the wire as text: pg has no jsonb[] serialiser, and the cast parses it once.
const json = (name: string, value: (a: Alert) => Labels): WriteColumn => ({
  name,
  arrayType: 'text[]',
  expr: (e) => `${e}::jsonb`,
  value: (a) => JSON.stringify(value(a)),
  select: name,
});

/** Every column but id, `ref` first (the update matches on it and does not write it). */
export const ALERT_WRITE_COLUMNS: readonly WriteColumn[] = [
  text('ref', (a) => a.ref),
  text('fingerprint', (a) => a.fingerprint),
  text('signature', (a) => a.signature),
  plain('bool[]')('is_current', (a) => a.current),
  text('source', (a) => a.source),
  text('service', (a) => a.service),
  text('kind', (a) => a.kind),
  text('title', (a) => a.title),
  text('message', (a) => a.message),
  text('severity', (a) => a.severity),
  json('labels', (a) => a.labels),
  json('annotations', (a) => a.annotations),
  text('generator_url', (a) => a.generatorUrl),
  text('state', (a) => a.state),
  text('status', (a) => a.status),
  int4('occurrences', (a) => a.occurrences),
  plain('int8[]')('dedupe_ttl_ms', (a) => a.dedupeTtlMs),
  plain('int8[]')('resolve_after_ms', (a) => a.resolveAfterMs),
  text('origin', (a) => a.origin),
  time('starts_at', (a) => a.startsAt),
  time('last_seen_at', (a) => a.lastSeenAt),
  time('resolved_at', (a) => a.resolvedAt),
  time('created_at', (a) => a.createdAt),
  time('updated_at', (a) => a.updatedAt),
  text('owner', (a) => a.owner),
  time('lock_until', (a) => a.lockUntil),
  time('retry_at', (a) => a.retryAt),
  text('last_error', (a) => a.lastError),
  int4('fail_count', (a) => a.failCount),
  text('ack_note', (a) => a.ackNote),
  text('acked_by', (a) => a.ackedBy),
  time('acked_at', (a) => a.ackedAt),
  text('incident_ref', (a) => a.incidentRef),
  // Stored so that ingest can decide dedupe vs update from the head alone (see HEAD_SELECT).
  text('content_hash', storedContentHash),
];

/** Every column an Alert is read from (content_hash only serves ingest heads; see HEAD_SELECT). */
export const ALERT_SELECT = [
  'id',
  ...ALERT_WRITE_COLUMNS.filter((c) => c.name !== 'content_hash').map((c) => c.select),
].join(', ');

/** The batch parameters: one array per column, in ALERT_WRITE_COLUMNS order. */
export function alertColumnArrays(alerts: readonly Alert[]): unknown[][] {
  return ALERT_WRITE_COLUMNS.map((c) => alerts.map(c.value));
}

// ---------------------------------------------------------------------------------------------
// Events

export const EVENT_SELECT = `id, ${ms('at')}, type, alert_ref, incident_ref, actor, data`;

export interface EventRow {
  id: string;
  at: number;
  type: string;
  alert_ref: string | null;
  incident_ref: string | null;
  actor: string | null;
  data: Record<string, unknown>;
}

export function eventFromRow(r: EventRow): StoredEvent {
  return {
    id: num(r.id),
    at: r.at,
    type: r.type as EventType,
    alertRef: r.alert_ref,
    incidentRef: r.incident_ref,
    actor: r.actor,
    data: r.data,
  };
}

/** The event batch parameters, matching the unnest in the flush statement. */
export function eventColumnArrays(events: readonly EventDraft[]): unknown[][] {
  return [
    events.map((e) => e.at),
    events.map((e) => e.type),
    events.map((e) => e.alertRef),
    events.map((e) => e.incidentRef),
    events.map((e) => e.actor),
    events.map((e) => e.dataJson ?? JSON.stringify(e.data)),
  ];
}

// ---------------------------------------------------------------------------------------------
// Incidents and signatures

export const INCIDENT_SELECT = [
  'id',
  'ref',
  'signature',
  'service',
  'title',
  'severity',
  'status',
  'alert_count',
  ...['created_at', 'updated_at', 'resolved_at', 'closed_at'].map(ms),
].join(', ');

export interface IncidentRow {
  id: string;
  ref: string;
  signature: string;
  service: string;
  title: string;
  severity: string;
  status: string;
  alert_count: number;
  created_at: number;
  updated_at: number;
  resolved_at: Ms;
  closed_at: Ms;
}

export function incidentFromRow(r: IncidentRow): Incident {
  return {
    id: num(r.id),
    ref: r.ref,
    signature: r.signature,
    service: r.service,
    title: r.title,
    severity: r.severity as IncidentSeverity,
    status: r.status as IncidentStatus,
    alertCount: r.alert_count,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
  };
}

/** $1..$11 of the incident insert and update statements. */
export function incidentParams(i: Incident): unknown[] {
  return [
    i.ref,
    i.signature,
    i.service,
    i.title,
    i.severity,
    i.status,
    i.alertCount,
    i.createdAt,
    i.updatedAt,
    i.resolvedAt,
    i.closedAt,
  ];
}

export const SIGNATURE_SELECT = `signature, ${ms('last_triage_at')}, last_incident_ref`;

export interface SignatureRow {
  signature: string;
  last_triage_at: Ms;
  last_incident_ref: string | null;
}

export function signatureFromRow(r: SignatureRow): SignatureState {
  return { signature: r.signature, lastTriageAt: r.last_triage_at, lastIncidentRef: r.last_incident_ref };
}

// ---------------------------------------------------------------------------------------------
// Aggregates

export interface CountSqlRow {
  state: string;
  status: string;
  severity: string;
  count: string;
}

export interface SignatureCountRow {
  signature: string;
  service: string;
  title: string;
  alerts: string;
  occurrences: string;
  last_seen_at: number;
}
