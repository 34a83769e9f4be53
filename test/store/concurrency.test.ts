import { afterEach, describe, expect, it } from 'vitest';
import { AlertService } from '../../src/alerts/service.js';
import { ManualClock } from '../../src/clock.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { prepared } from '../helpers/alerts.js';
import { PG_URL, postgresTestStore, sqliteTestStore, type TestStore } from '../helpers/stores.js';

/**
 * Several claimers at once: on PostgreSQL two independent stores (as two replicas would have) on
 * the same schema, each with several connections; on SQLite concurrent callers of one store.
 */
describe('concurrent claimers and writers', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  async function services(backend: 'sqlite' | 'postgres'): Promise<AlertService[]> {
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    if (backend === 'sqlite') {
      const only: TestStore = await sqliteTestStore();
      cleanup.push(() => only.dispose());
      return [new AlertService(only.store, clock), new AlertService(only.store, clock)];
    }
    const primary = await postgresTestStore();
    cleanup.push(() => primary.dispose());
    const replica = await PostgresStore.open({ url: PG_URL, schema: primary.schema, poolSize: 8 });
    cleanup.unshift(() => replica.close());
    return [new AlertService(primary.store, clock), new AlertService(replica, clock)];
  }

  it.each(['sqlite', 'postgres'] as const)('never hands one alert to two claimers (%s)', async (backend) => {
    const [a, b] = await services(backend);
    const total = 300;
    await a!.ingest(Array.from({ length: total }, (_, i) => prepared({ labels: { n: String(i) } })));
    const claimedBy = new Map<string, string>();
    const duplicates: string[] = [];
    async function worker(service: AlertService, name: string): Promise<void> {
      for (;;) {
        const got = await service.claim({ owner: name, limit: 7, lockTtlMs: 600_000, statusIn: ['new'] });
        if (got.length === 0) return;
        for (const alert of got) {
          if (claimedBy.has(alert.ref)) duplicates.push(alert.ref);
          claimedBy.set(alert.ref, name);
        }
      }
    }
    await Promise.all(Array.from({ length: 8 }, (_, i) => worker(i % 2 === 0 ? a! : b!, `w${i}`)));
    expect(duplicates).toEqual([]);
    expect(claimedBy.size).toBe(total);
    if (backend === 'postgres') {
      // Both replicas did real work.
      const owners = new Set([...claimedBy.values()].map((w) => Number(w.slice(1)) % 2));
      expect(owners.size).toBe(2);
    }
  });

  it.each(['sqlite', 'postgres'] as const)(
    'two writers raising the same new alert at once make one alert (%s)',
    async (backend) => {
      const [a, b] = await services(backend);
      const batch = (n: number) =>
        Array.from({ length: 50 }, (_, i) => prepared({ labels: { n: String(i), round: String(n) } }));
      for (let round = 0; round < 5; round++) {
        const [ra, rb] = await Promise.all([a!.ingest(batch(round)), b!.ingest(batch(round))]);
        for (let i = 0; i < 50; i++) {
          expect(ra![i]!.alert_ref).toBe(rb![i]!.alert_ref);
          expect([ra![i]!.occurrences, rb![i]!.occurrences].sort()).toEqual([1, 2]);
        }
      }
    },
  );
});
