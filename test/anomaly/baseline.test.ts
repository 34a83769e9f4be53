import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BASELINE,
  MAD_SCALE,
  rollingBaseline,
  seasonalBaseline,
  type BaselineSpec,
} from '../../src/anomaly/index.js';
import { DAY, HOUR, MINUTE, T0 } from './synthetic.js';

const spec: BaselineSpec = { ...DEFAULT_BASELINE, minPoints: 5 };
const daily: BaselineSpec = {
  ...DEFAULT_BASELINE,
  stepMs: MINUTE,
  seasonality: 'hour_of_day',
  seasonalMinPeriods: 3,
  seasonalToleranceMs: 30 * MINUTE,
};

/** A 1-minute history over `days` days before `T0 + days x DAY`, value(t) per minute. */
function history(days: number, value: (t: number) => number | null, from = T0) {
  const out: Array<{ start: number; value: number | null }> = [];
  for (let t = from; t < T0 + days * DAY; t += MINUTE) out.push({ start: t, value: value(t) });
  return out;
}

describe('rollingBaseline', () => {
  it('median and scaled MAD of the buckets with data', () => {
    const r = rollingBaseline([1, null, 1, 2, 2, 4, 6, 9], spec);
    expect(r).toEqual({ ok: true, baseline: { center: 2, spread: MAD_SCALE, points: 7, seasonal: false } });
  });

  it('EWMA mean and deviation, with alpha from the half-life', () => {
    const r = rollingBaseline([0, 0, 0, 0, 10, 10, 10, 10], {
      ...spec,
      method: 'ewma',
      halfLifeMs: 2 * spec.stepMs,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.baseline.center).toBeCloseTo(7.5, 9); // four steps are two half-lives: the gap halves twice
    expect(r.baseline.spread).toBeGreaterThan(0);
  });

  it('warms up until minPoints buckets have data, in a plain sentence', () => {
    const r = rollingBaseline([...Array(42).fill(3), ...Array(100).fill(null)], { ...spec, minPoints: 90 });
    expect(r).toEqual({ ok: false, warmingUp: 'warming up: 42 of 90 points', points: 42, needed: 90 });
  });
});

describe('seasonalBaseline', () => {
  it('warms up until enough previous periods have data around that time of day', () => {
    const h = history(1, () => 10, T0);
    const r = seasonalBaseline(h, T0 + DAY + 12 * HOUR, daily, 'low');
    expect(r).toEqual({
      ok: false,
      warmingUp: 'seasonal baseline needs 3 days of history (has 1)',
      points: 1,
      needed: 3,
    });
    const weekly = seasonalBaseline(
      h,
      T0 + DAY,
      { ...daily, seasonality: 'hour_of_week', seasonalMinPeriods: 2 },
      'low',
    );
    expect(weekly.ok === false && weekly.warmingUp).toBe(
      'seasonal baseline needs 2 weeks of history (has 0)',
    );
    // Data only at other times of day does not count for this one.
    const mornings = history(5, (t) => ((t - T0) % DAY < 6 * HOUR ? 10 : null));
    expect(seasonalBaseline(mornings, T0 + 5 * DAY + 15 * HOUR, daily, 'low').ok).toBe(false);
    expect(seasonalBaseline(mornings, T0 + 5 * DAY + 3 * HOUR, daily, 'low').ok).toBe(true);
  });

  it('takes the level at the same time of day from previous days only', () => {
    // 20/s by day (08:00-20:00), 2/s by night; today (day 4) is all 1000s, which must not matter.
    const dayOrNight = (t: number) => {
      const h = ((t - T0) % DAY) / HOUR;
      return h >= 8 && h < 20 ? 20 : 2;
    };
    const h = history(5, (t) => (t >= T0 + 4 * DAY ? 1000 : dayOrNight(t)));
    const noon = seasonalBaseline(h, T0 + 4 * DAY + 12 * HOUR, daily, 'low');
    expect(noon).toMatchObject({ ok: true, baseline: { center: 20, spread: 0, points: 4, seasonal: true } });
    const night = seasonalBaseline(h, T0 + 4 * DAY + 2 * HOUR, daily, 'high');
    expect(night).toMatchObject({ ok: true, baseline: { center: 2, points: 4 } });
  });

  it('absorbs phase jitter: the lowest level near a jittered drop, the highest near a jittered batch', () => {
    // Each day drops from 12 to 1 at 22:00 + jitter (-10..+10 min), and runs a 60/s batch for 5 min
    // at 02:00 + jitter.
    const jitter = [-10, 7, -3, 10, 0].map((m) => m * MINUTE);
    const value = (t: number) => {
      const d = Math.floor((t - T0) / DAY);
      const into = t - T0 - d * DAY;
      const j = jitter[d % jitter.length]!;
      if (into >= 2 * HOUR + j && into < 2 * HOUR + j + 5 * MINUTE) return 60;
      return into >= 22 * HOUR + j || into < 6 * HOUR ? 1 : 12;
    };
    const h = history(4, value);
    // Just before 22:00 today: some previous days had already dropped, some not; `low` sees the drop.
    const low = seasonalBaseline(h, T0 + 4 * DAY + 21 * HOUR + 55 * MINUTE, daily, 'low');
    expect(low.ok && low.baseline.center).toBe(1);
    // The same time for a spike comparison: the day level.
    const high = seasonalBaseline(h, T0 + 4 * DAY + 21 * HOUR + 55 * MINUTE, daily, 'high');
    expect(high.ok && high.baseline.center).toBe(12);
    // Around 02:00: the batch, wherever it fell on each day.
    const batch = seasonalBaseline(h, T0 + 4 * DAY + 2 * HOUR + 12 * MINUTE, daily, 'high');
    expect(batch.ok && batch.baseline.center).toBe(60);
    // Far from both: the plain level, and no tolerance means no help.
    const noon = seasonalBaseline(h, T0 + 4 * DAY + 12 * HOUR, daily, 'low');
    expect(noon.ok && noon.baseline.center).toBe(12);
    const strict = seasonalBaseline(
      h,
      T0 + 4 * DAY + 2 * HOUR + 12 * MINUTE,
      { ...daily, seasonalToleranceMs: 0 },
      'high',
    );
    expect(strict.ok && strict.baseline.center).toBeLessThan(60);
  });

  it('spreads by the day-to-day level variation and the minute noise, at the step', () => {
    // Minutes alternate 9 and 11 (noise sd about 1); days sit at levels 10, 10, 10 and 20.
    const h = history(4, (t) => {
      const d = Math.floor((t - T0) / DAY);
      return (d === 3 ? 10 : 0) + (Math.floor(t / MINUTE) % 2 === 0 ? 9 : 11);
    });
    const at = T0 + 4 * DAY + 12 * HOUR;
    const r = seasonalBaseline(h, at, daily, 'low');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.baseline.center).toBeCloseTo(10.2, 0);
    const tenSeconds = seasonalBaseline(h, at, { ...daily, stepMs: 10_000 }, 'low');
    // Noise of a 10 s bucket: sqrt(6) times that of a minute.
    expect(tenSeconds.ok && tenSeconds.baseline.spread).toBeGreaterThan(r.baseline.spread * 2);
  });
});
