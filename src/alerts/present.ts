import type { Incident } from '../incidents/model.js';
import type { Alert, StoredEvent } from './model.js';

/** The JSON shapes the native API returns. Field names are snake_case; times are ISO 8601 UTC. */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface ApiAlert {
  ref: string;
  fingerprint: string;
  signature: string;
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
  dedupe_ttl_minutes: number;
  /** Resolves by itself when not received again for this long (alerts from the Alertmanager API). */
  resolve_after_seconds: number | null;
  /** native (Sentinel's API) or alertmanager (Alertmanager API or webhook: labels as sent). */
  origin: string;
  starts_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  created_at: string;
  updated_at: string;
  owner: string | null;
  lock_until: string | null;
  retry_at: string | null;
  last_error: string | null;
  fail_count: number;
  ack_note: string | null;
  acked_by: string | null;
  acked_at: string | null;
  incident_ref: string | null;
}

export function alertToApi(a: Alert): ApiAlert {
  return {
    ref: a.ref,
    fingerprint: a.fingerprint,
    signature: a.signature,
    source: a.source,
    service: a.service,
    kind: a.kind,
    title: a.title,
    message: a.message,
    severity: a.severity,
    labels: a.labels,
    annotations: a.annotations,
    generator_url: a.generatorUrl,
    state: a.state,
    status: a.status,
    occurrences: a.occurrences,
    dedupe_ttl_minutes: a.dedupeTtlMs / 60_000,
    resolve_after_seconds: a.resolveAfterMs === null ? null : a.resolveAfterMs / 1000,
    origin: a.origin,
    starts_at: iso(a.startsAt)!,
    last_seen_at: iso(a.lastSeenAt)!,
    resolved_at: iso(a.resolvedAt),
    created_at: iso(a.createdAt)!,
    updated_at: iso(a.updatedAt)!,
    owner: a.owner,
    lock_until: iso(a.lockUntil),
    retry_at: iso(a.retryAt),
    last_error: a.lastError,
    fail_count: a.failCount,
    ack_note: a.ackNote,
    acked_by: a.ackedBy,
    acked_at: iso(a.ackedAt),
    incident_ref: a.incidentRef,
  };
}

/** Everything a `raised` event records: the whole alert as the API shows it. */
export function alertChangesToApi(a: Alert): Partial<ApiAlert> {
  return alertToApi(a);
}

export interface ApiEvent {
  id: string;
  type: string;
  at: string;
  alert_ref: string | null;
  incident_ref: string | null;
  actor: string | null;
  data: Record<string, unknown>;
}

export function eventToApi(e: StoredEvent): ApiEvent {
  return {
    id: String(e.id),
    type: e.type,
    at: iso(e.at)!,
    alert_ref: e.alertRef,
    incident_ref: e.incidentRef,
    actor: e.actor,
    data: e.data,
  };
}

export interface ApiIncident {
  ref: string;
  signature: string;
  service: string;
  title: string;
  severity: string;
  status: string;
  alert_count: number;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  closed_at: string | null;
}

export function incidentToApi(i: Incident): ApiIncident {
  return {
    ref: i.ref,
    signature: i.signature,
    service: i.service,
    title: i.title,
    severity: i.severity,
    status: i.status,
    alert_count: i.alertCount,
    created_at: iso(i.createdAt)!,
    updated_at: iso(i.updatedAt)!,
    resolved_at: iso(i.resolvedAt),
    closed_at: iso(i.closedAt),
  };
}
