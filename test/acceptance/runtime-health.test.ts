import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_ANNOTATION, type Alert } from '../../src/alerts/model.js';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';
import { BACKENDS, PG_URL } from '../helpers/stores.js';
import { CaptureServer } from '../helpers/webhook-server.js';
import { JsonEndpoint } from '../helpers/json-endpoint.js';

/*
 * The seed-000 scenario, end to end, with examples/runtime-health.yml unchanged but for the
 * addresses: a simulated pipeline (ingest, executor and dashboard status endpoints on loopback, the
 * quotes table in a real PostgreSQL schema, the writer's samples pushed over the API). Ingest stops
 * publishing quotes but keeps answering 200 "connected"; the service must turn critical within the
 * check's critical_after plus one interval, an alert must be raised durably and delivered, the
 * downstream findings must be recorded but not paged separately, and everything must clear when
 * quotes flow again. Time is a manual clock; cycles run as the background loop would run them.
 */

const example = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../examples/runtime-health.yml',
);

describe.each(BACKENDS)('seed 000: stale quotes behind a healthy-looking ingest (%s store)', (backend) => {
  const ingest = new JsonEndpoint();
  const executor = new JsonEndpoint();
  const dashboard = new JsonEndpoint();
  const oncall = new CaptureServer();
  const schema = `q_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  let t: NotifyTestApp;

  const insertQuote = (at: number) =>
    admin.query(`INSERT INTO ${schema}.quotes (received_at) VALUES ($1)`, [new Date(at)]);
  const service = async (name: string) => {
    const report = await t.app.health.report();
    return report.services.find((s) => s.name === name)!;
  };
  /** Every alert of every webhook message the on-call receiver got so far. */
  const deliveredAlerts = () =>
    oncall.requests.flatMap(
      (r) =>
        (JSON.parse(r.body) as { alerts: Array<{ labels: Record<string, string>; status: string }> }).alerts,
    );
  /** One step of the background loop: the due checks, then notifications. */
  const tick = async (ms: number) => {
    t.clock.advance(ms);
    await t.app.health.engine.runCycle();
    await t.pump();
  };

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(
      `CREATE TABLE ${schema}.quotes (id bigserial PRIMARY KEY, received_at timestamptz NOT NULL)`,
    );
    const urls = {
      ingest: await ingest.start(),
      executor: await executor.start(),
      dashboard: await dashboard.start(),
      oncall: await oncall.start(),
    };
    const yaml = readFileSync(example, 'utf8')
      .replace('http://127.0.0.1:8081', urls.ingest)
      .replace('http://127.0.0.1:8082', urls.executor)
      .replace('http://127.0.0.1:8084', urls.dashboard)
      .replace('http://127.0.0.1:9099/alerts', `${urls.oncall}/alerts`);
    const quotesUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    t = await notifyApp(backend, yaml, {}, { QUOTES_DB_URL: quotesUrl });
    ingest.body = { websocket: { connected: true, reconnects: 0 }, quotes_published: 1 };
    executor.body = { armed: false };
    dashboard.body = { status: 'healthy' };
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([ingest.stop(), executor.stop(), dashboard.stop(), oncall.stop()]);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('is healthy while quotes flow, critical within the bound once they stop, and clears when they return', async () => {
    const start = t.clock.now();
    await insertQuote(start);
    await t.app.health.ingestSamples([
      { metric: 'history_rows_written_total', labels: {}, type: 'counter', value: 10, at: start },
    ]);
    const first = await t.app.health.runCycle();
    expect(first.violations).toEqual([]);
    expect(first.sources_unavailable).toEqual([]);
    expect((await service('near-intents-ingest')).status).toBe('healthy');

    // Quotes keep arriving for a while: still healthy.
    for (let i = 1; i <= 3; i++) {
      await insertQuote(t.clock.now() + 10_000);
      await t.app.health.ingestSamples([
        {
          metric: 'history_rows_written_total',
          labels: {},
          type: 'counter',
          value: 10 + i,
          at: t.clock.now() + 10_000,
        },
      ]);
      await tick(10_000);
    }
    const lastQuote = t.clock.now();
    expect((await service('near-intents-ingest')).status).toBe('healthy');

    // Ingest stops publishing but still answers 200, connected. Run the loop second by second.
    let critical: number | null = null;
    let degraded: number | null = null;
    while (critical === null && t.clock.now() - lastQuote < 5 * 60_000) {
      await tick(1000);
      const s = await service('near-intents-ingest');
      if (degraded === null && s.status === 'degraded') degraded = t.clock.now();
      if (s.status === 'critical') critical = t.clock.now();
    }
    // warning_after 30s, critical_after 1m, interval 10s: flagged within threshold + one interval.
    expect(degraded! - lastQuote).toBeGreaterThanOrEqual(30_000);
    expect(degraded! - lastQuote).toBeLessThanOrEqual(30_000 + 10_000);
    expect(critical! - lastQuote).toBeGreaterThanOrEqual(60_000);
    expect(critical! - lastQuote).toBeLessThanOrEqual(60_000 + 10_000);

    const ingestHealth = await service('near-intents-ingest');
    expect(ingestHealth.reason).toMatch(/Quotes are reaching PostgreSQL: stale, last update 1 min/);
    expect(ingestHealth.problem_scope).toBe('service');
    // The websocket check still passes: reachability alone would have said healthy.
    expect(ingestHealth.checks.find((c) => c.id === 'ingest-websocket-connected')!.status).toBe('healthy');

    // The alert is durable in the alert core, with the evidence.
    const firing = await t.store.store.listAlerts({ state: 'firing', current: true, limit: 100 });
    const quotesAlert = firing.find((a) => a.labels.check === 'ingest-quotes-fresh')!;
    expect(quotesAlert).toMatchObject({
      service: 'near-intents-ingest',
      severity: 'critical',
      source: 'sentinel-health',
    });
    expect(quotesAlert.labels.scope).toBe('ingest');
    expect(JSON.parse(quotesAlert.annotations.observed_state!)).toMatchObject({
      '[ROW].last_quote_at': expect.any(String),
    });
    expect(quotesAlert.annotations.signal_query).toBe(
      'age([ROW].last_quote_at) < 1 min (warning after 30 s)',
    );
    expect(quotesAlert.annotations.runbook_url).toBe(
      'https://runbooks.example.org/near-intents-ingest#stale-quotes',
    );

    // The dashboard keeps saying "healthy" while quotes are stale: its invariant fires and pages
    // (a dashboard lying is its own failure: page_when_upstream_failing), with the pipeline named.
    await tick(10_000);
    await tick(10_000);
    const firingNow = () => t.store.store.listAlerts({ state: 'firing', current: true, limit: 100 });
    const dashboardAlert = (await firingNow()).find(
      (a) => a.labels.check === 'dashboard-not-green-on-stale-truth',
    )!;
    expect(dashboardAlert).toBeDefined();
    expect(dashboardAlert.annotations[UPSTREAM_ANNOTATION]).toBeUndefined();
    expect((await service('operator-dashboard')).problem_scope).toBe('pipeline');

    // Delivered: the on-call webhook got both (each service is its own source for the throttle).
    await tick(10_000);
    const delivered = deliveredAlerts();
    expect(delivered.some((a) => a.labels.check === 'ingest-quotes-fresh' && a.status === 'firing')).toBe(
      true,
    );
    expect(delivered.some((a) => a.labels.check === 'dashboard-not-green-on-stale-truth')).toBe(true);

    // Without quotes the writer stops writing: its own finding, caused upstream, is recorded and
    // annotated but not paged separately.
    let writerAlert: Alert | undefined;
    for (let i = 0; i < 30 && !writerAlert; i++) {
      await tick(15_000);
      writerAlert = (await firingNow()).find((a) => a.labels.check === 'writer-advancing');
    }
    expect(writerAlert!.annotations[UPSTREAM_ANNOTATION]).toBe('near-intents-ingest');
    expect((await service('history-writer')).upstream_trouble).toEqual([
      { service: 'near-intents-ingest', status: 'critical' },
    ]);
    for (let i = 0; i < 4; i++) await tick(30_000);
    expect(deliveredAlerts().some((a) => a.labels.check === 'writer-advancing')).toBe(false);
    const v2 = (
      await t.app.http.inject({ method: 'GET', url: '/api/v2/alerts?inhibited=false' })
    ).json() as Array<{
      labels: Record<string, string>;
    }>;
    expect(v2.some((a) => a.labels.check === 'writer-advancing')).toBe(false);

    // Someone arms the executor while quotes are stale: its own emergency, paged although the cause
    // is upstream (page_when_upstream_failing), with the evidence of both services.
    executor.body = { armed: true };
    for (let i = 0; i < 2; i++) await tick(15_000);
    const armed = (await t.store.store.listAlerts({ state: 'firing', current: true, limit: 100 })).find(
      (a) => a.labels.check === 'executor-not-armed-on-stale-quotes',
    )!;
    expect(armed).toMatchObject({ service: 'trade-executor', severity: 'critical', kind: 'invariant' });
    expect(armed.labels.tier).toBe('0');
    expect(armed.annotations[UPSTREAM_ANNOTATION]).toBeUndefined();
    expect(JSON.parse(armed.annotations.observed_state!)).toMatchObject({
      'executor_status.body.armed': true,
      'health.services["near-intents-ingest"].status': 'critical',
    });
    await tick(15_000);
    expect(deliveredAlerts().some((a) => a.labels.check === 'executor-not-armed-on-stale-quotes')).toBe(true);
    executor.body = { armed: false };

    // Quotes flow again: the finding clears at the next evaluation, and the resolution is delivered.
    await insertQuote(t.clock.now());
    for (let i = 0; i < 2; i++) await tick(10_000);
    await insertQuote(t.clock.now());
    await tick(10_000);
    expect((await service('near-intents-ingest')).status).toBe('healthy');
    const after = await t.store.store.listAlerts({ state: 'firing', current: true, limit: 100 });
    expect(after.filter((a) => a.labels.check === 'ingest-quotes-fresh')).toEqual([]);
    const events = await t.store.store.listEvents({ after: 0, limit: 1000, alertRef: quotesAlert.ref });
    expect(events.map((e) => e.type)).toContain('resolved');
    // The resolution follows, at the per-source throttle's pace (a message a minute by default).
    const resolvedDelivered = () =>
      deliveredAlerts().some((a) => a.labels.check === 'ingest-quotes-fresh' && a.status === 'resolved');
    for (let i = 0; i < 10 && !resolvedDelivered(); i++) {
      await insertQuote(t.clock.now());
      await tick(20_000);
    }
    expect(resolvedDelivered()).toBe(true);
  });
});
