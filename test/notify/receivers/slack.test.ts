import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NotificationData } from '../../../src/notify/types.js';
import {
  escapeMrkdwn,
  fit,
  SLACK_LIMITS,
  slackCheck,
  slackMessage,
  slackReceiver,
  type SlackSettings,
} from '../../../src/notify/receivers/slack.js';
import { FakeSlack, validateSlackPayload } from '../../helpers/fakes/slack.js';
import {
  parseEntry,
  receiverFor,
  sampleAlert,
  sampleData,
  SEVEN_KEYS,
  signal,
  twoAlerts,
} from '../../helpers/receivers.js';

const message = (data: NotificationData, ref = 'ntf_01JNKX00000000000000000001') => ({ ref, data });

describe('slack_configs: configuration', () => {
  it('accepts a minimal entry with Alertmanager defaults', async () => {
    const { settings, issues, warnings } = await parseEntry(slackReceiver, {
      api_url: 'https://hooks.slack.com/services/T000/B000/XXXX',
    });
    expect(issues).toEqual([]);
    expect(warnings).toEqual([]);
    expect(settings?.apiUrl).toBe('https://hooks.slack.com/services/T000/B000/XXXX');
    expect(settings?.linkNames).toBe(false);
    expect(settings?.mrkdwn).toEqual({ pretext: true, text: true });
    expect(slackReceiver.configKey).toBe('slack_configs');
    expect(slackReceiver.sendResolvedDefault).toBe(false);
  });

  it('accepts every Alertmanager 0.25 key, warning about those Block Kit has no place for', async () => {
    const { settings, issues, warnings } = await parseEntry(slackReceiver, {
      send_resolved: true,
      api_url: 'https://hooks.slack.com/services/T000/B000/XXXX',
      http_config: { follow_redirects: false },
      channel: '#ops',
      username: 'bot',
      color: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}',
      title: 't',
      title_link: 'https://example.org',
      pretext: 'p',
      text: 'x',
      fields: [{ title: 'a', value: 'b' }],
      short_fields: true,
      footer: 'f',
      fallback: 'fb',
      callback_id: 'cb',
      icon_emoji: ':fire:',
      icon_url: 'https://example.org/i.png',
      image_url: 'https://example.org/i.png',
      thumb_url: 'https://example.org/t.png',
      link_names: true,
      mrkdwn_in: ['text'],
      actions: [{ type: 'button', text: 'Ack', url: 'https://example.org' }],
    });
    expect(issues).toEqual([]);
    expect(settings).not.toBeNull();
    expect(settings?.linkNames).toBe(true);
    expect(settings?.mrkdwn).toEqual({ pretext: false, text: true });
    expect(warnings.map((w) => w.split(':')[0]).sort()).toEqual(
      ['actions', 'callback_id', 'color', 'fields', 'image_url', 'short_fields', 'thumb_url'].sort(),
    );
    expect(warnings.every((w) => w.includes('is ignored'))).toBe(true);
  });

  it('reports unknown keys', async () => {
    const { settings, issues } = await parseEntry(slackReceiver, {
      api_url: 'https://hooks.slack.com/services/T000/B000/XXXX',
      titel: 'typo',
    });
    expect(issues).toEqual(['titel: unknown slack_configs option']);
    // An unknown key is an issue; the loader fails the load on any issue.
    expect(settings).not.toBeNull();
  });

  it('requires an api_url, falling back to global.slack_api_url', async () => {
    const missing = await parseEntry(slackReceiver, {});
    expect(missing.settings).toBeNull();
    expect(missing.issues).toEqual([
      'api_url: one of api_url, api_url_file or api_url_env (or global.slack_api_url) is required',
    ]);
    const global = await parseEntry(
      slackReceiver,
      {},
      { global: { slackApiUrl: 'https://hooks.example/services/T1/B1/y' } },
    );
    expect(global.issues).toEqual([]);
    expect(global.settings?.apiUrl).toBe('https://hooks.example/services/T1/B1/y');
    const own = await parseEntry(
      slackReceiver,
      { api_url: 'https://own.example/services/T1/B1/z' },
      { global: { slackApiUrl: 'https://hooks.example/services/T1/B1/y' } },
    );
    expect(own.settings?.apiUrl).toBe('https://own.example/services/T1/B1/z');
    const badGlobal = await parseEntry(slackReceiver, {}, { global: { slackApiUrl: 'ftp://x' } });
    expect(badGlobal.settings).toBeNull();
    expect(badGlobal.issues).toEqual([
      'api_url: not given, and global.slack_api_url is not an http:// or https:// URL',
    ]);
  });

  it('rejects an api_url that is not http(s)', async () => {
    const { settings, issues } = await parseEntry(slackReceiver, { api_url: 'ftp://hooks.slack.com/x' });
    expect(settings).toBeNull();
    expect(issues).toEqual(['api_url: must be an http:// or https:// URL']);
  });

  it('reads the URL from api_url_file or api_url_env, and refuses two forms at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-slack-'));
    const file = join(dir, 'url');
    writeFileSync(file, 'https://hooks.slack.com/services/T000/B000/FROMFILE\n');
    const fromFile = await parseEntry(slackReceiver, { api_url_file: file });
    expect(fromFile.issues).toEqual([]);
    expect(fromFile.settings?.apiUrl).toBe('https://hooks.slack.com/services/T000/B000/FROMFILE');

    const fromEnv = await parseEntry(
      slackReceiver,
      { api_url_env: 'SLACK_URL' },
      { env: { SLACK_URL: 'https://hooks.slack.com/services/T000/B000/FROMENV' } },
    );
    expect(fromEnv.issues).toEqual([]);
    expect(fromEnv.settings?.apiUrl).toBe('https://hooks.slack.com/services/T000/B000/FROMENV');

    const unset = await parseEntry(slackReceiver, { api_url_env: 'SLACK_URL' }, { env: {} });
    expect(unset.settings).toBeNull();
    expect(unset.issues.some((i) => i.startsWith('api_url_env:'))).toBe(true);

    const both = await parseEntry(slackReceiver, { api_url: 'https://a.example/x', api_url_file: file });
    expect(both.settings).toBeNull();
    expect(both.issues[0]).toMatch(/^api_url_file: give only one of api_url, api_url_file or api_url_env/);
  });

  it('compiles templates at load and reports parse errors against their key', async () => {
    const { settings, issues } = await parseEntry(slackReceiver, {
      api_url: 'https://hooks.slack.com/services/T000/B000/XXXX',
      title: '{{ .Status ',
      text: '{{ template "slak.default.text" . }}',
      footer: 42,
    });
    expect(settings).toBeNull();
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(/^title: template: receivers\[0\]\.test_configs\[0\]\.title:1:/);
    expect(issues[1]).toMatch(/^text: template: .*"slak\.default\.text" is not defined/);
    expect(issues[2]).toBe('footer: must be a string (a template)');
  });

  it('checks the types of link_names, mrkdwn_in, fields and actions', async () => {
    const { issues } = await parseEntry(slackReceiver, {
      api_url: 'https://hooks.slack.com/services/T000/B000/XXXX',
      link_names: 'yes',
      mrkdwn_in: 'text',
      fields: {},
      actions: 'ack',
    });
    expect(issues.sort()).toEqual(
      [
        'actions: must be a list',
        'fields: must be a list',
        'link_names: must be true or false',
        'mrkdwn_in: must be a list of field names such as text or pretext',
      ].sort(),
    );
  });
});

describe('slack_configs: sending to a fake Slack', () => {
  const slack = new FakeSlack();
  let url = '';

  beforeAll(async () => {
    await slack.start();
    url = slack.addWebhook('/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX', '#alerts');
  });
  afterAll(() => slack.stop());
  beforeEach(() => {
    slack.requests.length = 0;
    slack.accepted.length = 0;
    slack.failures.length = 0;
    slack.channels = null;
    slack.archived.clear();
  });

  it('posts the exact Block Kit message for a firing message with two alerts', async () => {
    const receiver = await receiverFor(slackReceiver, {
      api_url: url,
      channel: '#ops',
      icon_emoji: ':rotating_light:',
    });
    const result = await receiver.send(message(twoAlerts()), signal);
    expect(result).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(slack.requests).toHaveLength(1);
    const req = slack.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req.headers['user-agent']).toBe('Sentinel/0.1.0');
    expect(slack.accepted[0]!.channel).toBe('#ops');
    expect(JSON.parse(req.body)).toEqual({
      text: '[FIRING:2] QuotesStale (quote-ingest) | http://sentinel.example.org:9097/api/v1/alerts?state=firing&service=quote-ingest',
      channel: '#ops',
      username: 'Sentinel',
      icon_emoji: ':rotating_light:',
      blocks: [
        {
          type: 'header',
          text: {
            type: 'plain_text',
            text: '🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes x10',
            emoji: true,
          },
        },
        { type: 'divider' },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              '*🔴 No quotes for 5 minutes x10*\n' +
              'The quote flow stopped advancing: last quote 312 s ago.\n' +
              '• last_quote_age_s: 312\n' +
              '• ws_connected: false\n' +
              '• quotes_per_min: 0\n' +
              '• feed: binance\n' +
              '• reconnects: 4\n' +
              '• +2 more',
          },
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: '📖 <https://runbooks.example.org/quotes-stale|Runbook>' },
            {
              type: 'mrkdwn',
              text: '📊 <http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A|Dashboard>',
            },
          ],
        },
        { type: 'section', text: { type: 'mrkdwn', text: '*🟠 Feed lag above 30 s*' } },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: '📊 <https://grafana.example.org/d/feed|Dashboard>' }],
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: '🔗 <http://sentinel.example.org:9097/api/v1/alerts?state=firing&amp;service=quote-ingest|Details>',
            },
          ],
        },
      ],
    });
  });

  it('posts a resolved message with the resolved mark', async () => {
    const receiver = await receiverFor(slackReceiver, { api_url: url });
    const data = twoAlerts({ status: 'resolved', endsAt: '2026-03-01T12:00:00.000Z' });
    expect(data.status).toBe('resolved');
    expect(await receiver.send(message(data), signal)).toEqual({ outcome: 'delivered', statusCode: 200 });
    const payload = slack.accepted[0]!.payload as {
      text: string;
      blocks: Array<{ type: string; text?: { text: string } }>;
    };
    expect(payload.text).toBe(
      '[RESOLVED] QuotesStale (quote-ingest) | http://sentinel.example.org:9097/api/v1/alerts?state=resolved&service=quote-ingest',
    );
    // No burst count once resolved, in the title or the alert lines.
    expect(payload.blocks[0]!.text!.text).toBe('✅ [RESOLVED] quote-ingest: No quotes for 5 minutes');
    const sections = payload.blocks.filter((b) => b.type === 'section').map((b) => b.text!.text);
    expect(sections[0]).toMatch(/^\*✅ No quotes for 5 minutes\*\n/);
    expect(sections[1]).toBe('*✅ Feed lag above 30 s*');
    expect(slack.accepted[0]!.channel).toBe('#alerts');
  });

  it('turns 429 into retryable with the Retry-After delay', async () => {
    slack.failNext({ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } });
    const receiver = await receiverFor(slackReceiver, { api_url: url });
    const result = await receiver.send(message(twoAlerts()), signal);
    expect(result).toMatchObject({ outcome: 'retryable', statusCode: 429, retryAfterMs: 30_000 });
    expect(result.outcome === 'retryable' && result.error).toContain('rate_limited');
    expect(slack.accepted).toHaveLength(0);
  });

  it('turns 500 and 503 into retryable', async () => {
    const receiver = await receiverFor(slackReceiver, { api_url: url });
    slack.failNext({ status: 500, body: 'internal_error' });
    expect(await receiver.send(message(twoAlerts()), signal)).toMatchObject({
      outcome: 'retryable',
      statusCode: 500,
    });
    slack.failNext({ status: 503, body: 'service_unavailable' });
    expect(await receiver.send(message(twoAlerts()), signal)).toMatchObject({
      outcome: 'retryable',
      statusCode: 503,
    });
    // The next attempt goes through.
    expect(await receiver.send(message(twoAlerts()), signal)).toEqual({
      outcome: 'delivered',
      statusCode: 200,
    });
  });

  it('turns channel_not_found (404) into a permanent failure naming the error', async () => {
    slack.channels = new Set(['#alerts']);
    const receiver = await receiverFor(slackReceiver, { api_url: url, channel: '#no-such-channel' });
    const result = await receiver.send(message(twoAlerts()), signal);
    expect(result).toEqual({
      outcome: 'permanent',
      statusCode: 404,
      error: 'Slack answered HTTP 404: channel_not_found',
    });
  });

  it('turns channel_is_archived (410), invalid_token (403) and no_service (404) into permanent failures', async () => {
    slack.archived.add('#old');
    const archived = await receiverFor(slackReceiver, { api_url: url, channel: '#old' });
    expect(await archived.send(message(twoAlerts()), signal)).toEqual({
      outcome: 'permanent',
      statusCode: 410,
      error: 'Slack answered HTTP 410: channel_is_archived',
    });

    const revokedUrl = slack.addWebhook('/services/T000/B111/REVOKED');
    slack.revoke('/services/T000/B111/REVOKED');
    const revoked = await receiverFor(slackReceiver, { api_url: revokedUrl });
    expect(await revoked.send(message(twoAlerts()), signal)).toMatchObject({
      outcome: 'permanent',
      statusCode: 403,
      error: 'Slack answered HTTP 403: invalid_token',
    });

    const unknown = await receiverFor(slackReceiver, { api_url: url.replace('XXXXXXXX', 'YYYYYYYY') });
    const result = await unknown.send(message(twoAlerts()), signal);
    expect(result).toMatchObject({
      outcome: 'permanent',
      statusCode: 404,
      error: 'Slack answered HTTP 404: no_service',
    });
    // The secret URL is never part of an error.
    expect(JSON.stringify(result)).not.toContain('services');
  });

  it('is retryable when Slack cannot be reached, without the URL in the error', async () => {
    const dead = new FakeSlack();
    const base = await dead.start();
    const deadUrl = dead.addWebhook('/services/T9/B9/SECRETSECRET');
    await dead.stop();
    const receiver = await receiverFor(slackReceiver, { api_url: deadUrl });
    const result = await receiver.send(message(twoAlerts()), signal);
    expect(result.outcome).toBe('retryable');
    expect(result.outcome === 'retryable' && result.error).toMatch(/^Slack: .*ECONNREFUSED/);
    expect(JSON.stringify(result)).not.toContain('SECRET');
    expect(JSON.stringify(result)).not.toContain('/services');
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('fails permanently when a template fails while rendering', async () => {
    const receiver = await receiverFor(slackReceiver, { api_url: url, title: '{{ .NoSuchField.Deeper }}' });
    const result = await receiver.send(message(twoAlerts()), signal);
    expect(result.outcome).toBe('permanent');
    expect(result.outcome === 'permanent' && result.error).toMatch(
      /^template: receivers\[0\]\.test_configs\[0\]\.title/,
    );
    expect(slack.requests).toHaveLength(0);
  });

  it('renders pretext, footer, link_names and plain text per mrkdwn_in', async () => {
    const receiver = await receiverFor(slackReceiver, {
      api_url: url,
      pretext: '*{{ .Receiver }}*',
      text: 'a <b> & c',
      footer: 'sent by {{ template "__alertmanager" . }}',
      mrkdwn_in: ['pretext'],
      link_names: true,
      title_link: '',
    });
    expect(await receiver.send(message(twoAlerts()), signal)).toEqual({
      outcome: 'delivered',
      statusCode: 200,
    });
    const payload = slack.accepted[0]!.payload as {
      link_names: boolean;
      blocks: Array<Record<string, unknown>>;
    };
    expect(payload.link_names).toBe(true);
    expect(payload.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*ops*' } });
    expect(payload.blocks[1]!.type).toBe('header');
    expect(payload.blocks[2]).toEqual({
      type: 'section',
      text: { type: 'plain_text', text: 'a <b> & c', emoji: true },
    });
    expect(payload.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'sent by Sentinel' }],
    });
  });

  it('keeps a message with many alerts and long texts within Block Kit limits, and Slack accepts it', async () => {
    const long = 'x'.repeat(5000);
    const alerts = Array.from({ length: 25 }, (_, i) =>
      sampleAlert({
        ref: `alrt_${i}`,
        fingerprint: `f${i}`,
        annotations: { friendly_name: `${long} ${i}`, description: long, observed_state: SEVEN_KEYS },
      }),
    );
    const receiver = await receiverFor(slackReceiver, { api_url: url, title: long, text: long });
    const result = await receiver.send(message(sampleData(alerts, { truncatedAlerts: 5 })), signal);
    expect(result).toEqual({ outcome: 'delivered', statusCode: 200 });
    const payload = slack.accepted[0]!.payload as {
      blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
    };
    expect(payload.blocks.length).toBeLessThanOrEqual(50);
    expect(payload.blocks[0]!.text!.text).toHaveLength(SLACK_LIMITS.headerText);
    expect(payload.blocks[0]!.text!.text.endsWith('…')).toBe(true);
    expect(payload.blocks[1]!.text!.text).toHaveLength(SLACK_LIMITS.sectionText);
    const alertSections = payload.blocks.filter(
      (b) => b.type === 'section' && b.text!.text.startsWith('*🔴'),
    );
    expect(alertSections).toHaveLength(10);
    const more = payload.blocks.find((b) => b.type === 'context' && b.elements![0]!.text.startsWith('+'));
    expect(more?.elements?.[0]?.text).toBe('+20 more alerts');
  });
});

describe('the fake Slack rejects what Slack rejects', () => {
  const slack = new FakeSlack();
  let url = '';
  beforeAll(async () => {
    await slack.start();
    url = slack.addWebhook('/services/T111/B111/VALIDATION');
  });
  afterAll(() => slack.stop());

  const post = async (body: string, contentType = 'application/json', to = url) => {
    const res = await fetch(to, { method: 'POST', headers: { 'content-type': contentType }, body });
    return `${res.status} ${await res.text()}`;
  };
  const header = (text: string, type = 'plain_text') => ({ type: 'header', text: { type, text } });
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const withBlocks = (blocks: unknown) => JSON.stringify({ text: 'fallback', blocks });

  it("answers each kind of mistake with Slack's error code", async () => {
    expect(await post(withBlocks([header('ok'), section('ok'), { type: 'divider' }]))).toBe('200 ok');
    expect(await post(withBlocks([header('x'.repeat(150))]))).toBe('200 ok');
    expect(await post(withBlocks([header('x'.repeat(151))]))).toBe('400 invalid_blocks');
    expect(await post(withBlocks([header('*bold*', 'mrkdwn')]))).toBe('400 invalid_blocks');
    expect(await post(withBlocks([section('x'.repeat(3000))]))).toBe('200 ok');
    expect(await post(withBlocks([section('x'.repeat(3001))]))).toBe('400 invalid_blocks');
    expect(await post(withBlocks([section('  ')]))).toBe('400 invalid_blocks');
    expect(await post(withBlocks(Array.from({ length: 51 }, () => ({ type: 'divider' }))))).toBe(
      '400 invalid_blocks',
    );
    expect(await post(withBlocks([{ type: 'table', rows: [] }]))).toBe('400 invalid_blocks');
    expect(await post(withBlocks([{ type: 'section', text: { type: 'markdown', text: 'x' } }]))).toBe(
      '400 invalid_blocks',
    );
    expect(
      await post(withBlocks([{ type: 'section', text: { type: 'mrkdwn', text: 'x', emoji: true } }])),
    ).toBe('400 invalid_blocks');
    const elements = (n: number) => Array.from({ length: n }, () => ({ type: 'mrkdwn', text: 'e' }));
    expect(await post(withBlocks([{ type: 'context', elements: elements(10) }]))).toBe('200 ok');
    expect(await post(withBlocks([{ type: 'context', elements: elements(11) }]))).toBe('400 invalid_blocks');
    expect(await post(withBlocks([{ type: 'divider', text: 'x' }]))).toBe('400 invalid_blocks');
    expect(await post(JSON.stringify({ text: 'x', blocks: {} }))).toBe('400 invalid_blocks');
    expect(await post(JSON.stringify({ text: ' ' }))).toBe('400 no_text');
    expect(await post('{not json')).toBe('400 invalid_payload');
    expect(await post(JSON.stringify({ text: 'x' }), 'application/x-www-form-urlencoded')).toBe(
      '400 invalid_payload',
    );
    expect(await post(JSON.stringify({ text: 'x', channel: 5 }))).toBe('400 invalid_payload');
    expect(
      await post(JSON.stringify({ text: 'x' }), 'application/json', url.replace('VALIDATION', 'OTHER')),
    ).toBe('404 no_service');
    expect(slack.accepted).toHaveLength(4);
  });
});

describe('slack_configs: answers and text helpers', () => {
  it('reads Web API answers (200 with ok:false) as Slack errors', () => {
    expect(slackCheck(200, 'ok')).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(slackCheck(200, '{"ok":true,"ts":"1.2"}')).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(slackCheck(200, '{"ok":false,"error":"channel_not_found"}')).toEqual({
      outcome: 'permanent',
      statusCode: 200,
      error: 'Slack answered channel_not_found',
    });
    expect(slackCheck(200, '{"ok":false,"error":"ratelimited"}')).toMatchObject({ outcome: 'retryable' });
    expect(slackCheck(400, 'invalid_payload')).toEqual({
      outcome: 'permanent',
      statusCode: 400,
      error: 'Slack answered HTTP 400: invalid_payload',
    });
    expect(slackCheck(429, 'rate_limited')).toBeNull();
    expect(slackCheck(502, '')).toBeNull();
  });

  it('escapes mrkdwn and cuts text without splitting an escape or a surrogate pair', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    expect(fit('abc', 3)).toBe('abc');
    expect(fit('abcd', 3)).toBe('ab…');
    expect(fit('a😀b', 3)).toBe('a…');
    expect(fit('ab&amp;cd', 5, true)).toBe('ab…');
    expect(fit('ab\ud800', 10)).toBe('ab\ufffd');
  });

  it('escapes what alerts say, so labels cannot mention @channel or inject links', async () => {
    const { settings } = await parseEntry(slackReceiver, {
      api_url: 'https://hooks.slack.com/services/T/B/X',
    });
    const data = sampleData([
      sampleAlert({
        annotations: { friendly_name: '<!channel> disk <full>', observed_state: '{"a":"<@U123>"}' },
      }),
    ]);
    const sections = slackMessage(settings!, data).blocks.filter((b) => b.type === 'section');
    const alertSection = sections.find((b) => b.type === 'section' && b.text.text.startsWith('*'));
    expect(alertSection).toBeDefined();
    expect(alertSection!.type === 'section' && alertSection!.text.text).toBe(
      '*🔴 &lt;!channel&gt; disk &lt;full&gt; x10*\nThe quote flow stopped advancing.\n• a: &lt;@U123&gt;',
    );
  });
});

describe('slack_configs: Block Kit limits hold for any alert content (property)', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({
      unit: fc.constantFrom('&', '<', '>', '|', '*', '😀', '\ud800', 'a', ' ', '\n'),
      maxLength: 4000,
      size: 'max',
    }),
    fc.constant(''),
  );
  const labels = fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), text, { maxKeys: 5 });
  const observed = fc.oneof(
    fc
      .dictionary(fc.string({ maxLength: 300 }), fc.oneof(text, fc.integer(), fc.boolean()), { maxKeys: 12 })
      .map((o) => JSON.stringify(o)),
    text,
  );
  const alert = fc
    .record({
      labels,
      annotations: labels,
      friendly: fc.option(text),
      observed: fc.option(observed),
      runbook: fc.option(
        fc.oneof(
          text,
          text.map((t) => `https://runbooks.example.org/${t}`),
        ),
      ),
      dashboard: fc.option(
        fc.oneof(
          text,
          text.map((t) => `https://grafana.example.org/${t}`),
        ),
      ),
      title: text,
      message: text,
      service: text,
      status: fc.constantFrom('firing' as const, 'resolved' as const),
      severity: fc.constantFrom('critical' as const, 'warning' as const, 'info' as const),
      newOccurrences: fc.nat(100_000),
      flapping: fc.boolean(),
    })
    .map((r) =>
      sampleAlert({
        labels: r.labels,
        annotations: {
          ...r.annotations,
          ...(r.friendly !== null ? { friendly_name: r.friendly } : {}),
          ...(r.observed !== null ? { observed_state: r.observed } : {}),
          ...(r.runbook !== null ? { runbook_url: r.runbook } : {}),
          ...(r.dashboard !== null ? { dashboard_url: r.dashboard } : {}),
        },
        title: r.title,
        message: r.message,
        service: r.service,
        status: r.status,
        severity: r.severity,
        newOccurrences: r.newOccurrences,
        flapping: r.flapping,
      }),
    );
  const data = fc
    .record({
      alerts: fc.array(alert, { minLength: 1, maxLength: 30, size: 'medium' }),
      truncated: fc.nat(1000),
      externalURL: fc.oneof(fc.constant('http://sentinel.example.org:9097'), fc.constant(''), text),
      receiver: text,
    })
    .map((r) =>
      sampleData(r.alerts, {
        truncatedAlerts: r.truncated,
        externalURL: r.externalURL,
        receiver: r.receiver,
      }),
    );

  let settings: SlackSettings;
  beforeAll(async () => {
    const parsed = await parseEntry(slackReceiver, {
      api_url: 'https://hooks.slack.com/services/T/B/X',
      pretext: '{{ range .Alerts }}{{ .Annotations.description }}{{ end }}',
      footer: '{{ .Receiver }}',
    });
    settings = parsed.settings!;
  });

  it('every payload passes the fake Slack validation', () => {
    fc.assert(
      fc.property(data, (d) => {
        const payload = JSON.parse(JSON.stringify(slackMessage(settings, d))) as unknown;
        expect(validateSlackPayload(payload)).toBeNull();
      }),
      { numRuns: 100 },
    );
  });

  it('and the fake Slack accepts it over HTTP', async () => {
    const slack = new FakeSlack();
    await slack.start();
    const url = slack.addWebhook();
    const receiver = await receiverFor(slackReceiver, { api_url: url, pretext: '{{ .Receiver }}' });
    try {
      await fc.assert(
        fc.asyncProperty(data, async (d) => {
          const result = await receiver.send(message(d), signal);
          expect(result, slack.requests.at(-1)?.answer).toEqual({ outcome: 'delivered', statusCode: 200 });
        }),
        { numRuns: 25 },
      );
    } finally {
      await slack.stop();
    }
  });
});
