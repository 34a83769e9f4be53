import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';
import { BACKENDS } from '../helpers/stores.js';

/*
 * The health engine's HTTP API: heartbeats with Healthchecks' URL scheme, pushed samples and
 * events, cycles, checks and the health report. Both store backends; a manual clock.
 */

const CONFIG = `
services:
  - name: backup
    scope: persistence
  - name: pipeline
    scope: pipeline
    depends_on: [backup]
sources:
  - name: rows
    kind: samples
    metric: rows_written_total
    matchers: ['table="orders"']
checks:
  - id: nightly-backup
    service: backup
    kind: heartbeat
    period: 1h
    grace: 10m
    max_runtime: 30m
  - id: rows-advancing
    service: pipeline
    kind: freshness
    source: rows
    timestamp: '[ADVANCED_AT]'
    critical_after: 5m
    interval: 30s
event_rules:
  - id: dag-failed
    service: pipeline
    name: DAG failed
    severity: critical
    matchers: ['type="dag_run_failed"']
    resolve_matchers: ['type="dag_run_succeeded"']
    group_by: [dag]
    resolve_after: 6h
`;

describe.each(BACKENDS)('health API (%s)', (backend) => {
  let t: NotifyTestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });
  const app = () => t!.app.http;
  const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app().inject({
      method: 'POST',
      url,
      ...(payload === undefined
        ? {}
        : typeof payload === 'string'
          ? { payload, headers: { 'content-type': 'text/plain', ...headers } }
          : { payload: payload as Record<string, unknown>, headers }),
    });
  const get = (url: string) => app().inject({ method: 'GET', url });
  const checkOf = async (id: string) => (await get(`/api/v1/checks/${id}`)).json().check;

  it('takes heartbeat pings in every Healthchecks form and judges them', async () => {
    t = await notifyApp(backend, CONFIG);
    expect((await checkOf('nightly-backup')).heartbeat.status).toBe('new');

    const start = await post('/api/v1/heartbeats/nightly-backup/start?rid=run-1');
    expect(start.statusCode).toBe(200);
    expect(start.json()).toMatchObject({ ok: true, check: 'nightly-backup', kind: 'start', run_id: 'run-1' });
    expect((await checkOf('nightly-backup')).heartbeat.open_runs).toEqual([
      { run_id: 'run-1', started_at: new Date(t.clock.now()).toISOString() },
    ]);

    // Finished with a log excerpt in a text body, paired by run id.
    t.clock.advance(5 * 60_000);
    const done = await post('/api/v1/heartbeats/nightly-backup?rid=run-1', 'dumped 12 GB in 5 min');
    expect(done.statusCode).toBe(200);
    let check = await checkOf('nightly-backup');
    expect(check.heartbeat).toMatchObject({ status: 'up', open_runs: [] });
    expect(check.pings.map((p: { kind: string }) => p.kind)).toEqual(['success', 'start']);
    expect(check.pings[0].body).toBe('dumped 12 GB in 5 min');

    // GET works too (cron's `curl URL`); an exit status 0 is a success, anything else a failure.
    expect((await get('/api/v1/heartbeats/nightly-backup/0')).statusCode).toBe(200);
    const failed = await post('/api/v1/heartbeats/nightly-backup/3', { error: 'disk full' });
    expect(failed.json()).toMatchObject({ kind: 'fail' });
    check = await checkOf('nightly-backup');
    expect(check.heartbeat.status).toBe('down');
    expect(check.pings[0]).toMatchObject({ kind: 'fail', exit_status: 3, body: '{"error":"disk full"}' });

    // The failure makes the check due now: the next cycle raises its alert.
    const cycle = await t.app.health.engine.runCycle();
    expect(cycle.transitions.raised).toContain('nightly-backup');
    const firing = await t.store.store.listAlerts({ state: 'firing', current: true, limit: 10 });
    expect(firing.find((a) => a.labels.check === 'nightly-backup')).toMatchObject({
      service: 'backup',
      kind: 'heartbeat',
    });

    // A success clears it at the next cycle; /log changes nothing but the body.
    await post('/api/v1/heartbeats/nightly-backup');
    await post('/api/v1/heartbeats/nightly-backup/log', 'still here');
    expect((await t.app.health.engine.runCycle()).transitions.cleared).toContain('nightly-backup');

    // Late after the period, down after the grace: the check's own schedule notices.
    t.clock.advance(61 * 60_000);
    await t.app.health.engine.runCycle();
    expect((await checkOf('nightly-backup')).heartbeat.status).toBe('late');
    t.clock.advance(10 * 60_000);
    await t.app.health.engine.runCycle();
    expect((await checkOf('nightly-backup')).state).toBe('failing');

    // Paused: quiet until the next ping.
    expect((await post('/api/v1/heartbeats/nightly-backup/pause')).json()).toMatchObject({ paused: true });
    await t.app.health.engine.runCycle();
    expect((await checkOf('nightly-backup')).heartbeat.status).toBe('paused');
  });

  it('takes pings for check ids up to the 128 characters the configuration allows', async () => {
    const id = `job-${'x'.repeat(124)}`;
    t = await notifyApp(
      backend,
      `services: [{ name: s }]\nchecks:\n  - { id: ${id}, service: s, kind: heartbeat, period: 1h }\n`,
    );
    expect((await post(`/api/v1/heartbeats/${id}`)).statusCode).toBe(200);
    expect((await checkOf(id)).heartbeat.status).toBe('up');
  });

  it('does not let an alert posted to the API mute itself with the upstream annotation', async () => {
    t = await notifyApp(backend, `route: { receiver: r }\nreceivers: [{ name: r }]\n`);
    const res = await post('/api/v1/alerts', [
      {
        service: 'x',
        kind: 'k',
        title: 'posted',
        severity: 'critical',
        annotations: { suppressed_by_upstream: 'db' },
      },
    ]);
    expect(res.statusCode).toBe(200);
    const ref = res.json().results[0].alert_ref;
    expect((await get(`/api/v1/alerts/${ref}`)).json().routing).toMatchObject({
      state: 'active',
      suppressed_by_upstream: null,
    });
  });

  it('detects a run that started and never finished', async () => {
    t = await notifyApp(backend, CONFIG);
    await post('/api/v1/heartbeats/nightly-backup');
    t.clock.advance(10 * 60_000);
    await post('/api/v1/heartbeats/nightly-backup/start');
    t.clock.advance(31 * 60_000);
    await t.app.health.engine.runCycle();
    const check = await checkOf('nightly-backup');
    expect(check.heartbeat.status).toBe('down');
    expect(check.result.message).toMatch(/started 31 min ago and has not finished \(limit 30 min\)/);
  });

  it.each([
    ['an unknown check', '/api/v1/heartbeats/nope', 404, 'check_not_found'],
    ['a check that is not a heartbeat', '/api/v1/heartbeats/rows-advancing', 404, 'check_not_found'],
    ['an exit status above 255', '/api/v1/heartbeats/nightly-backup/256', 400, 'invalid_field'],
    ['a bad run id', '/api/v1/heartbeats/nightly-backup?rid=a%20b', 400, 'invalid_field'],
    ['an unknown query parameter', '/api/v1/heartbeats/nightly-backup?x=1', 400, 'invalid_field'],
  ])('refuses a ping to %s', async (_name, url, status, code) => {
    t = await notifyApp(backend, CONFIG);
    const res = await post(url);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it('stores samples, reads them through a samples source, and judges progress', async () => {
    t = await notifyApp(backend, CONFIG);
    const push = (value: number, table = 'orders') =>
      post('/api/v1/samples', {
        samples: [{ metric: 'rows_written_total', type: 'counter', labels: { table }, value }],
      });
    expect((await push(100)).statusCode).toBe(202);
    await push(5, 'other');
    const series = (await get('/api/v1/samples?metric=rows_written_total')).json().series;
    expect(series).toHaveLength(2);
    await t.app.health.runCycle();
    expect((await checkOf('rows-advancing')).state).toBe('ok');

    // The counter stops advancing (same value re-sent): stale after critical_after.
    for (let i = 0; i < 11; i++) {
      t.clock.advance(30_000);
      await push(100);
      await t.app.health.engine.runCycle();
    }
    const check = await checkOf('rows-advancing');
    expect(check.state).toBe('failing');
    expect(check.result.message).toMatch(/stale, last update 5 min 30 s ago/);
    // Progress again clears it.
    t.clock.advance(30_000);
    await push(101);
    await t.app.health.engine.runCycle();
    expect((await checkOf('rows-advancing')).state).toBe('ok');
  });

  it.each([
    ['no samples', { samples: [] }, 'samples'],
    ['a bad metric name', { samples: [{ metric: 'rows-written', value: 1 }] }, 'samples[0].metric'],
    ['a value that is not a number', { samples: [{ metric: 'm', value: '1' }] }, 'samples[0].value'],
    [
      'a bad label name',
      { samples: [{ metric: 'm', value: 1, labels: { 'a-b': 'x' } }] },
      'samples[0].labels.a-b',
    ],
    ['an unknown type', { samples: [{ metric: 'm', value: 1, type: 'histogram' }] }, 'samples[0].type'],
    [
      'a time far in the future',
      { samples: [{ metric: 'm', value: 1, at: '2099-01-01T00:00:00Z' }] },
      'samples[0].at',
    ],
    ['an unknown field', { samples: [{ metric: 'm', value: 1, unit: 's' }] }, 'samples[0].unit'],
  ])('refuses samples with %s (400 naming the field)', async (_name, body, field) => {
    t = await notifyApp(backend, CONFIG);
    const res = await post('/api/v1/samples', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('raises an alert per group from events, resolves it on the resolving event, and expires it after resolve_after', async () => {
    t = await notifyApp(backend, CONFIG);
    const ingest = (events: unknown[]) => post('/api/v1/events/ingest', { events });
    const failed = await ingest([
      { type: 'dag_run_failed', labels: { dag: 'etl_orders' }, message: 'task load_orders failed' },
      { type: 'dag_run_failed', labels: { dag: 'etl_users' } },
      { type: 'heartbeat_noise', labels: {} },
    ]);
    expect(failed.statusCode).toBe(202);
    const results = failed.json().results;
    expect(results.map((r: { matched: string[] }) => r.matched)).toEqual([
      ['dag-failed'],
      ['dag-failed'],
      [],
    ]);
    const firing = () =>
      t!.store.store.listAlerts({ state: 'firing', current: true, source: 'sentinel-events', limit: 10 });
    expect((await firing()).map((a) => a.labels.dag).sort()).toEqual(['etl_orders', 'etl_users']);
    const orders = (await firing()).find((a) => a.labels.dag === 'etl_orders')!;
    expect(orders).toMatchObject({
      service: 'pipeline',
      severity: 'critical',
      title: 'DAG failed (dag=etl_orders)',
      message: 'task load_orders failed',
    });

    // The same failure again joins the alert; a success for one DAG resolves only that one.
    await ingest([{ type: 'dag_run_failed', labels: { dag: 'etl_orders' } }]);
    expect((await firing()).find((a) => a.labels.dag === 'etl_orders')!.occurrences).toBe(2);
    const ok = await ingest([{ type: 'dag_run_succeeded', labels: { dag: 'etl_orders' } }]);
    expect(ok.json().results[0].matched).toEqual(['dag-failed:resolved']);
    expect((await firing()).map((a) => a.labels.dag)).toEqual(['etl_users']);

    // No resolving event for the other: it ends resolve_after after its last event.
    t.clock.advance(6 * 3_600_000 + 1000);
    await t.app.context.alerts.expireDue();
    expect(await firing()).toEqual([]);

    const recent = (await get('/api/v1/events/ingested?limit=2')).json();
    expect(recent.events.map((e: { type: string }) => e.type)).toEqual([
      'dag_run_succeeded',
      'dag_run_failed',
    ]);
    expect(recent.next_cursor).not.toBeNull();
    const rest = (await get(`/api/v1/events/ingested?cursor=${recent.next_cursor}`)).json();
    expect(rest.events.map((e: { matched_rules: string[] }) => e.matched_rules)).toEqual([
      [],
      ['dag-failed'],
      ['dag-failed'],
    ]);
  });

  it('never answers a malformed event or sample body with a 5xx (property)', async () => {
    t = await notifyApp(backend, CONFIG);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ events: fc.array(fc.jsonValue(), { maxLength: 3 }) }),
          fc.record({ samples: fc.array(fc.jsonValue(), { maxLength: 3 }) }),
        ),
        fc.constantFrom('/api/v1/events/ingest', '/api/v1/samples'),
        async (body, url) => {
          const res = await app().inject({
            method: 'POST',
            url,
            payload: JSON.stringify(body),
            headers: { 'content-type': 'application/json' },
          });
          expect(res.statusCode === 202 || (res.statusCode >= 400 && res.statusCode < 500)).toBe(true);
          if (res.statusCode >= 400) expect(res.json().error.code).toMatch(/^[a-z_]+$/);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('runs a cycle on demand, keeps the history, and reports health', async () => {
    t = await notifyApp(backend, CONFIG);
    const res = await post('/api/v1/cycles');
    expect(res.statusCode).toBe(200);
    const cycle = res.json().cycle;
    expect(Object.keys(cycle).sort()).toEqual(
      [
        'checks_run',
        'checks_skipped',
        'cycle_duration_ms',
        'replica',
        'sources_unavailable',
        'started_at',
        'transitions',
        'violations',
      ].sort(),
    );
    // The two configured checks and Sentinel's three watchdog checks.
    expect(cycle.checks_run).toBe(5);
    // No sample yet: no progress to judge, which is itself stale truth.
    expect(cycle.violations.map((v: { check: string }) => v.check)).toEqual(['rows-advancing']);
    expect(cycle.transitions.raised).toEqual(['rows-advancing']);
    expect((await get('/api/v1/cycles?limit=5')).json().cycles).toHaveLength(1);

    const health = (await get('/api/v1/health')).json();
    expect(health.status).toBe('critical');
    const pipeline = health.services.find((s: { name: string }) => s.name === 'pipeline');
    expect(pipeline).toMatchObject({
      status: 'critical',
      scope: 'pipeline',
      depends_on: ['backup'],
      problem_scope: 'service',
    });
    expect(pipeline.active_alerts).toHaveLength(1);
    const sentinel = health.services.find((s: { name: string }) => s.name === 'sentinel');
    expect(sentinel.status).toBe('healthy');
    expect(sentinel.checks.map((c: { id: string }) => c.id)).toEqual([
      'sentinel-cycle-lag',
      'sentinel-store',
      'sentinel-alerting',
    ]);

    const metrics = (await get('/metrics')).body;
    expect(metrics).toContain('sentinel_health_service_status{service="pipeline",status="critical"} 1');
    expect(metrics).toContain('sentinel_health_service_status{service="backup",status="healthy"} 1');
    expect(metrics).toMatch(/sentinel_health_checks_total\{result="violation"\} 1\n/);
    expect(metrics).toMatch(/sentinel_health_checks_total\{result="ok"\} 4\n/);
    expect(metrics).toContain('sentinel_health_cycle_duration_seconds_count 1');

    const checks = (await get('/api/v1/checks')).json().checks;
    expect(checks.map((c: { id: string }) => c.id)).toContain('rows-advancing');
    expect((await get('/api/v1/checks/nope')).statusCode).toBe(404);
    expect((await get('/api/v1/health?verbose=1')).statusCode).toBe(400);
    expect((await get('/api/v1/checks?service=x')).statusCode).toBe(400);
    expect((await get('/api/v1/cycles?limit=0')).statusCode).toBe(400);
  });
});
