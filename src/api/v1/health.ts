import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SentinelError } from '../../errors.js';
import { heartbeatStatus } from '../../checks/heartbeat.js';
import type { CheckConfig } from '../../engine/model.js';
import type { CheckState } from '../../engine/state.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseWith, queryInt } from '../params.js';

/*
 * Health truth and the engine's work: GET /api/v1/health (every service and pipeline), the
 * checks with their state, and evaluation cycles (run one now; the recent history).
 */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const checkParams = z.object({ id: z.string().min(1).max(128) });
const cyclesQuery = z.object({ limit: queryInt(1, 1000).optional() }).strict();
/** Endpoints without parameters still refuse unknown ones (a typo must not be silently ignored). */
const noQuery = z.object({}).strict();

function checkToApi(check: CheckConfig, state: CheckState | undefined, now: number) {
  return {
    id: check.id,
    service: check.service,
    kind: check.kind,
    name: check.name,
    severity: check.severity,
    interval_seconds: check.intervalMs / 1000,
    fail_after: check.failAfter,
    clear_after: check.clearAfter,
    sources: [...check.sources],
    state: state?.status ?? 'unknown',
    firing: state?.firing ?? false,
    alert_ref: state?.firing ? state.alertRef : null,
    consecutive_failures: state?.consecutiveFailures ?? 0,
    consecutive_successes: state?.consecutiveSuccesses ?? 0,
    last_run_at: iso(state?.lastRunAt ?? null),
    next_run_at: iso(state?.nextRunAt ?? null),
    last_ok_at: iso(state?.lastOkAt ?? null),
    unavailable_since: iso(state?.unavailableSince ?? null),
    runs: state?.runs ?? 0,
    result: state?.result
      ? {
          outcome: state.result.outcome,
          severity: state.result.severity,
          message: state.result.message,
          observed_state: state.result.observed,
          signal_query: state.result.signalQuery,
          truth_age_ms: state.result.truthAgeMs,
          unavailable_sources: state.result.unavailableSources,
        }
      : null,
    ...(check.kind === 'heartbeat'
      ? {
          heartbeat: {
            status: heartbeatStatus(check, {
              now,
              source: () => undefined,
              ...(state?.heartbeat ? { heartbeat: state.heartbeat } : {}),
            }).status,
            period_seconds: check.periodMs / 1000,
            grace_seconds: check.graceMs / 1000,
            last_ping_at: iso(state?.heartbeat?.lastPingAt ?? null),
            last_success_at: iso(state?.heartbeat?.lastSuccessAt ?? null),
            last_failure_at: iso(state?.heartbeat?.lastFailureAt ?? null),
            open_runs: Object.entries(state?.heartbeat?.openRuns ?? {}).map(([rid, at]) => ({
              run_id: rid === '' ? null : rid,
              started_at: iso(at),
            })),
            paused: state?.heartbeat?.paused ?? false,
          },
        }
      : {}),
  };
}

export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const canRead = requireScope(ctx.auth, 'alerts:read');

  app.get('/api/v1/health', { onRequest: canRead }, async (request) => {
    parseWith(noQuery, request.query, 'invalid_field');
    return ctx.health.report();
  });

  app.get('/api/v1/checks', { onRequest: canRead }, async (request) => {
    parseWith(noQuery, request.query, 'invalid_field');
    const cfg = ctx.health.config();
    const states = new Map((await ctx.health.states()).map((s) => [s.checkId, s]));
    const now = ctx.clock.now();
    return { checks: [...cfg.checks.values()].map((c) => checkToApi(c, states.get(c.id), now)) };
  });

  app.get('/api/v1/checks/:id', { onRequest: canRead }, async (request) => {
    const { id } = parseWith(checkParams, request.params, 'invalid_field');
    const check = ctx.health.config().checks.get(id);
    if (!check) throw new SentinelError('check_not_found', `no check ${JSON.stringify(id)} is configured`);
    const state = (await ctx.health.states()).find((s) => s.checkId === id);
    const pings =
      check.kind === 'heartbeat'
        ? (await ctx.store.health.pings(id, 50)).map((p) => ({
            kind: p.kind,
            run_id: p.runId,
            exit_status: p.exitStatus,
            at: iso(p.at),
            body: p.body,
          }))
        : undefined;
    return { check: { ...checkToApi(check, state, ctx.clock.now()), ...(pings ? { pings } : {}) } };
  });

  app.post('/api/v1/cycles', { onRequest: requireScope(ctx.auth, 'admin') }, async () => ({
    cycle: await ctx.health.runCycle(),
  }));

  app.get('/api/v1/cycles', { onRequest: canRead }, async (request) => {
    const q = parseWith(cyclesQuery, request.query, 'invalid_field');
    return { cycles: await ctx.store.health.cycles(q.limit ?? 50) };
  });
}
