import type { Labels } from '../alerts/model.js';
import type { NotificationData } from './types.js';

/*
 * The durable state of the notification pipeline. Every row here is written inside the store
 * transaction of the change that caused it, so a restart (or another replica) continues exactly
 * where the last commit left off. Times are milliseconds since the epoch.
 */

/** An aggregation group: the alerts one route sends to one receiver under one set of group labels. */
export interface GroupRow {
  /** Alertmanager's group key: `<route key>:<group labels>`, e.g. `{}/{severity="critical"}:{alertname="X"}`. */
  groupKey: string;
  /** The route's position in the tree (`0` is the root, `0.2.1` its third child's second child). */
  routePath: string;
  receiver: string;
  groupLabels: Labels;
  createdAt: number;
  /** When the group is next flushed (group_wait after creation, then every group_interval). */
  nextFlushAt: number;
  lastFlushAt: number | null;
}

/** One alert in a group, by fingerprint: a newer alert with the same labels takes the place of the old. */
export interface GroupMember {
  groupKey: string;
  fingerprint: string;
  alertRef: string;
}

/**
 * What one integration of a group was last told (Alertmanager's notification log): the firing alerts
 * with their occurrence counts at that time, and the resolved ones.
 */
export interface NflogEntry {
  groupKey: string;
  integration: string;
  firing: Record<string, number>;
  resolved: string[];
  /** Alerts announced as flapping (held): announcing one again would repeat the news. */
  flapping: string[];
  notifiedAt: number;
}

/** Recent state changes of one fingerprint. */
export interface FlapState {
  fingerprint: string;
  /** Times of its state changes within the flapping window. */
  flips: number[];
  /** Held as flapping since then; null when it is not flapping. */
  flappingSince: number | null;
  updatedAt: number;
}

export interface EscalationState {
  alertRef: string;
  policy: string;
  startedAt: number;
  /** Index of the next step to run. */
  nextStep: number;
  /** When it is due; null once the last step ran (or the alert was acked or resolved). */
  nextAt: number | null;
}

export const NOTIFICATION_STATUSES = [
  'queued',
  'sending',
  'retrying',
  'delivered',
  'failed',
  'dead',
  'skipped',
] as const;
/**
 * queued: waiting for its turn; sending: an attempt is in flight (a crash leaves it here, and it is
 * retried with the same idempotency key); retrying: the last attempt failed and another is due at
 * nextAttemptAt; delivered; failed: the receiver refused it permanently (or cannot send it);
 * dead: it was not delivered within the dead-letter age; skipped: recorded but never to be sent, with
 * the reason in lastError (a resolution for an integration with send_resolved off).
 */
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
export const PENDING_STATUSES: readonly NotificationStatus[] = ['queued', 'sending', 'retrying'];

/** One message for one integration (an outbox row). */
export interface Notification {
  id: number;
  /** ntf_...: also the idempotency key receivers see (Matrix txnId, webhook Idempotency-Key). */
  ref: string;
  /** `<receiver>/<kind>/<index>`, e.g. `ops/webhook/0`. Messages of one integration go out in id order. */
  integration: string;
  receiver: string;
  groupKey: string;
  status: NotificationStatus;
  data: NotificationData;
  alertRefs: string[];
  createdAt: number;
  nextAttemptAt: number;
  attempts: number;
  lastError: string | null;
  /** When it was delivered, failed or declared dead. */
  finishedAt: number | null;
  updatedAt: number;
}

export type AttemptOutcome = 'delivered' | 'retryable' | 'permanent';

export interface DeliveryAttempt {
  notificationId: number;
  at: number;
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
}

/** Delivery health of one integration, kept for leases (one sender at a time) and failure alerts. */
export interface IntegrationState {
  integration: string;
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** Start of the current run of failed attempts; null when the last attempt succeeded. */
  failingSince: number | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
}

export type MatcherType = '=' | '!=' | '=~' | '!~';
export interface StoredMatcher {
  name: string;
  type: MatcherType;
  value: string;
}

export interface Silence {
  /** A UUID, as Alertmanager's. */
  id: string;
  matchers: StoredMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  updatedAt: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (s.endsAt <= now) return 'expired';
  return s.startsAt > now ? 'pending' : 'active';
}

/** A firing alert that matches an inhibit rule's source matchers, indexed by its `equal` label values. */
export interface InhibitSource {
  ruleId: string;
  /** JSON array of the alert's values of the rule's `equal` labels (missing labels as ""). */
  equalKey: string;
  fingerprint: string;
  /** It also matches the rule's target matchers (such sources do not inhibit alerts that match both). */
  alsoTarget: boolean;
}

export interface NotificationQuery {
  receiver?: string;
  integration?: string;
  statusIn?: NotificationStatus[];
  alertRef?: string;
  /** Keyset pagination: only rows with id < beforeId (newest first). */
  beforeId?: number;
  limit: number;
}

/** Queue depth of one integration, for metrics and the dashboard. */
export interface QueueStat {
  integration: string;
  pending: number;
  oldestCreatedAt: number | null;
  /** Earliest nextAttemptAt of its pending messages. */
  nextAttemptAt: number | null;
}
