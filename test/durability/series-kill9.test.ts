import { afterAll, describe, expect, it } from 'vitest';
import { ChildDatabases } from '../helpers/child-databases.js';
import { killHard, startChildServer, stopGracefully, type ChildServer } from '../helpers/child-server.js';

/**
 * A 202 on POST /api/v1/samples means the series points are stored: a real server is killed with
 * SIGKILL while four clients push samples, restarted on the same database, and every acknowledged
 * point must be returned by GET /api/v1/series.
 */

const databases = new ChildDatabases();
afterAll(() => databases.cleanup());

/** Each request: 20 points of this client's counter, 1 ms apart, after the previous ones. */
async function pushUntilKilled(
  server: ChildServer,
  client: number,
  start: number,
  acked: number[],
  stop: () => boolean,
): Promise<void> {
  let seq = 0;
  while (!stop()) {
    const samples = Array.from({ length: 20 }, () => {
      seq++;
      return {
        metric: 'kill9_points_total',
        labels: { client: String(client) },
        type: 'counter',
        value: seq,
        at: new Date(start + seq).toISOString(),
      };
    });
    try {
      const res = await fetch(`${server.url}/api/v1/samples`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ samples }),
      });
      if (res.status !== 202) throw new Error(`unexpected status ${res.status}: ${await res.text()}`);
      acked.push(seq);
    } catch (err) {
      if (stop()) return;
      if (err instanceof TypeError) return; // connection refused or reset: the server is gone
      throw err;
    }
  }
}

describe.each(['sqlite', 'postgres'] as const)('kill -9 while samples are pushed (%s)', (backend) => {
  it('keeps every acknowledged series point', { timeout: 60_000 }, async () => {
    const args = databases.args(backend, 'sk9');
    const server = await startChildServer(args);
    const start = Date.now() - 60_000;
    const acked: number[][] = [[], [], [], []];
    let killed = false;
    const clients = acked.map((list, i) => pushUntilKilled(server, i, start, list, () => killed));
    await new Promise((r) => setTimeout(r, 1500));
    killed = true;
    await killHard(server);
    await Promise.all(clients);
    expect(acked.every((l) => l.length > 0)).toBe(true);

    const again = await startChildServer(args);
    try {
      for (let i = 0; i < acked.length; i++) {
        const highest = Math.max(...acked[i]!);
        const q = new URLSearchParams({
          name: 'kill9_points_total',
          labels: `client="${i}"`,
          from: new Date(start).toISOString(),
          to: new Date(start + highest + 1000).toISOString(),
        });
        const res = await fetch(`${again.url}/api/v1/series?${q}`);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { series: Array<{ points: Array<{ t: string; value: number }> }> };
        const values = new Set(body.series[0]!.points.map((p) => p.value));
        for (let v = 1; v <= highest; v++) expect(values.has(v), `client ${i} point ${v}`).toBe(true);
      }
    } finally {
      await stopGracefully(again);
    }
  });
});
