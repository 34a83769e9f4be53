import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertService } from '../src/alerts/service.js';
import { ManualClock } from '../src/clock.js';
import { RetentionJob } from '../src/retention.js';
import { prepared } from './helpers/alerts.js';
import { sqliteTestStore, type TestStore } from './helpers/stores.js';

const DAY = 86_400_000;

describe('RetentionJob', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await sqliteTestStore();
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('deletes every expired alert in bounded batches and keeps the rest', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const alerts = new AlertService(t.store, clock);
    const old = await alerts.ingest(
      Array.from({ length: 25 }, (_, i) => prepared({ labels: { n: String(i) } })),
    );
    for (const r of old) await alerts.ack(r.alert_ref, { note: null, actor: 'x' });
    const [firing] = await alerts.ingest([prepared({ labels: { n: 'firing' } })]);
    clock.advance(31 * DAY);
    const job = new RetentionJob(t.store, clock, {
      maxAgeMs: 30 * DAY,
      intervalMs: 3_600_000,
      batchSize: 10,
    });
    const r = await job.runOnce();
    expect(r.alerts).toBe(25);
    expect(r.events).toBe(50);
    expect(await t.store.getAlert(old[0]!.alert_ref)).toBeNull();
    expect(await t.store.getAlert(firing!.alert_ref)).not.toBeNull();
    expect((await job.runOnce()).alerts).toBe(0);
  });

  it('forgets sample series nobody has sent for longer than max_age', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const series = (metric: string, at: number) => ({
      series: metric,
      metric,
      labels: {},
      type: 'counter' as const,
      value: 1,
      at,
    });
    await t.store.transaction((tx) => tx.health.upsertSamples([series('old_total', clock.now())]));
    clock.advance(20 * DAY);
    await t.store.transaction((tx) => tx.health.upsertSamples([series('recent_total', clock.now())]));
    clock.advance(11 * DAY);
    const job = new RetentionJob(t.store, clock, {
      maxAgeMs: 30 * DAY,
      intervalMs: 3_600_000,
      batchSize: 10,
    });
    expect((await job.runOnce()).samples).toBe(1);
    expect(await t.store.health.samples('old_total')).toEqual([]);
    expect(await t.store.health.samples('recent_total')).toHaveLength(1);
  });

  it('start() schedules without holding the process open and stop() ends it', async () => {
    const job = new RetentionJob(t.store, new ManualClock(), {
      maxAgeMs: DAY,
      intervalMs: 60_000,
      batchSize: 10,
    });
    job.start();
    job.start();
    await job.stop();
    await job.stop();
  });

  it('deletes finished notifications, old silences and stale throttle and flap records, in batches', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const t0 = clock.now();
    const notification = (n: number, finishedAt: number | null) => ({
      ref: `ntf_${String(n).padStart(26, '0')}`,
      integration: 'ops/webhook/0',
      receiver: 'ops',
      groupKey: 'g',
      status: finishedAt === null ? ('queued' as const) : ('delivered' as const),
      data: {
        receiver: 'ops',
        status: 'firing' as const,
        alerts: [],
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: '',
        groupKey: 'g',
        truncatedAlerts: 0,
      },
      alertRefs: [`alrt_${n}`],
      createdAt: t0,
      nextAttemptAt: t0,
      attempts: 1,
      lastError: null,
      finishedAt,
      updatedAt: t0,
    });
    await t.store.transaction(async (tx) => {
      await tx.notify.insertNotifications([
        ...Array.from({ length: 15 }, (_, i) => notification(i, t0)),
        notification(99, null), // still queued: never deleted
      ]);
      const silence = {
        matchers: [{ name: 'a', type: '=' as const, value: 'b' }],
        createdBy: 'x',
        comment: 'y',
        createdAt: t0,
        updatedAt: t0,
      };
      await tx.notify.saveSilence({ ...silence, id: 'old', startsAt: t0, endsAt: t0 + DAY });
      await tx.notify.saveSilence({ ...silence, id: 'recent', startsAt: t0, endsAt: t0 + 28 * DAY });
      await tx.notify.setThrottle('ops/webhook/0', 'prometheus', t0);
      await tx.notify.saveFlap({ fingerprint: 'f', flips: [t0], flappingSince: null, updatedAt: t0 });
    });
    clock.advance(31 * DAY);
    const job = new RetentionJob(t.store, clock, {
      maxAgeMs: 30 * DAY,
      intervalMs: 3_600_000,
      batchSize: 10,
    });
    expect((await job.runOnce()).notifications).toBe(15);
    const left = await t.store.notify.listNotifications({ limit: 100 });
    expect(left.map((n) => n.status)).toEqual(['queued']);
    expect((await t.store.notify.silences()).map((s) => s.id)).toEqual(['recent']);
    expect(await t.store.transaction((tx) => tx.notify.throttle('ops/webhook/0', 'prometheus'))).toBeNull();
    expect((await t.store.transaction((tx) => tx.notify.flaps(['f']))).size).toBe(0);
  });
});
