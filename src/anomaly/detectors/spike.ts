// Spike: the signal rose well above its baseline and stayed there for `forMs`.
//
// Anomalous when every bucket of the current window with data is above
//   upper = center + k x max(spread, minSpread, quantum)
// where quantum, for counters, is one event per bucket (1 / step seconds): a quiet baseline of 0
// with no noise (a median and MAD of mostly-zero counts) then needs more than k events in a bucket,
// not one. Gauges have no quantum (minSpread is their floor). `current` is the window mean (all buckets are above `upper` when it fires, so the
// mean says how far above); `upper` is the threshold, `lower` null.

import { humanDuration } from '../../checks/context.js';
import { round4, sig3 } from '../format.js';
import type { Detection, DetectOptions, Display, SeriesInput, SpikeSpec } from './types.js';
import { baselineText, levelDetection, levelWindow, mean, notJudged, sinceOf } from './window.js';

export function detectSpike(
  spec: SpikeSpec,
  input: SeriesInput,
  now: number,
  display: Display,
  opts: DetectOptions,
): Detection {
  const w = levelWindow(spec, input, now, opts, 'high');
  const counter = input.type === 'counter';
  const signalQuery =
    `${display.name}: every ${humanDuration(w.stepMs)} bucket of the last ${humanDuration(spec.forMs)} ` +
    `> baseline + ${spec.k} x max(spread, ${sig3(spec.minSpread * display.perSeconds)}${display.unit}` +
    `${counter ? ', 1 event per bucket' : ''}); baseline = ${baselineText(spec, 'high')}`;
  const early = notJudged(spec, w, display, signalQuery);
  if (early) return early;
  if (!w.baseline.ok) throw new Error('unreachable: baseline warming up');
  const { center, spread } = w.baseline.baseline;
  const stepSec = w.stepMs / 1000;
  const quantum = counter ? 1 / stepSec : 0;
  const width = Math.max(spread, spec.minSpread, quantum);
  const upper = center + spec.k * width;
  const p = display.perSeconds;
  return levelDetection(
    spec,
    w,
    display,
    {
      anomalous: w.current.every((v) => v > upper),
      current: mean(w.current),
      center,
      spread: width,
      lower: null,
      upper,
      sinceMs: sinceOf(w, (v) => v > upper),
      extra: {
        k: spec.k,
        min_spread: round4(spec.minSpread * p),
        ...(counter ? { quantum: round4(quantum * p) } : {}),
      },
    },
    signalQuery,
    opts.baselineEnd,
  );
}
