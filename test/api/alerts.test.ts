import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { replayAlert } from '../../src/alerts/replay.js';
import { testApp, type TestApp } from '../helpers/app.js';

const MIN = 60_000;

describe('native alert API', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await testApp('sqlite', { maxAlertsPerRequest: 100, bodyLimitBytes: 64 * 1024 });
  });
  afterEach(async () => {
    await t.close();
  });

  const post = (url: string, payload: unknown) =>
    t.app.http.inject({ method: 'POST', url, payload: payload as object });
  const get = (url: string) => t.app.http.inject({ method: 'GET', url });

  it('ingests one alert and reports ref, fingerprint and occurrences; the same alert again dedupes', async () => {
    const body = {
      service: 'gateway',
      kind: 'error_rate',
      title: '5xx high',
      severity: 'critical',
      labels: { env: 'prod' },
    };
    const first = await post('/api/v1/alerts', body);
    expect(first.statusCode).toBe(200);
    const a = first.json();
    expect(a).toMatchObject({ accepted: true, deduped: false, occurrences: 1 });
    expect(a.alert_ref).toMatch(/^alrt_/);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    t.clock.advance(MIN);
    const second = (await post('/api/v1/alerts', body)).json();
    expect(second).toMatchObject({ accepted: true, deduped: true, occurrences: 2, alert_ref: a.alert_ref });
  });

  it('ingests an array and answers per alert', async () => {
    const res = await post('/api/v1/alerts', [
      { service: 'a', title: 'x' },
      { service: 'b', title: 'y' },
      { service: 'a', title: 'x' },
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.count).toBe(3);
    expect(body.results.map((r: { occurrences: number }) => r.occurrences)).toEqual([1, 1, 2]);
  });

  it('rejects a batch with invalid alerts as a whole, naming each bad field', async () => {
    const res = await post('/api/v1/alerts', [
      { service: 'ok', title: 'fine' },
      { title: 'no service', severity: 'fatal', labels: { 'bad-name': 'x' } },
    ]);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.accepted).toBe(false);
    expect(body.error.code).toBe('invalid_alert');
    expect(body.error.details.map((d: { field: string; code: string }) => `${d.field}:${d.code}`)).toEqual([
      '[1].service:required',
      '[1].severity:invalid_enum',
      '[1].labels.bad-name:invalid_format',
    ]);
    expect((await get('/api/v1/alerts')).json().alerts).toEqual([]);
  });

  it('answers 413 for a body over the limit and 400 for too many alerts or bad JSON', async () => {
    const huge = await post('/api/v1/alerts', { service: 's', title: 'x'.repeat(100_000) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    const many = await post(
      '/api/v1/alerts',
      Array.from({ length: 101 }, (_, i) => ({ service: 's', title: `t${i}` })),
    );
    expect(many.statusCode).toBe(400);
    expect(many.json().error.code).toBe('too_many_alerts');
    const bad = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: { 'content-type': 'application/json' },
      payload: '{"service": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
    const text = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
  });

  it('claims, acks, fails and resolves through the API; events replay to the alert', async () => {
    const { results } = (
      await post('/api/v1/alerts', [
        { service: 'a', title: 'one' },
        { service: 'b', title: 'two' },
      ])
    ).json();
    const claim = await post('/api/v1/alerts/claim', { owner: 'sofiia', limit: 1, lock_ttl_seconds: 600 });
    expect(claim.statusCode).toBe(200);
    expect(claim.json().alerts.map((a: { ref: string }) => a.ref)).toEqual([results[0].alert_ref]);
    const ack = await post(`/api/v1/alerts/${results[0].alert_ref}/ack`, { note: 'false positive' });
    expect(ack.json().alert).toMatchObject({
      status: 'acked',
      ack_note: 'false positive',
      acked_by: 'local',
    });
    const again = await post(`/api/v1/alerts/${results[0].alert_ref}/ack`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('invalid_transition');
    await post('/api/v1/alerts/claim', { owner: 'w' });
    const fail = await post(`/api/v1/alerts/${results[1].alert_ref}/fail`, {
      error: 'gateway timeout',
      retry_after_seconds: 300,
    });
    expect(fail.json().alert).toMatchObject({ status: 'failed', last_error: 'gateway timeout' });
    t.clock.advance(6 * MIN);
    const reclaim = await post('/api/v1/alerts/claim', { owner: 'w2' });
    expect(reclaim.json().alerts.map((a: { ref: string }) => a.ref)).toEqual([results[1].alert_ref]);
    const resolve = await post(`/api/v1/alerts/${results[1].alert_ref}/resolve`, {});
    expect(resolve.json().alert.state).toBe('resolved');
    const detail = (await get(`/api/v1/alerts/${results[1].alert_ref}`)).json();
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual([
      'raised',
      'claimed',
      'failed',
      'requeued',
      'claimed',
      'resolved',
    ]);
    expect(replayAlert(detail.events)).toEqual(detail.alert);
  });

  it('validates claim and transition bodies with coded field errors', async () => {
    const r = await post('/api/v1/alerts/claim', { limit: 0, extra: 1 });
    expect(r.statusCode).toBe(400);
    const fields = r.json().error.details.map((d: { field: string; code: string }) => `${d.field}:${d.code}`);
    expect(fields).toEqual(
      expect.arrayContaining(['owner:required', 'limit:out_of_range', 'extra:unknown_field']),
    );
    const nf = await post('/api/v1/alerts/alrt_00000000000000000000000000/ack', {});
    expect(nf.statusCode).toBe(404);
    expect(nf.json().error.code).toBe('alert_not_found');
    const badRef = await post('/api/v1/alerts/nope/ack', {});
    expect(badRef.statusCode).toBe(400);
    expect(badRef.json().error.details[0].field).toBe('ref');
  });

  it('lists with filters and cursor pagination, and serves the dashboard', async () => {
    for (let i = 0; i < 5; i++) {
      await post('/api/v1/alerts', {
        service: i < 3 ? 'gateway' : 'db',
        kind: `k${i}`,
        title: `t${i}`,
        severity: i === 0 ? 'critical' : 'warning',
      });
    }
    const p1 = (await get('/api/v1/alerts?limit=2')).json();
    expect(p1.alerts).toHaveLength(2);
    const p2 = (await get(`/api/v1/alerts?limit=2&cursor=${p1.next_cursor}`)).json();
    const p3 = (await get(`/api/v1/alerts?limit=2&cursor=${p2.next_cursor}`)).json();
    expect([...p1.alerts, ...p2.alerts, ...p3.alerts].map((a: { title: string }) => a.title)).toEqual([
      't4',
      't3',
      't2',
      't1',
      't0',
    ]);
    expect(p3.next_cursor).toBeNull();
    expect((await get('/api/v1/alerts?service=gateway&severity=warning')).json().alerts).toHaveLength(2);
    expect((await get('/api/v1/alerts?status_in=new,failed&q=T1')).json().alerts).toHaveLength(1);
    const badQuery = await get('/api/v1/alerts?severity=fatal&limit=x');
    expect(badQuery.statusCode).toBe(400);
    expect(
      badQuery
        .json()
        .error.details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['limit', 'severity']);
    const dash = (await get('/api/v1/alerts/dashboard?window_minutes=60')).json();
    expect(dash).toMatchObject({
      window_minutes: 60,
      total: 5,
      by_status: { new: 5 },
      by_severity: { critical: 1, warning: 4 },
    });
    expect(dash.latest).toHaveLength(5);
    expect(dash.top_signatures.length).toBe(5);
  });

  it('serves the event log with a cursor', async () => {
    await post('/api/v1/alerts', [
      { service: 'a', title: 'x' },
      { service: 'a', title: 'x' },
      { service: 'b', title: 'y' },
    ]);
    const page1 = (await get('/api/v1/events?limit=2')).json();
    expect(page1.events.map((e: { type: string }) => e.type)).toEqual(['raised', 'deduped']);
    const page2 = (await get(`/api/v1/events?after=${page1.next_cursor}&limit=2`)).json();
    expect(page2.events.map((e: { type: string }) => e.type)).toEqual(['raised']);
    const page3 = (await get(`/api/v1/events?after=${page2.next_cursor}`)).json();
    expect(page3).toEqual({ events: [], next_cursor: page2.next_cursor });
  });

  it('turns alerts into incidents with notes, status changes and a timeline', async () => {
    const { results } = (
      await post('/api/v1/alerts', [
        { service: 'gw', title: 'down', labels: { i: '1' } },
        { service: 'gw', title: 'down', labels: { i: '2' } },
      ])
    ).json();
    const created = await post(`/api/v1/alerts/${results[0].alert_ref}/incident`, {
      incident_severity_cap: 'P1',
      dedupe_window_minutes: 60,
    });
    expect(created.statusCode).toBe(201);
    const inc = created.json();
    expect(inc).toMatchObject({
      created: true,
      triage: 'requested',
      incident: { status: 'open', severity: 'P2' },
    });
    const attached = await post(`/api/v1/alerts/${results[1].alert_ref}/incident`, {});
    expect(attached.statusCode).toBe(200);
    expect(attached.json()).toMatchObject({
      created: false,
      triage: 'cooldown',
      incident: { ref: inc.incident.ref, alert_count: 2 },
    });
    const ref = inc.incident.ref;
    expect((await post(`/api/v1/incidents/${ref}/notes`, { text: 'rolled back deploy' })).statusCode).toBe(
      201,
    );
    expect(
      (await post(`/api/v1/incidents/${ref}/status`, { status: 'mitigating' })).json().incident.status,
    ).toBe('mitigating');
    const back = await post(`/api/v1/incidents/${ref}/status`, { status: 'open' });
    expect(back.statusCode).toBe(409);
    expect((await get('/api/v1/incidents?status=open,mitigating&service=gw')).json().incidents).toHaveLength(
      1,
    );
    expect((await post(`/api/v1/incidents/${ref}/close`, { note: 'done' })).json().incident.status).toBe(
      'closed',
    );
    const detail = (await get(`/api/v1/incidents/${ref}`)).json();
    expect(detail.alert_refs).toEqual([results[0].alert_ref, results[1].alert_ref]);
    expect(detail.timeline.map((e: { type: string }) => e.type)).toEqual([
      'incident_opened',
      'incident_alert_attached',
      'incident_triage_requested',
      'incident_alert_attached',
      'incident_note',
      'incident_note',
      'incident_status_changed',
      'incident_status_changed',
    ]);
    expect((await get('/api/v1/incidents?status=open')).json().incidents).toHaveLength(0);
  });

  it('serves health, readiness and metrics', async () => {
    await post('/api/v1/alerts', { service: 'a', title: 'x', severity: 'critical' });
    expect((await get('/-/healthy')).statusCode).toBe(200);
    expect((await get('/-/ready')).statusCode).toBe(200);
    const metrics = (await get('/metrics')).body;
    expect(metrics).toContain('sentinel_alerts_ingested_total{api="v1",result="created"} 1');
    expect(metrics).toContain('sentinel_alerts{state="firing",status="new",severity="critical"} 1');
    expect(metrics).toMatch(/sentinel_store_operation_duration_seconds_count\{operation="ingest"\} 1/);
  });

  it('answers unknown routes with a coded 404', async () => {
    const r = await get('/api/v1/nope');
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('not_found');
  });

  it('has a status for every error code', () => {
    for (const [code, def] of Object.entries(ERROR_CODES))
      expect(def.status, code).toBeGreaterThanOrEqual(400);
  });
});
