import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { SeriesOptions } from '../engine/model.js';
import type { Store } from '../store/store.js';
import { ROLLUP_STEP_MS, rollupsOf } from './reader.js';

/** Minutes are rolled up this long after they end, so late points still count. */
export const ROLLUP_SETTLE_MS = 2 * 60_000;
/** A counter silent this long is rolled up to now (its silence as zero increase); a live one only up to its last point. */
const DEAD_SERIES_MS = 3_600_000;
/** At most this much of one series is rolled up per transaction (catching up after downtime). */
const MAX_SPAN_MS = 6 * 3_600_000;
/** Series rolled up per transaction. */
const BATCH = 50;

export interface MaintenanceResult {
  rolledSeries: number;
  rollups: number;
  purged: { points: number; rollups: number; series: number };
}

const floorMinute = (t: number): number => Math.floor(t / ROLLUP_STEP_MS) * ROLLUP_STEP_MS;

/**
 * Keeps series storage bounded and the long history ready: every minute it rolls settled minutes
 * of raw points into 1-minute buckets (per series, from its watermark), then deletes raw points
 * older than raw_retention and buckets older than rollup_retention. Replicas on PostgreSQL share
 * the series (SKIP LOCKED); a bucket written twice is the same bucket.
 */
export class SeriesMaintenance {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: () => SeriesOptions,
    private readonly log?: Pick<Logger, 'error'>,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  /** One pass: roll up every series that is behind, then purge. */
  async runOnce(): Promise<MaintenanceResult> {
    const opts = this.options();
    const now = this.clock.now();
    const until = floorMinute(now - ROLLUP_SETTLE_MS);
    const result: MaintenanceResult = {
      rolledSeries: 0,
      rollups: 0,
      purged: { points: 0, rollups: 0, series: 0 },
    };
    const seen = new Set<number>();
    for (;;) {
      const done = await this.store.transaction(async (tx) => {
        const due = (await tx.series.rollupDue(until, BATCH + seen.size)).filter((s) => !seen.has(s.id));
        for (const s of due.slice(0, BATCH)) {
          seen.add(s.id);
          const first = s.rolledUntil ?? (await tx.series.firstPointAt(s.id));
          if (first === null) {
            await tx.series.saveRollups(s.id, [], until);
            continue;
          }
          const from = floorMinute(first);
          // A live counter's minute that holds its last point is not complete: the next point's
          // increase is spread back over the time since.
          const alive = now - s.lastAt < DEAD_SERIES_MS;
          let to = s.type === 'counter' && alive ? Math.min(until, floorMinute(s.lastAt)) : until;
          to = Math.min(to, from + MAX_SPAN_MS);
          if (to <= from) continue;
          const points = await tx.series.points(s.id, from, to, true);
          const rows = rollupsOf(points, s.type, from, to, opts.counterSilenceMs);
          await tx.series.saveRollups(s.id, rows, to);
          result.rolledSeries++;
          result.rollups += rows.length;
        }
        return due.length === 0;
      });
      if (done || this.stopped) break;
    }
    result.purged = await this.store.transaction((tx) =>
      tx.series.purge(now - opts.rawRetentionMs, now - opts.rollupRetentionMs),
    );
    return result;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.runOnce()
        .catch((err: unknown) => this.log?.error({ err }, 'series rollup or retention failed'))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }
}
