import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AlertService } from '../../src/alerts/service.js';
import { ManualClock } from '../../src/clock.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { prepared } from '../helpers/alerts.js';
import { sqliteTestStore } from '../helpers/stores.js';

const DAY = 86_400_000;

/** SQLite-specific behaviour behind the shared contract: its caches and id assignment survive a restart. */
describe('SQLite store across restarts', () => {
  it('never reuses event ids after the newest events were deleted and the store reopened', async () => {
    const t = await sqliteTestStore();
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    const first = new AlertService(t.store, clock);
    const [a] = await first.ingest([prepared({ labels: { n: '1' } })]);
    await first.resolve(a!.alert_ref, { actor: null, note: null });
    const maxBefore = Math.max(...(await t.store.listEvents({ after: 0, limit: 10 })).map((e) => e.id));
    clock.advance(40 * DAY);
    await t.store.purgeExpired(clock.now() - 30 * DAY, 100);
    await t.store.close();

    const reopened = new SqliteStore({ path: t.path });
    await reopened.migrate();
    try {
      await new AlertService(reopened, clock).ingest([prepared({ labels: { n: '2' } })]);
      const events = await reopened.listEvents({ after: 0, limit: 10 });
      expect(events).toHaveLength(1);
      expect(events[0]!.id).toBeGreaterThan(maxBefore);
    } finally {
      await reopened.close();
      await t.dispose().catch(() => undefined);
    }
  });

  it('keeps re-send counters and event chains across a clean restart', async () => {
    const t = await sqliteTestStore();
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    const service = new AlertService(t.store, clock);
    const [a] = await service.ingest([prepared({ labels: { n: '1' } })]);
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await service.ingest([prepared({ labels: { n: '1' } })]);
    }
    await t.store.close();
    const reopened = new SqliteStore({ path: t.path });
    await reopened.migrate();
    try {
      const alert = await reopened.getAlert(a!.alert_ref);
      expect(alert).toMatchObject({ occurrences: 6, lastSeenAt: clock.now() });
      const events = await reopened.listEvents({ after: 0, limit: 10, alertRef: a!.alert_ref });
      expect(events.map((e) => e.type)).toEqual([
        'raised',
        'deduped',
        'deduped',
        'deduped',
        'deduped',
        'deduped',
      ]);
      clock.advance(1000);
      const [again] = await new AlertService(reopened, clock).ingest([prepared({ labels: { n: '1' } })]);
      expect(again).toMatchObject({ alert_ref: a!.alert_ref, occurrences: 7 });
    } finally {
      await reopened.close();
      await t.dispose().catch(() => undefined);
    }
  });

  it('reports a failed background flush of re-send counters instead of swallowing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-test-'));
    const errors: string[] = [];
    // Threshold 1: every re-send schedules a flush right after its commit.
    const store = new SqliteStore({
      path: join(dir, 'sentinel.db'),
      touchFlushThreshold: 1,
      onBackgroundError: (message) => errors.push(message),
    });
    await store.migrate();
    try {
      const clock = new ManualClock('2026-03-01T00:00:00Z');
      const service = new AlertService(store, clock);
      const [a] = await service.ingest([prepared({ labels: { n: '1' } })]);
      store
        .stmt(
          "CREATE TRIGGER refuse_flush BEFORE UPDATE ON alerts BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
        )
        .run();
      clock.advance(1000);
      const [again] = await service.ingest([prepared({ labels: { n: '1' } })]);
      // The re-send itself was committed (its event is durable); only the counter flush failed.
      expect(again).toMatchObject({ alert_ref: a!.alert_ref, occurrences: 2, deduped: true });
      await vi.waitFor(() => expect(errors.some((e) => e.includes('re-send flush failed'))).toBe(true));
      expect(errors.join('\n')).toContain('disk says no');
      store.stmt('DROP TRIGGER refuse_flush').run();
      expect(await store.getAlert(a!.alert_ref)).toMatchObject({ occurrences: 2 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
