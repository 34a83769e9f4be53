import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, liveApp, type LiveApp } from '../helpers/live-app.js';
import { ALERTMANAGER, PROMETHEUS, startAlertmanager, startPrometheus, type Peer } from '../helpers/peers.js';
import { CaptureServer } from '../helpers/webhook-server.js';

/*
 * The real Prometheus 2.42 and Alertmanager 0.25 (Debian packages, installed by .ci/run) talking to
 * Sentinel over HTTP. The timing is real (Prometheus evaluates every second), so these tests poll
 * for the outcome instead of sleeping a fixed time.
 */

interface Payload {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

describe('peers are installed', () => {
  it('prometheus and prometheus-alertmanager (apt-get install prometheus prometheus-alertmanager)', () => {
    expect(existsSync(PROMETHEUS)).toBe(true);
    expect(existsSync(ALERTMANAGER)).toBe(true);
  });
});

describe.runIf(existsSync(PROMETHEUS))('Prometheus with Sentinel as its Alertmanager', () => {
  let live: LiveApp | null = null;
  let prom: Peer | null = null;
  const hook = new CaptureServer();
  afterEach(async () => {
    await prom?.stop();
    await live?.close();
    await hook.stop();
  });

  it('routes and delivers a firing rule, then its resolution', async () => {
    const hookUrl = await hook.start();
    live = await liveApp(
      'sqlite',
      `
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: ops
    webhook_configs:
      - url: ${hookUrl}/prom
notifications:
  throttle: { per_source: 0s }
`,
    );
    // The rule fires until a point a few seconds ahead, then stops: Prometheus sends the alert,
    // keeps re-sending it while it fires, and sends it resolved once it stops.
    const until = Math.floor(Date.now() / 1000) + 12;
    prom = await startPrometheus(
      `
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - api_version: v2
      static_configs:
        - targets: ['127.0.0.1:${live.port}']
`,
      `
groups:
  - name: acceptance
    interval: 1s
    rules:
      - alert: SentinelAcceptance
        expr: vector(time()) < ${until}
        labels: { severity: critical }
        annotations: { summary: 'fires for a few seconds' }
`,
    );
    const firing = await eventually(async () =>
      hook
        .bodies<Payload>()
        .find((b) => b.status === 'firing' && b.alerts[0]?.labels.alertname === 'SentinelAcceptance'),
    );
    expect(firing.alerts[0]!.labels).toMatchObject({ severity: 'critical', alertname: 'SentinelAcceptance' });
    const resolved = await eventually(
      async () => hook.bodies<Payload>().find((b) => b.status === 'resolved'),
      40_000,
    );
    expect(resolved.alerts.map((a) => a.status)).toEqual(['resolved']);
    // Nothing was sent twice: one firing message, one resolved.
    expect(hook.bodies<Payload>().map((b) => b.status)).toEqual(['firing', 'resolved']);
  }, 60_000);
});

describe.runIf(existsSync(ALERTMANAGER))(
  'an existing Alertmanager feeding Sentinel through its webhook',
  () => {
    let live: LiveApp | null = null;
    let am: Peer | null = null;
    afterEach(async () => {
      await am?.stop();
      await live?.close();
    });

    it('turns the webhook alerts into durable Sentinel alerts, and resolves them when Alertmanager does', async () => {
      live = await liveApp('sqlite', '');
      am = await startAlertmanager(`
route:
  receiver: sentinel
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: sentinel
    webhook_configs:
      - url: ${live.url}/api/v1/alertmanager/webhook
`);
      const post = (endsAt?: string) =>
        fetch(`${am!.url}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([
            {
              labels: { alertname: 'FromAlertmanager', service: 'billing', severity: 'warning' },
              annotations: { summary: 'billing lag' },
              ...(endsAt ? { endsAt } : {}),
            },
          ]),
        });
      expect((await post()).status).toBe(200);
      type Listed = {
        alerts: Array<{ ref: string; state: string; source: string; labels: Record<string, string> }>;
      };
      const stored = await eventually(async () => {
        const r = await fetch(`${live!.url}/api/v1/alerts?source=alertmanager-webhook`);
        return ((await r.json()) as Listed).alerts[0];
      });
      expect(stored).toMatchObject({
        state: 'firing',
        labels: { alertname: 'FromAlertmanager', service: 'billing' },
      });

      expect((await post(new Date().toISOString())).status).toBe(200);
      const resolved = await eventually(async () => {
        const r = await fetch(`${live!.url}/api/v1/alerts/${stored.ref}`);
        const a = ((await r.json()) as { alert: { state: string } }).alert;
        return a.state === 'resolved' ? a : null;
      }, 30_000);
      expect(resolved.state).toBe('resolved');
    }, 60_000);
  },
);
