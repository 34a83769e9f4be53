import { describe, evaluate, type Condition } from './expr/index.js';
import type { CheckConfig, CheckResult, ConditionCheck, InvariantCheck } from '../engine/model.js';
import { exprSource, type EvalContext } from './context.js';
import { checkResult, observedOf, unavailable } from './results.js';

/**
 * Conditions (Gatus-style: all must hold) and invariants (one named rule with id, tier and
 * runbook) evaluate the same way: the first condition that does not hold is the finding, with the
 * values it read as its evidence.
 */
export function evaluateConditions(
  check: CheckConfig,
  conditions: readonly Condition[],
  ctx: EvalContext,
): CheckResult {
  const signalQuery = conditions.map(describe).join(' && ');
  const observed: Record<string, unknown> = {};
  for (const cond of conditions) {
    const r = evaluate(cond, { now: ctx.now, primary: check.sources[0] ?? null, source: exprSource(ctx) });
    if (r.kind === 'unavailable') return unavailable(check, r.sources, signalQuery);
    if (r.kind === 'error') return checkResult(check, 'error', r.message, { signalQuery, observed });
    Object.assign(observed, observedOf(r.observed));
    if (typeof r.value !== 'boolean')
      return checkResult(
        check,
        'error',
        `${describe(cond)} gives ${JSON.stringify(r.value)}, not true or false`,
        {
          signalQuery,
          observed,
        },
      );
    if (!r.value)
      return checkResult(
        check,
        'violation',
        `${describe(cond)} does not hold (${summarize(observedOf(r.observed))})`,
        {
          signalQuery,
          observed,
        },
      );
  }
  return checkResult(check, 'ok', 'holds', { signalQuery, observed });
}

export function evaluateCondition(check: ConditionCheck, ctx: EvalContext): CheckResult {
  return evaluateConditions(check, check.conditions, ctx);
}

export function evaluateInvariant(check: InvariantCheck, ctx: EvalContext): CheckResult {
  return evaluateConditions(check, [check.condition], ctx);
}

/** `a = 1, b = "x"`: the evidence in one line, values cut short. */
function summarize(observed: Record<string, unknown>): string {
  return Object.entries(observed)
    .slice(0, 5)
    .map(([k, v]) => {
      const text = JSON.stringify(v) ?? 'null';
      return `${k} = ${text.length > 60 ? `${text.slice(0, 59)}…` : text}`;
    })
    .join(', ');
}
