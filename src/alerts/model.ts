/** The durable alert record and the vocabulary of its two state dimensions. */

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Whether the problem is happening: raised/updated keep it firing, a clear resolves it. */
export const ALERT_STATES = ['firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** Where a consumer (a triage loop, a human) is with the alert. */
export const PROCESSING_STATUSES = ['new', 'processing', 'acked', 'failed'] as const;
export type ProcessingStatus = (typeof PROCESSING_STATUSES)[number];

export type Labels = Record<string, string>;

/**
 * How an alert arrived. native: through Sentinel's own API, described by fields (service, kind,
 * severity, title); routing adds `severity` and `alertname` labels from them. alertmanager: through
 * the Alertmanager API or webhook (or raised by Sentinel itself), its label set taken as sent and
 * never added to.
 */
export type AlertOrigin = 'native' | 'alertmanager';

/** An alert after validation, ready to be stored: every derived field is computed once here. */
export interface PreparedAlert {
  source: string;
  service: string;
  kind: string | null;
  title: string;
  message: string;
  severity: Severity;
  state: AlertState;
  /** The label set the fingerprint was computed over (includes `service` and, if given, `kind`). */
  labels: Labels;
  annotations: Labels;
  fingerprint: string;
  /** The fingerprint is the hash of `labels` (no sender-chosen fingerprint, or one equal to it). */
  labelsFingerprinted: boolean;
  signature: string;
  dedupeTtlMs: number;
  /**
   * Resolve by itself when not received again for this long (Alertmanager's endsAt: Prometheus
   * re-sends firing alerts with an end a few evaluation intervals ahead). null: only an explicit
   * resolve ends it (native alerts).
   */
  resolveAfterMs: number | null;
  origin: AlertOrigin;
  /** When the problem started, if the sender knows (Alertmanager's startsAt); else the ingest time. */
  startsAt: number | null;
  /** When the problem ended, if the sender says so (Alertmanager's endsAt in the past). */
  endsAt: number | null;
  generatorUrl: string | null;
}

/** The stored alert. Times are milliseconds since the epoch. */
export interface Alert {
  id: number;
  ref: string;
  fingerprint: string;
  signature: string;
  current: boolean;
  source: string;
  service: string;
  kind: string | null;
  title: string;
  message: string;
  severity: Severity;
  labels: Labels;
  annotations: Labels;
  generatorUrl: string | null;
  state: AlertState;
  status: ProcessingStatus;
  occurrences: number;
  dedupeTtlMs: number;
  /** See PreparedAlert.resolveAfterMs; counted from lastSeenAt. */
  resolveAfterMs: number | null;
  origin: AlertOrigin;
  startsAt: number;
  lastSeenAt: number;
  resolvedAt: number | null;
  createdAt: number;
  updatedAt: number;
  owner: string | null;
  lockUntil: number | null;
  retryAt: number | null;
  lastError: string | null;
  failCount: number;
  ackNote: string | null;
  ackedBy: string | null;
  ackedAt: number | null;
  incidentRef: string | null;
}

/**
 * What ingest needs to know about the current alert of a fingerprint to decide between dedupe,
 * update and a new alert, without loading its labels. `contentHash` covers everything a re-send
 * can change (see contentHash in fingerprint.ts).
 */
export interface AlertHead {
  ref: string;
  fingerprint: string;
  state: AlertState;
  occurrences: number;
  lastSeenAt: number;
  updatedAt: number;
  contentHash: string;
  /** Alert.resolveAfterMs: with lastSeenAt, when a firing alert expires. */
  resolveAfterMs: number | null;
}

export const EVENT_TYPES = [
  'raised',
  'updated',
  'deduped',
  'resolved',
  'claimed',
  'acked',
  'failed',
  'requeued',
  'incident_opened',
  'incident_alert_attached',
  'incident_triage_requested',
  'incident_note',
  'incident_status_changed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event before the store gives it its position in the log. */
export interface EventDraft {
  type: EventType;
  at: number;
  alertRef: string | null;
  incidentRef: string | null;
  actor: string | null;
  data: Record<string, unknown>;
  /** `data` already serialised, when the producer can do it faster than JSON.stringify (re-sends). */
  dataJson?: string;
}

export interface StoredEvent extends EventDraft {
  id: number;
}

/** What the ingest endpoint reports for one alert. */
export interface IngestResult {
  accepted: true;
  deduped: boolean;
  alert_ref: string;
  fingerprint: string;
  occurrences: number;
  state: AlertState;
}

/**
 * Set on a health finding while an upstream service it depends on is in trouble: the alert stays
 * recorded (and clears as usual) but is not paged separately; the notification pipeline treats it
 * as inhibited. Its value names the upstream services.
 */
export const UPSTREAM_ANNOTATION = 'suppressed_by_upstream';
