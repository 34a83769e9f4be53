import { Cron } from 'croner';
import { fingerprintLabels } from '../alerts/fingerprint.js';
import type { Labels, PreparedAlert, Severity } from '../alerts/model.js';
import type { AlertService } from '../alerts/service.js';
import { alertSignature } from '../alerts/validate.js';
import type { Clock } from '../clock.js';
import { refs } from '../ids.js';
import type { Store } from '../store/store.js';
import type { NotifyConfig } from './config-types.js';
import type { Notification } from './model.js';
import { GO_ZERO_TIME, type NotificationData } from './types.js';

/*
 * Sentinel watching its own alerting (seed 000's "alerting subsystem failing"): alerts about
 * notifications that died and receivers that keep failing, an always-firing Watchdog for external
 * dead man's switches, and a scheduled self-test message. These alerts go through the same store,
 * routing and silences as any other; the docs show a route that sends them to a receiver of their
 * own, since a failing receiver cannot report its own failure.
 */

export const META_SOURCE = 'sentinel';

/** A PreparedAlert for one of Sentinel's own alerts, its fingerprint from its labels as for API v2. */
export function metaAlert(opts: {
  labels: Labels;
  severity: Severity;
  title: string;
  message: string;
  annotations?: Labels;
  state?: 'firing' | 'resolved';
  resolveAfterMs?: number | null;
  now: number;
}): PreparedAlert {
  const labels = { ...opts.labels };
  return {
    source: META_SOURCE,
    service: 'sentinel',
    kind: null,
    title: opts.title,
    message: opts.message,
    severity: opts.severity,
    state: opts.state ?? 'firing',
    labels,
    annotations: { summary: opts.title, description: opts.message, ...(opts.annotations ?? {}) },
    fingerprint: fingerprintLabels(labels),
    labelsFingerprinted: true,
    signature: alertSignature('sentinel', labels.alertname ?? null, opts.title),
    // Re-sends refresh it like any alert; a day is the dedupe window of Sentinel's own alerts.
    dedupeTtlMs: 24 * 3_600_000,
    resolveAfterMs: opts.resolveAfterMs ?? null,
    // Its labels are complete as they are: nothing is added for routing.
    origin: 'alertmanager',
    startsAt: null,
    endsAt: opts.state === 'resolved' ? opts.now : null,
    generatorUrl: null,
  };
}

export interface MetaOptions {
  store: Store;
  clock: Clock;
  alerts: AlertService;
  config: () => NotifyConfig;
  onQueued: () => void;
}

export class MetaAlerts {
  /** Integrations for which SentinelReceiverFailing is firing (loaded from the store at first use). */
  private failing: Set<string> | null = null;
  private lastWatchdog = 0;

  constructor(private readonly opts: MetaOptions) {}

  /** A notification died: raise (or count again) SentinelNotificationDead for its integration. */
  async deadLettered(n: Notification): Promise<void> {
    const now = this.opts.clock.now();
    const hours = Math.round((this.opts.config().options.delivery.deadLetterAfterMs / 3_600_000) * 10) / 10;
    await this.opts.alerts.ingest([
      metaAlert({
        labels: {
          alertname: 'SentinelNotificationDead',
          integration: n.integration,
          receiver: n.receiver,
          severity: 'warning',
        },
        severity: 'warning',
        title: `A notification to ${n.integration} was not delivered within ${hours} h`,
        message: `Notification ${n.ref} (group ${n.groupKey}) was declared dead after ${n.attempts} attempt(s). Last error: ${n.lastError ?? 'none'}.`,
        annotations: { notification: n.ref, runbook: 'docs/runbooks.md#sentinelnotificationdead' },
        // It resolves by itself a day after the last dead notification of this integration.
        resolveAfterMs: 24 * 3_600_000,
        now,
      }),
    ]);
  }

  /** Raises SentinelReceiverFailing for integrations failing longer than the configured time; resolves it when they recover. */
  async checkReceivers(): Promise<void> {
    const now = this.opts.clock.now();
    const after = this.opts.config().options.receiverFailingAfterMs;
    if (this.failing === null) {
      const open = await this.opts.store.listAlerts({
        source: META_SOURCE,
        state: 'firing',
        current: true,
        limit: 1000,
      });
      this.failing = new Set(
        open
          .filter((a) => a.labels.alertname === 'SentinelReceiverFailing')
          .map((a) => a.labels.integration ?? ''),
      );
    }
    for (const s of await this.opts.store.notify.allIntegrations()) {
      const labels = {
        alertname: 'SentinelReceiverFailing',
        integration: s.integration,
        receiver: s.integration.split('/')[0] ?? s.integration,
        severity: 'critical',
      };
      const isFailing = s.failingSince !== null && s.failingSince <= now - after;
      if (isFailing && !this.failing.has(s.integration)) {
        const minutes = Math.round((now - s.failingSince!) / 60_000);
        await this.opts.alerts.ingest([
          metaAlert({
            labels,
            severity: 'critical',
            title: `Receiver ${s.integration} has been failing for ${minutes} min`,
            message: `Every delivery attempt since ${new Date(s.failingSince!).toISOString()} failed with a retryable error; its messages wait, in order, behind the failing one. Last error: ${s.lastError ?? 'none'}.`,
            annotations: { runbook: 'docs/runbooks.md#sentinelreceiverfailing' },
            now,
          }),
        ]);
        this.failing.add(s.integration);
      } else if (!isFailing && s.failingSince === null && this.failing.has(s.integration)) {
        await this.opts.alerts.ingest([
          metaAlert({
            labels,
            severity: 'critical',
            title: `Receiver ${s.integration} delivers again`,
            message: '',
            state: 'resolved',
            now,
          }),
        ]);
        this.failing.delete(s.integration);
      }
    }
  }

  /** Re-sends the always-firing Watchdog alert when its interval has passed. */
  async watchdog(): Promise<void> {
    const { enabled, intervalMs } = this.opts.config().options.watchdog;
    const now = this.opts.clock.now();
    if (!enabled || now - this.lastWatchdog < intervalMs) return;
    this.lastWatchdog = now;
    await this.opts.alerts.ingest([
      metaAlert({
        labels: { alertname: 'Watchdog', severity: 'none' },
        severity: 'info',
        title: 'Sentinel is alive',
        message:
          "This alert is always firing while Sentinel runs. Route it to an external dead man's switch: its silence means Sentinel is down.",
        // It expires three intervals after the last re-send, as a Prometheus Watchdog rule would.
        resolveAfterMs: 3 * intervalMs,
        now,
      }),
    ]);
  }

  /**
   * Sends the scheduled self-test message when its cron time has come. The last run is stored, so a
   * restart neither repeats nor skips it, and on PostgreSQL only one replica sends it.
   */
  async selfTest(): Promise<boolean> {
    const cfg = this.opts.config();
    const st = cfg.options.selfTest;
    if (!st) return false;
    const now = this.opts.clock.now();
    const receiver = cfg.receivers.get(st.receiver);
    if (!receiver) return false;
    const sent = await this.opts.store.transaction(async (tx) => {
      const stored = await tx.notify.meta('self_test_last');
      const last = stored === null ? null : Number(stored);
      // The first time, start counting from now: no test for the time before Sentinel knew of it.
      if (last === null) {
        await tx.notify.setMeta('self_test_last', String(now));
        return false;
      }
      const due = new Cron(st.schedule, { timezone: st.timezone, paused: true }).nextRun(new Date(last));
      if (!due || due.getTime() > now) return false;
      const data: NotificationData = {
        receiver: receiver.name,
        status: 'firing',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'SentinelSelfTest', severity: 'info' },
            annotations: {
              summary: 'Scheduled self-test: Sentinel can deliver to this receiver',
              description: `Sent by the schedule "${st.schedule}" (${st.timezone}). No action needed.`,
            },
            startsAt: new Date(now).toISOString(),
            endsAt: GO_ZERO_TIME,
            generatorURL: '',
            fingerprint: fingerprintLabels({ alertname: 'SentinelSelfTest', severity: 'info' }),
            ref: '',
            severity: 'info',
            service: 'sentinel',
            title: 'Scheduled self-test',
            message: 'Sentinel can deliver to this receiver.',
            occurrences: 1,
            newOccurrences: 1,
            flapping: false,
          },
        ],
        groupLabels: { alertname: 'SentinelSelfTest' },
        commonLabels: { alertname: 'SentinelSelfTest', severity: 'info' },
        commonAnnotations: {},
        externalURL: cfg.externalUrl,
        groupKey: 'sentinel:self-test',
        truncatedAlerts: 0,
      };
      await tx.notify.insertNotifications(
        receiver.integrations.map((i) => ({
          ref: refs.next('ntf_', now),
          integration: i.key,
          receiver: receiver.name,
          groupKey: 'sentinel:self-test',
          status: 'queued' as const,
          data,
          alertRefs: [],
          createdAt: now,
          nextAttemptAt: now,
          attempts: 0,
          lastError: null,
          finishedAt: null,
          updatedAt: now,
        })),
      );
      await tx.notify.setMeta('self_test_last', String(now));
      return true;
    });
    if (sent) this.opts.onQueued();
    return sent;
  }
}
