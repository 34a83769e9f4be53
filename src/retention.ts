import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { PurgeResult, Store } from './store/store.js';

/**
 * Throttle and flap records untouched this long are forgotten: far longer than any sensible throttle
 * interval or flapping window, which they only need to cover.
 */
export const STATE_RETENTION_MS = 7 * 86_400_000;

/** How long expired silences stay listed (Alertmanager's --data.retention default, 120 h). */
export const SILENCE_RETENTION_MS = 120 * 3_600_000;

export interface RetentionOptions {
  maxAgeMs: number;
  intervalMs: number;
  batchSize: number;
}

/**
 * Deletes resolved or acked alerts, closed incidents and orphaned events older than maxAge, in
 * bounded batches so a large backlog never holds the write lock for long. Runs every interval;
 * stop() waits for a pass in progress.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** Set by stop() so a pass in progress ends after its current batch. */
  private stopping = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: RetentionOptions,
    private readonly log?: Pick<Logger, 'info' | 'error'>,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  /** One full pass: batches until a batch deletes nothing more. Returns the totals. */
  async runOnce(): Promise<PurgeResult> {
    const now = this.clock.now();
    const cutoff = now - this.options.maxAgeMs;
    const total: Required<PurgeResult> = { alerts: 0, events: 0, incidents: 0, notifications: 0, samples: 0 };
    // Notification state: finished deliveries and the notification log live as long as alerts;
    // expired silences stay listed for 5 days (Alertmanager's default retention); throttle and
    // flap records are only needed while recent (a week).
    for (;;) {
      const n = await this.store.transaction((tx) =>
        tx.notify.purgeState(
          { cutoff, silenceCutoff: now - SILENCE_RETENTION_MS, stateCutoff: now - STATE_RETENTION_MS },
          this.options.batchSize,
        ),
      );
      total.notifications += n;
      if (n < this.options.batchSize || this.stopping) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Pushed sample series nobody has sent for as long as alerts are kept (a renamed metric, a
    // removed feed): a samples source would read them as stale progress, which they no longer are.
    total.samples = await this.store.transaction((tx) => tx.health.purgeSamples(cutoff));
    for (;;) {
      const r = await this.store.purgeExpired(cutoff, this.options.batchSize);
      total.alerts += r.alerts;
      total.events += r.events;
      total.incidents += r.incidents;
      const full =
        r.alerts >= this.options.batchSize ||
        r.events >= this.options.batchSize ||
        r.incidents >= this.options.batchSize;
      if (!full || this.stopping) break;
      // Let request handlers run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.runOnce()
        .then((r) => {
          if (r.alerts + r.events + r.incidents + (r.notifications ?? 0) + (r.samples ?? 0) > 0)
            this.log?.info({ purged: r }, 'retention pass deleted expired records');
        })
        .catch((err: unknown) => this.log?.error({ err }, 'retention pass failed'))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
