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
});
