import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../helpers/app.js';

describe('Alertmanager API v2 alert ingest', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });
  const post = (payload: unknown) =>
    t.app.http.inject({ method: 'POST', url: '/api/v2/alerts', payload: payload as object });

  it('stores alerts with the same fingerprint Alertmanager gives them', async () => {
    const r = await post([
      {
        labels: { alertname: 'Test', job: 'x' },
        annotations: { summary: 'Test is firing', description: 'details' },
        startsAt: '2026-03-01T11:59:00Z',
        generatorURL: 'http://prometheus/graph',
      },
    ]);
    expect(r.statusCode).toBe(200);
    const list = (await t.app.http.inject({ method: 'GET', url: '/api/v1/alerts' })).json();
    expect(list.alerts[0]).toMatchObject({
      fingerprint: '7d462c951641368d',
      service: 'x',
      title: 'Test is firing',
      message: 'details',
      severity: 'warning',
      state: 'firing',
      source: 'alertmanager-api',
      starts_at: '2026-03-01T11:59:00.000Z',
      generator_url: 'http://prometheus/graph',
      labels: { alertname: 'Test', job: 'x' },
    });
  });

  it('resolves an alert whose endsAt is in the past', async () => {
    await post([{ labels: { alertname: 'R', severity: 'critical' } }]);
    t.clock.advance(60_000);
    await post([{ labels: { alertname: 'R', severity: 'critical' }, endsAt: '2026-03-01T12:00:30Z' }]);
    const list = (await t.app.http.inject({ method: 'GET', url: '/api/v1/alerts?state=resolved' })).json();
    expect(list.alerts).toHaveLength(1);
    expect(list.alerts[0]).toMatchObject({ severity: 'critical', resolved_at: '2026-03-01T12:00:30.000Z' });
  });

  it('rejects malformed alerts with coded field errors and stores nothing', async () => {
    const r = await post([
      { labels: { alertname: 'ok' } },
      { labels: {} },
      { labels: { 'bad-name': 'x' }, startsAt: 'yesterday' },
    ]);
    expect(r.statusCode).toBe(400);
    expect(
      r.json().error.details.map((d: { field: string; code: string }) => `${d.field}:${d.code}`),
    ).toEqual(['[1].labels:required', '[2].labels.bad-name:invalid_format', '[2].startsAt:invalid_format']);
    expect((await post({ labels: {} })).statusCode).toBe(400);
  });
});
