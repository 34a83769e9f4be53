import { describe, evaluate } from './expr/index.js';
import type { CheckResult, FreshnessCheck } from '../engine/model.js';
import { exprSource, humanDuration, type EvalContext } from './context.js';
import { parseTimestamp, timestampMs } from './expr/functions.js';
import { checkResult, observedOf, unavailable } from './results.js';

/**
 * Freshness: the age of the newest truth (a timestamp read from a source) against a warning and a
 * critical threshold. This is the check that catches "running but not advancing": the endpoint
 * answers, the timestamp does not move.
 */
export function evaluateFreshness(check: FreshnessCheck, ctx: EvalContext): CheckResult {
  const r = evaluate(check.timestamp, {
    now: ctx.now,
    primary: check.sources[0] ?? null,
    source: exprSource(ctx),
  });
  const signalQuery = `age(${describe(check.timestamp)}) < ${humanDuration(check.criticalAfterMs)}${
    check.warningAfterMs !== null ? ` (warning after ${humanDuration(check.warningAfterMs)})` : ''
  }`;
  if (r.kind === 'unavailable') return unavailable(check, r.sources, signalQuery);
  if (r.kind === 'error') return checkResult(check, 'error', r.message, { signalQuery });
  const at = timestampOrNull(r.value);
  const observed = observedOf(r.observed);
  if (at === null) {
    // No timestamp at all (an empty table, a missing field): there is no fresh truth.
    const message = `no timestamp to judge freshness by (${describe(check.timestamp)} is ${JSON.stringify(r.value)})`;
    return checkResult(check, 'violation', message, { signalQuery, observed, severity: 'critical' });
  }
  const age = Math.max(0, ctx.now - at);
  observed.age = humanDuration(age);
  observed.age_ms = age;
  const critical = age >= check.criticalAfterMs;
  const warning = check.warningAfterMs !== null && age >= check.warningAfterMs;
  if (!critical && !warning)
    return checkResult(check, 'ok', `fresh (${humanDuration(age)} old)`, {
      signalQuery,
      observed,
      truthAgeMs: age,
    });
  const limit = critical ? check.criticalAfterMs : check.warningAfterMs!;
  return checkResult(
    check,
    'violation',
    `stale, last update ${humanDuration(age)} ago (limit ${humanDuration(limit)})`,
    {
      signalQuery,
      observed,
      truthAgeMs: age,
      severity: critical ? 'critical' : 'warning',
    },
  );
}

/** A timestamp as the condition language's age() reads it (RFC 3339, epoch seconds or ms); null if none. */
function timestampOrNull(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return timestampMs(v);
  if (typeof v === 'string' && v !== '')
    return /^\d+(\.\d+)?$/.test(v) ? timestampMs(Number(v)) : parseTimestamp(v);
  return null;
}
