import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../src/alerts/group-commit.js';

describe('GroupCommitter', () => {
  it('commits concurrent submissions together and answers each with its own results', async () => {
    const batches: number[][] = [];
    const gc = new GroupCommitter<number, number>(async (items) => {
      batches.push(items);
      return items.map((i) => i * 10);
    }, 100);
    const results = await Promise.all([gc.submit([1, 2]), gc.submit([3]), gc.submit([4, 5, 6])]);
    expect(results).toEqual([[10, 20], [30], [40, 50, 60]]);
    expect(batches).toEqual([[1, 2, 3, 4, 5, 6]]);
    await gc.stop();
  });

  it('splits at maxBatch without splitting a request, and fails exactly the requests of a failed batch', async () => {
    const batches: number[][] = [];
    const gc = new GroupCommitter<number, number>(async (items) => {
      batches.push(items);
      if (items.includes(99)) throw new Error('disk full');
      return items;
    }, 3);
    const a = gc.submit([1, 2]);
    const b = gc.submit([3, 99]);
    const c = gc.submit([4]);
    await expect(a).resolves.toEqual([1, 2]);
    await expect(b).rejects.toThrow('disk full');
    // [4] shared the failed transaction, so it failed with it; nothing of that batch was stored.
    await expect(c).rejects.toThrow('disk full');
    expect(batches).toEqual([
      [1, 2],
      [3, 99, 4],
    ]);
    await expect(gc.submit([5])).resolves.toEqual([5]);
    await gc.stop();
  });

  it('keeps up to maxInFlight batches committing and stop() waits for all of them', async () => {
    const releases: Array<() => void> = [];
    let concurrent = 0;
    let peak = 0;
    const gc = new GroupCommitter<number, number>(
      (items) =>
        new Promise((resolve) => {
          concurrent++;
          peak = Math.max(peak, concurrent);
          releases.push(() => {
            concurrent--;
            resolve(items);
          });
        }),
      1,
      2,
    );
    const all = Promise.all([1, 2, 3].map((i) => gc.submit([i])));
    await new Promise((r) => setImmediate(r));
    expect(releases).toHaveLength(2);
    let stopped = false;
    const stopping = gc.stop().then(() => (stopped = true));
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(releases).toHaveLength(2);
    releases.shift()!();
    releases.shift()!();
    expect(await all).toEqual([[1], [2], [3]]);
    await stopping;
    expect(stopped).toBe(true);
    expect(peak).toBe(2);
    await expect(gc.submit([4])).rejects.toThrow('stopped');
  });
});
