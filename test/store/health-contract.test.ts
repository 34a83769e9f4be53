import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_HEARTBEAT } from '../../src/engine/heartbeat-state.js';
import type { CycleSummary } from '../../src/engine/state.js';
import type { SampleRow } from '../../src/store/sql/health.js';
import { BACKENDS, testStore, type TestStore } from '../helpers/stores.js';

/*
 * The health engine's storage, the same on both backends: check states with claims and leases,
 * cycles, heartbeat pings, samples, pushed events and replicas.
 */

const T0 = Date.parse('2026-11-23T10:00:00Z');

function cycle(n: number): CycleSummary {
  return {
    started_at: new Date(T0 + n).toISOString(),
    replica: 'r1',
    checks_run: n,
    checks_skipped: 0,
    sources_unavailable: [],
    violations: [],
    transitions: { raised: [], cleared: [] },
    cycle_duration_ms: 1,
  };
}

describe.each(BACKENDS)('health store contract (%s)', (backend) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await testStore(backend);
  });
  afterEach(async () => {
    await t.dispose();
  });
  const tx = <T>(
    fn: Parameters<TestStore['store']['transaction']>[0] extends (x: infer X) => unknown
      ? (x: X) => Promise<T>
      : never,
  ) => t.store.transaction(fn);

  it('creates states once, claims due checks with a lease, and skips leased ones until the lease ends', async () => {
    await tx((x) => x.health.ensureChecks(['a', 'b', 'c'], T0));
    await tx((x) => x.health.ensureChecks(['a', 'b', 'c', 'd'], T0 + 5));
    expect((await t.store.health.states()).map((s) => [s.checkId, s.nextRunAt])).toEqual([
      ['a', T0],
      ['b', T0],
      ['c', T0],
      ['d', T0 + 5],
    ]);
    const first = await tx((x) => x.health.claim({ now: T0, owner: 'r1', leaseUntil: T0 + 1000, limit: 2 }));
    expect(first.map((s) => [s.checkId, s.leaseOwner])).toEqual([
      ['a', 'r1'],
      ['b', 'r1'],
    ]);
    // Leased: another replica gets only what is left, also when it asks by id.
    const second = await tx((x) =>
      x.health.claim({ now: T0 + 10, owner: 'r2', leaseUntil: T0 + 1000, limit: 10 }),
    );
    expect(second.map((s) => s.checkId)).toEqual(['c', 'd']);
    expect(
      await tx((x) =>
        x.health.claim({ now: T0 + 10, owner: 'r2', leaseUntil: T0 + 2000, limit: 10, ids: ['a'] }),
      ),
    ).toEqual([]);
    // Renewed leases hold; after they end, the checks are claimable again.
    await tx((x) => x.health.renew(['a', 'b'], 'r1', T0 + 5000));
    expect(
      await tx((x) =>
        x.health.claim({ now: T0 + 3000, owner: 'r2', leaseUntil: T0 + 9000, limit: 10, ids: ['a'] }),
      ),
    ).toEqual([]);
    const taken = await tx((x) =>
      x.health.claim({ now: T0 + 5000, owner: 'r2', leaseUntil: T0 + 9000, limit: 10, ids: ['a'] }),
    );
    expect(taken.map((s) => s.leaseOwner)).toEqual(['r2']);
    // b (its renewed lease just ended), c and d (their leases ended) are due; a is leased again.
    expect(await tx((x) => x.health.dueCount(T0 + 5000))).toEqual({ free: 3, total: 4 });
  });

  it('saves states in bulk, releasing claims, and leaves heartbeats to pings', async () => {
    await tx((x) => x.health.ensureChecks(['a', 'b'], T0));
    await tx((x) =>
      x.health.saveHeartbeat('a', { ...EMPTY_HEARTBEAT, lastSuccessAt: T0, lastPingAt: T0 }, T0 + 1),
    );
    const [a, b] = await tx((x) =>
      x.health.claim({ now: T0 + 1, owner: 'r1', leaseUntil: T0 + 1000, limit: 10 }),
    );
    await tx((x) =>
      x.health.save([
        {
          ...a!,
          status: 'ok',
          lastRunAt: T0 + 2,
          nextRunAt: T0 + 10_000,
          runs: 1,
          leaseOwner: null,
          leaseUntil: null,
          heartbeat: null,
        },
        {
          ...b!,
          status: 'failing',
          severity: 'critical',
          firing: true,
          alertRef: 'alrt_x',
          consecutiveFailures: 3,
          unavailableAlerts: ['db'],
          result: {
            outcome: 'violation',
            severity: 'critical',
            message: 'm',
            observed: { '[BODY].x': 1 },
            signalQuery: 'q',
            truthAgeMs: 5,
            unavailableSources: [],
          },
          nextRunAt: T0 + 10_000,
          runs: 1,
          leaseOwner: null,
          leaseUntil: null,
        },
      ]),
    );
    const states = await t.store.health.states();
    expect(states[0]).toMatchObject({
      checkId: 'a',
      status: 'ok',
      runs: 1,
      leaseOwner: null,
      heartbeat: { lastSuccessAt: T0 },
    });
    expect(states[1]).toMatchObject({
      checkId: 'b',
      status: 'failing',
      severity: 'critical',
      firing: true,
      alertRef: 'alrt_x',
      consecutiveFailures: 3,
      unavailableAlerts: ['db'],
      result: { observed: { '[BODY].x': 1 }, truthAgeMs: 5 },
    });
    expect(await t.store.health.nextRunAt()).toBe(T0 + 10_000);
    // A ping makes its check due now.
    await tx((x) => x.health.saveHeartbeat('a', EMPTY_HEARTBEAT, T0 + 3));
    expect((await t.store.health.states())[0]!.nextRunAt).toBe(T0 + 3);
  });

  it('removes the states of checks no longer configured and returns them', async () => {
    await tx((x) => x.health.ensureChecks(['a', 'b', 'c'], T0));
    const gone = await tx((x) => x.health.removeOthers(['b']));
    expect(gone.map((s) => s.checkId).sort()).toEqual(['a', 'c']);
    expect((await t.store.health.states()).map((s) => s.checkId)).toEqual(['b']);
  });

  it('keeps a bounded history of cycles, newest first', async () => {
    for (let i = 1; i <= 15; i++) await tx((x) => x.health.recordCycle(cycle(i), T0 + i, 10));
    const cycles = await t.store.health.cycles(100);
    expect(cycles.map((c) => c.checks_run)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    expect(await t.store.health.lastCycleAt()).toBe(T0 + 15);
  });

  it('keeps the newest pings of a check', async () => {
    for (let i = 0; i < 8; i++)
      await tx((x) =>
        x.health.insertPing({
          checkId: 'a',
          kind: 'success',
          runId: null,
          exitStatus: null,
          at: T0 + i,
          body: `#${i}`,
        }),
      );
    await tx((x) => x.health.trimPings('a', 5));
    expect((await t.store.health.pings('a', 100)).map((p) => p.body)).toEqual(['#7', '#6', '#5', '#4', '#3']);
  });

  it('records samples: the newest wins, counters advance when they grow, gauges when they change', async () => {
    const s = (series: string, type: 'counter' | 'gauge', value: number, at: number): SampleRow => ({
      series,
      metric: series.split('{')[0]!,
      labels: { feed: series.includes('b') ? 'b' : 'a' },
      type,
      value,
      at,
    });
    const put = (...rows: SampleRow[]) => tx((x) => x.health.upsertSamples(rows));
    await put(s('quotes{a}', 'counter', 10, T0), s('depth{a}', 'gauge', 5, T0));
    await put(s('quotes{a}', 'counter', 10, T0 + 1000), s('depth{a}', 'gauge', 5, T0 + 1000));
    let [q] = await t.store.health.samples('quotes');
    expect(q).toMatchObject({
      value: 10,
      updatedAt: T0 + 1000,
      advancedAt: T0,
      count: 2,
      previousValue: 10,
      previousAt: T0,
    });
    await put(s('quotes{a}', 'counter', 12, T0 + 2000), s('depth{a}', 'gauge', 4, T0 + 2000));
    [q] = await t.store.health.samples('quotes');
    expect(q).toMatchObject({ value: 12, advancedAt: T0 + 2000 });
    expect((await t.store.health.samples('depth'))[0]).toMatchObject({ value: 4, advancedAt: T0 + 2000 });
    // A late sample (older than the newest) counts but changes nothing; a counter reset is not progress.
    await put(s('quotes{a}', 'counter', 99, T0 + 1500));
    await put(s('quotes{a}', 'counter', 1, T0 + 3000));
    [q] = await t.store.health.samples('quotes');
    expect(q).toMatchObject({ value: 1, updatedAt: T0 + 3000, advancedAt: T0 + 2000, count: 5 });
    await put(s('quotes{b}', 'counter', 1, T0));
    expect((await t.store.health.samples('quotes')).map((x) => x.labels.feed)).toEqual(['a', 'b']);
    expect(await tx((x) => x.health.purgeSamples(T0 + 2500))).toBe(2);
  });

  it('keeps the newest pushed events, pages back by id, and filters by type', async () => {
    const row = (type: string, i: number) => ({
      type,
      service: null,
      labels: { i: String(i) },
      message: null,
      occurredAt: T0 + i,
      receivedAt: T0 + i,
      matched: i % 2 ? ['r'] : [],
    });
    for (let i = 0; i < 12; i++) await tx((x) => x.health.insertEvents([row(i % 3 ? 'a' : 'b', i)], 10));
    const page = await t.store.health.events({ limit: 4 });
    expect(page.map((e) => e.labels.i)).toEqual(['11', '10', '9', '8']);
    const next = await t.store.health.events({ limit: 100, beforeId: page[3]!.id });
    expect(next.map((e) => e.labels.i)).toEqual(['7', '6', '5', '4', '3', '2']);
    expect((await t.store.health.events({ limit: 100, type: 'b' })).map((e) => e.labels.i)).toEqual([
      '9',
      '6',
      '3',
    ]);
  });

  it('knows the replicas seen recently', async () => {
    await tx((x) => x.health.touchReplica('r1', T0));
    await tx((x) => x.health.touchReplica('r2', T0 + 5000));
    await tx((x) => x.health.touchReplica('r1', T0 + 6000));
    expect((await t.store.health.replicas(T0 + 1000)).map((r) => [r.id, r.startedAt, r.seenAt])).toEqual([
      ['r1', T0, T0 + 6000],
      ['r2', T0 + 5000, T0 + 5000],
    ]);
    expect((await t.store.health.replicas(T0 + 5500)).map((r) => r.id)).toEqual(['r1']);
  });
});
