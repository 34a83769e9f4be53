// Flow mismatch: work goes in upstream and does not come out downstream (quotes received but not
// written). Over the trailing `lagMs` up to now, both counters' reset-corrected increases (summed
// over their series, spread over sample intervals as in signal.ts, zero tail included):
//   anomalous when upstream > minUpstreamIncrease and downstream <= minRatio x upstream.
// Warming up until both sides have a sample at or before now - lagMs, so a window is never judged on
// a side that has not existed for all of it. No baseline: `baseline`, `lower`, `upper` are null;
// `current` is the downstream increase (a count).
//
// Names: the Display's name is "<upstream> -> <downstream>"; without an arrow the name is the
// upstream's and the downstream is called "downstream". Increases are counts: unit and perSeconds
// do not apply.
//
// A single upstream event can make the window anomalous until the downstream's next sample shows it
// passed through (an upstream event near the end of a window that the downstream has not reported
// yet); minUpstreamIncrease (default 1, so one event is never enough) is the guard for sparse flows.

import { humanDuration } from '../../checks/context.js';
import { round4, sig3 } from '../format.js';
import { lastAdvance, windowIncrease } from '../signal.js';
import type { DetectOptions, Detection, Display, FlowInput, FlowMismatchSpec, SeriesInput } from './types.js';

export function flowNames(display: Display): { upstream: string; downstream: string } {
  const i = display.name.indexOf('->');
  if (i < 0) return { upstream: display.name, downstream: 'downstream' };
  return { upstream: display.name.slice(0, i).trim(), downstream: display.name.slice(i + 2).trim() };
}

function increase(input: SeriesInput, from: number, now: number, zeroAfterMs: number): number {
  let sum = 0;
  for (const pts of input.series) sum += windowIncrease(pts, from, now, { now, zeroAfterMs }).increase;
  return sum;
}

function hasDataBefore(input: SeriesInput, t: number): boolean {
  return input.series.some((pts) => pts.some((p) => Number.isFinite(p.value) && p.at <= t));
}

export function detectFlowMismatch(
  spec: FlowMismatchSpec,
  input: FlowInput,
  now: number,
  display: Display,
  opts: DetectOptions,
): Detection {
  if (input.upstream.type !== 'counter' || input.downstream.type !== 'counter')
    throw new RangeError('flow_mismatch compares two counters');
  const names = flowNames(display);
  const lag = humanDuration(spec.lagMs);
  const signalQuery =
    `increase(${names.upstream}[${lag}]) > ${sig3(spec.minUpstreamIncrease)} and ` +
    `increase(${names.downstream}[${lag}]) <= ${sig3(spec.minRatio)} x increase(${names.upstream}[${lag}])`;
  const from = now - spec.lagMs;
  const base = { baseline: null, lower: null, upper: null, needed: 2, signalQuery };
  const ready = [input.upstream, input.downstream].map((s) => hasDataBefore(s, from));
  const points = ready.filter(Boolean).length;
  if (points < 2) {
    const missing = [ready[0] ? null : names.upstream, ready[1] ? null : names.downstream].filter((x) => x);
    return {
      ...base,
      state: 'warming_up',
      current: null,
      points,
      sinceMs: null,
      message: `warming up: needs data older than ${lag} for ${missing.join(' and ')}`,
      observed: { detector: 'flow_mismatch', lag, points, needed: 2 },
    };
  }
  const up = increase(input.upstream, from, now, opts.zeroAfterMs);
  const down = increase(input.downstream, from, now, opts.zeroAfterMs);
  const anomalous = up > spec.minUpstreamIncrease && down <= spec.minRatio * up;
  const stalled = down <= 0;
  let sinceMs: number | null = null;
  if (anomalous) {
    let last: number | null = null;
    for (const pts of input.downstream.series) {
      const a = lastAdvance(pts, now);
      if (a !== null && (last === null || a > last)) last = a;
    }
    sinceMs = stalled ? (last === null ? null : now - last) : spec.lagMs;
  }
  let message: string;
  if (anomalous && stalled)
    message = `${names.upstream} advanced by ${sig3(up)} in ${lag} while ${names.downstream} did not advance${
      sinceMs === null ? '' : ` (last advanced ${humanDuration(sinceMs)} ago)`
    }`;
  else if (anomalous)
    message = `${names.upstream} advanced by ${sig3(up)} in ${lag} while ${names.downstream} advanced only by ${sig3(down)} (${sig3((down / up) * 100)}% of it)`;
  else if (up <= 0) message = `${names.upstream} did not advance in ${lag}`;
  else message = `${names.upstream} advanced by ${sig3(up)} in ${lag}, ${names.downstream} by ${sig3(down)}`;
  return {
    ...base,
    state: anomalous ? 'anomalous' : 'ok',
    current: down,
    points,
    sinceMs,
    message,
    observed: {
      detector: 'flow_mismatch',
      upstream: names.upstream,
      downstream: names.downstream,
      lag,
      upstream_increase: round4(up),
      downstream_increase: round4(down),
      ratio: up > 0 ? round4(down / up) : null,
      min_ratio: spec.minRatio,
      min_upstream_increase: spec.minUpstreamIncrease,
      since: sinceMs === null ? null : humanDuration(sinceMs),
    },
  };
}
