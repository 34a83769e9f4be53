import { afterAll, describe, expect, it } from 'vitest';
import { ChildDatabases } from '../helpers/child-databases.js';
import { killHard, startChildServer, stopGracefully, type ChildServer } from '../helpers/child-server.js';

/**
 * An HTTP 2xx on ingest means committed: a real server process is killed with SIGKILL while eight
 * clients ingest concurrently, restarted on the same database, and every alert it acknowledged
 * must be there.
 */

const databases = new ChildDatabases();
afterAll(() => databases.cleanup());

async function ingestUntilKilled(
  server: ChildServer,
  client: number,
  acked: Map<string, number>,
  stop: () => boolean,
): Promise<void> {
  let seq = 0;
  while (!stop()) {
    // Half new alerts, half re-sends of earlier ones: re-sends only count occurrences, and those
    // counts are acknowledged too.
    const batch = Array.from({ length: 16 }, (_, k) => {
      const n = k % 2 === 0 || seq === 0 ? ++seq : 1 + Math.floor(Math.random() * seq);
      return { service: 'kill9', title: 'durability', labels: { client: String(client), seq: String(n) } };
    });
    try {
      const res = await fetch(`${server.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      if (res.status !== 200) throw new Error(`unexpected status ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { results: Array<{ alert_ref: string; occurrences: number }> };
      for (const r of body.results)
        acked.set(r.alert_ref, Math.max(acked.get(r.alert_ref) ?? 0, r.occurrences));
    } catch (err) {
      // After the kill, requests fail without an answer: those alerts were never acknowledged.
      if (stop()) return;
      if (err instanceof TypeError) return; // connection refused or reset: the server is gone
      throw err;
    }
  }
}

async function listAll(url: string): Promise<Map<string, number>> {
  const refs = new Map<string, number>();
  let cursor: string | null = null;
  for (;;) {
    const page = (await (
      await fetch(`${url}/api/v1/alerts?limit=500${cursor ? `&cursor=${cursor}` : ''}`)
    ).json()) as {
      alerts: Array<{ ref: string; occurrences: number }>;
      next_cursor: string | null;
    };
    for (const a of page.alerts) refs.set(a.ref, a.occurrences);
    if (!page.next_cursor) return refs;
    cursor = page.next_cursor;
  }
}

describe.each(['sqlite', 'postgres'] as const)('kill -9 during concurrent ingest (%s)', (backend) => {
  it('loses no acknowledged alert and no acknowledged occurrence', { timeout: 60_000 }, async () => {
    const args = databases.args(backend, 'k9');
    const server = await startChildServer(args);
    const acked = new Map<string, number>();
    let killed = false;
    const clients = Array.from({ length: 8 }, (_, i) => ingestUntilKilled(server, i, acked, () => killed));
    // Kill mid-stream, once a good number of writes has been acknowledged.
    const started = Date.now();
    while (acked.size < 3000 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 5));
    await killHard(server);
    killed = true;
    await Promise.all(clients);
    expect(acked.size).toBeGreaterThan(100);

    const restarted = await startChildServer(args);
    try {
      const stored = await listAll(restarted.url);
      const missing = [...acked.keys()].filter((ref) => !stored.has(ref));
      expect(missing).toEqual([]);
      const undercounted = [...acked].filter(([ref, occurrences]) => stored.get(ref)! < occurrences);
      expect(undercounted).toEqual([]);
      expect([...acked.values()].some((n) => n > 1)).toBe(true);
    } finally {
      expect(await stopGracefully(restarted)).toBe(0);
    }
  });
});
