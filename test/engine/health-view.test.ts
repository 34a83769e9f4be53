import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/engine/model.js';
import { healthReport, overdueAfterMs } from '../../src/engine/health-view.js';
import { newCheckState, type CheckState } from '../../src/engine/state.js';
import { conditionCheck, freshnessCheck, healthConfig, service, source } from './fixtures.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');

function ok(truthAgeMs: number | null = null): CheckResult {
  return {
    outcome: 'ok',
    severity: 'critical',
    message: 'holds',
    observed: {},
    signalQuery: 'q',
    truthAgeMs,
    unavailableSources: [],
  };
}

function state(id: string, patch: Partial<CheckState>): CheckState {
  return { ...newCheckState(id, T0 - 60_000), ...patch };
}

const cfg = healthConfig({
  services: [
    service('ingest', [], { scope: 'ingest', pipelines: ['quotes'] }),
    service('executor', ['ingest'], { scope: 'execution', pipelines: ['quotes'] }),
    service('dashboard', ['executor'], { scope: 'operator surface', pipelines: ['quotes'] }),
    service('empty'),
  ],
  sources: [source('db', 30_000, 2000), source('api', 30_000, 1000)],
  checks: [
    freshnessCheck('quotes-fresh', 'ingest', 'db', '[ROW].t', 60_000),
    conditionCheck('executor-up', 'executor', 'api', '[STATUS] == 200'),
    conditionCheck('dashboard-up', 'dashboard', 'api', '[STATUS] == 200'),
  ],
});

const fresh = (id: string, extra: Partial<CheckState> = {}) =>
  state(id, { status: 'ok', lastRunAt: T0 - 1000, lastOkAt: T0 - 1000, result: ok(), ...extra });

function report(states: CheckState[], now = T0) {
  return healthReport({
    config: cfg,
    states: new Map(states.map((s) => [s.checkId, s])),
    now,
    lastCycleAt: T0 - 1000,
  });
}
const byName = (r: ReturnType<typeof report>, name: string) => r.services.find((s) => s.name === name)!;

describe('health report', () => {
  it('is healthy only when every check ran recently and holds; a service without checks is unknown', () => {
    const r = report([
      fresh('quotes-fresh', { result: ok(4000) }),
      fresh('executor-up'),
      fresh('dashboard-up'),
    ]);
    expect(byName(r, 'ingest')).toMatchObject({ status: 'healthy', problem_scope: null, truth_age_ms: 5000 });
    expect(byName(r, 'empty')).toMatchObject({
      status: 'unknown',
      reason: 'no checks configured for this service',
    });
    expect(r.pipelines).toEqual([
      {
        name: 'quotes',
        status: 'healthy',
        reason: 'all 3 stages healthy',
        services: ['ingest', 'executor', 'dashboard'],
      },
    ]);
  });

  it('is stale, never healthy, when a check has not been evaluated within its schedule', () => {
    const check = cfg.checks.get('quotes-fresh')!;
    const limit = overdueAfterMs(check, cfg);
    expect(limit).toBe(2 * 10_000 + 2000 + 15_000);
    const s = fresh('quotes-fresh', { lastRunAt: T0 - limit - 1 });
    const r = report([s, fresh('executor-up'), fresh('dashboard-up')]);
    expect(byName(r, 'ingest').status).toBe('stale');
    expect(byName(r, 'ingest').reason).toMatch(/not evaluated for 37 s/);
    expect(report([{ ...s, lastRunAt: T0 - limit }]).services[0]!.status).toBe('healthy');
  });

  it('is stale once its sources stay unavailable beyond their policy, keeping the last answer before', () => {
    const down = (since: number) =>
      fresh('quotes-fresh', { status: 'unavailable', unavailableSince: T0 - since });
    expect(byName(report([down(29_000)]), 'ingest').status).toBe('healthy');
    expect(byName(report([down(30_000)]), 'ingest').status).toBe('stale');
  });

  it('is critical for a firing critical finding and degraded for a warning; upstream trouble is marked downstream', () => {
    const r = report([
      fresh('quotes-fresh', {
        status: 'failing',
        firing: true,
        severity: 'critical',
        result: { ...ok(90_000), outcome: 'violation', message: 'stale 90 s' },
      }),
      fresh('executor-up', { status: 'failing', firing: true, severity: 'warning' }),
      fresh('dashboard-up'),
    ]);
    expect(byName(r, 'ingest')).toMatchObject({
      status: 'critical',
      reason: 'stale 90 s',
      problem_scope: 'service',
    });
    expect(byName(r, 'executor')).toMatchObject({ status: 'degraded', problem_scope: 'pipeline' });
    expect(byName(r, 'executor').upstream_trouble).toEqual([{ service: 'ingest', status: 'critical' }]);
    expect(byName(r, 'dashboard')).toMatchObject({ status: 'healthy', problem_scope: null });
    expect(byName(r, 'dashboard').upstream_trouble.map((u) => u.service)).toEqual(['executor', 'ingest']);
    expect(byName(r, 'ingest').dependents).toEqual(['executor']);
    expect(r.pipelines[0]).toMatchObject({ status: 'critical', reason: 'ingest: stale 90 s' });
    expect(r.status).toBe('critical');
  });

  it('names an operator surface failing on its own as a downstream surface problem', () => {
    const r = report([
      fresh('quotes-fresh'),
      fresh('executor-up'),
      fresh('dashboard-up', { status: 'failing', firing: true, severity: 'critical' }),
    ]);
    expect(byName(r, 'dashboard')).toMatchObject({ status: 'critical', problem_scope: 'downstream_surface' });
  });

  it('a failing check or an error that has not reached fail_after leaves the status at its last answer', () => {
    const r = report([
      fresh('quotes-fresh', { status: 'failing', firing: false }),
      fresh('executor-up', { status: 'error' }),
      fresh('dashboard-up', { status: 'error', lastOkAt: null }),
    ]);
    expect(byName(r, 'ingest').status).toBe('healthy');
    expect(byName(r, 'executor').status).toBe('healthy');
    // Never passed: nothing known yet.
    expect(byName(r, 'dashboard').status).toBe('unknown');
  });

  it('counts the truth of a check whose sources stopped answering from when they stopped', () => {
    const r = report([fresh('quotes-fresh', { status: 'unavailable', unavailableSince: T0 - 20_000 })]);
    expect(byName(r, 'ingest').truth_age_ms).toBe(20_000);
  });
});
