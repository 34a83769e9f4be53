import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../../src/alerts/service.js';
import { DEFAULT_ALERT_LIMITS } from '../../src/alerts/validate.js';
import { Engine } from '../../src/engine/engine.js';
import { SourceRuntime } from '../../src/engine/sources-runtime.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';
import { BACKENDS, PG_URL, postgresTestStore } from '../helpers/stores.js';
import { ManualClock } from '../../src/clock.js';
import { UPSTREAM_ANNOTATION } from '../../src/alerts/model.js';
import { JsonEndpoint } from '../helpers/json-endpoint.js';

/*
 * The engine over real sources on loopback and both stores, with a manual clock: the detection
 * bound, sources that stop answering, reload, and claims shared by engines on one PostgreSQL schema.
 */

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const feed = new JsonEndpoint();
let feedUrl = '';
beforeAll(async () => {
  feedUrl = await feed.start();
});
afterAll(async () => feed.stop());

const config = (criticalAfter: string, interval: string, extra = '') => `
services: [{ name: feed }]
sources:
  - { name: feed, kind: http, url: '${feedUrl}/status', timeout: 1s }
checks:
  - id: feed-fresh
    service: feed
    kind: freshness
    source: feed
    timestamp: '[BODY].last_at'
    critical_after: ${criticalAfter}
    interval: ${interval}
${extra}`;

describe.each(BACKENDS)('engine (%s)', (backend) => {
  let t: NotifyTestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it.each([
    ['30s', 30_000, '10s', 10_000, 0],
    ['30s', 30_000, '10s', 10_000, 7_000],
    ['1m', 60_000, '25s', 25_000, 13_000],
    ['15s', 15_000, '15s', 15_000, 1_000],
  ])(
    'flags a source that stops advancing within critical_after (%s) plus one interval (%s)',
    async (criticalAfter, criticalMs, interval, intervalMs, offset) => {
      t = await notifyApp(backend, config(criticalAfter, interval));
      // The feed advances with the clock until it stops, at a moment not aligned with the schedule.
      feed.body = { last_at: new Date(t.clock.now()).toISOString() };
      await t.app.health.runCycle();
      t.clock.advance(offset);
      const stoppedAt = t.clock.now();
      feed.body = { last_at: new Date(stoppedAt).toISOString() };
      let flagged: number | null = null;
      while (flagged === null && t.clock.now() < stoppedAt + 10 * criticalMs) {
        t.clock.advance(1000);
        await t.app.health.engine.runCycle();
        const state = (await t.app.health.states()).find((s) => s.checkId === 'feed-fresh')!;
        if (state.firing) flagged = t.clock.now();
      }
      expect(flagged! - stoppedAt).toBeGreaterThanOrEqual(criticalMs);
      expect(flagged! - stoppedAt).toBeLessThanOrEqual(criticalMs + intervalMs);
    },
  );

  it('skips checks whose source does not answer, then makes the outage a finding of its own after its policy', async () => {
    const port = await closedPort();
    t = await notifyApp(
      backend,
      `
services: [{ name: feed }]
sources:
  - { name: gone, kind: http, url: 'http://127.0.0.1:${port}/', timeout: 500ms, unavailable_after: 30s }
checks:
  - { id: gone-up, service: feed, kind: condition, source: gone, interval: 10s, conditions: ['[STATUS] == 200'] }
`,
    );
    const first = await t.app.health.runCycle();
    expect(first.sources_unavailable).toEqual(['gone']);
    expect(first.checks_skipped).toBe(1);
    expect(first.violations).toEqual([]);
    let raisedAt: number | null = null;
    const start = t.clock.now();
    for (let i = 0; i < 6 && raisedAt === null; i++) {
      t.clock.advance(10_000);
      const c = await t.app.health.engine.runCycle();
      if (c.transitions.raised.includes('gone-up:gone')) raisedAt = t.clock.now();
    }
    expect(raisedAt! - start).toBe(30_000);
    const alerts = await t.store.store.listAlerts({ state: 'firing', current: true, limit: 10 });
    const outage = alerts.filter((a) => a.source === 'sentinel-health');
    expect(outage.map((a) => [a.kind, a.labels.source_name])).toEqual([['source_unavailable', 'gone']]);
    expect(outage[0]!.message).toMatch(
      /Source gone has not answered for 30 s; checks that need it are skipped. Last error: GET/,
    );
    const report = await t.app.health.report();
    expect(report.services.find((s) => s.name === 'feed')).toMatchObject({ status: 'stale' });
  });

  it('suppresses per check: a sibling raised in the same cycle does not mute a page_when_upstream_failing check', async () => {
    feed.body = { up: false, armed: true };
    t = await notifyApp(
      backend,
      `
services: [{ name: upstream }, { name: down, depends_on: [upstream] }]
sources:
  - { name: feed, kind: http, url: '${feedUrl}/status', timeout: 1s }
checks:
  - { id: up-ok, service: upstream, kind: condition, source: feed, conditions: ['[BODY].up == true'], severity: critical }
  - { id: down-plain, service: down, kind: condition, source: feed, conditions: ['[BODY].up == true'] }
  - { id: down-urgent, service: down, kind: invariant, source: feed, condition: '[BODY].armed == false', page_when_upstream_failing: true }
`,
    );
    await t.app.health.runCycle();
    const firing = await t.store.store.listAlerts({
      state: 'firing',
      current: true,
      source: 'sentinel-health',
      limit: 10,
    });
    const annotation = (id: string) =>
      firing.find((a) => a.labels.check === id)!.annotations[UPSTREAM_ANNOTATION];
    expect(annotation('up-ok')).toBeUndefined();
    expect(annotation('down-plain')).toBe('upstream');
    expect(annotation('down-urgent')).toBeUndefined();
  });

  it('resolves the source_unavailable alerts of a check removed from the configuration', async () => {
    const port = await closedPort();
    const yaml = (checks: string) => `
services: [{ name: feed }]
sources:
  - { name: gone, kind: http, url: 'http://127.0.0.1:${port}/', timeout: 500ms, unavailable_after: 10s }
checks:
${checks}`;
    t = await notifyApp(
      backend,
      yaml(
        `  - { id: gone-up, service: feed, kind: condition, source: gone, interval: 10s, conditions: ['[STATUS] == 200'] }\n  - { id: hb, service: feed, kind: heartbeat, period: 1h }\n`,
      ),
    );
    await t.app.health.runCycle();
    t.clock.advance(10_000);
    await t.app.health.engine.runCycle();
    const open = () =>
      t!.store.store.listAlerts({ state: 'firing', current: true, source: 'sentinel-health', limit: 10 });
    expect((await open()).map((a) => a.kind)).toEqual(['source_unavailable']);
    t.writeConfig(yaml(`  - { id: hb, service: feed, kind: heartbeat, period: 1h }\n`));
    expect((await t.app.http.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    await t.app.health.engine.runCycle();
    expect(await open()).toEqual([]);
  });

  it('applies a reloaded configuration atomically: new checks run, removed checks resolve their alerts, bad files change nothing', async () => {
    feed.body = { last_at: '2020-01-01T00:00:00Z' };
    t = await notifyApp(backend, config('30s', '10s'));
    await t.app.health.runCycle();
    const firing = async () =>
      (await t!.store.store.listAlerts({ state: 'firing', current: true, limit: 10 })).map(
        (a) => a.labels.check,
      );
    expect(await firing()).toEqual(['feed-fresh']);

    t.writeConfig(`${config('30s', '10s').replace('id: feed-fresh', 'id: feed-fresh-2')}`);
    expect((await t.app.http.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    const cycle = await t.app.health.runCycle();
    expect(cycle.transitions.raised).toEqual(['feed-fresh-2']);
    expect(await firing()).toEqual(['feed-fresh-2']);
    const old = await t.store.store.listAlerts({ state: 'resolved', limit: 10 });
    expect(old.map((a) => a.labels.check)).toEqual(['feed-fresh']);

    t.writeConfig(
      `${config('30s', '10s')}\n  - { id: bad, service: feed, kind: condition, source: feed, conditions: ['[STATUS] ='] }\n`,
    );
    const refused = await t.app.http.inject({ method: 'POST', url: '/-/reload' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('reload_failed');
    expect([...t.app.health.config().checks.keys()]).toContain('feed-fresh-2');
    // State survives: the running check keeps its alert and counters.
    expect(await firing()).toEqual(['feed-fresh-2']);
  });
});

describe('engines sharing one PostgreSQL schema', () => {
  /** Two engines on one schema (the app's and a second replica's), 40 checks every 10 s. */
  async function twoEngines(): Promise<{
    clock: ManualClock;
    mine: Engine;
    other: Engine;
    second: PostgresStore;
    close: () => Promise<void>;
  }> {
    const t = await postgresTestStore();
    const second = await PostgresStore.open({ url: PG_URL, schema: t.schema, poolSize: 4 });
    const clock = new ManualClock('2026-11-23T10:00:00Z');
    const checks = Array.from(
      { length: 40 },
      (_, i) =>
        `  - { id: c${i}, service: s, kind: condition, source: feed, interval: 10s, conditions: ['[STATUS] == 200'] }`,
    );
    const app = await notifyApp(
      'postgres',
      `services: [{ name: s }]\nsources:\n  - { name: feed, kind: http, url: '${feedUrl}/x', timeout: 1s }\nchecks:\n${checks.join('\n')}\n`,
      { reuse: t, clock },
    );
    const cfg = app.app.health.config();
    const runtime = new SourceRuntime(cfg.sources, { clock, version: 'test' });
    const other = new Engine({
      store: second,
      clock,
      alerts: new AlertService(second, clock),
      config: () => cfg,
      sources: () => runtime,
      owner: 'replica-b',
      validation: { limits: DEFAULT_ALERT_LIMITS, defaultDedupeTtlMinutes: 30, defaultSource: 'api' },
    });
    return {
      clock,
      mine: app.app.health.engine,
      other,
      second,
      close: async () => {
        await runtime.stop();
        await app.close();
        await second.close();
        await t.dispose();
      },
    };
  }

  it('claim each due check once, whichever engine asks, also at the same moment', async () => {
    const { clock, mine, other, second, close } = await twoEngines();
    try {
      for (let round = 0; round < 3; round++) {
        const [a, b] = await Promise.all([mine.runCycle(), other.runCycle()]);
        let ran = a.checks_run + b.checks_run;
        // An engine whose fair share left due checks comes back for them at once, as the
        // service loop does (SHARE_RETRY_MS): one that finished its share before the other asked
        // leaves the other a smaller pass. Each check still runs once in the round.
        for (let retries = 0; (mine.lastClaimLeftWork || other.lastClaimLeftWork) && retries < 5; retries++) {
          const again = await Promise.all([
            mine.lastClaimLeftWork ? mine.runCycle() : undefined,
            other.lastClaimLeftWork ? other.runCycle() : undefined,
          ]);
          ran += again.reduce((n, s) => n + (s?.checks_run ?? 0), 0);
        }
        // 40 checks plus Sentinel's 3 watchdog checks in the first round; the watchdog's 15 s
        // interval leaves them out of the later rounds only when not due.
        const expected = round === 0 || round === 2 ? 43 : 40;
        expect(ran).toBe(expected);
        clock.advance(10_000);
      }
      const states = await second.health.states();
      expect(states.filter((s) => s.checkId.startsWith('c')).map((s) => s.runs)).toEqual(Array(40).fill(3));
    } finally {
      await close();
    }
  });

  it('a replica asking while another holds its share takes all that is left', async () => {
    const { clock, mine, other, second, close } = await twoEngines();
    try {
      // The first pass creates the rows (and runs them all: one live replica). Then replica-a
      // claims its half of the next pass and is still running it when replica-b asks.
      const { replica } = await mine.runCycle();
      clock.advance(15_000);
      const now = clock.now();
      const held = await second.transaction(async (tx) => {
        await tx.health.touchReplica(replica, now);
        return tx.health.claim({ now, owner: replica, leaseUntil: now + 60_000, limit: 22 });
      });
      expect(held).toHaveLength(22);
      const b = await other.runCycle();
      // 43 due (40 checks, 3 watchdog checks), 2 live replicas: replica-b's share is 22 of the
      // pass, of which 21 are left. Sharing only the unclaimed rest would have run 11.
      expect(b.checks_run).toBe(21);
      expect(other.lastClaimLeftWork).toBe(false);
    } finally {
      await close();
    }
  });
});
