import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/stores.js';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';
import { CaptureServer } from '../helpers/webhook-server.js';

/*
 * The notification pipeline end to end, on both backends: ingest through the API, flush with a
 * manual clock, delivery over real HTTP to a local webhook receiver. Each case is a piece of
 * Alertmanager's semantics (group_wait, group_interval, repeat_interval, send_resolved, silences,
 * inhibition, resolve timeout) or of Sentinel's durability (outage, order, restart, dead letter).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

interface WebhookBody {
  version: string;
  status: string;
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  truncatedAlerts: number;
  externalURL: string;
  alerts: Array<{
    status: string;
    labels: Record<string, string>;
    startsAt: string;
    endsAt: string;
    fingerprint: string;
  }>;
}

function config(url: string, extra = ''): string {
  return `
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: ops
    webhook_configs:
      - url: ${url}/hook
notifications:
  throttle: { per_source: 0s }
${extra}`;
}

for (const backend of BACKENDS) {
  describe(`notification pipeline (${backend})`, () => {
    let hook: CaptureServer;
    let url: string;
    let t: NotifyTestApp | null = null;

    beforeEach(async () => {
      hook = new CaptureServer();
      url = await hook.start();
    });
    afterEach(async () => {
      await t?.close();
      t = null;
      await hook.stop();
    });

    const post = (alerts: object[]) =>
      t!.app.http.inject({ method: 'POST', url: '/api/v2/alerts', payload: alerts }).then((r) => {
        expect(r.statusCode).toBe(200);
      });
    const alert = (name: string, labels: Record<string, string> = {}, endsInMs = 10 * MINUTE) => ({
      labels: { alertname: name, ...labels },
      annotations: { summary: `${name} is failing` },
      startsAt: new Date(t!.clock.now()).toISOString(),
      endsAt: new Date(t!.clock.now() + endsInMs).toISOString(),
    });
    const fire = (name: string, labels: Record<string, string> = {}, endsInMs = 10 * MINUTE) =>
      post([alert(name, labels, endsInMs)]);
    const resolveAlert = (name: string, labels: Record<string, string> = {}) =>
      post([{ labels: { alertname: name, ...labels }, endsAt: new Date(t!.clock.now()).toISOString() }]);
    const bodies = () => hook.bodies<WebhookBody>();

    it('waits group_wait, batches the group, then notifies changes every group_interval', async () => {
      t = await notifyApp(backend, config(url));
      await fire('DiskFull', { instance: 'a' });
      await t.pump();
      expect(hook.requests).toHaveLength(0);

      t.clock.advance(10 * SECOND);
      await fire('DiskFull', { instance: 'b' });
      t.clock.advance(19 * SECOND);
      await t.pump();
      expect(hook.requests).toHaveLength(0);

      t.clock.advance(1 * SECOND); // 30 s after the first alert
      await t.pump();
      expect(bodies()).toHaveLength(1);
      const first = bodies()[0]!;
      expect(first).toMatchObject({
        version: '4',
        status: 'firing',
        receiver: 'ops',
        groupKey: '{}:{alertname="DiskFull"}',
        groupLabels: { alertname: 'DiskFull' },
        commonLabels: { alertname: 'DiskFull' },
        truncatedAlerts: 0,
      });
      expect(first.alerts.map((a) => a.labels.instance)).toEqual(['a', 'b']);
      expect(first.alerts[0]!.endsAt).toBe('0001-01-01T00:00:00Z');
      // Keys and their order as Alertmanager's webhook payload.
      expect(Object.keys(JSON.parse(hook.requests[0]!.body) as object)).toEqual([
        'receiver',
        'status',
        'alerts',
        'groupLabels',
        'commonLabels',
        'commonAnnotations',
        'externalURL',
        'version',
        'groupKey',
        'truncatedAlerts',
      ]);

      // A third alert joins the flushed group and waits for the next group_interval tick.
      t.clock.advance(1 * MINUTE);
      await fire('DiskFull', { instance: 'c' });
      await t.pump();
      expect(hook.requests).toHaveLength(1);
      t.clock.advance(4 * MINUTE);
      await t.pump();
      expect(bodies()).toHaveLength(2);
      expect(bodies()[1]!.alerts.map((a) => a.labels.instance)).toEqual(['a', 'b', 'c']);

      // Re-sends change nothing: no message until repeat_interval.
      for (let i = 0; i < 6; i++) {
        t.clock.advance(5 * MINUTE);
        for (const instance of ['a', 'b', 'c']) await fire('DiskFull', { instance });
        await t.pump();
      }
      expect(hook.requests).toHaveLength(2);
    });

    it('repeats an unchanged firing group after repeat_interval', async () => {
      t = await notifyApp(backend, config(url).replace('group_wait: 30s', 'group_wait: 0s'));
      await fire('Watchdog', {}, 30 * HOUR);
      await t.pump();
      expect(hook.requests).toHaveLength(1);
      for (let minutes = 5; minutes < 240; minutes += 5) {
        t.clock.advance(5 * MINUTE);
        await t.pump();
      }
      expect(hook.requests).toHaveLength(1);
      t.clock.advance(5 * MINUTE);
      await t.pump();
      expect(hook.requests).toHaveLength(2);
    });

    it('sends the resolved notification, and sends it also for alerts that expire (endsAt passed)', async () => {
      t = await notifyApp(backend, config(url).replace('group_wait: 30s', 'group_wait: 0s'));
      // One request: both alerts are in the group's first flush.
      await post([
        alert('HighLatency', { instance: 'a' }),
        alert('HighLatency', { instance: 'b' }, 2 * MINUTE),
      ]);
      await t.pump();
      expect(bodies()[0]!.alerts).toHaveLength(2);

      t.clock.advance(1 * MINUTE);
      await resolveAlert('HighLatency', { instance: 'a' });
      t.clock.advance(2 * MINUTE);
      // Nobody re-sent b: it expires at its endsAt, as in Alertmanager.
      expect(await t.app.context.alerts.expireDue()).toBe(1);
      t.clock.advance(2 * MINUTE);
      await t.pump();
      expect(bodies()).toHaveLength(2);
      const resolved = bodies()[1]!;
      expect(resolved.status).toBe('resolved');
      expect(resolved.alerts.map((a) => [a.labels.instance, a.status])).toEqual([
        ['a', 'resolved'],
        ['b', 'resolved'],
      ]);
      expect(resolved.alerts[1]!.endsAt).toBe(
        new Date(Date.parse('2026-03-01T12:02:00Z')).toISOString().replace('.000', ''),
      );
      // The group is gone once everything in it was resolved and announced.
      expect(await t.store.store.notify.allGroups()).toEqual([]);
    });

    it('mutes silenced alerts, shows who silenced them, and notifies once the silence expires', async () => {
      t = await notifyApp(backend, config(url).replace('group_wait: 30s', 'group_wait: 0s'));
      const created = await t.app.http.inject({
        method: 'POST',
        url: '/api/v2/silences',
        payload: {
          matchers: [{ name: 'alertname', value: 'Noisy.*', isRegex: true, isEqual: true }],
          startsAt: new Date(t.clock.now()).toISOString(),
          endsAt: new Date(t.clock.now() + HOUR).toISOString(),
          createdBy: 'alice',
          comment: 'maintenance',
        },
      });
      expect(created.statusCode).toBe(200);
      const { silenceID } = created.json<{ silenceID: string }>();
      await fire('NoisyThing', {}, 3 * HOUR);
      await t.pump();
      expect(hook.requests).toHaveLength(0);

      const listed = (await t.app.http.inject({ url: '/api/v2/alerts' })).json<
        Array<{ status: { state: string; silencedBy: string[] }; receivers: Array<{ name: string }> }>
      >();
      expect(listed).toHaveLength(1);
      expect(listed[0]!.status).toEqual({ state: 'suppressed', silencedBy: [silenceID], inhibitedBy: [] });
      expect(listed[0]!.receivers).toEqual([{ name: 'ops' }]);
      const active = (await t.app.http.inject({ url: '/api/v2/alerts?silenced=false' })).json<unknown[]>();
      expect(active).toEqual([]);

      expect(
        (await t.app.http.inject({ method: 'DELETE', url: `/api/v2/silence/${silenceID}` })).statusCode,
      ).toBe(200);
      t.clock.advance(5 * MINUTE);
      await t.pump();
      expect(hook.requests).toHaveLength(1);
    });

    it('inhibits warnings while a critical alert with the same labels fires', async () => {
      t = await notifyApp(
        backend,
        config(url).replace('group_wait: 30s', 'group_wait: 0s') +
          `
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [cluster]
`,
      );
      await fire('NodeDown', { severity: 'critical', cluster: 'eu' }, HOUR);
      await post([
        alert('HighLoad', { severity: 'warning', cluster: 'eu' }, HOUR),
        alert('HighLoad', { severity: 'warning', cluster: 'us' }, HOUR),
      ]);
      await t.pump();
      const sent = bodies().flatMap((b) => b.alerts.map((a) => `${a.labels.alertname}/${a.labels.cluster}`));
      expect(sent.sort()).toEqual(['HighLoad/us', 'NodeDown/eu']);
      const listed = (await t.app.http.inject({ url: '/api/v2/alerts?filter=alertname="HighLoad"' })).json<
        Array<{ labels: Record<string, string>; fingerprint: string; status: { inhibitedBy: string[] } }>
      >();
      const eu = listed.find((a) => a.labels.cluster === 'eu')!;
      const source = (await t.app.http.inject({ url: '/api/v2/alerts?filter=alertname="NodeDown"' })).json<
        Array<{ fingerprint: string }>
      >()[0]!;
      expect(eu.status.inhibitedBy).toEqual([source.fingerprint]);

      // The source resolves: the inhibited warning is announced at the next tick.
      t.clock.advance(1 * MINUTE);
      await resolveAlert('NodeDown', { severity: 'critical', cluster: 'eu' });
      t.clock.advance(5 * MINUTE);
      await t.pump();
      const later = bodies().flatMap((b) =>
        b.alerts.map((a) => `${a.labels.alertname}/${a.labels.cluster}/${a.status}`),
      );
      expect(later).toContain('HighLoad/eu/firing');
    });

    it('signs the webhook body with HMAC-SHA256 when a secret is configured', async () => {
      t = await notifyApp(
        backend,
        config(url)
          .replace('group_wait: 30s', 'group_wait: 0s')
          .replace(`- url: ${url}/hook`, `- url: ${url}/hook\n        hmac_secret_env: HOOK_SECRET`),
        {},
        { HOOK_SECRET: 's3cret-value' },
      );
      await fire('Signed');
      await t.pump();
      const req = hook.requests[0]!;
      const expected = createHmac('sha256', 's3cret-value').update(req.body).digest('hex');
      expect(req.headers['x-sentinel-signature']).toBe(`sha256=${expected}`);
    });

    it('mutes a route during its mute_time_intervals and sends only within its active_time_intervals', async () => {
      // 2026-03-01 is a Sunday; the clock starts at 12:00 UTC.
      t = await notifyApp(
        backend,
        `
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 48h
  routes:
    - { receiver: ops, matchers: [team="night"], mute_time_intervals: [daytime] }
    - { receiver: ops, matchers: [team="office"], active_time_intervals: [weekdays] }
receivers:
  - name: ops
    webhook_configs: [{ url: "${url}/hook" }]
time_intervals:
  - name: daytime
    time_intervals: [{ times: [{ start_time: '08:00', end_time: '13:00' }] }]
  - name: weekdays
    time_intervals: [{ weekdays: ['monday:friday'] }]
notifications: { throttle: { per_source: 0s } }
`,
      );
      await fire('Night', { team: 'night' }, 30 * HOUR);
      await fire('Office', { team: 'office' }, 30 * HOUR);
      await t.pump();
      expect(hook.requests).toHaveLength(0);
      // 13:00: the daytime mute ends; the muted flushes logged nothing, so the next one announces it.
      t.clock.advance(1 * HOUR);
      await t.pump();
      expect(bodies().map((b) => b.groupLabels.alertname)).toEqual(['Night']);
      // Monday: the office route becomes active.
      t.clock.advance(11 * HOUR);
      await t.pump();
      expect(bodies().map((b) => b.groupLabels.alertname)).toEqual(['Night', 'Office']);
    });

    it('queues through an outage and drains in the original order, each message once, same idempotency key', async () => {
      t = await notifyApp(
        backend,
        config(url)
          .replace('group_wait: 30s', 'group_wait: 0s')
          .replace('group_by: [alertname]', 'group_by: [n]'),
      );
      let down = true;
      hook.respond = () => (down ? { status: 503, body: 'down for maintenance' } : { status: 200 });
      for (let i = 0; i < 5; i++) {
        await fire('Flaky', { n: String(i) }, 10 * HOUR);
        await t.pump();
      }
      expect(hook.requests).toHaveLength(0);
      // Only the head of the queue is tried while the receiver is down: order is kept.
      expect(hook.rejected.map((r) => (JSON.parse(r.body) as WebhookBody).groupLabels.n)).toEqual(['0']);
      const deliveries = (await t.app.http.inject({ url: '/api/v1/deliveries' })).json<{
        deliveries: Array<{ status: string; attempts: number; last_error: string | null }>;
        queues: Array<{ integration: string; pending: number }>;
      }>();
      expect(deliveries.deliveries.map((d) => d.status)).toEqual([
        'queued',
        'queued',
        'queued',
        'queued',
        'retrying',
      ]);
      expect(deliveries.deliveries[4]!.last_error).toMatch(/HTTP 503: down for maintenance/);
      expect(deliveries.queues).toEqual([
        expect.objectContaining({ integration: 'ops/webhook/0', pending: 5 }),
      ]);

      // Retries back off: nothing is sent before the next attempt is due.
      for (let i = 0; i < 4; i++) {
        t.clock.advance(10 * MINUTE);
        await t.pump();
      }
      down = false;
      t.clock.advance(10 * MINUTE);
      await t.pump();
      expect(bodies().map((b) => b.groupLabels.n)).toEqual(['0', '1', '2', '3', '4']);
      const keys = hook.requests.map((r) => r.headers['idempotency-key']);
      expect(new Set(keys).size).toBe(5);
      const firstKey = hook.rejected[0]!.headers['idempotency-key'];
      expect(keys[0]).toBe(firstKey);
    });

    it('survives a restart in the middle of an outage without losing or repeating a message', async () => {
      const cfg = config(url)
        .replace('group_wait: 30s', 'group_wait: 0s')
        .replace('group_by: [alertname]', 'group_by: [n]');
      t = await notifyApp(backend, cfg);
      hook.respond = () => ({ status: 502 });
      for (let i = 0; i < 3; i++) await fire('Outage', { n: String(i) }, 10 * HOUR);
      await t.pump();
      const store = t.store;
      const clock = t.clock;
      await t.app.stop();
      // A new process on the same database.
      t = await notifyApp(backend, cfg, { reuse: store, clock });
      hook.respond = () => ({ status: 200 });
      clock.advance(10 * MINUTE);
      await t.pump();
      expect(bodies().map((b) => b.groupLabels.n)).toEqual(['0', '1', '2']);
      clock.advance(10 * MINUTE);
      await t.pump();
      expect(hook.requests).toHaveLength(3);
      await t.app.stop();
      await store.dispose();
      t = null;
    });

    it('declares a message dead after the dead-letter age and moves on to the next', async () => {
      t = await notifyApp(
        backend,
        config(url)
          .replace('group_wait: 30s', 'group_wait: 0s')
          .replace('group_by: [alertname]', 'group_by: [n]'),
        { notifications: { deadLetterAfterMs: HOUR, random: () => 0.5 } },
      );
      hook.respond = () => ({ status: 500 });
      await fire('Lost', { n: '0' }, 10 * HOUR);
      await t.pump();
      t.clock.advance(61 * MINUTE);
      hook.respond = () => ({ status: 200 });
      await fire('Lost', { n: '1' }, 10 * HOUR);
      await t.pump();
      // (Sentinel's own SentinelNotificationDead alert about the dead one is delivered too.)
      expect(
        bodies()
          .filter((b) => b.alerts[0]!.labels.alertname === 'Lost')
          .map((b) => b.groupLabels.n),
      ).toEqual(['1']);
      const all = (await t.app.http.inject({ url: '/api/v1/deliveries' })).json<{
        deliveries: Array<{ status: string }>;
      }>();
      expect(all.deliveries.slice(-2).map((d) => d.status)).toEqual(['delivered', 'dead']);
    });

    it('fails permanently on a 4xx and does not hold the queue', async () => {
      t = await notifyApp(
        backend,
        config(url)
          .replace('group_wait: 30s', 'group_wait: 0s')
          .replace('group_by: [alertname]', 'group_by: [n]'),
      );
      hook.respond = (r) =>
        (JSON.parse(r.body) as WebhookBody).groupLabels.n === '0' ? { status: 400 } : { status: 200 };
      await fire('Bad', { n: '0' }, HOUR);
      await fire('Bad', { n: '1' }, HOUR);
      await t.pump();
      expect(bodies().map((b) => b.groupLabels.n)).toEqual(['1']);
      const alerts = (await t.app.http.inject({ url: '/api/v1/alerts?limit=10' })).json<{
        alerts: Array<{ ref: string; labels: Record<string, string> }>;
      }>();
      const ref = alerts.alerts.find((a) => a.labels.n === '0')!.ref;
      const detail = (await t.app.http.inject({ url: `/api/v1/alerts/${ref}` })).json<{
        notifications: Array<{
          status: string;
          attempt_log: Array<{ outcome: string; status_code: number }>;
        }>;
        routing: { receivers: string[] };
      }>();
      expect(detail.routing.receivers).toEqual(['ops']);
      expect(detail.notifications).toHaveLength(1);
      expect(detail.notifications[0]!.status).toBe('failed');
      expect(detail.notifications[0]!.attempt_log).toEqual([
        expect.objectContaining({ outcome: 'permanent', status_code: 400 }),
      ]);
    });
  });
}
