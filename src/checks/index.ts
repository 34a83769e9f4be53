import type { CheckConfig, CheckKind, CheckResult } from '../engine/model.js';
import { evaluateAnomaly } from './anomaly.js';
import { evaluateCondition, evaluateInvariant } from './condition.js';
import type { EvalContext } from './context.js';
import { evaluateFreshness } from './freshness.js';
import { evaluateHeartbeat } from './heartbeat.js';

/** One evaluator per check kind, keyed by the kind union so that a missing one fails to compile. */
const EVALUATORS: {
  [K in CheckKind]: (check: Extract<CheckConfig, { kind: K }>, ctx: EvalContext) => CheckResult;
} = {
  freshness: evaluateFreshness,
  condition: evaluateCondition,
  invariant: evaluateInvariant,
  heartbeat: evaluateHeartbeat,
  anomaly: evaluateAnomaly,
};

export function evaluateCheck(check: CheckConfig, ctx: EvalContext): CheckResult {
  return (EVALUATORS[check.kind] as (c: CheckConfig, x: EvalContext) => CheckResult)(check, ctx);
}
