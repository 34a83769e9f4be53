import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BASELINE,
  DEFAULT_COLLAPSE,
  DEFAULT_FLOW_MISMATCH,
  DEFAULT_SPIKE,
  anomalousSinceOf,
  detect,
  timeline,
  type BaselineSpec,
  type Detection,
  type DetectorSpec,
  type Point,
  type SeriesInput,
} from '../../src/anomaly/index.js';
import { counter, gauge, gaussian, HOUR, MINUTE, mulberry32, SECOND, T0 } from './synthetic.js';

const rateDisplay = { name: 'quote rate', unit: '/s', perSeconds: 1 };
const opts = { zeroAfterMs: 60 * SECOND };
const baseline: BaselineSpec = { ...DEFAULT_BASELINE };
const collapse: DetectorSpec = { ...DEFAULT_COLLAPSE, baseline };
const spike: DetectorSpec = { ...DEFAULT_SPIKE, baseline };
const CHECK_EVERY = 15 * SECOND;

function counterInput(...series: Point[][]): SeriesInput {
  return { type: 'counter', series };
}

/** detect() every check interval over [from, to): the evaluations and the first anomalous time. */
function evaluate(spec: DetectorSpec, input: SeriesInput, from: number, to: number, every = CHECK_EVERY) {
  const results: Array<{ at: number; d: Detection }> = [];
  for (let at = from; at < to; at += every)
    results.push({ at, d: detect(spec, input, at, rateDisplay, opts) });
  const first = results.find((r) => r.d.state === 'anomalous');
  return {
    results,
    firstAnomalousAt: first?.at ?? null,
    anomalous: results.filter((r) => r.d.state === 'anomalous'),
  };
}

describe('collapse', () => {
  it('flags a 90% step drop at 1 s samples within 2 minutes, and nothing in the hour before', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = mulberry32(seed);
      const drop = T0 + 2 * HOUR + Math.floor(rand() * MINUTE);
      const phase = Math.floor(rand() * CHECK_EVERY);
      const p = counter(rand, T0, drop + 10 * MINUTE, (t) => (t < drop ? 12 : 1.2));
      const before = evaluate(collapse, counterInput(p), drop - HOUR + phase, drop);
      expect(before.anomalous).toEqual([]);
      expect(before.results.every((r) => r.d.state === 'ok')).toBe(true);
      const after = evaluate(collapse, counterInput(p), drop + phase, drop + 10 * MINUTE);
      expect(after.firstAnomalousAt).not.toBeNull();
      expect(after.firstAnomalousAt! - drop).toBeLessThanOrEqual(2 * MINUTE);
      // Once raised it holds for the rest of the drop.
      expect(
        after.results.filter((r) => r.at >= after.firstAnomalousAt!).every((r) => r.d.state === 'anomalous'),
      ).toBe(true);
    }
  });

  it('says what happened in one plain sentence, with the band and figures in observed', () => {
    // Exactly 12 events per second, then exactly 1.2: the figures are known.
    const drop = T0 + 2 * HOUR;
    const p: Point[] = [];
    let v = 0;
    for (let t = T0; t <= drop + 5 * MINUTE; t += SECOND)
      p.push({ at: t, value: (v += t <= drop ? 12 : 1.2) });
    const d = detect(collapse, counterInput(p), drop + 2 * MINUTE + 5 * SECOND, rateDisplay, opts);
    expect(d.state).toBe('anomalous');
    expect(d.message).toBe('quote rate 1.2/s vs baseline 12/s (-90%) for 2 min');
    expect(d.current).toBeCloseTo(1.2, 9);
    expect(d.baseline).toBeCloseTo(12, 9);
    expect(d.lower).toBeCloseTo(6, 9);
    expect(d.upper).toBeNull();
    expect(d.sinceMs).toBe(2 * MINUTE);
    expect(d.points).toBe(360);
    expect(d.needed).toBe(90);
    expect(d.observed).toMatchObject({
      detector: 'collapse',
      method: 'median',
      baseline: 12,
      current: 1.2,
      band: [6, null],
      window: '1 h',
      for: '1 min',
      step: '10 s',
      points: 360,
      seasonal: false,
      since: '2 min',
    });
    expect(JSON.parse(JSON.stringify(d.observed))).toEqual(d.observed);
    expect(d.signalQuery).toContain('< 50% of baseline');
    expect(d.signalQuery).toContain('median of the previous 1 h');

    // Per minute: values scale, the sentence keeps its shape.
    const perMin = detect(
      collapse,
      counterInput(p),
      drop + 2 * MINUTE + 5 * SECOND,
      {
        name: 'quotes',
        unit: '/min',
        perSeconds: 60,
      },
      opts,
    );
    expect(perMin.message).toBe('quotes 72/min vs baseline 720/min (-90%) for 2 min');
    expect(perMin.baseline).toBeCloseTo(720, 6);

    const ok = detect(collapse, counterInput(p), drop - MINUTE, rateDisplay, opts);
    expect(ok.state).toBe('ok');
    expect(ok.message).toBe('quote rate 12/s vs baseline 12/s (0%)');
  });

  it('does not flag a slow drift (-50% over 24 h), nor spikes in it', () => {
    const rand = mulberry32(7);
    const start = T0 + 2 * HOUR;
    const end = start + 24 * HOUR;
    const p = counter(rand, T0, end, (t) => (t < start ? 12 : 12 * (1 - (0.5 * (t - start)) / (24 * HOUR))));
    for (const spec of [
      collapse,
      spike,
      { ...collapse, baseline: { ...baseline, method: 'ewma' as const } },
    ]) {
      const r = evaluate(spec, counterInput(p), start, end, 5 * MINUTE);
      expect(r.anomalous.map((x) => x.d.message)).toEqual([]);
    }
  });

  it('does not take a counter reset for a collapse', () => {
    const rand = mulberry32(8);
    const restart = T0 + 2 * HOUR + 4321;
    const p = counter(rand, T0, restart + 20 * MINUTE, () => 12, { reset: (t) => t === restart - 321 });
    expect(p.some((x, i) => i > 0 && x.value < p[i - 1]!.value)).toBe(true);
    const r = evaluate(collapse, counterInput(p), restart - 5 * MINUTE, restart + 20 * MINUTE);
    expect(r.anomalous).toEqual([]);
    for (const x of r.results) expect(x.d.current!).toBeGreaterThan(9);
  });

  it('flags a pusher that died once zeroAfterMs has passed ("no report is no progress")', () => {
    const rand = mulberry32(9);
    const died = T0 + 2 * HOUR;
    const p = counter(rand, T0, died, () => 12);
    const r = evaluate(collapse, counterInput(p), died, died + 10 * MINUTE);
    // Silent but within zeroAfterMs: not judged yet.
    expect(r.results.filter((x) => x.at < died + opts.zeroAfterMs).every((x) => x.d.state === 'ok')).toBe(
      true,
    );
    expect(r.firstAnomalousAt! - died).toBeLessThanOrEqual(
      opts.zeroAfterMs + MINUTE + 2 * 10 * SECOND + CHECK_EVERY,
    );
    expect(r.anomalous.at(-1)!.d.message).toMatch(
      /^quote rate 0\/s vs baseline 1\d(\.\d+)?\/s \(-100%\) for \d+ min/,
    );
  });

  it('warms up until the baseline has minPoints buckets with data', () => {
    const rand = mulberry32(10);
    const started = T0;
    const p = counter(rand, started, started + HOUR, () => 12);
    const d = detect(collapse, counterInput(p), started + 10 * MINUTE + 5 * SECOND, rateDisplay, opts);
    expect(d.state).toBe('warming_up');
    expect(d.needed).toBe(90);
    expect(d.points).toBeLessThan(90);
    expect(d.points).toBeGreaterThan(40);
    expect(d.message).toBe(`warming up: ${d.points} of 90 points (quote rate)`);
    const later = detect(collapse, counterInput(p), started + 20 * MINUTE, rateDisplay, opts);
    expect(later.state).toBe('ok');
  });

  it('never fires on low, noisy counts (the significance guard)', () => {
    // About 5 events a minute, judged per minute: one minute in eight has 2 or fewer, below half
    // the baseline; only the significance guard tells that from a collapse.
    const rand = mulberry32(11);
    const perMinute: DetectorSpec = {
      ...DEFAULT_COLLAPSE,
      forMs: MINUTE,
      baseline: { ...baseline, stepMs: MINUTE, minPoints: 30 },
    };
    const p = counter(rand, T0, T0 + 12 * HOUR, () => 5 / 60);
    const r = evaluate(perMinute, counterInput(p), T0 + HOUR, T0 + 12 * HOUR, MINUTE);
    expect(r.results.filter((x) => x.d.current! < 2.5 / 60).length).toBeGreaterThan(20);
    expect(r.anomalous).toEqual([]);
    // A stop of such a counter is not significant in one minute, but it is over ten.
    const now = T0 + 12 * HOUR + 12 * MINUTE;
    expect(detect(perMinute, counterInput(p), now, rateDisplay, opts).state).toBe('ok');
    const tenMinutes = { ...perMinute, forMs: 10 * MINUTE };
    expect(detect(tenMinutes, counterInput(p), now, rateDisplay, opts).state).toBe('anomalous');
    expect(evaluate(tenMinutes, counterInput(p), T0 + HOUR, T0 + 12 * HOUR, MINUTE).anomalous).toEqual([]);
  });

  it('sums several series: staggered sampling is not a drop, two of three feeds dying is', () => {
    const rand = mulberry32(12);
    const died = T0 + 2 * HOUR + 7000;
    const a = counter(rand, T0, died + 10 * MINUTE, () => 4);
    const b = counter(rand, T0 + 3000, died, () => 4, { everyMs: 15 * SECOND });
    const c = counter(rand, T0 + 500, died, () => 4, { everyMs: 5 * SECOND });
    const quiet = evaluate(collapse, counterInput(a, b, c), T0 + HOUR, died);
    expect(quiet.anomalous).toEqual([]);
    const after = evaluate(collapse, counterInput(a, b, c), died, died + 10 * MINUTE);
    expect(after.firstAnomalousAt).not.toBeNull();
    expect(after.anomalous.at(-1)!.d.message).toMatch(/^quote rate [34](\.\d+)?\/s vs baseline 1[12]/);
  });

  it('judges sparse samples on what has been reported: no false drop, no false "no data"', () => {
    // One feed every second, one every 90 s (slower than `for`), one every 60 s on its own.
    const rand = mulberry32(15);
    const fast = counter(rand, T0, T0 + 3 * HOUR, () => 4);
    const slow = counter(rand, T0 + 40_000, T0 + 3 * HOUR, () => 8, { everyMs: 90 * SECOND });
    const sparse = { zeroAfterMs: 120 * SECOND };
    for (let at = T0 + HOUR; at < T0 + 3 * HOUR; at += CHECK_EVERY) {
      expect(detect(collapse, counterInput(fast, slow), at, rateDisplay, sparse).state).toBe('ok');
      expect(detect(collapse, counterInput(slow), at, rateDisplay, sparse).state).toBe('ok');
    }
  });

  it('does not let the current window pollute its own baseline', () => {
    // A 10 minute window against 15 minutes of baseline: were the window part of it, the drop
    // would be most of the median.
    const rand = mulberry32(16);
    const drop = T0 + 2 * HOUR;
    const long: DetectorSpec = {
      ...collapse,
      forMs: 10 * MINUTE,
      baseline: { ...baseline, windowMs: 15 * MINUTE, minPoints: 60 },
    };
    const p = counter(rand, T0, drop + HOUR, (t) => (t < drop ? 12 : 1.2));
    const d = detect(long, counterInput(p), drop + 11 * MINUTE, rateDisplay, opts);
    expect(d.state).toBe('anomalous');
    expect(d.baseline!).toBeGreaterThan(11);
  });

  it('does not call a 20% dip a collapse (every bucket must be below fraction x baseline)', () => {
    const rand = mulberry32(17);
    const dip = T0 + 2 * HOUR;
    const p = counter(rand, T0, dip + 10 * MINUTE, (t) => (t < dip ? 12 : 9.6));
    const r = evaluate(collapse, counterInput(p), dip, dip + 10 * MINUTE);
    expect(r.anomalous).toEqual([]);
    expect(r.results.at(-1)!.d.current!).toBeLessThan(10.5);
  });

  it('flags the drop with the EWMA method too', () => {
    const rand = mulberry32(13);
    const drop = T0 + 2 * HOUR + 2500;
    const p = counter(rand, T0, drop + 5 * MINUTE, (t) => (t < drop ? 12 : 1.2));
    const ewmaSpec: DetectorSpec = { ...collapse, baseline: { ...baseline, method: 'ewma' } };
    expect(evaluate(ewmaSpec, counterInput(p), drop - 30 * MINUTE, drop).anomalous).toEqual([]);
    const after = evaluate(ewmaSpec, counterInput(p), drop, drop + 5 * MINUTE);
    expect(after.firstAnomalousAt! - drop).toBeLessThanOrEqual(2 * MINUTE);
    expect(after.anomalous[0]!.d.observed.method).toBe('ewma');
  });

  it('has no data for a gauge that stopped reporting, and for a series with no points', () => {
    const rand = mulberry32(14);
    const p = gauge(
      T0,
      T0 + HOUR,
      () => 50,
      () => gaussian(rand),
    );
    const input: SeriesInput = { type: 'gauge', series: [p] };
    expect(detect(collapse, input, T0 + HOUR - 1, rateDisplay, opts).state).toBe('ok');
    const d = detect(collapse, input, T0 + HOUR + 2 * MINUTE, rateDisplay, opts);
    expect(d.state).toBe('no_data');
    expect(d.message).toBe('no data for quote rate in the last 1 min');
    expect(detect(collapse, counterInput([]), T0, rateDisplay, opts).state).toBe('no_data');
    expect(detect(collapse, { type: 'gauge', series: [] }, T0, rateDisplay, opts).state).toBe('no_data');
  });
});

describe('spike', () => {
  const reconnects = { name: 'reconnects', unit: '/min', perSeconds: 60 };
  const perMinute: DetectorSpec = {
    ...DEFAULT_SPIKE,
    forMs: MINUTE,
    baseline: { ...baseline, stepMs: MINUTE, minPoints: 30 },
  };

  it('flags a burst of reconnects on a per-minute counter, and not a few single ones', () => {
    const rand = mulberry32(21);
    const burst = T0 + 2 * HOUR + 17_000;
    // About one reconnect every 5 minutes, three in one minute at 1 h 30, then 30 in a minute.
    const p = counter(rand, T0, burst + 10 * MINUTE, (t) => {
      if (t >= burst && t < burst + MINUTE) return 0.5;
      if (t >= T0 + 90 * MINUTE && t < T0 + 90 * MINUTE + 3 * SECOND) return 1;
      return 0.2 / 60;
    });
    const input = counterInput(p);
    const run = (from: number, to: number) => {
      const out: Detection[] = [];
      for (let at = from; at < to; at += CHECK_EVERY)
        out.push(detect(perMinute, input, at, reconnects, opts));
      return out;
    };
    expect(run(T0 + HOUR, burst).filter((d) => d.state === 'anomalous')).toEqual([]);
    const after = run(burst, burst + 3 * MINUTE);
    const first = after.findIndex((d) => d.state === 'anomalous');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first * CHECK_EVERY).toBeLessThanOrEqual(2 * MINUTE);
    const d = after[first]!;
    expect(d.message).toMatch(/^reconnects \d+\/min vs baseline 0\/min for 1 min$/);
    expect(d.upper).toBeCloseTo(5, 6); // k = 5 events per one-minute bucket when the baseline is quiet
    expect(d.observed).toMatchObject({ detector: 'spike', quantum: 1, band: [null, 5] });
  });

  it('flags a doubled rate at 1 s samples within 2 minutes', () => {
    const rand = mulberry32(22);
    const start = T0 + 2 * HOUR + 3333;
    const p = counter(rand, T0, start + 5 * MINUTE, (t) => (t < start ? 12 : 24));
    expect(evaluate(spike, counterInput(p), start - HOUR, start).anomalous).toEqual([]);
    const after = evaluate(spike, counterInput(p), start, start + 5 * MINUTE);
    expect(after.firstAnomalousAt! - start).toBeLessThanOrEqual(2 * MINUTE);
    expect(after.anomalous[0]!.d.message).toMatch(
      /^quote rate 2\d(\.\d+)?\/s vs baseline 1[12](\.\d+)?\/s \(\+\d+%\) for 1 min/,
    );
  });

  it('ignores a single-sample glitch of a gauge, flags a sustained shift', () => {
    const rand = mulberry32(23);
    const shift = T0 + 2 * HOUR;
    const glitches = new Set([T0 + 90 * MINUTE, T0 + 100 * MINUTE + 7 * SECOND]);
    const p = gauge(
      T0,
      shift + 10 * MINUTE,
      (t) => (glitches.has(t) ? 5000 : t < shift ? 50 : 80),
      () => 3 * gaussian(rand),
    );
    const input: SeriesInput = { type: 'gauge', series: [p] };
    const lat = { name: 'latency', unit: ' ms', perSeconds: 1 };
    const before: Detection[] = [];
    for (let at = T0 + HOUR; at < shift; at += CHECK_EVERY) before.push(detect(spike, input, at, lat, opts));
    expect(before.filter((d) => d.state === 'anomalous')).toEqual([]);
    const d = detect(spike, input, shift + 2 * MINUTE, lat, opts);
    expect(d.state).toBe('anomalous');
    expect(d.message).toMatch(/^latency 80(\.\d+)? ms vs baseline 50(\.\d+)? ms \(\+60%\) for 2 min$/);
  });
});

describe('flow mismatch', () => {
  const display = { name: 'quotes_received_total -> quotes_written_total', unit: '', perSeconds: 1 };
  const spec = DEFAULT_FLOW_MISMATCH;

  function flows(seed: number, stall: number, upStops = Infinity, end = stall + 10 * MINUTE) {
    const rand = mulberry32(seed);
    const up = counter(rand, T0, end, (t) => (t < upStops ? 12 : 0));
    // Downstream writes what came in, in batches every 5 s, until it stalls.
    const down: Point[] = [];
    for (const p of up)
      if ((p.at - T0) % (5 * SECOND) === 0)
        down.push({ at: p.at + 200, value: p.at < stall ? p.value : down.at(-1)!.value });
    return { upstream: counterInput(up), downstream: counterInput(down) };
  }

  it('flags a downstream that stalls while upstream advances', () => {
    const stall = T0 + HOUR + 1234;
    const input = flows(31, stall);
    for (let at = T0 + 10 * MINUTE; at < stall; at += CHECK_EVERY)
      expect(detect(spec, input, at, display, opts).state).toBe('ok');
    const d = detect(spec, input, stall + 3 * MINUTE, display, opts);
    expect(d.state).toBe('anomalous');
    expect(d.message).toMatch(
      /^quotes_received_total advanced by \d+ in 2 min while quotes_written_total did not advance \(last advanced 3 min( \d+ s)? ago\)$/,
    );
    expect(d.current).toBe(0);
    expect(d).toMatchObject({ baseline: null, lower: null, upper: null });
    expect(d.observed).toMatchObject({
      upstream: 'quotes_received_total',
      downstream: 'quotes_written_total',
    });
    expect(d.observed.upstream_increase as number).toBeGreaterThan(1200);
    expect(d.sinceMs).toBeGreaterThanOrEqual(3 * MINUTE - 5 * SECOND);
    // Within the lag after the stall it is not judged a mismatch yet.
    expect(detect(spec, input, stall + 60 * SECOND, display, opts).state).toBe('ok');
  });

  it('is fine when both advance, and when both stop', () => {
    const stop = T0 + HOUR;
    const input = flows(32, stop, stop);
    expect(detect(spec, input, stop - MINUTE, display, opts).state).toBe('ok');
    const d = detect(spec, input, stop + 5 * MINUTE, display, opts);
    expect(d.state).toBe('ok');
    expect(d.message).toBe('quotes_received_total did not advance in 2 min');
  });

  it('flags a downstream that advances by less than minRatio of upstream', () => {
    const rand = mulberry32(33);
    const up = counter(rand, T0, T0 + HOUR, () => 10);
    const down = counter(rand, T0, T0 + HOUR, () => 1);
    const input = { upstream: counterInput(up), downstream: counterInput(down) };
    const d = detect({ ...spec, minRatio: 0.5 }, input, T0 + 30 * MINUTE, display, opts);
    expect(d.state).toBe('anomalous');
    expect(d.message).toMatch(/while quotes_written_total advanced only by \d+ \(\d+(\.\d+)?% of it\)$/);
    expect(detect({ ...spec, minRatio: 0.05 }, input, T0 + 30 * MINUTE, display, opts).state).toBe('ok');
  });

  it('warms up until both sides have data older than the lag', () => {
    const input = flows(34, T0 + HOUR);
    const d = detect(spec, input, T0 + MINUTE, display, opts);
    expect(d.state).toBe('warming_up');
    expect(d.message).toBe(
      'warming up: needs data older than 2 min for quotes_received_total and quotes_written_total',
    );
    expect(detect(spec, input, T0 + 2 * MINUTE + 1000, display, opts).state).toBe('ok');
  });
});

describe('detect and timeline', () => {
  it('refuses an input of the wrong shape', () => {
    const s = counterInput([]);
    expect(() => detect(DEFAULT_FLOW_MISMATCH, s, T0, rateDisplay, opts)).toThrow(TypeError);
    expect(() => detect(collapse, { upstream: s, downstream: s }, T0, rateDisplay, opts)).toThrow(TypeError);
  });

  it('keeps a lasting collapse anomalous: its start freezes the baseline (without it, the collapse becomes the baseline)', () => {
    const rand = mulberry32(43);
    const drop = T0 + 2 * HOUR + 4000;
    const p = counter(rand, T0, drop + 100 * MINUTE, (t) => (t < drop ? 12 : 1.2));
    const input = counterInput(p);
    let since: number | undefined;
    const chained: boolean[] = [];
    const plain: boolean[] = [];
    for (let at = drop + 2 * MINUTE; at <= drop + 95 * MINUTE; at += 15 * SECOND) {
      const d = detect(
        collapse,
        input,
        at,
        rateDisplay,
        since === undefined ? opts : { ...opts, baselineEnd: since },
      );
      since = anomalousSinceOf(d);
      chained.push(d.state === 'anomalous');
      plain.push(detect(collapse, input, at, rateDisplay, opts).state === 'anomalous');
    }
    expect(chained.every(Boolean)).toBe(true);
    expect(since! - drop).toBeLessThan(MINUTE);
    expect(since! - drop).toBeGreaterThanOrEqual(-10 * SECOND); // the start of the bucket the drop fell in
    // The rolling baseline alone takes the collapse in within about half its window.
    expect(plain.slice(-20).some(Boolean)).toBe(false);
  });

  it('timeline replays detect() at each step without hindsight: markers only after the drop', () => {
    const rand = mulberry32(41);
    const drop = T0 + 2 * HOUR + 4000;
    const p = counter(rand, T0, drop + 30 * MINUTE, (t) => (t < drop ? 12 : 1.2));
    const input = counterInput(p);
    const tl = timeline(collapse, input, drop - 20 * MINUTE, drop + 20 * MINUTE, MINUTE, rateDisplay, opts);
    expect(tl).toHaveLength(41);
    // The same as detect() chained as the engine chains it (an anomaly's start freezes the baseline).
    let since: number | undefined;
    for (const x of tl) {
      const d = detect(
        collapse,
        input,
        x.at,
        rateDisplay,
        since === undefined ? opts : { ...opts, baselineEnd: since },
      );
      since = anomalousSinceOf(d);
      expect(x).toEqual({
        at: x.at,
        current: d.current,
        baseline: d.baseline,
        lower: d.lower,
        upper: d.upper,
        anomalous: d.state === 'anomalous',
      });
    }
    expect(tl.filter((x) => x.anomalous).every((x) => x.at > drop)).toBe(true);
    expect(tl.filter((x) => x.at >= drop + 2 * MINUTE).every((x) => x.anomalous)).toBe(true);
    // No hindsight: the value at a time before the drop does not see the points after it.
    const cut = p.filter((x) => x.at <= drop - MINUTE);
    expect(tl[19]).toEqual(
      timeline(collapse, counterInput(cut), drop - MINUTE, drop - MINUTE, MINUTE, rateDisplay, opts)[0],
    );
    expect(() => timeline(collapse, input, 0, 10_000 * MINUTE, MINUTE, rateDisplay, opts)).toThrow(
      RangeError,
    );
  });
});
