import type { CheckConfig, CheckResult } from '../engine/model.js';

/** The `observed` list of an evaluation as the `observed_state` object an alert carries. */
export function observedOf(
  list: ReadonlyArray<{ operand: string; value: unknown }>,
): Record<string, unknown> {
  // No prototype: an operand text is data, and must not reach Object.prototype's setters.
  const out = Object.create(null) as Record<string, unknown>;
  for (const o of list) if (!Object.hasOwn(out, o.operand)) out[o.operand] = o.value;
  return out;
}

/** A result of `check`: the message is prefixed with the check's name; severity defaults to the check's. */
export function checkResult(
  check: CheckConfig,
  outcome: CheckResult['outcome'],
  message: string,
  parts: {
    signalQuery: string;
    observed?: Record<string, unknown>;
    severity?: CheckResult['severity'];
    truthAgeMs?: number | null;
  },
): CheckResult {
  return {
    outcome,
    severity: parts.severity ?? check.severity,
    message: `${check.name}: ${message}`,
    observed: parts.observed ?? {},
    signalQuery: parts.signalQuery,
    truthAgeMs: parts.truthAgeMs ?? null,
    unavailableSources: [],
  };
}

/** The result of a check skipped because a source it needs did not answer. */
export function unavailable(
  check: CheckConfig,
  sources: readonly string[],
  signalQuery: string,
): CheckResult {
  const message = `skipped, source ${sources.join(', ')} unavailable`;
  return { ...checkResult(check, 'unavailable', message, { signalQuery }), unavailableSources: [...sources] };
}
