import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killHard, startChildServer, stopGracefully, type ChildServer } from '../helpers/child-server.js';
import { eventually } from '../helpers/live-app.js';
import { ChildDatabases } from '../helpers/child-databases.js';
import { BACKENDS, type Backend } from '../helpers/stores.js';
import { CaptureServer } from '../helpers/webhook-server.js';

/*
 * Notifications survive kill -9: a real server process is killed while alerts arrive and its
 * receiver is down (or slow), restarted on the same database, and every alert it acknowledged must
 * reach the receiver, in the order acknowledged, never twice under two different idempotency keys.
 */

const databases = new ChildDatabases();
afterAll(() => databases.cleanup());

function setup(backend: Backend, hookUrl: string): string[] {
  const yaml = `
route: { receiver: hook, group_by: [n], group_wait: 0s }
receivers: [{ name: hook, webhook_configs: [{ url: "${hookUrl}/hook" }] }]
notifications:
  throttle: { per_source: 0s }
  delivery: { initial_backoff: 100ms, max_backoff: 500ms }
`;
  return databases.args(backend, 'nk9', yaml);
}

/** Posts alerts n = 0, 1, 2, ... one at a time until the server dies; returns the acknowledged ones. */
async function postUntilKilled(server: ChildServer, killAfter: number): Promise<number[]> {
  const acked: number[] = [];
  for (let n = 0; ; n++) {
    if (n === killAfter) void killHard(server);
    try {
      const res = await fetch(`${server.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            labels: { alertname: 'Kill9', n: String(n) },
            endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          },
        ]),
      });
      if (res.status === 200) acked.push(n);
    } catch {
      return acked;
    }
  }
}

for (const backend of BACKENDS) {
  describe(`notifications across kill -9 (${backend})`, () => {
    let hook = new CaptureServer();
    let server: ChildServer | null = null;
    beforeEach(() => {
      hook = new CaptureServer();
    });
    afterEach(async () => {
      if (server) await stopGracefully(server);
      server = null;
      await hook.stop();
    });

    const arrivals = () =>
      hook.requests.map((r) => ({
        n: Number((JSON.parse(r.body) as { groupLabels: { n: string } }).groupLabels.n),
        key: String(r.headers['idempotency-key']),
      }));

    it('delivers every acknowledged alert exactly once, in order, after a kill during an outage', async () => {
      const url = await hook.start();
      hook.respond = () => ({ status: 503 });
      const args = setup(backend, url);
      server = await startChildServer(args);
      const acked = await postUntilKilled(server, 40);
      expect(acked.length).toBeGreaterThanOrEqual(40);
      expect(hook.requests).toHaveLength(0);
      hook.respond = () => ({ status: 200 });
      server = await startChildServer(args);
      await eventually(
        async () => (new Set(arrivals().map((a) => a.n)).size >= acked.length ? true : null),
        30_000,
      );
      const got = arrivals();
      // Exactly once: the outage means nothing was ever accepted before the kill.
      expect(got.map((a) => a.n)).toEqual(acked);
      expect(new Set(got.map((a) => a.key)).size).toBe(got.length);
    }, 60_000);

    it('loses nothing when killed mid-delivery; a resend reuses the idempotency key', async () => {
      const url = await hook.start();
      const args = setup(backend, url);
      server = await startChildServer(args);
      const acked = await postUntilKilled(server, 60);
      server = await startChildServer(args);
      await eventually(
        async () => (new Set(arrivals().map((a) => a.n)).size >= acked.length ? true : null),
        30_000,
      );
      const got = arrivals();
      const firstArrival = [...new Map(got.map((a) => [a.n, a])).keys()];
      expect([...firstArrival].sort((a, b) => a - b)).toEqual(acked.slice().sort((a, b) => a - b));
      // In order of acknowledgement, counting each alert's first arrival.
      expect(got.map((a) => a.n).filter((n, i, all) => all.indexOf(n) === i)).toEqual(acked);
      // A message sent again after the kill carries the key it had the first time.
      const keysByN = new Map<number, Set<string>>();
      for (const a of got) keysByN.set(a.n, (keysByN.get(a.n) ?? new Set()).add(a.key));
      for (const keys of keysByN.values()) expect(keys.size).toBe(1);
    }, 60_000);
  });
}
