import { afterEach, describe, expect, it } from 'vitest';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';
import { JsonEndpoint } from '../helpers/json-endpoint.js';
import { BACKENDS, testStore, type TestStore } from '../helpers/stores.js';
import { mulberry32, poisson } from '../anomaly/synthetic.js';

/*
 * The anomaly layer end to end, on both stores, with a manual clock: samples pushed over the API
 * become series points; anomaly checks warm up, then flag a quote-rate collapse with a warning
 * alert whose observed_state holds the baseline, band and current value; a flow mismatch between
 * two counters; a spike of a value collected from an HTTP source; baselines survive a restart;
 * GET /api/v1/series returns the points with the band and anomaly markers.
 */

const T0 = Date.parse('2026-03-01T12:00:00Z');

function config(url: string): string {
  return `
services:
  - name: ingest
    scope: ingest
  - name: writer
    scope: persistence
sources:
  - name: feed
    kind: http
    url: ${url}/stats
checks:
  - id: quote-rate
    service: ingest
    kind: anomaly
    name: Quote rate
    detector: collapse
    series: quotes_published_total
    display: { name: quote rate }
    interval: 15s
  - id: quote-flow
    service: writer
    kind: anomaly
    name: Quotes reach the history
    detector: flow_mismatch
    upstream: quotes_published_total
    downstream: quotes_written_total
    lag: 2m
    interval: 15s
  - id: reconnects
    service: ingest
    kind: anomaly
    name: Feed reconnects
    detector: spike
    series: { metric: feed_reconnects_total, source: feed, value: '[BODY].reconnects', type: counter }
    baseline: { step: 1m, window: 30m, min_points: 20 }
    for: 1m
    display: { name: reconnects, per: minute }
    interval: 15s
`;
}

describe.each(BACKENDS)('anomaly layer (%s)', (backend) => {
  let t: NotifyTestApp | null = null;
  let store: TestStore | null = null;
  const feed = new JsonEndpoint();
  afterEach(async () => {
    await t?.close();
    t = null;
    await store?.dispose();
    store = null;
    await feed.stop();
  });

  const post = (url: string, payload: unknown) =>
    t!.app.http.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
  const get = (url: string) => t!.app.http.inject({ method: 'GET', url });

  /** Counters as a process would push them: one sample per second per metric. */
  const counters = { published: 0, written: 0 };
  async function pushSeconds(from: number, seconds: number, rate: (s: number) => number, writing = true) {
    const rand = mulberry32(from);
    const samples: unknown[] = [];
    for (let s = 0; s < seconds; s++) {
      const n = poisson(rand, rate(s));
      counters.published += n;
      if (writing) counters.written += n;
      const at = new Date(from + s * 1000).toISOString();
      samples.push({ metric: 'quotes_published_total', type: 'counter', value: counters.published, at });
      samples.push({ metric: 'quotes_written_total', type: 'counter', value: counters.written, at });
    }
    for (let i = 0; i < samples.length; i += 1000) {
      const r = await post('/api/v1/samples', { samples: samples.slice(i, i + 1000) });
      expect(r.statusCode).toBe(202);
    }
  }

  /** Pushes `seconds` of samples in 15 s slices, running a cycle after each like the loop would. */
  async function run(
    seconds: number,
    rate: (s: number) => number,
    writing = true,
    reconnects?: () => number,
  ) {
    const cycles: Array<{ at: number; raised: string[]; cleared: string[] }> = [];
    for (let s = 0; s < seconds; s += 15) {
      const from = t!.clock.now();
      await pushSeconds(from, 15, (x) => rate(s + x), writing);
      t!.clock.set(from + 15_000);
      if (reconnects) feed.body = { reconnects: reconnects() };
      const c = (await post('/api/v1/cycles', {})).json().cycle;
      cycles.push({ at: t!.clock.now(), raised: c.transitions.raised, cleared: c.transitions.cleared });
    }
    return cycles;
  }

  const checkOf = async (id: string) => (await get(`/api/v1/checks/${id}`)).json().check;

  it('warms up, then flags a 90% collapse within 2 minutes with a warning alert that says what it saw', async () => {
    const url = await feed.start();
    feed.body = { reconnects: 0 };
    store = await testStore(backend);
    t = await notifyApp(backend, config(url), { reuse: store });
    counters.published = counters.written = 0;

    // Five minutes of data: still warming up, nothing raised whatever the rate does.
    await run(300, () => 12);
    const warming = await checkOf('quote-rate');
    expect(warming.result.message).toMatch(/warming up/);
    expect(warming.result.observed_state.state).toBe('warming_up');

    // Forty minutes of noisy, steady flow: no warnings.
    const steady = await run(2400, () => 12);
    expect(steady.flatMap((c) => c.raised)).toEqual([]);
    expect((await checkOf('quote-rate')).result.observed_state.state).toBe('ok');

    // A restart keeps the baseline: the series are in the store.
    await t.close();
    t = await notifyApp(backend, config(url), { reuse: store, clock: t.clock });
    const after = await run(15, () => 12);
    expect(after.flatMap((c) => c.raised)).toEqual([]);
    expect((await checkOf('quote-rate')).result.observed_state.state).toBe('ok');

    // The rate drops by 90% (and what is published still reaches the history: no flow mismatch).
    const dropAt = t.clock.now();
    const drop = await run(180, () => 1.2);
    const raisedAt = drop.find((c) => c.raised.includes('quote-rate'))?.at;
    expect(raisedAt).toBeDefined();
    expect(raisedAt! - dropAt).toBeLessThanOrEqual(120_000);
    expect(drop.flatMap((c) => c.raised)).not.toContain('quote-flow');

    const alerts = (await get('/api/v1/alerts?state=firing&limit=50')).json().alerts as Array<{
      severity: string;
      title: string;
      message: string;
      labels: Record<string, string>;
      observed_state?: unknown;
      ref: string;
    }>;
    const alert = alerts.find((a) => a.labels.check === 'quote-rate');
    expect(alert).toBeDefined();
    expect(alert!.severity).toBe('warning');
    const full = (await get(`/api/v1/alerts/${alert!.ref}`)).json().alert;
    expect(full.message).toMatch(/quote rate [\d.]+\/s vs baseline [\d.]+\/s \(-\d+%\) for \d/);
    const observed = JSON.parse(full.annotations.observed_state);
    expect(observed.baseline).toBeGreaterThan(10);
    expect(observed.baseline).toBeLessThan(14);
    expect(observed.current).toBeLessThan(3);
    expect(observed.band).toHaveLength(2);

    // The chart: points, the band, and the anomaly marker where the collapse is.
    const from = new Date(dropAt - 600_000).toISOString();
    const to = new Date(t.clock.now()).toISOString();
    const chart = await get(`/api/v1/series?name=quotes_published_total&from=${from}&to=${to}`);
    expect(chart.statusCode).toBe(200);
    const body = chart.json();
    expect(body.resolution).toBe('raw');
    expect(body.series).toHaveLength(1);
    expect(body.series[0].points.length).toBeGreaterThan(700);
    const detector = body.detectors.find((d: { check: string }) => d.check === 'quote-rate');
    expect(detector.points.some((p: { lower: number | null }) => p.lower !== null)).toBe(true);
    expect(detector.anomalies.length).toBeGreaterThanOrEqual(1);
    expect(Date.parse(detector.anomalies[0].from)).toBeGreaterThanOrEqual(dropAt);

    // The collapse lasts 40 minutes more: it stays a warning (its start keeps the collapsed buckets
    // out of the baseline, which would otherwise take them in after half an hour).
    const lasting = await run(2400, () => 1.2);
    expect(lasting.flatMap((c) => c.cleared)).not.toContain('quote-rate');
    expect((await checkOf('quote-rate')).result.observed_state.state).toBe('anomalous');

    // Quotes flow again: the warning clears.
    const recovery = await run(180, () => 12);
    expect(recovery.flatMap((c) => c.cleared)).toContain('quote-rate');
    // Close to two simulated hours of 1 s samples pushed over the API: 5-16 s here, so a slow CI
    // machine gets room beyond the default 30 s.
  }, 120_000);

  it('flags a flow mismatch when the downstream counter stops while the upstream advances', async () => {
    const url = await feed.start();
    feed.body = { reconnects: 0 };
    t = await notifyApp(backend, config(url));
    counters.published = counters.written = 0;
    t.clock.set(T0);
    const steady = await run(300, () => 5);
    expect(steady.flatMap((c) => c.raised)).not.toContain('quote-flow');
    const stallAt = t.clock.now();
    const stall = await run(240, () => 5, false);
    const raisedAt = stall.find((c) => c.raised.includes('quote-flow'))?.at;
    expect(raisedAt).toBeDefined();
    // Within the lag window plus one interval.
    expect(raisedAt! - stallAt).toBeLessThanOrEqual(120_000 + 15_000);
    const check = await checkOf('quote-flow');
    expect(check.result.message).toMatch(/quotes_published_total/);
    expect(check.result.message).toMatch(/did not advance/);
  });

  it('records a value collected from a source as a series and flags a spike of it', async () => {
    const url = await feed.start();
    t = await notifyApp(backend, config(url));
    counters.published = counters.written = 0;
    let reconnects = 0;
    const rand = mulberry32(7);
    // 35 minutes of 0-2 reconnects a minute, read every 15 s from the feed's stats endpoint.
    const quiet = await run(
      2100,
      () => 3,
      true,
      () => (reconnects += rand() < 0.1 ? 1 : 0),
    );
    expect(quiet.flatMap((c) => c.raised)).not.toContain('reconnects');
    const series = (await get('/api/v1/series?name=feed_reconnects_total')).json();
    expect(series.series[0].labels).toEqual({ source: 'feed' });
    // A reconnect storm: 30 a minute.
    const storm = await run(
      180,
      () => 3,
      true,
      () => (reconnects += 8),
    );
    expect(storm.flatMap((c) => c.raised)).toContain('reconnects');
    const check = await checkOf('reconnects');
    expect(check.result.message).toMatch(/reconnects [\d.]+\/min vs baseline [\d.]+\/min/);
  }, 60_000);

  it('answers bad series queries with coded 400s naming the field', async () => {
    const url = await feed.start();
    t = await notifyApp(backend, config(url));
    for (const [query, field] of [
      ['name=bad-name', 'name'],
      ['name=x&labels=feed%3D~%22(', 'labels'],
      ['name=x&from=yesterday', 'from'],
      ['name=x&step=fast', 'step'],
      ['name=x&from=2026-03-01T12:00:00Z&to=2026-03-01T11:00:00Z', 'from'],
      ['name=x&check=nope', 'check'],
      ['name=x&bogus=1', ''],
    ] as const) {
      const r = await get(`/api/v1/series?${query}`);
      expect(r.statusCode, query).toBe(400);
      expect(r.json().error.code, query).toBe('invalid_field');
      if (field) expect(JSON.stringify(r.json().error), query).toContain(field);
    }
    const list = await get('/api/v1/series');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ metrics: [] });
  });
});
