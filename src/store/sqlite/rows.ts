import type {
  Alert,
  AlertOrigin,
  AlertState,
  EventType,
  ProcessingStatus,
  Severity,
  StoredEvent,
} from '../../alerts/model.js';
import type { Incident, IncidentSeverity, IncidentStatus } from '../../incidents/model.js';

/** Row shapes as better-sqlite3 returns them, and their mapping to the domain types. */

export interface AlertRow {
  id: number;
  ref: string;
  fingerprint: string;
  signature: string;
  is_current: number;
  source: string;
  service: string;
  kind: string | null;
  title: string;
  message: string;
  severity: string;
  labels: string;
  annotations: string;
  generator_url: string | null;
  state: string;
  status: string;
  occurrences: number;
  dedupe_ttl_ms: number;
  starts_at: number;
  last_seen_at: number;
  resolved_at: number | null;
  created_at: number;
  updated_at: number;
  owner: string | null;
  lock_until: number | null;
  retry_at: number | null;
  last_error: string | null;
  fail_count: number;
  ack_note: string | null;
  acked_by: string | null;
  acked_at: number | null;
  incident_ref: string | null;
  resolve_after_ms: number | null;
  origin: string;
}

export function alertFromRow(r: AlertRow): Alert {
  return {
    id: r.id,
    ref: r.ref,
    fingerprint: r.fingerprint,
    signature: r.signature,
    current: r.is_current === 1,
    source: r.source,
    service: r.service,
    kind: r.kind,
    title: r.title,
    message: r.message,
    severity: r.severity as Severity,
    labels: JSON.parse(r.labels) as Record<string, string>,
    annotations: JSON.parse(r.annotations) as Record<string, string>,
    generatorUrl: r.generator_url,
    state: r.state as AlertState,
    status: r.status as ProcessingStatus,
    occurrences: r.occurrences,
    dedupeTtlMs: r.dedupe_ttl_ms,
    resolveAfterMs: r.resolve_after_ms,
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

/** The alerts columns the insert and full-update statements write, in the order alertValues gives them. */
export const ALERT_COLUMNS = [
  'ref',
  'fingerprint',
  'signature',
  'is_current',
  'source',
  'service',
  'kind',
  'title',
  'message',
  'severity',
  'labels',
  'annotations',
  'generator_url',
  'state',
  'status',
  'occurrences',
  'dedupe_ttl_ms',
  'starts_at',
  'last_seen_at',
  'resolved_at',
  'created_at',
  'updated_at',
  'owner',
  'lock_until',
  'retry_at',
  'last_error',
  'fail_count',
  'ack_note',
  'acked_by',
  'acked_at',
  'incident_ref',
  'resolve_after_ms',
  'origin',
] as const;

/**
 * Positional parameters in ALERT_COLUMNS order. Positional rather than named: better-sqlite3 binds
 * an array about twice as fast as an object of 31 named values (measured), and alert inserts are on
 * the ingest path.
 */
export function alertValues(a: Alert): Array<string | number | null> {
  return [
    a.ref,
    a.fingerprint,
    a.signature,
    a.current ? 1 : 0,
    a.source,
    a.service,
    a.kind,
    a.title,
    a.message,
    a.severity,
    JSON.stringify(a.labels),
    JSON.stringify(a.annotations),
    a.generatorUrl,
    a.state,
    a.status,
    a.occurrences,
    a.dedupeTtlMs,
    a.startsAt,
    a.lastSeenAt,
    a.resolvedAt,
    a.createdAt,
    a.updatedAt,
    a.owner,
    a.lockUntil,
    a.retryAt,
    a.lastError,
    a.failCount,
    a.ackNote,
    a.ackedBy,
    a.ackedAt,
    a.incidentRef,
    a.resolveAfterMs,
    a.origin,
  ];
}

export interface EventRow {
  id: number;
  at: number;
  type: string;
  alert_ref: string | null;
  incident_ref: string | null;
  actor: string | null;
  data: string;
}

export function eventFromRow(r: EventRow): StoredEvent {
  return {
    id: r.id,
    at: r.at,
    type: r.type as EventType,
    alertRef: r.alert_ref,
    incidentRef: r.incident_ref,
    actor: r.actor,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}

export interface IncidentRow {
  id: number;
  ref: string;
  signature: string;
  service: string;
  title: string;
  severity: string;
  status: string;
  alert_count: number;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
  closed_at: number | null;
}

export function incidentFromRow(r: IncidentRow): Incident {
  return {
    id: r.id,
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

export function incidentParams(i: Incident): Record<string, string | number | null> {
  return {
    ref: i.ref,
    signature: i.signature,
    service: i.service,
    title: i.title,
    severity: i.severity,
    status: i.status,
    alert_count: i.alertCount,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    resolved_at: i.resolvedAt,
    closed_at: i.closedAt,
  };
}
