import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DEFAULT_SERIES_OPTIONS } from '../../src/engine/anomaly-config.js';
import { recordSamples, seriesKey, type SeriesSample } from '../../src/series/record.js';
import { ROLLUP_SETTLE_MS, SeriesMaintenance } from '../../src/series/maintenance.js';
import { SeriesReader } from '../../src/series/reader.js';
import { BACKENDS, testStore, type TestStore } from '../helpers/stores.js';

/*
 * Series storage for the anomaly layer, the same on both backends: series identity, raw points,
 * 1-minute rollups (counter increases reset-corrected), and retention of both.
 */

const T0 = Date.parse('2026-11-23T10:00:00Z');
const MIN = 60_000;

function counter(metric: string, labels: Record<string, string>, at: number, value: number): SeriesSample {
  return { metric, labels, type: 'counter', value, at };
}

describe.each(BACKENDS)('series store (%s)', (backend) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await testStore(backend);
  });
  afterEach(async () => {
    await t.dispose();
  });
  const record = (samples: SeriesSample[], now = T0) =>
    t.store.transaction((tx) => recordSamples(tx, samples, now));

  it('keeps one series per metric and label set, and its points in order (the last write of a millisecond wins)', async () => {
    await record([
      counter('quotes_total', { feed: 'a' }, T0 + 2000, 20),
      counter('quotes_total', { feed: 'a' }, T0 + 1000, 10),
      counter('quotes_total', { feed: 'b' }, T0 + 1000, 5),
    ]);
    await record([counter('quotes_total', { feed: 'a' }, T0 + 2000, 21)]);
    const refs = await t.store.series.seriesOf('quotes_total');
    expect(refs.map((r) => [r.key, r.type, r.lastAt])).toEqual([
      [seriesKey('quotes_total', { feed: 'a' }), 'counter', T0 + 2000],
      [seriesKey('quotes_total', { feed: 'b' }), 'counter', T0 + 1000],
    ]);
    expect(await t.store.series.points(refs[0]!.id, T0, T0 + 10_000)).toEqual([
      { at: T0 + 1000, value: 10 },
      { at: T0 + 2000, value: 21 },
    ]);
    // The point before `from` comes first: a counter's first increase needs it.
    expect(await t.store.series.points(refs[0]!.id, T0 + 1500, T0 + 10_000)).toEqual([
      { at: T0 + 1000, value: 10 },
      { at: T0 + 2000, value: 21 },
    ]);
    expect(await t.store.series.metrics()).toEqual([{ metric: 'quotes_total', series: 2 }]);
    const reader = new SeriesReader(t.store.series);
    expect((await reader.select('quotes_total', [{ name: 'feed', type: '=', value: 'b' }])).length).toBe(1);
  });

  it('rolls settled minutes into buckets with reset-corrected increases, and purges by retention', async () => {
    // A counter at 1/s for 10 minutes that restarts (reset to 0) at minute 5.
    const samples: SeriesSample[] = [];
    for (let s = 0; s <= 600; s++) {
      const v = s < 300 ? 1000 + s : s - 299;
      samples.push(counter('rows_total', {}, T0 + s * 1000, v));
    }
    await record(samples);
    const clock = new ManualClock(T0 + 600_000 + ROLLUP_SETTLE_MS + MIN);
    const job = new SeriesMaintenance(t.store, clock, () => DEFAULT_SERIES_OPTIONS);
    const r = await job.runOnce();
    expect(r.rolledSeries).toBe(1);
    const [ref] = await t.store.series.seriesOf('rows_total');
    const buckets = await t.store.series.rollups(ref!.id, T0, T0 + 3_600_000);
    // The minute that holds the last point is not complete until the next point arrives.
    expect(buckets.map((b) => (b.start - T0) / MIN)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const b of buckets) {
      expect(b.increase).toBeCloseTo(60, 6);
      expect(b.coveredMs).toBe(60_000);
    }
    expect(buckets[0]!.count).toBe(60);
    expect(ref!.rolledUntil).toBe(T0 + 10 * MIN);
    // Nothing new: a second pass rolls nothing up.
    expect((await job.runOnce()).rolledSeries).toBe(0);

    // Retention: raw points older than raw_retention go, buckets stay until rollup_retention.
    clock.set(T0 + DEFAULT_SERIES_OPTIONS.rawRetentionMs + 5 * MIN);
    const purged = await job.runOnce();
    expect(purged.purged.points).toBe(300);
    expect((await t.store.series.points(ref!.id, T0, T0 + 3_600_000)).length).toBe(301);
    clock.set(T0 + DEFAULT_SERIES_OPTIONS.rollupRetentionMs + 20 * MIN);
    const all = await job.runOnce();
    expect(all.purged.series).toBe(1);
    expect(await t.store.series.seriesOf('rows_total')).toEqual([]);
  });

  it('rolls a silent counter up to now, its silence as zero increase', async () => {
    await record([counter('c_total', {}, T0, 0), counter('c_total', {}, T0 + 60_000, 60)]);
    const clock = new ManualClock(T0 + 2 * 3_600_000);
    await new SeriesMaintenance(t.store, clock, () => DEFAULT_SERIES_OPTIONS).runOnce();
    const [ref] = await t.store.series.seriesOf('c_total');
    const buckets = await t.store.series.rollups(ref!.id, T0, T0 + 3 * 3_600_000);
    expect(buckets[0]!.increase).toBeCloseTo(60, 6);
    expect(buckets.slice(2).every((b) => b.increase === 0 && b.coveredMs === 60_000)).toBe(true);
    expect(buckets.length).toBeGreaterThan(100);
  });

  it('reads a summed 1-minute history from the rollups of several series', async () => {
    const samples: SeriesSample[] = [];
    for (let s = 0; s <= 180; s++) {
      samples.push(counter('q_total', { feed: 'a' }, T0 + s * 1000, s * 2));
      samples.push(counter('q_total', { feed: 'b' }, T0 + s * 1000, s * 3));
    }
    await record(samples);
    await new SeriesMaintenance(
      t.store,
      new ManualClock(T0 + 10 * MIN),
      () => DEFAULT_SERIES_OPTIONS,
    ).runOnce();
    const reader = new SeriesReader(t.store.series);
    const refs = await reader.select('q_total', []);
    const history = await reader.minuteHistory(refs, 'counter', T0, T0 + 10 * MIN);
    expect(history.map((h) => h.start - T0)).toEqual([0, MIN, 2 * MIN]);
    for (const h of history) expect(h.value).toBeCloseTo(5, 6);
  });
});
