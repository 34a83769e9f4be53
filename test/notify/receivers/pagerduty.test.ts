import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PAGERDUTY_V1_UNSUPPORTED,
  pagerdutyReceiver,
  type PagerdutySettings,
} from '../../../src/notify/receivers/pagerduty.js';
import type { SendResult } from '../../../src/notify/receivers/receiver.js';
import { FakePagerDuty, pagerdutyEventErrors, type PagerDutyEvent } from '../../helpers/fakes/pagerduty.js';
import {
  parseEntry,
  receiverFor,
  sampleAlert,
  sampleData,
  secondAlert,
  sendOnce,
  signal,
  useFake,
  useTempDir,
  alertText,
  labelSets,
} from '../../helpers/receivers.js';

const KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

/** Alertmanager's dedup key: the hex SHA-256 of the group key. */
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

let url = '';
const fake = useFake(new FakePagerDuty(), (started) => (url = started));
const dir = useTempDir('sentinel-pd-');

describe('pagerduty_configs: configuration', () => {
  it('is pagerduty_configs, send_resolved by default', () => {
    expect(pagerdutyReceiver.configKey).toBe('pagerduty_configs');
    expect(pagerdutyReceiver.sendResolvedDefault).toBe(true);
  });

  it('requires a routing key', async () => {
    const p = await parseEntry(pagerdutyReceiver, { severity: 'critical' });
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual([
      'routing_key: one of routing_key, routing_key_file or routing_key_env is required',
    ]);
  });

  it('rejects an empty routing key', async () => {
    const p = await parseEntry(pagerdutyReceiver, { routing_key: '' });
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual(['routing_key: must not be empty']);
  });

  it('reports unknown options', async () => {
    const p = await parseEntry(pagerdutyReceiver, {
      routing_key: KEY,
      api_key: 'x',
      images: [{ src: 'a', size: 1 }],
    });
    expect(p.issues).toEqual([
      'api_key: unknown pagerduty_configs option',
      'images[0].size: unknown images option',
    ]);
  });

  it('reports template parse errors at load, naming the option', async () => {
    const p = await parseEntry(pagerdutyReceiver, {
      routing_key: KEY,
      description: '{{ .Status ',
      details: { broken: '{{ template "nope" . }}' },
      links: [{ href: '{{ end }}' }],
    });
    expect(p.settings).toBeNull();
    expect(p.issues).toHaveLength(3);
    expect(p.issues[0]).toMatch(/^description: template: receivers\[0\]\.test_configs\[0\]\.description:1:/);
    expect(p.issues[1]).toMatch(/^details\.broken: template: .*nope/);
    expect(p.issues[2]).toMatch(/^links\[0\]\.href: template: /);
  });

  it('rejects a severity PagerDuty does not know, and a url that is not http(s)', async () => {
    const p = await parseEntry(pagerdutyReceiver, { routing_key: KEY, severity: 'fatal', url: 'ftp://x' });
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual([
      'url: must be an http:// or https:// URL',
      'severity: must be one of critical, error, warning, info (or a template giving one)',
    ]);
  });

  it('reads the routing key from a file or an environment variable', async () => {
    const file = join(dir, 'routing-key');
    writeFileSync(file, `${KEY}\n`);
    const fromFile = await parseEntry(pagerdutyReceiver, { routing_key_file: file });
    expect(fromFile.issues).toEqual([]);
    expect(fromFile.settings?.routingKey).toBe(KEY);
    const fromEnv = await parseEntry(
      pagerdutyReceiver,
      { routing_key_env: 'PD_KEY' },
      { env: { PD_KEY: KEY } },
    );
    expect(fromEnv.issues).toEqual([]);
    expect(fromEnv.settings?.routingKey).toBe(KEY);
    const missing = await parseEntry(pagerdutyReceiver, { routing_key_env: 'PD_KEY' }, { env: {} });
    expect(missing.settings).toBeNull();
    expect(missing.issues).toEqual(['routing_key_env: environment variable PD_KEY is not set']);
    const both = await parseEntry(pagerdutyReceiver, { routing_key: KEY, routing_key_file: file });
    expect(both.issues).toEqual([
      'routing_key_file: give only one of routing_key, routing_key_file or routing_key_env',
    ]);
  });

  it('warns about a routing key that is not 32 characters', async () => {
    const p = await parseEntry(pagerdutyReceiver, { routing_key: 'short' });
    expect(p.issues).toEqual([]);
    expect(p.warnings).toEqual(['routing_key: is not 32 characters long, as PagerDuty integration keys are']);
  });

  it('defaults url to global.pagerduty_url', async () => {
    const p = await parseEntry(
      pagerdutyReceiver,
      { routing_key: KEY },
      { global: { pagerdutyUrl: 'https://pd.example.org/v2/enqueue' } },
    );
    expect(p.settings?.url).toBe('https://pd.example.org/v2/enqueue');
    const own = await parseEntry(pagerdutyReceiver, { routing_key: KEY, url: 'https://other.example.org/x' });
    expect(own.settings?.url).toBe('https://other.example.org/x');
  });

  it('loads an Events API v1 entry (service_key only) with a warning; it never sends', async () => {
    const p = await parseEntry(pagerdutyReceiver, { service_key: 'v1-service-key', url });
    expect(p.issues).toEqual([]);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(/^service_key: PagerDuty Events API v1 is not supported/);
    const settings = p.settings as PagerdutySettings;
    expect(settings.unsupported).toBe(PAGERDUTY_V1_UNSUPPORTED);
    expect(settings.routingKey).toBeNull();
    const r = await receiverFor(pagerdutyReceiver, { service_key: 'v1-service-key', url });
    expect(await r.send({ ref: 'ntf_1', data: sampleData() }, signal)).toEqual({
      outcome: 'permanent',
      error: 'PagerDuty Events API v1 (service_key) is not supported; use routing_key',
    });
    expect(fake.server.requests.length + fake.server.rejected.length).toBe(0);
  });

  it('prefers routing_key over service_key, with a warning', async () => {
    const p = await parseEntry(pagerdutyReceiver, { routing_key: KEY, service_key: 'v1' });
    expect(p.settings?.unsupported).toBeNull();
    expect(p.warnings).toEqual(['service_key: is ignored: Sentinel sends to Events API v2 with routing_key']);
  });
});

describe('pagerduty_configs: what PagerDuty receives', () => {
  it('sends a trigger for a firing message with two alerts', async () => {
    const r = await receiverFor(pagerdutyReceiver, { routing_key: KEY, url });
    const data = sampleData([sampleAlert(), secondAlert()]);
    expect(await r.send({ ref: 'ntf_1', data }, signal)).toEqual({ outcome: 'delivered', statusCode: 202 });
    expect(fake.server.requests).toHaveLength(1);
    const req = fake.server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v2/enqueue');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('Sentinel/0.1.0');
    expect(JSON.parse(req.body)).toEqual({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: sha256('{}:{alertname="QuotesStale"}'),
      payload: {
        summary: '[FIRING:2] QuotesStale (quote-ingest)',
        source: 'Sentinel',
        severity: 'critical',
        timestamp: '2026-03-01T11:50:00.000Z',
        custom_details: {
          firing:
            '- No quotes for 5 minutes x10\n' +
            '  The quote flow stopped advancing.\n' +
            '  Labels: alertname=QuotesStale, instance=ingest-1, service=quote-ingest, severity=critical\n' +
            '  Runbook: https://runbooks.example.org/quotes-stale\n' +
            '  Source: http://prometheus.example.org/graph?g0.expr=up\n' +
            '  Since: 2026-03-01 11:55:00 UTC\n' +
            '- Ingest lag above 30 s\n' +
            '  Lag is 42 s.\n' +
            '  Labels: alertname=IngestLag, instance=ingest-2, service=quote-ingest, severity=warning\n' +
            '  Source: http://prometheus.example.org/graph?g0.expr=up\n' +
            '  Since: 2026-03-01 11:50:00 UTC\n',
          resolved: '',
          num_firing: '2',
          num_resolved: '0',
          observed_state:
            'No quotes for 5 minutes:\n  last_quote_age_s: 312\n  ws_connected: false\n  quotes_per_min: 0',
        },
      },
      client: 'Sentinel',
      client_url: 'http://sentinel.example.org:9097/api/v1/alerts?state=firing&service=quote-ingest',
      links: [
        { href: 'https://runbooks.example.org/quotes-stale', text: 'Runbook' },
        {
          href: 'http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
          text: 'Dashboard',
        },
      ],
    });
  });

  it('sends only routing_key, event_action and dedup_key for a resolved message', async () => {
    const r = await receiverFor(pagerdutyReceiver, { routing_key: KEY, url });
    const data = sampleData([
      sampleAlert({ status: 'resolved', endsAt: '2026-03-01T12:00:00.000Z' }),
      secondAlert({ status: 'resolved', endsAt: '2026-03-01T12:00:00.000Z' }),
    ]);
    expect(await r.send({ ref: 'ntf_2', data }, signal)).toEqual({ outcome: 'delivered', statusCode: 202 });
    expect(fake.server.requests.map((q) => JSON.parse(q.body))).toEqual([
      { routing_key: KEY, event_action: 'resolve', dedup_key: sha256('{}:{alertname="QuotesStale"}') },
    ]);
  });

  it('resolves with the same dedup_key it triggered with', async () => {
    const r = await receiverFor(pagerdutyReceiver, { routing_key: KEY, url });
    const firing = sampleData([sampleAlert()], { groupKey: '{}/{team="a"}:{alertname="X"}' });
    const resolved = sampleData([sampleAlert({ status: 'resolved' })], {
      groupKey: '{}/{team="a"}:{alertname="X"}',
    });
    const other = sampleData([sampleAlert()], { groupKey: '{}/{team="b"}:{alertname="X"}' });
    await r.send({ ref: 'ntf_1', data: firing }, signal);
    await r.send({ ref: 'ntf_2', data: other }, signal);
    const key = sha256('{}/{team="a"}:{alertname="X"}');
    expect(fake.incidents.get(key)).toBe('triggered');
    await r.send({ ref: 'ntf_3', data: resolved }, signal);
    const events = fake.events();
    expect(events.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', key],
      ['trigger', sha256('{}/{team="b"}:{alertname="X"}')],
      ['resolve', key],
    ]);
    expect(fake.incidents.get(key)).toBe('resolved');
    expect(fake.incidents.get(sha256('{}/{team="b"}:{alertname="X"}'))).toBe('triggered');
  });

  it('derives severity from the message unless configured', async () => {
    const r = await receiverFor(pagerdutyReceiver, { routing_key: KEY, url });
    await r.send({ ref: 'n', data: sampleData([secondAlert()]) }, signal);
    await r.send({ ref: 'n', data: sampleData([sampleAlert({ severity: 'info' })]) }, signal);
    // A resolved alert does not count: the message's severity is its firing alerts'.
    await r.send(
      { ref: 'n', data: sampleData([sampleAlert({ status: 'resolved' }), secondAlert()]) },
      signal,
    );
    const fixed = await receiverFor(pagerdutyReceiver, { routing_key: KEY, url, severity: 'error' });
    await fixed.send({ ref: 'n', data: sampleData([sampleAlert()]) }, signal);
    const templated = await receiverFor(pagerdutyReceiver, {
      routing_key: KEY,
      url,
      severity: '{{ .CommonLabels.pd_severity }}',
    });
    await templated.send(
      { ref: 'n', data: sampleData([sampleAlert()], { commonLabels: { pd_severity: 'Warning' } }) },
      signal,
    );
    // A template giving something PagerDuty does not know falls back to the message's severity.
    await templated.send(
      { ref: 'n', data: sampleData([sampleAlert()], { commonLabels: { pd_severity: 'p1' } }) },
      signal,
    );
    expect(fake.events().map((e) => e.payload?.severity)).toEqual([
      'warning',
      'info',
      'warning',
      'error',
      'warning',
      'critical',
    ]);
  });

  it('renders the configured options', async () => {
    const r = await receiverFor(pagerdutyReceiver, {
      routing_key: KEY,
      url,
      description: '{{ .CommonLabels.alertname }} on {{ .CommonLabels.service }}',
      client: 'Sentinel ({{ .Receiver }})',
      client_url: 'https://sentinel.example.org',
      source: '{{ .CommonLabels.service }}',
      class: 'freshness',
      component: '{{ (index .Alerts 0).Labels.instance }}',
      group: 'trading',
      details: { num_firing: 'overridden', team: 'markets', runbook: '{{ .CommonAnnotations.runbook_url }}' },
      links: [
        { href: 'https://grafana.example.org/d/quotes', text: 'Grafana' },
        { href: '{{ .CommonAnnotations.nothing }}', text: 'dropped: empty href' },
      ],
      images: [
        {
          src: 'https://grafana.example.org/render/quotes.png',
          alt: 'Quotes',
          href: 'https://grafana.example.org',
        },
      ],
    });
    await r.send(
      { ref: 'n', data: sampleData([sampleAlert()], { commonAnnotations: { runbook_url: 'https://rb' } }) },
      signal,
    );
    const e = fake.events()[0]!;
    expect(e.payload).toMatchObject({
      summary: 'QuotesStale on quote-ingest',
      source: 'quote-ingest',
      class: 'freshness',
      component: 'ingest-1',
      group: 'trading',
    });
    expect(e.payload?.custom_details).toMatchObject({
      num_firing: 'overridden',
      team: 'markets',
      runbook: 'https://rb',
    });
    expect(Object.keys(e.payload!.custom_details!)).toEqual([
      'firing',
      'resolved',
      'num_resolved',
      'num_firing',
      'team',
      'runbook',
      'observed_state',
    ]);
    expect(e.client).toBe('Sentinel (ops)');
    expect(e.client_url).toBe('https://sentinel.example.org');
    expect(e.links).toEqual([{ href: 'https://grafana.example.org/d/quotes', text: 'Grafana' }]);
    expect(e.images).toEqual([
      {
        src: 'https://grafana.example.org/render/quotes.png',
        alt: 'Quotes',
        href: 'https://grafana.example.org',
      },
    ]);
  });

  it('renders a templated routing key, and fails permanently when it renders empty', async () => {
    const r = await receiverFor(pagerdutyReceiver, { routing_key: '{{ .CommonLabels.pd_key }}', url });
    expect(
      await r.send(
        { ref: 'n', data: sampleData([sampleAlert()], { commonLabels: { pd_key: KEY } }) },
        signal,
      ),
    ).toMatchObject({ outcome: 'delivered' });
    expect(fake.events()[0]?.routing_key).toBe(KEY);
    expect(
      await r.send({ ref: 'n', data: sampleData([sampleAlert()], { commonLabels: {} }) }, signal),
    ).toEqual({
      outcome: 'permanent',
      error: 'the routing_key template rendered an empty key',
    });
  });

  it('truncates the summary to 1024 characters', async () => {
    const r = await receiverFor(pagerdutyReceiver, {
      routing_key: KEY,
      url,
      description: '{{ .CommonAnnotations.long }}',
    });
    const long = '🔥'.repeat(700);
    await r.send({ ref: 'n', data: sampleData([sampleAlert()], { commonAnnotations: { long } }) }, signal);
    const summary = fake.events()[0]!.payload!.summary;
    expect(summary.length).toBeLessThanOrEqual(1024);
    expect(summary.endsWith('🔥…')).toBe(true);
    expect(summary.length).toBe(1023);
  });

  it('drops custom details that would make the event larger than 512 KB', async () => {
    const r = await receiverFor(pagerdutyReceiver, { routing_key: KEY, url });
    const huge = sampleAlert({ message: 'x'.repeat(600_000) });
    expect(await r.send({ ref: 'n', data: sampleData([huge]) }, signal)).toMatchObject({
      outcome: 'delivered',
    });
    expect(fake.events()[0]!.payload!.custom_details).toEqual({
      error: "custom details removed: the event was larger than PagerDuty's limit of 512000 bytes",
    });
  });

  it('fails permanently when a template fails at send', async () => {
    const r = await receiverFor(pagerdutyReceiver, {
      routing_key: KEY,
      url,
      component: '{{ index .Alerts 9 }}',
    });
    const res = await r.send({ ref: 'n', data: sampleData() }, signal);
    expect(res.outcome).toBe('permanent');
    expect((res as { error: string }).error).toMatch(
      /^template error: template: receivers\[0\]\.test_configs\[0\]\.component/,
    );
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe('pagerduty_configs: answers', () => {
  const send = (): Promise<SendResult> => sendOnce(pagerdutyReceiver, { routing_key: KEY, url });

  it('429 is retryable, after Retry-After when PagerDuty says', async () => {
    fake.answerNext({
      status: 429,
      body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' },
    });
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 429 });
    fake.answerNext({ status: 429, body: {}, headers: { 'retry-after': '30' } });
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 429, retryAfterMs: 30_000 });
  });

  it('5xx is retryable', async () => {
    fake.answerNext({ status: 500, body: { status: 'error' } }, { status: 503 });
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 500 });
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 503 });
  });

  it('400 is permanent, with what PagerDuty said', async () => {
    const r = await receiverFor(pagerdutyReceiver, { routing_key: 'not-a-key', url });
    expect(await r.send({ ref: 'n', data: sampleData() }, signal)).toEqual({
      outcome: 'permanent',
      statusCode: 400,
      error:
        'PagerDuty rejected the event (HTTP 400): Event object is invalid: ' +
        "Length of 'routing_key' is incorrect (should be 32 characters)",
    });
  });

  it('401 and 403 are permanent', async () => {
    fake.answerNext({ status: 401, body: { message: 'Unauthorized' } }, { status: 403, body: 'Forbidden' });
    expect(await send()).toMatchObject({
      outcome: 'permanent',
      statusCode: 401,
      error: 'PagerDuty rejected the event (HTTP 401): Unauthorized',
    });
    expect(await send()).toMatchObject({ outcome: 'permanent', statusCode: 403 });
  });

  it('a network error is retryable', async () => {
    const gone = new FakePagerDuty();
    const goneUrl = await gone.start();
    await gone.stop();
    const r = await receiverFor(pagerdutyReceiver, { routing_key: KEY, url: goneUrl });
    expect(await r.send({ ref: 'n', data: sampleData() }, signal)).toMatchObject({ outcome: 'retryable' });
  });
});

describe('the fake PagerDuty checks what PagerDuty checks', () => {
  const valid: PagerDutyEvent = {
    routing_key: KEY,
    event_action: 'trigger',
    dedup_key: 'k',
    payload: { summary: 's', source: 'x', severity: 'critical' },
  };
  it.each([
    ['a short routing_key', { routing_key: 'short' }, "Length of 'routing_key' is incorrect"],
    ['an unknown event_action', { event_action: 'open' }, "'event_action' is invalid"],
    ['a dedup_key over 255 characters', { dedup_key: 'k'.repeat(256) }, "'dedup_key' must be at most 255"],
    ['a trigger without payload', { payload: undefined }, "'payload' is missing"],
    [
      'a blank summary',
      { payload: { ...valid.payload, summary: ' ' } },
      "'payload.summary' is missing or blank",
    ],
    [
      'a summary over 1024 characters',
      { payload: { ...valid.payload, summary: 's'.repeat(1025) } },
      "'payload.summary' must be at most 1024",
    ],
    ['a blank source', { payload: { ...valid.payload, source: '' } }, "'payload.source' is missing"],
    [
      'an unknown severity',
      { payload: { ...valid.payload, severity: 'fatal' } },
      "'payload.severity' is invalid",
    ],
    [
      'a resolve without dedup_key',
      { event_action: 'resolve', dedup_key: undefined },
      "'dedup_key' is required",
    ],
    [
      'an event over 512 KB',
      { payload: { ...valid.payload, custom_details: { x: 'y'.repeat(530_000) } } },
      'larger than 512 KB',
    ],
  ] as const)('rejects %s', (_name, change, error) => {
    expect(pagerdutyEventErrors(JSON.stringify(valid))).toEqual([]);
    expect(pagerdutyEventErrors(JSON.stringify({ ...valid, ...change })).join('\n')).toContain(error);
  });
});

describe('pagerduty_configs: properties', () => {
  const text = alertText(['🔥', ' ', '\n', '{{', '"'], 1500, 1);
  const labels = labelSets(text, 20);

  it('events stay within PagerDuty limits whatever the labels and annotations', async () => {
    const r = await receiverFor(pagerdutyReceiver, { routing_key: KEY, url });
    await fc.assert(
      fc.asyncProperty(
        labels,
        labels,
        text,
        text,
        fc.boolean(),
        async (groupLabels, annotations, summary, description, resolved) => {
          fake.server.requests.length = 0;
          const alerts = [
            sampleAlert({
              annotations: { ...annotations, summary, description },
              labels: { ...groupLabels, alertname: summary },
            }),
            secondAlert({ annotations: { description } }),
          ].map((a) => (resolved ? { ...a, status: 'resolved' as const } : a));
          const data = sampleData(alerts, {
            groupLabels,
            commonLabels: groupLabels,
            commonAnnotations: annotations,
            groupKey: description,
          });
          const res = await r.send({ ref: 'n', data }, signal);
          expect(res).toEqual({ outcome: 'delivered', statusCode: 202 });
          const body = fake.server.requests[0]!.body;
          expect(pagerdutyEventErrors(body)).toEqual([]);
          const e = JSON.parse(body) as PagerDutyEvent;
          expect(e.dedup_key).toBe(sha256(description));
          if (!resolved) expect(e.payload!.summary.length).toBeLessThanOrEqual(1024);
        },
      ),
      { numRuns: 60, interruptAfterTimeLimit: 10_000 },
    );
  });
});
