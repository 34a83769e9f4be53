// The anomaly detectors behind one call: the engine calls detect() once per check evaluation with
// the points it loaded; the API calls timeline() for the band and markers of a chart.

import { detectCollapse } from './collapse.js';
import { detectFlowMismatch } from './flow-mismatch.js';
import { detectSpike } from './spike.js';
import type {
  DetectOptions,
  Detection,
  DetectorSpec,
  Display,
  FlowInput,
  SeriesInput,
  TimelinePoint,
} from './types.js';

export type * from './types.js';
export { flowNames } from './flow-mismatch.js';

export type DetectInput = SeriesInput | FlowInput;

function isFlow(input: DetectInput): input is FlowInput {
  return 'upstream' in input && 'downstream' in input;
}

/**
 * Evaluates `spec` at `now` over `input` (points after `now` are ignored). Collapse and spike take
 * one SeriesInput; flow_mismatch takes {upstream, downstream}. Throws on a mismatched input shape or
 * an invalid spec (the configuration is validated before it gets here; this is a programming error).
 */
export function detect(
  spec: DetectorSpec,
  input: DetectInput,
  now: number,
  display: Display,
  opts: DetectOptions,
): Detection {
  switch (spec.kind) {
    case 'collapse':
      if (isFlow(input)) throw new TypeError('collapse takes one series input');
      return detectCollapse(spec, input, now, display, opts);
    case 'spike':
      if (isFlow(input)) throw new TypeError('spike takes one series input');
      return detectSpike(spec, input, now, display, opts);
    case 'flow_mismatch':
      if (!isFlow(input)) throw new TypeError('flow_mismatch takes {upstream, downstream}');
      return detectFlowMismatch(spec, input, now, display, opts);
  }
}

/**
 * When the anomaly a detection reports began (collapse, spike), for the next evaluation's
 * `baselineEnd`; undefined when it is not anomalous.
 */
export function anomalousSinceOf(d: Detection): number | undefined {
  const since = d.state === 'anomalous' ? d.observed.anomalous_since : undefined;
  return typeof since === 'string' ? Date.parse(since) : undefined;
}

/** Most steps timeline() evaluates in one call. */
export const MAX_TIMELINE_STEPS = 2000;

/**
 * detect() as it would have answered at from, from + everyMs, ... up to `to`: each evaluation sees
 * only the points at or before its time (detect ignores later ones), so the markers are what the
 * engine would have raised, not a judgement with hindsight. Values in display units.
 */
export function timeline(
  spec: DetectorSpec,
  input: DetectInput,
  from: number,
  to: number,
  everyMs: number,
  display: Display,
  opts: DetectOptions,
): TimelinePoint[] {
  if (!(everyMs > 0)) throw new RangeError(`everyMs must be positive, got ${everyMs}`);
  const steps = Math.floor((to - from) / everyMs) + 1;
  if (steps > MAX_TIMELINE_STEPS)
    throw new RangeError(`timeline of ${steps} steps; at most ${MAX_TIMELINE_STEPS} (use a larger step)`);
  const out: TimelinePoint[] = [];
  // As the engine does: while an anomaly lasts, its start keeps its buckets out of the baseline.
  let since: number | undefined;
  for (let at = from; at <= to; at += everyMs) {
    const d = detect(spec, input, at, display, since === undefined ? opts : { ...opts, baselineEnd: since });
    since = anomalousSinceOf(d);
    out.push({
      at,
      current: d.current,
      baseline: d.baseline,
      lower: d.lower,
      upper: d.upper,
      anomalous: d.state === 'anomalous',
    });
  }
  return out;
}
