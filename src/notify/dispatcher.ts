import type { Alert } from '../alerts/model.js';
import type { Clock } from '../clock.js';
import { refs } from '../ids.js';
import {
  inhibitLookups,
  inhibitSourcesOf,
  inhibitingFingerprints,
  type InhibitLookup,
} from '../routing/inhibit.js';
import { allMatch } from '../routing/matchers.js';
import { groupKeyFor, groupLabelsFor, matchRoutes, type Route } from '../routing/route.js';
import type { SilenceService } from '../routing/silences.js';
import { namedIntervalActive } from '../routing/time-intervals.js';
import type { Store, StoreTx } from '../store/store.js';
import type { NotifyConfig } from './config-types.js';
import { buildNotificationData } from './data.js';
import { planFlush } from './flush.js';
import { HEALTH_SOURCE } from '../engine/findings.js';
import { EVENTS_SOURCE } from '../engine/events.js';
import { routingLabels, upstreamSuppression } from './labels.js';
import type { EscalationState, GroupMember, GroupRow, Notification } from './model.js';

/*
 * Aggregation groups, durably (Alertmanager's dispatcher, with the store as its memory). The
 * transaction that raises or resolves an alert also routes it: it creates or joins the groups of
 * the routes it matches and records it as a firing inhibit source. Groups are flushed when due
 * (group_wait after creation, then every group_interval): one transaction reads the group's alerts,
 * applies inhibition, silences and time intervals, compares with the notification log, and writes
 * the outbox rows and the log together. A crash between any two steps leaves either the group still
 * due (flushed again) or the outbox rows committed (delivered by the delivery worker).
 */

import type { AlertChange } from '../alerts/service.js';
export type { AlertChange };

export interface DispatcherOptions {
  store: Store;
  clock: Clock;
  silences: SilenceService;
  /** The current notification configuration (swapped on reload). */
  config: () => NotifyConfig;
  /** Called after a commit that queued notifications. */
  onQueued?: () => void;
  /** Groups flushed per transaction. */
  batchSize?: number;
}

export interface FlushResult {
  groups: number;
  notifications: number;
}

export class Dispatcher {
  private readonly batchSize: number;

  constructor(private readonly opts: DispatcherOptions) {
    this.batchSize = opts.batchSize ?? 50;
  }

  /**
   * Routes raised, updated and resolved alerts inside the transaction that changed them. Returns the
   * earliest flush time it scheduled, so the caller can wake the flush loop after the commit.
   */
  async onAlertChanges(
    tx: StoreTx,
    changes: readonly AlertChange[],
    now: number,
    parts: { route: boolean; inhibit: boolean; live?: boolean } = { route: true, inhibit: true },
  ): Promise<{ nextFlushAt: number | null; queued: string[] }> {
    const cfg = this.opts.config();
    // Without a routing tree nothing is ever sent: no groups, inhibitions, flaps or escalations to
    // keep (a reload that adds a route reconciles the alerts then).
    if (cfg.route === null) return { nextFlushAt: null, queued: [] };
    // State changes as they happen (not a reconcile replaying current alerts): count flips, and
    // start the escalation policies that apply.
    if (parts.live !== false) {
      await this.trackFlips(tx, changes, now);
      await this.startEscalations(tx, changes);
    }
    for (const c of parts.inhibit ? changes : []) {
      const labels = routingLabels(c.alert);
      const sources = inhibitSourcesOf(cfg.inhibitRules, c.alert.fingerprint, labels);
      // An alert whose labels match no rule's source side can never have had source rows.
      if (sources.length === 0) continue;
      const firing = c.alert.state === 'firing' && c.alert.current;
      await tx.notify.setInhibitSources(c.alert.fingerprint, firing ? sources : []);
    }
    if (cfg.route === null || !parts.route) return { nextFlushAt: null, queued: [] };

    const wanted = new Map<string, { route: Route; labels: Record<string, string>; startsAt: number }>();
    const members: GroupMember[] = [];
    for (const c of changes) {
      if (!c.alert.current) continue;
      const labels = routingLabels(c.alert);
      for (const route of matchRoutes(cfg.route, labels)) {
        const groupLabels = groupLabelsFor(route, labels);
        const groupKey = groupKeyFor(route, groupLabels);
        const known = wanted.get(groupKey);
        if (!known || c.alert.startsAt < known.startsAt)
          wanted.set(groupKey, { route, labels: groupLabels, startsAt: c.alert.startsAt });
        members.push({ groupKey, fingerprint: c.alert.fingerprint, alertRef: c.alert.ref });
      }
    }
    if (wanted.size === 0) return { nextFlushAt: null, queued: [] };
    const existing = await tx.notify.groups([...wanted.keys()]);
    const inserts: GroupRow[] = [];
    const touched: GroupRow[] = [];
    let earliest: number | null = null;
    for (const [groupKey, w] of wanted) {
      const wait = w.route.options.groupWaitMs;
      // As Alertmanager: an alert that started more than group_wait ago is not held back again.
      const due = w.startsAt + wait < now ? now : now + wait;
      const group = existing.get(groupKey);
      if (!group) {
        inserts.push({
          groupKey,
          routePath: w.route.path,
          receiver: w.route.options.receiver,
          groupLabels: w.labels,
          createdAt: now,
          nextFlushAt: due,
          lastFlushAt: null,
        });
        earliest = Math.min(earliest ?? due, due);
      } else if (group.lastFlushAt === null && due < group.nextFlushAt) {
        const updated = { ...group, nextFlushAt: due };
        await tx.notify.updateGroup(updated);
        touched.push(updated);
        earliest = Math.min(earliest ?? due, due);
      }
    }
    if (inserts.length > 0) await tx.notify.insertGroups(inserts);
    await tx.notify.upsertMembers(members);
    // Groups due now (group_wait 0s, or an alert older than group_wait) are flushed in this very
    // transaction: the outbox rows commit with the alert change that caused them, and the message
    // does not wait for the flush loop's next turn.
    const queued: string[] = [];
    if (parts.live !== false && earliest !== null && earliest <= now) {
      await this.opts.silences.refreshIfStale();
      const due = [
        ...inserts.filter((g) => g.nextFlushAt <= now),
        ...touched.filter((g) => g.nextFlushAt <= now),
      ];
      for (const g of due) queued.push(...(await this.flushGroup(tx, g, now)));
    }
    return { nextFlushAt: earliest, queued };
  }

  /** Flushes every due group, a batch per transaction. Returns what was done. */
  async flushDue(): Promise<FlushResult> {
    const total: FlushResult = { groups: 0, notifications: 0 };
    // A look on the read connection first: most passes find nothing due, and need no transaction.
    const next = await this.opts.store.notify.nextFlushAt();
    if (next === null || next > this.opts.clock.now()) return total;
    await this.opts.silences.refresh();
    for (;;) {
      const now = this.opts.clock.now();
      const r = await this.opts.store.transaction(async (tx) => {
        const due = await tx.notify.dueGroups(now, this.batchSize);
        let notifications = 0;
        for (const g of due) notifications += (await this.flushGroup(tx, g, now)).length;
        return { groups: due.length, notifications };
      });
      total.groups += r.groups;
      total.notifications += r.notifications;
      if (r.notifications > 0) this.opts.onQueued?.();
      if (r.groups < this.batchSize) return total;
    }
  }

  /** When the next group is due (null: no groups). */
  nextFlushAt(): Promise<number | null> {
    return this.opts.store.notify.nextFlushAt();
  }

  /** Flushes one group; returns the integrations it queued messages for. */
  private async flushGroup(tx: StoreTx, group: GroupRow, now: number): Promise<string[]> {
    const cfg = this.opts.config();
    const members = await tx.notify.members(group.groupKey);
    const byRef = new Map((await tx.alertsByRefs(members.map((m) => m.alertRef))).map((a) => [a.ref, a]));
    // Members stay only while the current configuration still routes them to this very group: after
    // a reload that moved or regrouped a route they leave (the reconcile after the reload has put
    // them where they belong now), and a group nobody belongs to any more is dropped.
    let route: Route | null = null;
    const alerts: Alert[] = [];
    const leaving: GroupMember[] = [];
    for (const m of members) {
      const alert = byRef.get(m.alertRef);
      const r = alert && cfg.route ? routeOfGroup(cfg.route, alert, group.groupKey) : null;
      if (alert && r) {
        route = r;
        alerts.push(alert);
      } else {
        leaving.push(m);
      }
    }
    if (route === null) {
      await tx.notify.deleteGroups([group.groupKey]);
      return [];
    }

    const lookups = new Map<string, InhibitLookup[]>();
    for (const a of alerts) lookups.set(a.ref, inhibitLookups(cfg.inhibitRules, routingLabels(a)));
    const sources = await tx.notify.inhibitSourcesFor([...lookups.values()].flat());
    const flapping = await this.flappingNow(tx, alerts, now);
    const judged = alerts.map((alert) => {
      const labels = routingLabels(alert);
      const muted =
        upstreamSuppression(alert) !== null ||
        this.opts.silences.mutedBy(labels, now).length > 0 ||
        inhibitingFingerprints(lookups.get(alert.ref) ?? [], sources, alert.fingerprint).length > 0;
      return { alert, muted, flapping: flapping.has(alert.fingerprint) };
    });
    const opts = route.options;
    const timeMuted =
      opts.muteTimeIntervals.some((name) => namedIntervalActive(cfg.timeIntervals, name, now)) ||
      (opts.activeTimeIntervals.length > 0 &&
        !opts.activeTimeIntervals.some((name) => namedIntervalActive(cfg.timeIntervals, name, now)));
    const receiver = cfg.receivers.get(opts.receiver);
    const plan = planFlush({
      groupKey: group.groupKey,
      alerts: judged,
      timeMuted,
      integrations: (receiver?.integrations ?? []).map((i) => ({ key: i.key, sendResolved: i.sendResolved })),
      nflog: await tx.notify.nflog(group.groupKey),
      repeatIntervalMs: opts.repeatIntervalMs,
      now,
    });

    // Per-source throttle (after grouping): a message due while its integration heard about the
    // same source less than throttleMs ago waits, with its log entry, for the next flush after that.
    let deferUntil: number | null = null;
    const throttleMs = cfg.options.throttleMs;
    const sendNow = [];
    for (const p of plan.notifications) {
      if (p.skipped !== undefined) {
        sendNow.push(p);
        continue;
      }
      const origin = originOf(p.alerts);
      const last = throttleMs > 0 ? await tx.notify.throttle(p.integration, origin) : null;
      if (last !== null && now < last + throttleMs) {
        deferUntil = Math.min(deferUntil ?? Infinity, last + throttleMs);
        plan.nflog = plan.nflog.filter((e) => e.integration !== p.integration);
        continue;
      }
      if (throttleMs > 0) await tx.notify.setThrottle(p.integration, origin, now);
      sendNow.push(p);
    }
    plan.notifications = sendNow;
    // Resolved alerts stay while a message about them is held back by the throttle.
    if (deferUntil !== null) plan.resolved = [];

    const rows: Omit<Notification, 'id'>[] = plan.notifications.map((p) => ({
      ref: refs.next('ntf_', now),
      integration: p.integration,
      receiver: opts.receiver,
      groupKey: group.groupKey,
      status: p.skipped !== undefined ? ('skipped' as const) : ('queued' as const),
      data: buildNotificationData({
        receiver: opts.receiver,
        groupKey: group.groupKey,
        groupLabels: group.groupLabels,
        alerts: p.alerts,
        previousOccurrences: p.previousOccurrences,
        externalUrl: cfg.externalUrl,
        flapping: p.flapping,
      }),
      alertRefs: p.alerts.map((a) => a.ref),
      createdAt: now,
      nextAttemptAt: now,
      attempts: 0,
      lastError: p.skipped ?? null,
      finishedAt: p.skipped !== undefined ? now : null,
      updatedAt: now,
    }));
    if (rows.length > 0) await tx.notify.insertNotifications(rows);
    await tx.notify.saveNflog(plan.nflog);

    for (const a of plan.resolved)
      leaving.push({ groupKey: group.groupKey, fingerprint: a.fingerprint, alertRef: a.ref });
    if (leaving.length > 0) await tx.notify.deleteMembers(leaving);
    if (leaving.length >= members.length) {
      await tx.notify.deleteGroups([group.groupKey]);
    } else {
      await tx.notify.updateGroup({
        ...group,
        routePath: route.path,
        receiver: opts.receiver,
        lastFlushAt: now,
        nextFlushAt: Math.min(now + opts.groupIntervalMs, deferUntil ?? Infinity),
      });
    }
    return rows.filter((r) => r.status === 'queued').map((r) => r.integration);
  }

  /** Records state changes for flap detection; an alert that changes more than max_flips times in the window is held as flapping. */
  private async trackFlips(tx: StoreTx, changes: readonly AlertChange[], now: number): Promise<void> {
    const { maxFlips, windowMs } = this.opts.config().options.flapping;
    if (maxFlips === 0) return;
    const current = changes.filter((c) => c.alert.current && c.kind !== 'updated');
    if (current.length === 0) return;
    const known = await tx.notify.flaps(current.map((c) => c.alert.fingerprint));
    // An update (firing, content changed) is not a change of state.
    for (const c of current) {
      const row = known.get(c.alert.fingerprint);
      // A first raise is not a flip; from the first resolve on, every raise and resolve is one.
      if (!row && c.kind === 'raised') continue;
      const flips = [...(row?.flips ?? []), now].filter((t) => t > now - windowMs);
      const flappingSince = row?.flappingSince ?? (flips.length > maxFlips ? now : null);
      const next = { fingerprint: c.alert.fingerprint, flips, flappingSince, updatedAt: now };
      known.set(next.fingerprint, next);
      await tx.notify.saveFlap(next);
    }
  }

  /**
   * Fingerprints held as flapping now. A flapping alert settles when it has not changed state for
   * the whole window; its real state is then announced as usual.
   */
  private async flappingNow(tx: StoreTx, alerts: readonly Alert[], now: number): Promise<Set<string>> {
    const out = new Set<string>();
    if (alerts.length === 0) return out;
    const { windowMs } = this.opts.config().options.flapping;
    const flaps = await tx.notify.flaps(alerts.map((a) => a.fingerprint));
    for (const f of flaps.values()) {
      if (f.flappingSince === null) continue;
      const lastFlip = f.flips[f.flips.length - 1] ?? f.flappingSince;
      if (lastFlip > now - windowMs) out.add(f.fingerprint);
      else await tx.notify.saveFlap({ ...f, flips: [], flappingSince: null, updatedAt: now });
    }
    return out;
  }

  /** Schedules the escalation policies that apply to newly firing alerts (stored: a restart keeps their clocks). */
  private async startEscalations(tx: StoreTx, changes: readonly AlertChange[]): Promise<void> {
    const policies = this.opts.config().options.escalations;
    if (policies.length === 0) return;
    const rows: EscalationState[] = [];
    for (const c of changes) {
      if (c.kind !== 'raised' || c.alert.state !== 'firing' || !c.alert.current) continue;
      const labels = routingLabels(c.alert);
      for (const p of policies) {
        if (!allMatch(p.matchers, labels)) continue;
        rows.push({
          alertRef: c.alert.ref,
          policy: p.name,
          startedAt: c.alert.startsAt,
          nextStep: 0,
          nextAt: c.alert.startsAt + p.steps[0]!.afterMs,
        });
      }
    }
    if (rows.length > 0) await tx.notify.insertEscalations(rows);
  }

  /**
   * Runs the escalation steps that are due: each notifies its receiver about the alert, unless the
   * alert was acked or resolved meanwhile (then the policy stops) or is silenced or inhibited (then
   * the step passes without a message). When several steps are due at once (after downtime, or a
   * policy added for an alert already firing) only the latest runs. Returns how many steps ran.
   */
  async escalateDue(): Promise<number> {
    const now = this.opts.clock.now();
    const cfg = this.opts.config();
    const next = await this.opts.store.notify.nextEscalationAt();
    if (next === null || next > now) return 0;
    await this.opts.silences.refresh();
    return this.opts.store.transaction(async (tx) => {
      const due = await tx.notify.dueEscalations(now, 100);
      if (due.length === 0) return 0;
      const alerts = new Map((await tx.alertsByRefs(due.map((e) => e.alertRef))).map((a) => [a.ref, a]));
      let ran = 0;
      const rows: Omit<Notification, 'id'>[] = [];
      for (const e of due) {
        const alert = alerts.get(e.alertRef);
        const policy = cfg.options.escalations.find((p) => p.name === e.policy);
        if (!alert || !policy || alert.state !== 'firing' || alert.status === 'acked' || !alert.current) {
          await tx.notify.updateEscalation({ ...e, nextAt: null });
          continue;
        }
        let k = e.nextStep;
        while (k + 1 < policy.steps.length && e.startedAt + policy.steps[k + 1]!.afterMs <= now) k++;
        const step = policy.steps[k];
        if (!step) {
          await tx.notify.updateEscalation({ ...e, nextAt: null });
          continue;
        }
        const labels = routingLabels(alert);
        const lookups = inhibitLookups(cfg.inhibitRules, labels);
        const muted =
          upstreamSuppression(alert) !== null ||
          this.opts.silences.mutedBy(labels, now).length > 0 ||
          inhibitingFingerprints(lookups, await tx.notify.inhibitSourcesFor(lookups), alert.fingerprint)
            .length > 0;
        const receiver = cfg.receivers.get(step.receiver);
        if (!muted && receiver) {
          const groupKey = `escalation:${policy.name}:${alert.fingerprint}`;
          for (const integration of receiver.integrations) {
            rows.push({
              ref: refs.next('ntf_', now),
              integration: integration.key,
              receiver: receiver.name,
              groupKey,
              status: 'queued',
              data: buildNotificationData({
                receiver: receiver.name,
                groupKey,
                groupLabels: { alertname: labels.alertname ?? alert.title, escalation: policy.name },
                alerts: [alert],
                previousOccurrences: {},
                externalUrl: cfg.externalUrl,
              }),
              alertRefs: [alert.ref],
              createdAt: now,
              nextAttemptAt: now,
              attempts: 0,
              lastError: null,
              finishedAt: null,
              updatedAt: now,
            });
          }
        }
        ran++;
        const next = policy.steps[k + 1];
        await tx.notify.updateEscalation({
          ...e,
          nextStep: k + 1,
          nextAt: next ? e.startedAt + next.afterMs : null,
        });
      }
      if (rows.length > 0) await tx.notify.insertNotifications(rows);
      if (rows.length > 0) this.opts.onQueued?.();
      return ran;
    });
  }

  /**
   * Puts every current firing alert in the groups the configuration routes it to, and rebuilds the
   * inhibit sources, when the routing tree or the inhibit rules differ from those the store was last
   * reconciled with (their hashes are kept in notify_meta). Run at start and after a reload: alerts
   * stored before a route existed, or under another configuration, are then grouped as if they had
   * just arrived (Alertmanager rebuilds its groups on reload the same way; the notification log keeps
   * them from being announced twice). One transaction, so no flush sees a half-built state.
   */
  async reconcile(hashes: { route: string; inhibit: string; escalation: string }): Promise<boolean> {
    const now = this.opts.clock.now();
    return this.opts.store.transaction(async (tx) => {
      const routeChanged = (await tx.notify.meta('route_hash')) !== hashes.route;
      // Inhibit sources are kept only while a route exists (see onAlertChanges): a routing change
      // rebuilds them too.
      const inhibitChanged = routeChanged || (await tx.notify.meta('inhibit_hash')) !== hashes.inhibit;
      const escalationChanged = (await tx.notify.meta('escalation_hash')) !== hashes.escalation;
      if (!routeChanged && !inhibitChanged && !escalationChanged) return false;
      if (inhibitChanged) await tx.notify.clearInhibitSources();
      const refs = await tx.notify.currentFiringAlertRefs();
      for (let i = 0; i < refs.length; i += 500) {
        const alerts = await tx.alertsByRefs(refs.slice(i, i + 500));
        const changes = alerts.map((alert) => ({ alert, kind: 'raised' as const }));
        await this.onAlertChanges(tx, changes, now, {
          route: routeChanged,
          inhibit: inhibitChanged,
          live: false,
        });
        // New policies apply to alerts already firing too (existing escalations are kept).
        if (escalationChanged) await this.startEscalations(tx, changes);
      }
      await tx.notify.setMeta('route_hash', hashes.route);
      await tx.notify.setMeta('inhibit_hash', hashes.inhibit);
      await tx.notify.setMeta('escalation_hash', hashes.escalation);
      return true;
    });
  }
}

/** The route through which this alert belongs to the group with this key, if it still does. */
function routeOfGroup(root: Route, alert: Alert, groupKey: string): Route | null {
  const labels = routingLabels(alert);
  for (const r of matchRoutes(root, labels))
    if (groupKeyFor(r, groupLabelsFor(r, labels)) === groupKey) return r;
  return null;
}

/**
 * The source of the alerts in a message, for the per-source throttle ("mixed" when they differ).
 * Sentinel's own health findings and event alerts count per watched service: they all have one
 * `source`, and a storm in one service must not hold back another service's page.
 */
function originOf(alerts: readonly Alert[]): string {
  const origin = (a: Alert): string =>
    a.source === HEALTH_SOURCE || a.source === EVENTS_SOURCE ? `${a.source}/${a.service}` : a.source;
  const first = alerts[0] ? origin(alerts[0]) : '';
  return alerts.every((a) => origin(a) === first) ? first : 'mixed';
}
