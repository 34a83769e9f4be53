import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTemplateSet, templateData } from '../../src/notify/template/index.js';
import type { NotificationData } from '../../src/notify/types.js';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';
import { BACKENDS } from '../helpers/stores.js';
import { CaptureServer } from '../helpers/webhook-server.js';

/*
 * What Sentinel adds to Alertmanager's semantics to keep the noise down (seed 001): one message for
 * a burst ("x10"), a per-source throttle after grouping, flap damping; and escalation policies
 * (seed 003) whose clock survives a restart.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;

interface Delivery {
  ref: string;
  receiver: string;
  status: string;
  message?: NotificationData;
}

for (const backend of BACKENDS) {
  describe(`noise control and escalation (${backend})`, () => {
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

    const native = (alert: Record<string, unknown>) =>
      t!.app.http.inject({ method: 'POST', url: '/api/v1/alerts', payload: alert }).then((r) => {
        expect(r.statusCode).toBe(200);
        return r.json<{ alert_ref: string }>();
      });
    const deliveries = async (): Promise<Delivery[]> => {
      const list = (await t!.app.http.inject({ url: '/api/v1/deliveries?limit=100' })).json<{
        deliveries: Delivery[];
      }>();
      const out: Delivery[] = [];
      // Oldest first, each with the message it carried.
      for (const d of list.deliveries.reverse()) {
        out.push(
          (await t!.app.http.inject({ url: `/api/v1/deliveries/${d.ref}` })).json<{ delivery: Delivery }>()
            .delivery,
        );
      }
      return out;
    };

    it('turns ten re-sends within a minute into one message that says x10', async () => {
      t = await notifyApp(
        backend,
        `
route: { receiver: ops, group_by: [alertname], group_wait: 30s }
receivers: [{ name: ops, webhook_configs: [{ url: "${url}/ops" }] }]
`,
      );
      for (let i = 0; i < 10; i++) {
        await native({
          service: 'dag-engine',
          kind: 'dag_failed',
          title: 'DAG nightly failed',
          severity: 'critical',
        });
        t.clock.advance(3 * SECOND);
      }
      await t.pump();
      expect(hook.requests).toHaveLength(1);
      const [d] = await deliveries();
      expect(d!.message!.alerts[0]).toMatchObject({
        occurrences: 10,
        newOccurrences: 10,
        severity: 'critical',
      });
      const title = createTemplateSet()
        .compile('{{ template "sentinel.default.title" . }}', 'title')
        .execute(templateData(d!.message!));
      expect(title).toContain('x10');
    });

    it('gives Alertmanager-style alerts no burst count: their re-sends are refreshes', async () => {
      t = await notifyApp(
        backend,
        `
route: { receiver: ops, group_by: [alertname], group_wait: 30s }
receivers: [{ name: ops, webhook_configs: [{ url: "${url}/ops" }] }]
`,
      );
      for (let i = 0; i < 10; i++) {
        await t.app.http.inject({
          method: 'POST',
          url: '/api/v2/alerts',
          payload: [{ labels: { alertname: 'PromRule' } }],
        });
        t.clock.advance(3 * SECOND);
      }
      await t.pump();
      const [d] = await deliveries();
      expect(d!.message!.alerts[0]).toMatchObject({ occurrences: 10, newOccurrences: 1 });
      // Their labels go out exactly as sent: nothing is added for routing.
      expect(d!.message!.alerts[0]!.labels).toEqual({ alertname: 'PromRule' });
    });

    it('re-routes a native alert whose update changes its severity', async () => {
      t = await notifyApp(
        backend,
        `
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1m
  routes: [{ receiver: pager, matchers: ['severity="critical"'] }]
receivers:
  - { name: ops, webhook_configs: [{ url: "${url}/ops" }] }
  - { name: pager, webhook_configs: [{ url: "${url}/pager" }] }
notifications: { throttle: { per_source: 0s } }
`,
      );
      const alert = { service: 'writer', kind: 'lagging', title: 'History writer lagging' };
      await native({ ...alert, severity: 'warning' });
      await t.pump();
      expect(hook.requests.map((r) => r.path)).toEqual(['/ops']);
      t.clock.advance(10 * SECOND);
      await native({ ...alert, severity: 'critical', message: 'now 20 minutes behind' });
      await t.pump();
      expect(hook.requests.map((r) => r.path)).toEqual(['/ops', '/pager']);
    });

    it('throttles messages per source after grouping, deferring rather than dropping them', async () => {
      t = await notifyApp(
        backend,
        `
route: { receiver: ops, group_by: [alertname], group_wait: 0s, group_interval: 5m }
receivers: [{ name: ops, webhook_configs: [{ url: "${url}/ops" }] }]
notifications: { throttle: { per_source: 1m } }
`,
      );
      await native({ source: 'pipeline', service: 'etl', kind: 'run_failed', title: 'ETL run failed' });
      await native({ source: 'pipeline', service: 'etl', kind: 'lag_high', title: 'ETL lag high' });
      await native({ source: 'other', service: 'web', kind: 'slow', title: 'Web is slow' });
      await t.pump();
      // One message per source now; the other pipeline group waits for the throttle window.
      const names = () =>
        hook.bodies<{ groupLabels: { alertname: string } }>().map((b) => b.groupLabels.alertname);
      expect(names()).toHaveLength(2);
      expect(names()).toContain('slow');
      const first = names().find((n) => n !== 'slow')!;
      expect(['run_failed', 'lag_high']).toContain(first);
      t.clock.advance(59 * SECOND);
      await t.pump();
      expect(hook.requests).toHaveLength(2);
      t.clock.advance(1 * SECOND);
      await t.pump();
      expect(names()).toHaveLength(3);
      expect(names()[2]).toBe(first === 'run_failed' ? 'lag_high' : 'run_failed');
    });

    it('holds an alert that flaps as flapping with one message, then reports where it settled', async () => {
      t = await notifyApp(
        backend,
        `
route: { receiver: ops, group_by: [alertname], group_wait: 0s, group_interval: 1m }
receivers: [{ name: ops, webhook_configs: [{ url: "${url}/ops" }] }]
notifications:
  throttle: { per_source: 0s }
  flapping: { max_flips: 4, window: 10m }
`,
      );
      const alert = { service: 'ws-gateway', kind: 'disconnected', title: 'Websocket disconnected' };
      let ref = '';
      const raise = async () => (ref = (await native(alert)).alert_ref);
      const clear = () =>
        t!.app.http
          .inject({ method: 'POST', url: `/api/v1/alerts/${ref}/resolve`, payload: {} })
          .then((r) => {
            expect(r.statusCode).toBe(200);
          });
      const step = async (ms: number) => {
        t!.clock.advance(ms);
        await t!.pump();
      };
      await raise();
      await step(0); // firing
      await step(30 * SECOND);
      await clear(); // flip 1
      await step(30 * SECOND); // resolved
      await step(30 * SECOND);
      await raise(); // flip 2
      await step(0); // firing
      await step(30 * SECOND);
      await clear(); // flip 3
      await step(30 * SECOND); // resolved
      await step(30 * SECOND);
      await raise(); // flip 4
      await step(0); // firing
      expect(hook.requests).toHaveLength(5);
      await step(10 * SECOND);
      await clear(); // flip 5: more than 4 in the window -> flapping
      await step(50 * SECOND); // one message: flapping
      expect(hook.requests).toHaveLength(6);
      const flappingMessage = (await deliveries())[5]!.message!;
      expect(flappingMessage.alerts[0]).toMatchObject({ flapping: true, status: 'firing' });
      // Further flips while flapping announce nothing.
      for (let i = 0; i < 3; i++) {
        await step(20 * SECOND);
        await raise();
        await step(20 * SECOND);
        await clear();
        await step(20 * SECOND);
      }
      expect(hook.requests).toHaveLength(6);
      // Quiet for the whole window: it settles (resolved) and that is announced once.
      for (let i = 0; i < 11; i++) await step(1 * MINUTE);
      expect(hook.requests).toHaveLength(7);
      const settled = hook.bodies<{ status: string; alerts: Array<{ status: string }> }>()[6]!;
      expect(settled.status).toBe('resolved');
    });

    it('escalates team -> senior -> lead by the clock, survives a restart, and stops at ack', async () => {
      const cfg = `
route: { receiver: team, group_wait: 0s }
receivers:
  - { name: team, webhook_configs: [{ url: "${url}/team" }] }
  - { name: senior, webhook_configs: [{ url: "${url}/senior" }] }
  - { name: lead, webhook_configs: [{ url: "${url}/lead" }] }
notifications:
  throttle: { per_source: 0s }
  escalation_policies:
    - name: critical-path
      matchers: ['severity="critical"']
      steps:
        - { after: 0m, receiver: team }
        - { after: 30m, receiver: senior }
        - { after: 60m, receiver: lead }
`;
      t = await notifyApp(backend, cfg);
      const escalate = async () => {
        await t!.app.notifier.dispatcher.escalateDue();
        await t!.pump();
      };
      const { alert_ref: ref } = await native({
        service: 'exec',
        kind: 'armed_stale',
        title: 'Executor armed while quotes stale',
        severity: 'critical',
      });
      await escalate();
      const paths = () => hook.requests.map((r) => r.path);
      // The route's own message plus the first escalation step, both to the team.
      expect(paths()).toEqual(['/team', '/team']);

      t.clock.advance(29 * MINUTE);
      await escalate();
      expect(paths()).toEqual(['/team', '/team']);

      // A restart does not reset the escalation clock.
      const store = t.store;
      const clock = t.clock;
      await t.app.stop();
      t = await notifyApp(backend, cfg, { reuse: store, clock });
      clock.advance(1 * MINUTE);
      await escalate();
      expect(paths()).toEqual(['/team', '/team', '/senior']);

      clock.advance(10 * MINUTE);
      const acked = await t.app.http.inject({
        method: 'POST',
        url: `/api/v1/alerts/${ref}/ack`,
        payload: { note: 'on it' },
      });
      expect(acked.statusCode).toBe(200);
      clock.advance(30 * MINUTE);
      await escalate();
      expect(paths()).toEqual(['/team', '/team', '/senior']);
      await t.app.stop();
      await store.dispose();
      t = null;
    });
    it('applies an escalation policy added by a reload to alerts already firing', async () => {
      const base = `
route: { receiver: team, group_wait: 0s }
receivers:
  - { name: team, webhook_configs: [{ url: "${url}/team" }] }
  - { name: lead, webhook_configs: [{ url: "${url}/lead" }] }
notifications:
  throttle: { per_source: 0s }
`;
      t = await notifyApp(backend, base);
      await native({ service: 'exec', kind: 'armed_stale', title: 'Executor armed', severity: 'critical' });
      await t.pump();
      expect(hook.requests.map((r) => r.path)).toEqual(['/team']);
      t.clock.advance(45 * MINUTE);
      t.writeConfig(
        base +
          `  escalation_policies:
    - name: late
      matchers: ['severity="critical"']
      steps: [{ after: 30m, receiver: lead }]
`,
      );
      expect((await t.app.http.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
      await t.app.notifier.dispatcher.escalateDue();
      await t.pump();
      expect(hook.requests.map((r) => r.path)).toEqual(['/team', '/lead']);
    });
  });
}
