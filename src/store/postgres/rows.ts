import type {
  Alert,
  AlertState,
  EventType,
  ProcessingStatus,
  Severity,
  StoredEvent,
} from '../../alerts/model.js';
import type { Incident, IncidentSeverity, IncidentStatus } from '../../incidents/model.js';

/**
 * Row mapping. Times travel as epoch milliseconds: written with to_timestamp(ms / 1000.0) and read
 * with extract(epoch ...) * 1000, both exact to the millisecond (float8 holds integers to 2^53).
 */

const ms = (column: string): string => `round(extract(epoch from ${column}) * 1000)::float8 AS ${column}`;
export const toTs = (param: string): string => `to_timestamp(${param} / 1000.0)`;

const ALERT_TIME_COLUMNS = [
  'starts_at',
  'last_seen_at',
  'resolved_at',
  'created_at',
  'updated_at',
  'lock_until',
  'retry_at',
  'acked_at',
];
const ALERT_PLAIN_COLUMNS = [
  'id',
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
  'owner',
  'last_error',
  'fail_count',
  'ack_note',
  'acked_by',
  'incident_ref',
];
export const ALERT_SELECT = [...ALERT_PLAIN_COLUMNS, ...ALERT_TIME_COLUMNS.map(ms)].join(', ');

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
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generator_url: string | null;
  state: string;
  status: string;
  occurrences: number;
  dedupe_ttl_ms: string;
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
}

export function alertFromRow(r: AlertRow): Alert {
  return {
    id: Number(r.id),
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
    dedupeTtlMs: Number(r.dedupe_ttl_ms),
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

/** Column name, PostgreSQL array type of its parameter, how to read one element, and the value. */
type ColumnSpec = [
  name: string,
  arrayType: string,
  expr: (u: string) => string,
  value: (a: Alert) => unknown,
];
const text = (name: string, value: (a: Alert) => unknown): ColumnSpec => [name, 'text[]', (u) => u, value];
const time = (name: string, value: (a: Alert) => number | null): ColumnSpec => [
  name,
  'float8[]',
  (u) => toTs(u),
  value,
];

/** Every column but id, in one order shared by insert and update. */
export const ALERT_WRITE_COLUMNS: readonly ColumnSpec[] = [
  text('ref', (a) => a.ref),
  text('fingerprint', (a) => a.fingerprint),
  text('signature', (a) => a.signature),
  ['is_current', 'bool[]', (u) => u, (a) => a.current],
  text('source', (a) => a.source),
  text('service', (a) => a.service),
  text('kind', (a) => a.kind),
  text('title', (a) => a.title),
  text('message', (a) => a.message),
  text('severity', (a) => a.severity),
  ['labels', 'text[]', (u) => `${u}::jsonb`, (a) => JSON.stringify(a.labels)],
  ['annotations', 'text[]', (u) => `${u}::jsonb`, (a) => JSON.stringify(a.annotations)],
  text('generator_url', (a) => a.generatorUrl),
  text('state', (a) => a.state),
  text('status', (a) => a.status),
  ['occurrences', 'int4[]', (u) => u, (a) => a.occurrences],
  ['dedupe_ttl_ms', 'int8[]', (u) => u, (a) => a.dedupeTtlMs],
  time('starts_at', (a) => a.startsAt),
  time('last_seen_at', (a) => a.lastSeenAt),
  time('resolved_at', (a) => a.resolvedAt),
  time('created_at', (a) => a.createdAt),
  time('updated_at', (a) => a.updatedAt),
  text('owner', (a) => a.owner),
  time('lock_until', (a) => a.lockUntil),
  time('retry_at', (a) => a.retryAt),
  text('last_error', (a) => a.lastError),
  ['fail_count', 'int4[]', (u) => u, (a) => a.failCount],
  text('ack_note', (a) => a.ackNote),
  text('acked_by', (a) => a.ackedBy),
  time('acked_at', (a) => a.ackedAt),
  text('incident_ref', (a) => a.incidentRef),
];

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
    id: Number(r.id),
    at: r.at,
    type: r.type as EventType,
    alertRef: r.alert_ref,
    incidentRef: r.incident_ref,
    actor: r.actor,
    data: r.data,
  };
}

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
  resolved_at: number | null;
  closed_at: number | null;
}

export function incidentFromRow(r: IncidentRow): Incident {
  return {
    id: Number(r.id),
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

export function incidentValues(i: Incident): unknown[] {
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
