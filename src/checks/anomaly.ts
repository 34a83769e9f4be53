import { detect, type Display } from '../anomaly/index.js';
import type { AnomalyCheck, CheckResult, SeriesSelector } from '../engine/model.js';
import { describe } from './expr/index.js';
import type { EvalContext } from './context.js';
import { checkResult, unavailable } from './results.js';

/**
 * Anomaly: the recent value of a live series against its rolling baseline (collapse, spike), or an
 * upstream counter against a downstream one (flow mismatch). The series were read before the
 * evaluation (src/engine/anomaly-inputs.ts); warming up and "no data" are not findings: an anomaly
 * never replaces a deterministic check (pair a collapse with a freshness check on the same flow).
 */
export function evaluateAnomaly(check: AnomalyCheck, ctx: EvalContext): CheckResult {
  const data = ctx.anomaly;
  const signalQuery = describeCheck(check);
  if (!data) return checkResult(check, 'error', 'its series were not loaded this cycle', { signalQuery });
  if (!data.ok) {
    if ('unavailable' in data) return unavailable(check, data.unavailable, signalQuery);
    return checkResult(check, 'error', data.error, { signalQuery });
  }
  const gauge = 'type' in data.input && data.input.type === 'gauge';
  // Gauges are shown as they are: no per-second unit.
  const display: Display = gauge ? { name: check.display.name, unit: '', perSeconds: 1 } : check.display;
  const d = detect(check.detector, data.input, ctx.now, display, {
    zeroAfterMs: data.zeroAfterMs,
    ...(data.baselineEnd === undefined ? {} : { baselineEnd: data.baselineEnd }),
  });
  const observed = { ...d.observed, state: d.state, series_count: data.seriesCount };
  if (d.state === 'anomalous')
    return checkResult(check, 'violation', d.message, { signalQuery: d.signalQuery, observed });
  return checkResult(check, 'ok', d.message, { signalQuery: d.signalQuery, observed });
}

function selector(s: SeriesSelector): string {
  if (s.collect) return `${s.metric} (${describe(s.collect.value)})`;
  const m = s.matchers.map((x) => `${x.name}${x.type}${JSON.stringify(x.value)}`).join(',');
  return m ? `${s.metric}{${m}}` : s.metric;
}

/** The comparison in words, for a check that could not be judged (the detector says it otherwise). */
function describeCheck(check: AnomalyCheck): string {
  const d = check.detector;
  if (d.kind === 'flow_mismatch')
    return `${selector(check.upstream!)} advances while ${selector(check.downstream!)} does not (lag ${d.lagMs / 1000} s)`;
  return `${d.kind} of ${selector(check.series!)} against its ${d.baseline.method} baseline`;
}
