import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';
import { BACKENDS } from '../helpers/stores.js';
import { CaptureServer } from '../helpers/webhook-server.js';

/* Sentinel's alerts about its own alerting: dead letters, failing receivers, Watchdog, self-test. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Listed {
  alerts: Array<{ ref: string; state: string; labels: Record<string, string>; occurrences: number }>;
}

for (const backend of BACKENDS) {
  describe(`self-monitoring of the notification pipeline (${backend})`, () => {
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

    const config = (extra = '') => `
route:
  receiver: ops
  group_wait: 0s
  group_by: [alertname]
  routes:
    # Sentinel's own alerts go to a receiver of their own: a failing receiver cannot report itself.
    - receiver: meta
      matchers: ['alertname=~"Sentinel.*|Watchdog"']
receivers:
  - name: ops
    webhook_configs: [{ url: "${url}/ops" }]
  - name: meta
    webhook_configs: [{ url: "${url}/meta" }]
notifications:
  throttle: { per_source: 0s }
  receiver_failing_after: 10m
  delivery: { dead_letter_after: 1h }
${extra}`;
    const sentinelAlerts = async (name: string) =>
      (await t!.app.http.inject({ url: '/api/v1/alerts?source=sentinel&limit=50' }))
        .json<Listed>()
        .alerts.filter((a) => a.labels.alertname === name);
    const fire = (name: string) =>
      t!.app.http.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        payload: [{ labels: { alertname: name } }],
      });

    it('raises SentinelReceiverFailing after the configured time, routes it elsewhere, and resolves it on recovery', async () => {
      t = await notifyApp(backend, config());
      hook.respond = (r) => (r.path === '/ops' ? { status: 503 } : { status: 200 });
      await fire('Broken');
      await t.pump();
      await t.app.notifier.meta.checkReceivers();
      expect(await sentinelAlerts('SentinelReceiverFailing')).toEqual([]);
      for (let i = 0; i < 11; i++) {
        t.clock.advance(MINUTE);
        await t.pump();
        await t.app.notifier.meta.checkReceivers();
      }
      const [failing] = await sentinelAlerts('SentinelReceiverFailing');
      expect(failing).toMatchObject({
        state: 'firing',
        labels: { integration: 'ops/webhook/0', receiver: 'ops', severity: 'critical' },
      });
      await t.pump();
      expect(hook.requests.filter((r) => r.path === '/meta')).toHaveLength(1);

      hook.respond = () => ({ status: 200 });
      t.clock.advance(10 * MINUTE);
      await t.pump();
      await t.app.notifier.meta.checkReceivers();
      expect((await sentinelAlerts('SentinelReceiverFailing'))[0]!.state).toBe('resolved');
    });

    it('does not call a receiver failing for a permanent refusal of one message', async () => {
      t = await notifyApp(backend, config());
      hook.respond = (r) => (r.path === '/ops' ? { status: 400 } : { status: 200 });
      await fire('Refused');
      await t.pump();
      for (let i = 0; i < 11; i++) {
        t.clock.advance(MINUTE);
        await t.pump();
        await t.app.notifier.meta.checkReceivers();
      }
      expect(await sentinelAlerts('SentinelReceiverFailing')).toEqual([]);
    });

    it('raises SentinelNotificationDead when a message dies, counting repeats on one alert', async () => {
      t = await notifyApp(backend, config().replace('group_by: [alertname]', 'group_by: [n]'));
      hook.respond = (r) => (r.path === '/ops' ? { status: 500 } : { status: 200 });
      await t.app.http.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        payload: [
          { labels: { alertname: 'X', n: '1' }, endsAt: new Date(t.clock.now() + 10 * HOUR).toISOString() },
        ],
      });
      await t.app.http.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        payload: [
          { labels: { alertname: 'X', n: '2' }, endsAt: new Date(t.clock.now() + 10 * HOUR).toISOString() },
        ],
      });
      await t.pump();
      t.clock.advance(61 * MINUTE);
      await t.pump();
      const [dead] = await sentinelAlerts('SentinelNotificationDead');
      expect(dead).toMatchObject({
        state: 'firing',
        occurrences: 2,
        labels: { integration: 'ops/webhook/0' },
      });
    });

    it('keeps an always-firing Watchdog alert fresh when enabled', async () => {
      t = await notifyApp(backend, config('  watchdog: { enabled: true, interval: 1m }'));
      await t.app.notifier.meta.watchdog();
      await t.pump();
      const [wd] = (await t.app.http.inject({ url: '/api/v2/alerts?filter=alertname="Watchdog"' })).json<
        Array<{ labels: Record<string, string>; receivers: Array<{ name: string }> }>
      >();
      expect(wd).toMatchObject({
        labels: { alertname: 'Watchdog', severity: 'none' },
        receivers: [{ name: 'meta' }],
      });
      expect(hook.requests.map((r) => r.path)).toEqual(['/meta']);
      // Without re-sends it would expire after three intervals; the loop keeps it firing.
      for (let i = 0; i < 5; i++) {
        t.clock.advance(MINUTE);
        await t.app.notifier.meta.watchdog();
        await t.app.context.alerts.expireDue();
      }
      expect(
        (await t.app.http.inject({ url: '/api/v2/alerts?filter=alertname="Watchdog"' })).json<unknown[]>(),
      ).toHaveLength(1);
    });

    it('sends the daily self-test at 09:00 in its time zone, once, also across a restart', async () => {
      const clock = new ManualClock('2026-03-01T07:00:00Z'); // 08:00 in Berlin
      const cfg = config(`  self_test: { receiver: meta, schedule: '0 9 * * *', timezone: Europe/Berlin }`);
      t = await notifyApp(backend, cfg, { clock });
      expect(await t.app.notifier.meta.selfTest()).toBe(false);
      clock.advance(59 * MINUTE);
      expect(await t.app.notifier.meta.selfTest()).toBe(false);
      clock.advance(1 * MINUTE); // 09:00 Berlin
      expect(await t.app.notifier.meta.selfTest()).toBe(true);
      await t.pump();
      expect(hook.requests.map((r) => r.path)).toEqual(['/meta']);
      const store = t.store;
      await t.app.stop();
      t = await notifyApp(backend, cfg, { clock, reuse: store });
      clock.advance(1 * MINUTE);
      expect(await t.app.notifier.meta.selfTest()).toBe(false);
      clock.advance(24 * HOUR);
      expect(await t.app.notifier.meta.selfTest()).toBe(true);
      await t.app.stop();
      await store.dispose();
      t = null;
    });
  });
}
