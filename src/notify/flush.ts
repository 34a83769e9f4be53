import type { Alert } from '../alerts/model.js';
import type { NflogEntry } from './model.js';

/*
 * What one flush of an aggregation group sends, as pure functions (Alertmanager's notify pipeline:
 * mute stages, then per integration the dedup stage against the notification log, the send_resolved
 * filter, and the log update). The dispatcher feeds them the group's alerts as stored and writes
 * what they return in the same transaction.
 */

export interface IntegrationTarget {
  /** `<receiver>/<kind>/<index>`. */
  key: string;
  sendResolved: boolean;
}

export interface FlushInput {
  groupKey: string;
  /**
   * The group's alerts, each with whether silences or inhibition mute it now and whether it is held
   * as flapping (then it counts as firing whatever its state, so its flips announce nothing).
   */
  alerts: ReadonlyArray<{ alert: Alert; muted: boolean; flapping?: boolean }>;
  /** The route's mute_time_intervals / active_time_intervals mute the whole group now. */
  timeMuted: boolean;
  integrations: readonly IntegrationTarget[];
  nflog: ReadonlyMap<string, NflogEntry>;
  repeatIntervalMs: number;
  now: number;
}

export interface PlannedNotification {
  integration: string;
  /** The alerts the message lists: firing ones, plus resolved ones if the integration sends resolved. */
  alerts: Alert[];
  /** Occurrences of each firing alert at its last notification to this integration (for "x10"). */
  previousOccurrences: Record<string, number>;
  /** Fingerprints of the listed alerts that are held as flapping. */
  flapping: ReadonlySet<string>;
  /** Set when the message is recorded but not sent, with the reason. */
  skipped?: string;
}

export interface FlushPlan {
  notifications: PlannedNotification[];
  /** Notification-log entries to write (also for integrations that had nothing to send). */
  nflog: NflogEntry[];
  /** Resolved alerts that leave the group: they have been dealt with. */
  resolved: Alert[];
}

/** Alertmanager's DedupStage.needsUpdate. */
export function needsUpdate(
  entry: NflogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  sendResolved: boolean,
  repeatIntervalMs: number,
  now: number,
  flapping: ReadonlySet<string> = new Set(),
): boolean {
  // Never notified: only if something fires (a group that only resolved was never announced).
  if (entry === undefined) return firing.size > 0;
  for (const fp of firing) if (!(fp in entry.firing)) return true;
  // An alert started flapping: one message says so (Sentinel's addition).
  for (const fp of flapping) if (!entry.flapping.includes(fp)) return true;
  // All resolved: notify (even without send_resolved, to clear the log), unless the log holds no
  // firing alerts either, i.e. everything fired and resolved between two flushes unannounced.
  if (firing.size === 0) return Object.keys(entry.firing).length > 0;
  if (sendResolved) {
    const known = new Set(entry.resolved);
    for (const fp of resolved) if (!known.has(fp)) return true;
  }
  return entry.notifiedAt <= now - repeatIntervalMs;
}

/** Alertmanager's order for alerts in a notification: by job, then instance, then the whole label set. */
export function compareAlertsForNotification(a: Alert, b: Alert): number {
  for (const name of ['job', 'instance']) {
    const x = a.labels[name];
    const y = b.labels[name];
    if (x !== y) {
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return x < y ? -1 : 1;
    }
  }
  const ka = JSON.stringify(Object.entries(a.labels).sort());
  const kb = JSON.stringify(Object.entries(b.labels).sort());
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function planFlush(input: FlushInput): FlushPlan {
  // A flapping alert is held: it stays in the group and counts as firing until it settles.
  const held = new Set(input.alerts.filter((x) => x.flapping).map((x) => x.alert.fingerprint));
  const resolved = input.alerts
    .filter((x) => x.alert.state === 'resolved' && !held.has(x.alert.fingerprint))
    .map((x) => x.alert);
  const plan: FlushPlan = { notifications: [], nflog: [], resolved };
  // Muted by time: nothing is sent and nothing logged, as in Alertmanager; resolved alerts still leave.
  if (input.timeMuted) return plan;
  const visible = input.alerts
    .filter((x) => !x.muted)
    .map((x) =>
      held.has(x.alert.fingerprint) && x.alert.state !== 'firing'
        ? { ...x.alert, state: 'firing' as const }
        : x.alert,
    )
    .sort(compareAlertsForNotification);
  const flapping = new Set(visible.filter((a) => held.has(a.fingerprint)).map((a) => a.fingerprint));
  if (visible.length === 0) return plan;
  const firingAlerts = visible.filter((a) => a.state === 'firing');
  const firing = new Set(firingAlerts.map((a) => a.fingerprint));
  const resolvedSet = new Set(visible.filter((a) => a.state === 'resolved').map((a) => a.fingerprint));

  for (const target of input.integrations) {
    const entry = input.nflog.get(target.key);
    if (
      !needsUpdate(
        entry,
        firing,
        resolvedSet,
        target.sendResolved,
        input.repeatIntervalMs,
        input.now,
        flapping,
      )
    )
      continue;
    const occurrences: Record<string, number> = {};
    for (const a of firingAlerts) occurrences[a.fingerprint] = a.occurrences;
    plan.nflog.push({
      groupKey: input.groupKey,
      integration: target.key,
      firing: occurrences,
      resolved: [...resolvedSet].sort(),
      flapping: [...flapping].sort(),
      notifiedAt: input.now,
    });
    const alerts = target.sendResolved ? visible : firingAlerts;
    // Resolved-only with send_resolved off: the log is updated (firing cleared) and nothing is sent;
    // the message is recorded as skipped, with the reason, so the alert shows why no resolution went out.
    plan.notifications.push({
      integration: target.key,
      alerts: alerts.length > 0 ? alerts : visible,
      previousOccurrences: { ...(entry?.firing ?? {}) },
      flapping,
      ...(alerts.length === 0 ? { skipped: 'send_resolved is off for this integration' } : {}),
    });
  }
  return plan;
}
