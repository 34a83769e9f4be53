import { SentinelError } from '../errors.js';
import type { Alert, AlertHead, EventDraft, IngestResult, PreparedAlert, ProcessingStatus } from './model.js';
import { alertChangesToApi } from './present.js';

/*
 * The alert state machine as pure functions: each takes the stored alert (or none) and returns the
 * next version plus the event that records the transition. The event carries, under `changes`, every
 * field the transition set (in API field names), so folding `changes` over an alert's events
 * rebuilds it (see replay.ts).
 *
 *   state:   firing --resolve--> resolved            (a later firing raises a new alert)
 *   status:  new --claim--> processing --ack--> acked
 *                                      --fail--> failed --(retry due, at next claim)--> new
 *            processing --(lock expired, at next claim)--> new
 */

function event(
  type: EventDraft['type'],
  alert: Alert,
  at: number,
  actor: string | null,
  data: Record<string, unknown>,
): EventDraft {
  return { type, at, alertRef: alert.ref, incidentRef: null, actor, data };
}

export function newAlert(input: PreparedAlert, ref: string, now: number): Alert {
  const resolved = input.state === 'resolved';
  return {
    id: 0,
    ref,
    fingerprint: input.fingerprint,
    signature: input.signature,
    current: true,
    source: input.source,
    service: input.service,
    kind: input.kind,
    title: input.title,
    message: input.message,
    severity: input.severity,
    labels: input.labels,
    annotations: input.annotations,
    generatorUrl: input.generatorUrl,
    state: input.state,
    status: 'new',
    occurrences: 1,
    dedupeTtlMs: input.dedupeTtlMs,
    resolveAfterMs: input.resolveAfterMs,
    origin: input.origin,
    startsAt: input.startsAt ?? now,
    lastSeenAt: now,
    resolvedAt: resolved ? (input.endsAt ?? now) : null,
    createdAt: now,
    updatedAt: now,
    owner: null,
    lockUntil: null,
    retryAt: null,
    lastError: null,
    failCount: 0,
    ackNote: null,
    ackedBy: null,
    ackedAt: null,
    incidentRef: null,
  };
}

/** What an ingested alert does to the current alert with its fingerprint. */
export type IngestDecision = 'raise' | 'dedupe' | 'update' | 'resolve';

/**
 * Within the dedupe TTL (counted from the last time the alert was seen, with the TTL the sender
 * gives now) the same alert is counted again: unchanged content is a dedupe, changed content an
 * update, a resolved copy of a firing alert resolves it. A firing alert after a resolved one, or
 * anything after the TTL, raises a new alert that supersedes the old one.
 */
export function decideIngest(
  head: AlertHead | undefined,
  input: PreparedAlert,
  now: number,
  inputHash: () => string,
): IngestDecision {
  if (head === undefined || now >= head.lastSeenAt + input.dedupeTtlMs) return 'raise';
  if (head.state === 'resolved') return input.state === 'resolved' ? 'dedupe' : 'raise';
  if (input.state === 'resolved') return 'resolve';
  return head.contentHash === inputHash() ? 'dedupe' : 'update';
}

export function resultOf(
  alert: Pick<Alert, 'ref' | 'fingerprint' | 'occurrences' | 'state'>,
  deduped: boolean,
): IngestResult {
  return {
    accepted: true,
    deduped,
    alert_ref: alert.ref,
    fingerprint: alert.fingerprint,
    occurrences: alert.occurrences,
    state: alert.state,
  };
}

export function raiseEvent(alert: Alert, supersedes: string | null, now: number): EventDraft {
  return event('raised', alert, now, alert.source, {
    changes: alertChangesToApi(alert),
    ...(supersedes !== null ? { supersedes } : {}),
  });
}

/** The counters a dedupe changes, and its event. `nowIso` is passed in so a batch formats its time once. */
export function dedupeEvent(
  ref: string,
  occurrences: number,
  now: number,
  nowIso: string,
  source: string,
): EventDraft {
  return {
    type: 'deduped',
    at: now,
    alertRef: ref,
    incidentRef: null,
    actor: source,
    data: { changes: { occurrences, last_seen_at: nowIso, updated_at: nowIso } },
    // Re-sends are most of ingest; their event body is fixed apart from two values.
    dataJson: `{"changes":{"occurrences":${occurrences},"last_seen_at":"${nowIso}","updated_at":"${nowIso}"}}`,
  };
}

export function updateByIngest(current: Alert, input: PreparedAlert, now: number): Transition {
  const occurrences = current.occurrences + 1;
  const alert: Alert = {
    ...current,
    title: input.title,
    message: input.message,
    severity: input.severity,
    source: input.source,
    generatorUrl: input.generatorUrl,
    labels: input.labels,
    annotations: input.annotations,
    resolveAfterMs: input.resolveAfterMs,
    occurrences,
    lastSeenAt: now,
    updatedAt: now,
  };
  return {
    alert,
    event: event('updated', alert, now, input.source, {
      changes: {
        title: alert.title,
        message: alert.message,
        severity: alert.severity,
        source: alert.source,
        generator_url: alert.generatorUrl,
        labels: alert.labels,
        annotations: alert.annotations,
        resolve_after_seconds: seconds(alert.resolveAfterMs),
        occurrences,
        last_seen_at: iso(now),
        updated_at: iso(now),
      },
    }),
  };
}

export function resolveByIngest(current: Alert, input: PreparedAlert, now: number): Transition {
  const resolvedAt = input.endsAt ?? now;
  const alert: Alert = { ...current, state: 'resolved', resolvedAt, lastSeenAt: now, updatedAt: now };
  return {
    alert,
    event: event('resolved', alert, now, input.source, {
      changes: {
        state: 'resolved',
        resolved_at: iso(resolvedAt),
        last_seen_at: iso(now),
        updated_at: iso(now),
      },
    }),
  };
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : ms / 1000;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface Transition {
  alert: Alert;
  event: EventDraft;
}

function invalid(alert: Alert, action: string, allowed: string): SentinelError {
  return new SentinelError(
    'invalid_transition',
    `cannot ${action} alert ${alert.ref}: its status is ${alert.status} (${action} needs ${allowed})`,
  );
}

export function requeue(alert: Alert, now: number): Transition {
  const reason = alert.status === 'processing' ? 'lock_expired' : 'retry_due';
  const next: Alert = {
    ...alert,
    status: 'new',
    owner: null,
    lockUntil: null,
    retryAt: null,
    updatedAt: now,
  };
  return {
    alert: next,
    event: event('requeued', next, now, null, {
      reason,
      previous_owner: alert.owner,
      changes: { status: 'new', owner: null, lock_until: null, retry_at: null, updated_at: iso(now) },
    }),
  };
}

export function claim(alert: Alert, owner: string, lockTtlMs: number, now: number): Transition {
  const lockUntil = now + lockTtlMs;
  const next: Alert = { ...alert, status: 'processing', owner, lockUntil, updatedAt: now };
  return {
    alert: next,
    event: event('claimed', next, now, owner, {
      previous_status: alert.status,
      changes: { status: 'processing', owner, lock_until: iso(lockUntil), updated_at: iso(now) },
    }),
  };
}

/** Checks a caller that names itself as owner holds the claim; callers that do not name one are trusted (humans). */
function checkOwner(alert: Alert, owner: string | undefined): void {
  if (owner !== undefined && alert.status === 'processing' && alert.owner !== owner) {
    throw new SentinelError(
      'lock_not_held',
      `alert ${alert.ref} is claimed by ${alert.owner ?? 'nobody'}, not ${owner}`,
    );
  }
}

const ACKABLE: readonly ProcessingStatus[] = ['new', 'processing', 'failed'];

export function ack(
  alert: Alert,
  opts: { note: string | null; actor: string | null; owner?: string },
  now: number,
): Transition {
  if (!ACKABLE.includes(alert.status)) throw invalid(alert, 'ack', ACKABLE.join(', '));
  checkOwner(alert, opts.owner);
  const next: Alert = {
    ...alert,
    status: 'acked',
    ackNote: opts.note,
    ackedBy: opts.actor,
    ackedAt: now,
    lockUntil: null,
    retryAt: null,
    updatedAt: now,
  };
  return {
    alert: next,
    event: event('acked', next, now, opts.actor, {
      note: opts.note,
      changes: {
        status: 'acked',
        ack_note: opts.note,
        acked_by: opts.actor,
        acked_at: iso(now),
        lock_until: null,
        retry_at: null,
        updated_at: iso(now),
      },
    }),
  };
}

export function fail(
  alert: Alert,
  opts: { error: string; retryAfterMs: number; actor: string | null; owner?: string },
  now: number,
): Transition {
  if (alert.status !== 'processing') throw invalid(alert, 'fail', 'processing');
  checkOwner(alert, opts.owner);
  const retryAt = now + opts.retryAfterMs;
  const failCount = alert.failCount + 1;
  const next: Alert = {
    ...alert,
    status: 'failed',
    lastError: opts.error,
    retryAt,
    failCount,
    lockUntil: null,
    updatedAt: now,
  };
  return {
    alert: next,
    event: event('failed', next, now, opts.actor, {
      error: opts.error,
      changes: {
        status: 'failed',
        last_error: opts.error,
        retry_at: iso(retryAt),
        fail_count: failCount,
        lock_until: null,
        updated_at: iso(now),
      },
    }),
  };
}

export function resolve(
  alert: Alert,
  opts: { actor: string | null; note: string | null },
  now: number,
): Transition {
  if (alert.state === 'resolved') {
    throw new SentinelError('invalid_transition', `alert ${alert.ref} is already resolved`);
  }
  const next: Alert = { ...alert, state: 'resolved', resolvedAt: now, updatedAt: now };
  return {
    alert: next,
    event: event('resolved', next, now, opts.actor, {
      note: opts.note,
      changes: { state: 'resolved', resolved_at: iso(now), updated_at: iso(now) },
    }),
  };
}

/**
 * An alert from the Alertmanager API that was not sent again before its end: resolved as of that
 * end (lastSeenAt + resolveAfterMs), as Alertmanager treats an alert whose endsAt has passed.
 */
export function expire(alert: Alert, now: number): Transition {
  const resolvedAt = Math.min(now, alert.lastSeenAt + (alert.resolveAfterMs ?? 0));
  const next: Alert = { ...alert, state: 'resolved', resolvedAt, updatedAt: now };
  return {
    alert: next,
    event: event('resolved', next, now, null, {
      reason: 'expired',
      changes: { state: 'resolved', resolved_at: iso(resolvedAt), updated_at: iso(now) },
    }),
  };
}
