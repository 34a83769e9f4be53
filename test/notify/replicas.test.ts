import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';
import { PG_URL, postgresTestStore, type TestStore } from '../helpers/stores.js';
import { CaptureServer } from '../helpers/webhook-server.js';

/*
 * Two Sentinel replicas on one PostgreSQL schema share the notification pipeline: due groups are
 * flushed by one of them, and each integration's queue is sent by one at a time (its lease), so
 * every message goes out once and in order while both work at the same time.
 */

describe('notification pipeline with two replicas (postgres)', () => {
  const hook = new CaptureServer();
  let a: NotifyTestApp | null = null;
  let b: NotifyTestApp | null = null;
  let shared: TestStore | null = null;
  afterEach(async () => {
    await a?.app.stop();
    await b?.app.stop();
    await shared?.dispose();
    await hook.stop();
  });

  it('sends each message once, in order, with both replicas flushing and delivering at once', async () => {
    const url = await hook.start();
    const cfg = `
route: { receiver: ops, group_by: [n], group_wait: 10s }
receivers: [{ name: ops, webhook_configs: [{ url: "${url}/ops" }] }]
notifications: { throttle: { per_source: 0s } }
`;
    shared = await postgresTestStore();
    const schema = (shared as TestStore & { schema: string }).schema;
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    a = await notifyApp('postgres', cfg, { clock, reuse: shared });
    // The second replica has its own connection pool on the same schema.
    const other = await PostgresStore.open({ url: PG_URL, schema, poolSize: 4 });
    b = await notifyApp('postgres', cfg, { clock, reuse: { store: other, dispose: () => other.close() } });

    for (let i = 0; i < 30; i++) {
      const via = i % 2 === 0 ? a : b;
      const r = await via.app.http.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        payload: [{ labels: { alertname: 'Shared', n: String(i).padStart(2, '0') } }],
      });
      expect(r.statusCode).toBe(200);
    }
    clock.advance(10_000);
    await Promise.all([
      a.app.notifier.dispatcher.flushDue(),
      b.app.notifier.dispatcher.flushDue(),
      a.app.notifier.dispatcher.flushDue(),
    ]);
    for (let round = 0; round < 3; round++) {
      await Promise.all([a.app.notifier.delivery.deliverDue(), b.app.notifier.delivery.deliverDue()]);
    }
    const sent = hook.bodies<{ groupLabels: { n: string } }>().map((x) => x.groupLabels.n);
    expect(sent).toHaveLength(30);
    expect(new Set(sent).size).toBe(30);
    // One integration: its queue went out in outbox (id) order, whichever replica sent each message.
    const keys = hook.requests.map((r) => String(r.headers['idempotency-key']));
    const outbox = (await shared.store.notify.listNotifications({ limit: 100 })).reverse().map((n) => n.ref);
    expect(keys).toEqual(outbox);
    await other.close();
  });
});
