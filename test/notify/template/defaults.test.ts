import { describe, expect, it } from 'vitest';
import { createTemplateSet, templateData, type TemplateData } from '../../../src/notify/template/index.js';
import type { NotificationAlert, NotificationData } from '../../../src/notify/types.js';
import { GO_ZERO_TIME } from '../../../src/notify/types.js';

/* Sentinel's default templates: every name of Alertmanager 0.25's defaults, plus Sentinel's own. */

/** The names Alertmanager 0.25's default.tmpl and email.tmpl define. */
const ALERTMANAGER_NAMES = [
  '__alertmanager',
  '__alertmanagerURL',
  '__subject',
  '__description',
  '__text_alert_list',
  'slack.default.title',
  'slack.default.username',
  'slack.default.fallback',
  'slack.default.callbackid',
  'slack.default.pretext',
  'slack.default.titlelink',
  'slack.default.iconemoji',
  'slack.default.iconurl',
  'slack.default.text',
  'slack.default.footer',
  'pagerduty.default.description',
  'pagerduty.default.client',
  'pagerduty.default.clientURL',
  'pagerduty.default.instances',
  'opsgenie.default.message',
  'opsgenie.default.description',
  'opsgenie.default.source',
  'wechat.default.message',
  'wechat.default.to_user',
  'wechat.default.to_party',
  'wechat.default.to_tag',
  'wechat.default.agent_id',
  'victorops.default.state_message',
  'victorops.default.entity_display_name',
  'victorops.default.monitoring_tool',
  'pushover.default.title',
  'pushover.default.message',
  'pushover.default.url',
  'sns.default.subject',
  'sns.default.message',
  'telegram.default.message',
  'discord.default.title',
  'discord.default.message',
  'webex.default.message',
  'email.default.subject',
  'email.default.html',
];
const SENTINEL_NAMES = [
  'sentinel.default.title',
  'sentinel.default.text',
  'matrix.default.body',
  'matrix.default.html',
  'ntfy.default.title',
  'ntfy.default.message',
];
/** Templates whose dot is a list of alerts (as Alertmanager's configs call them), not the data. */
const TAKES_ALERT_LIST = new Set(['__text_alert_list', 'pagerduty.default.instances']);

function alert(over: Partial<NotificationAlert> = {}): NotificationAlert {
  return {
    status: 'firing',
    labels: { alertname: 'NoQuotes', service: 'quote-ingest', env: 'prod' },
    annotations: {
      summary: 'No quotes for 5 minutes',
      description: 'The feed has not delivered a quote since 15:04.',
      runbook_url: 'https://runbooks.example.com/no-quotes',
    },
    startsAt: '2026-01-02T15:04:05.123Z',
    endsAt: GO_ZERO_TIME,
    generatorURL: 'https://prometheus.example.com/graph?g0.expr=up',
    fingerprint: 'a1b2c3d4e5f60718',
    ref: 'alrt_01JGZ0000000000000000000',
    severity: 'critical',
    service: 'quote-ingest',
    title: 'No quotes for 5 minutes',
    message: 'Feed stalled',
    occurrences: 1,
    newOccurrences: 1,
    flapping: false,
    ...over,
  };
}

function notification(alerts: NotificationAlert[], over: Partial<NotificationData> = {}): NotificationData {
  return {
    receiver: 'team-markets',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: { alertname: 'NoQuotes' },
    commonLabels: { alertname: 'NoQuotes', service: 'quote-ingest' },
    commonAnnotations: { summary: 'No quotes for 5 minutes' },
    externalURL: 'https://sentinel.example.com',
    groupKey: '{}:{alertname="NoQuotes"}',
    truncatedAlerts: 0,
    ...over,
  };
}

const resolved = (over: Partial<NotificationAlert> = {}) =>
  alert({
    status: 'resolved',
    endsAt: '2026-01-02T15:34:05Z',
    labels: { alertname: 'NoQuotes', service: 'quote-ingest', env: 'staging' },
    ...over,
  });

const SCENARIOS: Record<string, NotificationData> = {
  firing: notification([
    alert(),
    alert({
      severity: 'warning',
      labels: { alertname: 'NoQuotes', service: 'quote-ingest', env: 'staging' },
    }),
  ]),
  resolved: notification([resolved()]),
  mixed: notification([alert({ newOccurrences: 10, flapping: true }), resolved()], { truncatedAlerts: 4 }),
  'empty annotations and labels': notification(
    [alert({ annotations: {}, labels: {}, message: '', title: '', service: '', generatorURL: '' })],
    { groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '' },
  ),
  'no alerts': notification([], {
    status: 'resolved',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
  }),
  hostile: notification([
    alert({
      title: '<script>alert(1)</script>',
      message: '"quotes" & <tags>',
      annotations: { runbook_url: 'javascript:alert(1)', dashboard_url: 'https://grafana/d?a=1&b=2' },
      generatorURL: 'javascript:alert(2)',
      labels: { '<b>': '</b>' },
    }),
  ]),
};

const set = createTemplateSet();

function run(name: string, data: NotificationData, html = name.endsWith('.html')): string {
  const compiled = set.compile(`{{ template "${name}" . }}`, name);
  const d: TemplateData = templateData(data);
  return html ? compiled.executeHtml(d) : compiled.execute(d);
}

describe('default template names', () => {
  it.each([...ALERTMANAGER_NAMES, ...SENTINEL_NAMES])('%s is defined', (name) => {
    expect(set.has(name)).toBe(true);
  });
});

describe('every default template executes on realistic data', () => {
  const names = set.names().filter((n) => !n.startsWith('__sentinel_'));
  for (const [scenario, data] of Object.entries(SCENARIOS)) {
    it(`${scenario}: text and HTML mode`, () => {
      for (const name of names) {
        const compiled = set.compile(
          `{{ template "${name}" ${TAKES_ALERT_LIST.has(name) ? '.Alerts' : '.'} }}`,
          name,
        );
        const d = templateData(data);
        expect(() => compiled.execute(d), name).not.toThrow();
        expect(() => compiled.executeHtml(d), name).not.toThrow();
      }
    });
  }
});

describe('what the defaults render', () => {
  it('sentinel.default.title: emoji of the worst firing severity, count, service and title', () => {
    expect(run('sentinel.default.title', SCENARIOS.firing!)).toBe(
      '🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes',
    );
    expect(
      run(
        'sentinel.default.title',
        notification([alert({ severity: 'warning' }), alert({ severity: 'info' })]),
      ),
    ).toBe('🟠 [FIRING:2] quote-ingest: No quotes for 5 minutes');
    expect(run('sentinel.default.title', notification([alert({ severity: 'info' })]))).toBe(
      '🔵 [FIRING:1] quote-ingest: No quotes for 5 minutes',
    );
    expect(run('sentinel.default.title', SCENARIOS.resolved!)).toBe(
      '✅ [RESOLVED] quote-ingest: No quotes for 5 minutes',
    );
    expect(run('sentinel.default.title', SCENARIOS.mixed!)).toBe(
      '🔴 [FIRING:1] quote-ingest: No quotes for 5 minutes x10 (flapping)',
    );
    expect(run('sentinel.default.title', SCENARIOS['no alerts']!)).toBe('✅ [RESOLVED]');
  });

  it('sentinel.default.text: each alert with its details, links and time', () => {
    const text = run('sentinel.default.text', SCENARIOS.mixed!);
    expect(text).toBe(
      [
        '🔴 quote-ingest: No quotes for 5 minutes x10 (flapping)',
        'Feed stalled',
        'Labels: alertname=NoQuotes, env=prod, service=quote-ingest',
        'Runbook: https://runbooks.example.com/no-quotes',
        'Details: https://sentinel.example.com/api/v1/alerts/alrt_01JGZ0000000000000000000',
        'Since: 2026-01-02 15:04:05 UTC',
        '',
        '✅ quote-ingest: No quotes for 5 minutes',
        'Feed stalled',
        'Labels: alertname=NoQuotes, env=staging, service=quote-ingest',
        'Runbook: https://runbooks.example.com/no-quotes',
        'Details: https://sentinel.example.com/api/v1/alerts/alrt_01JGZ0000000000000000000',
        'Resolved: 2026-01-02 15:34:05 UTC',
        '',
        '(4 more alerts not shown)',
        '',
      ].join('\n'),
    );
  });

  it('sentinel.default.text: the summary when it differs from the title, the description without a message, dashboard_url', () => {
    const data = notification([
      alert({
        message: '',
        title: 'Feed down',
        annotations: {
          summary: 'No quotes',
          description: 'Since 15:04',
          dashboard_url: 'https://grafana/d/1',
        },
      }),
    ]);
    expect(run('sentinel.default.text', data)).toBe(
      [
        '🔴 quote-ingest: Feed down',
        'No quotes',
        'Since 15:04',
        'Labels: alertname=NoQuotes, env=prod, service=quote-ingest',
        'Dashboard: https://grafana/d/1',
        'Since: 2026-01-02 15:04:05 UTC',
        '',
      ].join('\n'),
    );
  });

  it('__subject: status, count, group label values and the other common labels', () => {
    expect(run('__subject', SCENARIOS.firing!)).toBe('[FIRING:2] NoQuotes (quote-ingest)');
    expect(run('__subject', SCENARIOS.resolved!)).toBe('[RESOLVED] NoQuotes (quote-ingest)');
  });

  it('__alertmanagerURL links to the alert list when external_url is set', () => {
    expect(run('__alertmanagerURL', SCENARIOS.firing!)).toBe(
      'https://sentinel.example.com/api/v1/alerts?state=firing&service=quote-ingest',
    );
    expect(run('__alertmanagerURL', SCENARIOS['empty annotations and labels']!)).toBe('');
  });

  it('__text_alert_list takes a list of alerts, as in Alertmanager configs', () => {
    const out = set
      .compile('{{ template "__text_alert_list" .Alerts.Firing }}', 't')
      .execute(templateData(SCENARIOS.mixed!));
    expect(out).toBe(
      [
        '- No quotes for 5 minutes x10 (flapping)',
        '  Feed stalled',
        '  Labels: alertname=NoQuotes, env=prod, service=quote-ingest',
        '  Runbook: https://runbooks.example.com/no-quotes',
        '  Source: https://prometheus.example.com/graph?g0.expr=up',
        '  Since: 2026-01-02 15:04:05 UTC',
        '',
      ].join('\n'),
    );
  });

  it('the message templates list firing, then resolved alerts', () => {
    const out = run('opsgenie.default.description', SCENARIOS.mixed!);
    expect(out.indexOf('Firing (1):')).toBe(0);
    expect(out.indexOf('Resolved (1):')).toBeGreaterThan(0);
    expect(out).toContain('(4 more alerts not shown)');
  });

  it('email.default.html is a complete HTML document with escaped values and only http(s) links', () => {
    const html = run('email.default.html', SCENARIOS.hostile!);
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<title>[FIRING:1] NoQuotes (quote-ingest)</title>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&#34;quotes&#34; &amp; &lt;tags&gt;');
    expect(html).toContain('&lt;b&gt;=&lt;/b&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<a href="https://grafana/d?a=1&amp;b=2">Dashboard</a>');
  });

  it('matrix.default.html escapes values', () => {
    const html = run('matrix.default.html', SCENARIOS.hostile!);
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('javascript:');
    expect(
      html.startsWith(
        '<p><strong>🔴 [FIRING:1] quote-ingest: &lt;script&gt;alert(1)&lt;/script&gt;</strong></p>',
      ),
    ).toBe(true);
  });

  it('matrix.default.body and the ntfy templates', () => {
    expect(run('matrix.default.body', SCENARIOS.resolved!).split('\n')[0]).toBe(
      '✅ [RESOLVED] quote-ingest: No quotes for 5 minutes',
    );
    expect(run('ntfy.default.title', SCENARIOS.firing!)).toBe(
      '[FIRING:2] quote-ingest: No quotes for 5 minutes',
    );
    expect(run('ntfy.default.message', SCENARIOS.firing!)).toBe(
      '🔴 quote-ingest: No quotes for 5 minutes\nFeed stalled\n🟠 quote-ingest: No quotes for 5 minutes\nFeed stalled\n',
    );
  });

  it('the Slack defaults', () => {
    expect(run('slack.default.title', SCENARIOS.firing!)).toBe(
      '🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes',
    );
    expect(run('slack.default.username', SCENARIOS.firing!)).toBe('Sentinel');
    // Empty, as Alertmanager's: the Slack receiver lists the alerts in blocks of their own.
    expect(run('slack.default.text', SCENARIOS.firing!)).toBe('');
    expect(run('slack.default.fallback', SCENARIOS.firing!)).toBe(
      '[FIRING:2] NoQuotes (quote-ingest) | https://sentinel.example.com/api/v1/alerts?state=firing&service=quote-ingest',
    );
  });

  it('user files can override a default', () => {
    const s = createTemplateSet([
      { name: 'mine.tmpl', text: '{{ define "sentinel.default.title" }}custom {{ .Status }}{{ end }}' },
    ]);
    expect(
      s.compile('{{ template "sentinel.default.title" . }}', 't').execute(templateData(SCENARIOS.firing!)),
    ).toBe('custom firing');
    // Templates that use it pick up the override.
    expect(
      s.compile('{{ template "slack.default.title" . }}', 't').execute(templateData(SCENARIOS.firing!)),
    ).toBe('custom firing');
  });
});
