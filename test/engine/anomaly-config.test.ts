import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import type { AnomalyCheck } from '../../src/engine/model.js';

/*
 * The anomaly check kind's options: defaults, the three detectors, collected series, and every
 * mistake reported with its key path at load.
 */

const dir = mkdtempSync(join(tmpdir(), 'sentinel-anomaly-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `
services:
  - name: ingest
sources:
  - name: status
    kind: http
    url: http://127.0.0.1:1/status
`;

let n = 0;
async function load(checks: string, extra = '') {
  const file = join(dir, `c${n++}.yml`);
  writeFileSync(file, `${BASE}${extra}checks:\n${checks}`);
  return loadConfig({ path: file, env: {} });
}

async function issuesOf(checks: string, extra = ''): Promise<string[]> {
  try {
    await load(checks, extra);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('anomaly checks in the configuration', () => {
  it('fills in defaults: a warning, a median baseline over an hour of 10 s steps, collapse below half for a minute', async () => {
    const { health } = await load(
      `  - { id: q, service: ingest, kind: anomaly, detector: collapse, series: quotes_published_total }\n`,
    );
    const check = health.checks.get('q') as AnomalyCheck;
    expect(check).toMatchObject({
      kind: 'anomaly',
      severity: 'warning',
      sources: [],
      series: { metric: 'quotes_published_total', matchers: [], type: null, collect: null },
      detector: {
        kind: 'collapse',
        fraction: 0.5,
        forMs: 60_000,
        baseline: { method: 'median', windowMs: 3_600_000, stepMs: 10_000, seasonality: 'none' },
      },
      display: { name: 'quotes_published_total', unit: '/s', perSeconds: 1 },
    });
    expect(health.options.series).toEqual({
      rawRetentionMs: 6 * 3_600_000,
      rollupRetentionMs: 35 * 86_400_000,
      counterSilenceMs: 60_000,
    });
  });

  it('reads a collected series, a spike with seasonality, and a flow mismatch', async () => {
    const { health } = await load(
      `  - id: r
    service: ingest
    kind: anomaly
    detector: spike
    series: { metric: ws_reconnects_total, source: status, value: '[BODY].reconnects', type: counter }
    k: 8
    baseline: { step: 5m, seasonality: hour_of_day, seasonal_min_periods: 2 }
    display: { name: reconnects, per: minute }
  - id: f
    service: ingest
    kind: anomaly
    detector: flow_mismatch
    upstream: { metric: quotes_published_total, matchers: ['feed="near"'] }
    downstream: quotes_written_total
    lag: 90s
    min_ratio: 0.1
`,
      'health:\n  series: { raw_retention: 12h, rollup_retention: 60d, counter_silence: 1m }\n',
    );
    const r = health.checks.get('r') as AnomalyCheck;
    expect(r.sources).toEqual(['status']);
    expect(r.series).toMatchObject({
      metric: 'ws_reconnects_total',
      matchers: [{ name: 'source', type: '=', value: 'status' }],
      type: 'counter',
    });
    expect(r.series!.collect!.source).toBe('status');
    expect(r.detector).toMatchObject({
      kind: 'spike',
      k: 8,
      baseline: { stepMs: 300_000, seasonality: 'hour_of_day', seasonalMinPeriods: 2 },
    });
    expect(r.display).toEqual({ name: 'reconnects', unit: '/min', perSeconds: 60 });
    const f = health.checks.get('f') as AnomalyCheck;
    expect(f.detector).toEqual({
      kind: 'flow_mismatch',
      lagMs: 90_000,
      minUpstreamIncrease: 1,
      minRatio: 0.1,
    });
    expect(f.upstream!.matchers).toEqual([{ name: 'feed', type: '=', value: 'near' }]);
    expect(f.display.name).toBe('quotes_published_total -> quotes_written_total');
    expect(health.options.series.counterSilenceMs).toBe(60_000);
  });

  it.each([
    [
      'an unknown detector',
      `detector: wobble, series: x`,
      /checks\[0\]\.detector: must be one of collapse, spike, flow_mismatch/,
    ],
    ['no series', `detector: collapse`, /checks\[0\]\.series: is required/],
    [
      'a bad metric name',
      `detector: collapse, series: 'bad-name'`,
      /checks\[0\]\.series: must be a metric name/,
    ],
    [
      'a fraction out of range',
      `detector: collapse, series: x, fraction: 2`,
      /checks\[0\]\.fraction: must be a number from 0\.001 to 0\.999/,
    ],
    [
      'a spike option on a collapse',
      `detector: collapse, series: x, min_spread: 1`,
      /checks\[0\]\.min_spread: applies to the spike detector only/,
    ],
    [
      'flow options on a spike',
      `detector: spike, series: x, lag: 1m`,
      /checks\[0\]\.lag: applies to the flow_mismatch detector only/,
    ],
    [
      'a flow mismatch without downstream',
      `detector: flow_mismatch, upstream: x`,
      /checks\[0\]\.downstream: is required/,
    ],
    [
      'a flow mismatch over a gauge',
      `detector: flow_mismatch, upstream: { metric: x, type: gauge }, downstream: y`,
      /checks\[0\]\.upstream\.type: flow mismatch compares counters/,
    ],
    [
      'for shorter than the step',
      `detector: collapse, series: x, for: 5s`,
      /checks\[0\]\.for: must be at least baseline\.step/,
    ],
    [
      'a window of few steps',
      `detector: collapse, series: x, baseline: { window: 1m }`,
      /checks\[0\]\.baseline\.window: must hold at least 10 steps/,
    ],
    [
      'a window beyond raw retention',
      `detector: collapse, series: x, baseline: { window: 7h }`,
      /checks\[0\]\.baseline\.window: window \+ for must fit/,
    ],
    [
      'seasonality on seconds',
      `detector: spike, series: x, baseline: { step: 30s, seasonality: hour_of_day }`,
      /checks\[0\]\.baseline\.step: must be whole minutes with seasonality/,
    ],
    [
      'weekly seasonality beyond rollup retention',
      `detector: spike, series: x, baseline: { step: 1m, seasonality: hour_of_week, seasonal_min_periods: 6 }`,
      /checks\[0\]\.baseline\.seasonal_min_periods: needs more history/,
    ],
    [
      'an unknown baseline method',
      `detector: spike, series: x, baseline: { method: mean }`,
      /checks\[0\]\.baseline\.method: must be median or ewma/,
    ],
    [
      'a collected series without type',
      `detector: spike, series: { metric: x, source: status, value: '[BODY].n' }`,
      /checks\[0\]\.series\.type: is required for a collected series/,
    ],
    [
      'a collected series from an undefined source',
      `detector: spike, series: { metric: x, source: nope, value: '1', type: gauge }`,
      /checks\[0\]\.series\.source: undefined source "nope"/,
    ],
    [
      'a collected value that does not parse',
      `detector: spike, series: { metric: x, source: status, value: '[BODY].', type: gauge }`,
      /checks\[0\]\.series\.value: /,
    ],
    [
      'source on the check itself',
      `detector: spike, series: x, source: status`,
      /checks\[0\]\.source: an anomaly check reads series/,
    ],
    [
      'an unknown display unit',
      `detector: spike, series: x, display: { per: fortnight }`,
      /checks\[0\]\.display\.per: must be second, minute or hour/,
    ],
  ])('refuses %s', async (_name, body, expected) => {
    const issues = await issuesOf(`  - { id: a, service: ingest, kind: anomaly, ${body} }\n`);
    expect(issues.join('\n')).toMatch(expected);
  });

  it('refuses series options out of range', async () => {
    const issues = await issuesOf(
      '',
      'health:\n  series: { raw_retention: 1m, rollup_retention: 10m, bogus: 1 }\n',
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/health\.series\.raw_retention: must be at least 10m/),
        expect.stringMatching(/health\.series\.bogus: unknown option/),
      ]),
    );
  });
});
