import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BASELINE,
  DEFAULT_COLLAPSE,
  DEFAULT_SPIKE,
  detect,
  type BaselineSpec,
  type Detection,
  type DetectorSpec,
  type Point,
  type SeriesInput,
} from '../../src/anomaly/index.js';
import { counter, DAY, HOUR, MINUTE, minuteHistory, mulberry32, SECOND, T0 } from './synthetic.js';

// Five days of a quote feed at 1 s samples: 12/s by day; a sharp nightly drop to 0.5/s at 22:00
// (+- 10 min from day to day) until 06:00 (+- 10 min); a nightly batch of 60/s for 5 minutes at
// 02:00 (+- 10 min). Day 5 (index 4) and the night after it are judged with 4 days of history.
const display = { name: 'quote rate', unit: '/s', perSeconds: 1 };
const opts = { zeroAfterMs: 60 * SECOND };
const DAYS = 6;
const jitter = (day: number, event: number) => {
  const rand = mulberry32(1000 + day * 10 + event);
  return Math.round((rand() * 20 - 10) * MINUTE);
};

function rate(t: number): number {
  const day = Math.floor((t - T0) / DAY);
  const into = t - T0 - day * DAY;
  const batch = 2 * HOUR + jitter(day, 2);
  if (into >= batch && into < batch + 5 * MINUTE) return 60;
  if (into >= 22 * HOUR + jitter(day, 0)) return 0.5;
  if (into < 6 * HOUR + jitter(day, 1)) return 0.5;
  return 12;
}

const seasonal: BaselineSpec = {
  ...DEFAULT_BASELINE,
  stepMs: MINUTE,
  minPoints: 30,
  seasonality: 'hour_of_day',
  seasonalMinPeriods: 3,
  seasonalToleranceMs: 30 * MINUTE,
};
const rolling: BaselineSpec = { ...seasonal, seasonality: 'none' };
const collapseOf = (baseline: BaselineSpec): DetectorSpec => ({
  ...DEFAULT_COLLAPSE,
  forMs: 2 * MINUTE,
  baseline,
});
const spikeOf = (baseline: BaselineSpec): DetectorSpec => ({ ...DEFAULT_SPIKE, forMs: 2 * MINUTE, baseline });

function build(extra?: (t: number, r: number) => number): { input: SeriesInput; points: Point[] } {
  const points = counter(mulberry32(99), T0, T0 + DAYS * DAY, (t) => (extra ? extra(t, rate(t)) : rate(t)));
  const history = minuteHistory([points], 'counter', T0, T0 + DAYS * DAY, opts.zeroAfterMs);
  return { points, input: { type: 'counter', series: [points], minuteHistory: history } };
}

/** Evaluations every 2 minutes over [from, to) of day 5, as the engine would (history up to `at`). */
function run(spec: DetectorSpec, input: SeriesInput, from: number, to: number): Detection[] {
  const out: Detection[] = [];
  for (let at = from; at < to; at += 2 * MINUTE) {
    const history = input.minuteHistory!.filter((m) => m.start + MINUTE <= at);
    out.push(detect(spec, { ...input, minuteHistory: history }, at, display, opts));
  }
  return out;
}

const { input } = build();
const day5 = T0 + 4 * DAY;
const night = { from: day5 + 21 * HOUR, to: day5 + DAY + 7 * HOUR };

describe('a daily pattern: nightly drop and batch spike with day-to-day jitter', () => {
  it('is not flagged with seasonality on (after enough history)', () => {
    for (const spec of [collapseOf(seasonal), spikeOf(seasonal)]) {
      const r = run(spec, input, night.from, night.to);
      expect(r.filter((d) => d.state === 'anomalous').map((d) => d.message)).toEqual([]);
      expect(r.every((d) => d.state === 'ok')).toBe(true);
      expect(r[0]!.observed).toMatchObject({ seasonal: true, method: 'seasonal_median', points: 4 });
    }
  });

  it('is flagged with seasonality off: the test has teeth', () => {
    const collapses = run(collapseOf(rolling), input, day5 + 21 * HOUR, day5 + 23 * HOUR);
    expect(collapses.some((d) => d.state === 'anomalous')).toBe(true);
    const spikes = run(spikeOf(rolling), input, day5 + HOUR, day5 + 3 * HOUR);
    expect(spikes.some((d) => d.state === 'anomalous')).toBe(true);
  });

  it('still flags a real mid-day collapse with seasonality on', () => {
    const drop = day5 + 13 * HOUR + 7 * MINUTE;
    const broken = build((t, r) => (t >= drop && t < drop + HOUR ? r * 0.1 : r)).input;
    const before = run(collapseOf(seasonal), broken, drop - HOUR, drop);
    expect(before.filter((d) => d.state === 'anomalous')).toEqual([]);
    const after = run(collapseOf(seasonal), broken, drop, drop + 10 * MINUTE);
    const first = after.findIndex((d) => d.state === 'anomalous');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first * 2 * MINUTE).toBeLessThanOrEqual(5 * MINUTE);
    expect(after[first]!.message).toMatch(
      /^quote rate 1(\.\d+)?\/s vs baseline 1[12](\.\d+)?\/s \(-[89]\d%\) for \d min$/,
    );
  });

  it('warms up with too little history', () => {
    const at = T0 + DAY + 12 * HOUR;
    const d = detect(
      collapseOf(seasonal),
      { ...input, minuteHistory: input.minuteHistory!.filter((m) => m.start < at) },
      at,
      display,
      opts,
    );
    expect(d.state).toBe('warming_up');
    expect(d.message).toBe('seasonal baseline needs 3 days of history (has 1) (quote rate)');
    expect(d).toMatchObject({ points: 1, needed: 3 });
    // Without any minute history (a caller that did not load it) it stays warming up, never guesses.
    expect(
      detect(collapseOf(seasonal), { ...input, minuteHistory: undefined }, at, display, opts).state,
    ).toBe('warming_up');
  });
});
