// Collapse: the signal fell well below its baseline and stayed there for `forMs`.
//
// Anomalous when all of:
//   - the baseline center is above minBaseline (a series that is normally near zero cannot collapse);
//   - every bucket of the current window with data is below fraction x center;
//   - the window mean is below center - k x spread / sqrt(n), n the buckets with data: a significance
//     guard, so a low, noisy count that happens to be small for a minute never fires (a rate of a few
//     events per bucket has a spread comparable to its center, so the bound is below zero).
// `current` is the window mean; `lower` is fraction x center (the per-bucket threshold), `upper` null.

import { humanDuration } from '../../checks/context.js';
import { round4, sig3 } from '../format.js';
import type { CollapseSpec, DetectOptions, Detection, Display, SeriesInput } from './types.js';
import { baselineText, levelDetection, levelWindow, mean, notJudged, sinceOf } from './window.js';

export function detectCollapse(
  spec: CollapseSpec,
  input: SeriesInput,
  now: number,
  display: Display,
  opts: DetectOptions,
): Detection {
  const w = levelWindow(spec, input, now, opts, 'low');
  const signalQuery =
    `${display.name}: every ${humanDuration(w.stepMs)} bucket of the last ${humanDuration(spec.forMs)} ` +
    `< ${sig3(spec.fraction * 100)}% of baseline, and their mean < baseline - ${spec.k} x spread / sqrt(n); ` +
    `baseline = ${baselineText(spec, 'low')}, must be > ${sig3(spec.minBaseline * display.perSeconds)}${display.unit}`;
  const early = notJudged(spec, w, display, signalQuery);
  if (early) return early;
  if (!w.baseline.ok) throw new Error('unreachable: baseline warming up');
  const { center, spread } = w.baseline.baseline;
  const current = mean(w.current);
  const lower = spec.fraction * center;
  const bound = center - (spec.k * spread) / Math.sqrt(w.current.length);
  const allBelow = w.current.every((v) => v < lower);
  const anomalous = center > spec.minBaseline && allBelow && current < bound;
  const p = display.perSeconds;
  return levelDetection(
    spec,
    w,
    display,
    {
      anomalous,
      current,
      center,
      spread,
      lower,
      upper: null,
      sinceMs: sinceOf(w, (v) => v < lower),
      extra: {
        significance_bound: round4(bound * p),
        fraction: spec.fraction,
        k: spec.k,
        min_baseline: round4(spec.minBaseline * p),
      },
    },
    signalQuery,
    opts.baselineEnd,
  );
}
