import type { CheckResult, HeartbeatCheck } from '../engine/model.js';
import { EMPTY_HEARTBEAT, type HeartbeatStatus } from '../engine/heartbeat-state.js';
import { humanDuration, type EvalContext } from './context.js';

/**
 * Heartbeats with Healthchecks' semantics: a job pings at least every `period`; it is late after
 * the period and down after period + grace; /fail (or a non-zero exit status) is down at once; a
 * run that started and has not finished within its maximum runtime is down; a check never pinged
 * is new and alerts nobody; a paused check alerts nobody until its next ping.
 */
export function heartbeatStatus(
  check: HeartbeatCheck,
  ctx: EvalContext,
): { status: HeartbeatStatus; detail: string; ageMs: number | null } {
  const s = ctx.heartbeat ?? EMPTY_HEARTBEAT;
  if (s.paused) return { status: 'paused', detail: 'paused', ageMs: null };
  const maxRuntime = check.maxRuntimeMs ?? check.periodMs + check.graceMs;
  for (const [rid, startedAt] of Object.entries(s.openRuns)) {
    if (ctx.now - startedAt > maxRuntime)
      return {
        status: 'down',
        detail: `run ${rid === '' ? '' : `${rid} `}started ${humanDuration(ctx.now - startedAt)} ago and has not finished (limit ${humanDuration(maxRuntime)})`,
        ageMs: ctx.now - startedAt,
      };
  }
  if (s.failed && s.lastFailureAt !== null) {
    return {
      status: 'down',
      detail: `reported failure ${humanDuration(ctx.now - s.lastFailureAt)} ago${s.lastExitStatus !== null ? ` (exit status ${s.lastExitStatus})` : ''}`,
      ageMs: ctx.now - s.lastFailureAt,
    };
  }
  if (s.lastSuccessAt === null) {
    if (Object.keys(s.openRuns).length > 0)
      return { status: 'started', detail: 'first run in progress', ageMs: null };
    return { status: 'new', detail: 'waiting for the first ping', ageMs: null };
  }
  const age = ctx.now - s.lastSuccessAt;
  if (age <= check.periodMs)
    return {
      status: Object.keys(s.openRuns).length > 0 ? 'started' : 'up',
      detail: `last ping ${humanDuration(age)} ago`,
      ageMs: age,
    };
  if (age <= check.periodMs + check.graceMs)
    return {
      status: 'late',
      detail: `late: last ping ${humanDuration(age)} ago (period ${humanDuration(check.periodMs)})`,
      ageMs: age,
    };
  return {
    status: 'down',
    detail: `no ping for ${humanDuration(age)} (period ${humanDuration(check.periodMs)} + grace ${humanDuration(check.graceMs)})`,
    ageMs: age,
  };
}

export function evaluateHeartbeat(check: HeartbeatCheck, ctx: EvalContext): CheckResult {
  const h = heartbeatStatus(check, ctx);
  const s = ctx.heartbeat ?? EMPTY_HEARTBEAT;
  const observed: Record<string, unknown> = {
    status: h.status,
    last_ping_at: s.lastPingAt === null ? null : new Date(s.lastPingAt).toISOString(),
    ...(s.lastBody ? { last_body: s.lastBody.slice(0, 500) } : {}),
  };
  const signalQuery = `ping every ${humanDuration(check.periodMs)}, grace ${humanDuration(check.graceMs)}`;
  return {
    outcome: h.status === 'down' ? 'violation' : 'ok',
    severity: check.severity,
    message: `${check.name}: ${h.detail}`,
    observed,
    signalQuery,
    truthAgeMs: h.ageMs,
    unavailableSources: [],
  };
}
