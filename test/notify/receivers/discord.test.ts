import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DISCORD_COLORS,
  DISCORD_DESCRIPTION_MAX,
  DISCORD_TITLE_MAX,
  discordReceiver,
} from '../../../src/notify/receivers/discord.js';
import type { SendResult } from '../../../src/notify/receivers/receiver.js';
import { discordBodyErrors, FakeDiscord, type DiscordWebhookBody } from '../../helpers/fakes/discord.js';
import {
  errorWithout,
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

let url = '';
const fake = useFake(new FakeDiscord(), (started) => (url = started));
const dir = useTempDir('sentinel-discord-');

/** The error of a failed send, which must never show the webhook's token. */
const errorOf = (res: SendResult): string => errorWithout(res, fake.token.slice(0, 16));

describe('discord_configs: configuration', () => {
  it('is discord_configs, send_resolved by default', () => {
    expect(discordReceiver.configKey).toBe('discord_configs');
    expect(discordReceiver.sendResolvedDefault).toBe(true);
  });

  it('requires a webhook URL', async () => {
    const p = await parseEntry(discordReceiver, { title: 'x' });
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual([
      'webhook_url: one of webhook_url, webhook_url_file or webhook_url_env is required',
    ]);
  });

  it('reports unknown and invalid options', async () => {
    const p = await parseEntry(discordReceiver, {
      webhook_url: 'discord.com/api/webhooks/1/abc',
      color: 'red',
      username: 'Discord Alerts',
      avatar_url: 'not a url',
      title: 42,
    });
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual([
      'color: unknown discord_configs option',
      'webhook_url: is not a valid URL',
      'title: must be a string (a template)',
      'username: Discord does not allow "discord", "clyde", "everyone" or "here" in a webhook username',
      'avatar_url: must be an http:// or https:// URL',
    ]);
  });

  it('reports template parse errors at load', async () => {
    const p = await parseEntry(discordReceiver, {
      webhook_url: url,
      title: '{{ .Status',
      content: '{{ template "missing" . }}',
    });
    expect(p.settings).toBeNull();
    expect(p.issues).toHaveLength(2);
    expect(p.issues[0]).toMatch(/^title: template: receivers\[0\]\.test_configs\[0\]\.title:1:/);
    expect(p.issues[1]).toMatch(/^content: template: .*missing/);
  });

  it('reads the webhook URL from a file or an environment variable', async () => {
    const file = join(dir, 'webhook');
    writeFileSync(file, `${url}\n`);
    const fromFile = await parseEntry(discordReceiver, { webhook_url_file: file });
    expect(fromFile.issues).toEqual([]);
    expect(fromFile.settings?.webhookUrl).toBe(url);
    const fromEnv = await parseEntry(
      discordReceiver,
      { webhook_url_env: 'DISCORD_URL' },
      { env: { DISCORD_URL: url } },
    );
    expect(fromEnv.settings?.webhookUrl).toBe(url);
    const unset = await parseEntry(discordReceiver, { webhook_url_env: 'DISCORD_URL' }, { env: {} });
    expect(unset.issues).toEqual(['webhook_url_env: environment variable DISCORD_URL is not set']);
  });
});

describe('discord_configs: what Discord receives', () => {
  it('sends one embed for a firing message with two alerts', async () => {
    const r = await receiverFor(discordReceiver, { webhook_url: url });
    expect(await r.send({ ref: 'n', data: sampleData([sampleAlert(), secondAlert()]) }, signal)).toEqual({
      outcome: 'delivered',
      statusCode: 204,
    });
    const req = fake.server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/api/webhooks/${fake.id}/${fake.token}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      embeds: [
        {
          title: '🔴 [FIRING:2] QuotesStale (quote-ingest)',
          description:
            'Firing (2):\n' +
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
            '  Since: 2026-03-01 11:50:00 UTC\n' +
            '\n' +
            'http://sentinel.example.org:9097/api/v1/alerts?state=firing&service=quote-ingest\n' +
            '\n' +
            'Observed state of 🔴 No quotes for 5 minutes x10:\n' +
            '• last_quote_age_s: 312\n' +
            '• ws_connected: false\n' +
            '• quotes_per_min: 0',
          color: 0xd32f2f,
          url: 'http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
        },
      ],
    });
  });

  it('sends a green embed for a resolved message', async () => {
    const r = await receiverFor(discordReceiver, { webhook_url: url });
    const data = sampleData([
      sampleAlert({ status: 'resolved', endsAt: '2026-03-01T12:00:00.000Z', newOccurrences: 1 }),
      secondAlert({ status: 'resolved', endsAt: '2026-03-01T11:58:00.000Z' }),
    ]);
    expect(await r.send({ ref: 'n', data }, signal)).toMatchObject({ outcome: 'delivered' });
    expect(fake.messages()).toEqual([
      {
        embeds: [
          {
            title: '✅ [RESOLVED] QuotesStale (quote-ingest)',
            description:
              'Resolved (2):\n' +
              '- No quotes for 5 minutes\n' +
              '  The quote flow stopped advancing.\n' +
              '  Labels: alertname=QuotesStale, instance=ingest-1, service=quote-ingest, severity=critical\n' +
              '  Runbook: https://runbooks.example.org/quotes-stale\n' +
              '  Source: http://prometheus.example.org/graph?g0.expr=up\n' +
              '  Resolved: 2026-03-01 12:00:00 UTC\n' +
              '- Ingest lag above 30 s\n' +
              '  Lag is 42 s.\n' +
              '  Labels: alertname=IngestLag, instance=ingest-2, service=quote-ingest, severity=warning\n' +
              '  Source: http://prometheus.example.org/graph?g0.expr=up\n' +
              '  Resolved: 2026-03-01 11:58:00 UTC\n' +
              '\n' +
              'http://sentinel.example.org:9097/api/v1/alerts?state=resolved&service=quote-ingest\n' +
              '\n' +
              'Observed state of ✅ No quotes for 5 minutes:\n' +
              '• last_quote_age_s: 312\n' +
              '• ws_connected: false\n' +
              '• quotes_per_min: 0',
            color: DISCORD_COLORS.resolved,
            url: 'http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
          },
        ],
      },
    ]);
  });

  it('colours by the most severe firing alert', async () => {
    const r = await receiverFor(discordReceiver, { webhook_url: url });
    await r.send({ ref: 'n', data: sampleData([secondAlert()]) }, signal);
    await r.send({ ref: 'n', data: sampleData([sampleAlert({ severity: 'info' })]) }, signal);
    await r.send(
      { ref: 'n', data: sampleData([sampleAlert({ status: 'resolved' }), secondAlert()]) },
      signal,
    );
    expect(fake.messages().map((m) => m.embeds?.[0]?.color)).toEqual([
      DISCORD_COLORS.warning,
      DISCORD_COLORS.info,
      DISCORD_COLORS.warning,
    ]);
    expect(new Set(Object.values(DISCORD_COLORS)).size).toBe(4);
  });

  it('sends content, username and avatar_url when configured', async () => {
    const r = await receiverFor(discordReceiver, {
      webhook_url: url,
      content: '<@&123456> {{ .CommonLabels.alertname }}',
      username: 'Sentinel',
      avatar_url: 'https://sentinel.example.org/logo.png',
      title: '{{ .Status }}',
      message: '',
    });
    await r.send({ ref: 'n', data: sampleData() }, signal);
    expect(fake.messages()).toEqual([
      {
        content: '<@&123456> QuotesStale',
        username: 'Sentinel',
        avatar_url: 'https://sentinel.example.org/logo.png',
        embeds: [
          {
            title: '🔴 firing',
            description:
              'Observed state of 🔴 No quotes for 5 minutes x10:\n• last_quote_age_s: 312\n• ws_connected: false\n• quotes_per_min: 0',
            color: DISCORD_COLORS.critical,
            url: 'http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
          },
        ],
      },
    ]);
  });

  it('falls back to the headline rather than send an empty message', async () => {
    const r = await receiverFor(discordReceiver, {
      webhook_url: url,
      title: '{{ .CommonLabels.nothing }}',
      message: ' ',
    });
    const data = sampleData([sampleAlert({ annotations: {} })]);
    expect(await r.send({ ref: 'n', data }, signal)).toMatchObject({ outcome: 'delivered' });
    expect(fake.messages()[0]!.embeds![0]!.title).toBe(
      '🔴 [FIRING:1] quote-ingest: No quotes for 5 minutes x10',
    );
  });

  it('cuts title and description to Discord’s limits', async () => {
    const r = await receiverFor(discordReceiver, {
      webhook_url: url,
      title: '{{ .CommonAnnotations.long }}',
      message: '{{ .CommonAnnotations.long }}{{ .CommonAnnotations.long }}',
    });
    const long = '🔥x'.repeat(1500);
    expect(
      await r.send({ ref: 'n', data: sampleData([sampleAlert()], { commonAnnotations: { long } }) }, signal),
    ).toMatchObject({
      outcome: 'delivered',
    });
    const e = fake.messages()[0]!.embeds![0]!;
    expect(e.title!.length).toBeLessThanOrEqual(DISCORD_TITLE_MAX);
    expect(e.title!.endsWith('…')).toBe(true);
    expect(e.description!.length).toBeLessThanOrEqual(DISCORD_DESCRIPTION_MAX);
    expect(e.description!.length).toBeGreaterThan(DISCORD_DESCRIPTION_MAX - 4);
    // The forensic details stay, after the cut template output.
    expect(e.description!).toContain('…\n\nObserved state of 🔴 No quotes for 5 minutes x10:\n');
  });

  it('fails permanently when a template fails at send', async () => {
    const r = await receiverFor(discordReceiver, { webhook_url: url, message: '{{ index .Alerts 3 }}' });
    expect(errorOf(await r.send({ ref: 'n', data: sampleData() }, signal))).toMatch(/^template error: /);
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe('discord_configs: answers', () => {
  const send = (webhook = url): Promise<SendResult> => sendOnce(discordReceiver, { webhook_url: webhook });

  it('429 is retryable after Discord’s retry_after (seconds, fractional)', async () => {
    fake.answerNext({
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: 0.642, global: false },
    });
    expect(await send()).toEqual({
      outcome: 'retryable',
      statusCode: 429,
      retryAfterMs: 642,
      error: 'Discord: You are being rate limited.',
    });
    fake.answerNext({ status: 429, body: {}, headers: { 'retry-after': '3' } });
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 429, retryAfterMs: 3000 });
  });

  it('5xx is retryable', async () => {
    fake.answerNext(
      { status: 500, body: { message: 'Internal Server Error', code: 0 } },
      { status: 503, body: 'upstream' },
    );
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 500 });
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 503 });
  });

  it('a rejected body is permanent, with Discord’s message and code', async () => {
    fake.answerNext({
      status: 400,
      body: {
        code: 50035,
        message: 'Invalid Form Body',
        errors: {
          embeds: {
            _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Embed size exceeds maximum size of 6000' }],
          },
        },
      },
    });
    const res = await send();
    expect(res).toMatchObject({ outcome: 'permanent', statusCode: 400 });
    expect(errorOf(res)).toMatch(/^Discord: Invalid Form Body \(code 50035\): \{"embeds"/);
  });

  it('a wrong token (401), an unknown webhook (404) and 403 are permanent, and never show the token', async () => {
    const wrongToken = url.replace(fake.token, `${fake.token.slice(0, -4)}nope`);
    expect(await send(wrongToken)).toEqual({
      outcome: 'permanent',
      statusCode: 401,
      error: 'Discord: Invalid Webhook Token (code 50027)',
    });
    const unknown = url.replace(fake.id, '999');
    expect(await send(unknown)).toEqual({
      outcome: 'permanent',
      statusCode: 404,
      error: 'Discord: Unknown Webhook (code 10015)',
    });
    fake.answerNext({ status: 403, body: { message: 'Missing Access', code: 50001 } });
    expect(await send()).toMatchObject({ outcome: 'permanent', statusCode: 403 });
  });

  it('a network error is retryable and does not show the token', async () => {
    const gone = new FakeDiscord('42', 'short');
    const goneUrl = await gone.start();
    await gone.stop();
    const r = await receiverFor(discordReceiver, {
      webhook_url: goneUrl.replace('/short', `/${fake.token}`),
    });
    const res = await r.send({ ref: 'n', data: sampleData() }, signal);
    expect(res.outcome).toBe('retryable');
    expect(errorOf(res)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\S*: /);
  });
});

describe('the fake Discord checks what Discord checks', () => {
  it.each([
    ['a long title', { embeds: [{ title: 't'.repeat(257) }] }, 'embeds.0.title'],
    ['a long description', { embeds: [{ description: 'd'.repeat(4097) }] }, 'embeds.0.description'],
    ['11 embeds', { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) }, 'embeds'],
    [
      'over 6000 in all',
      { embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] },
      'embeds',
    ],
    ['long content', { content: 'c'.repeat(2001) }, 'content'],
    ['a bad colour', { embeds: [{ title: 't', color: 0x1000000 }] }, 'embeds.0.color'],
    ['a bad url', { embeds: [{ title: 't', url: 'ftp://x' }] }, 'embeds.0.url'],
    ['a reserved username', { username: 'my discord bot', content: 'x' }, 'username'],
  ])('rejects %s', (_name, body, path) => {
    expect(Object.keys(discordBodyErrors(body))).toContain(path);
  });

  it('answers 50035 over HTTP', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ embeds: [{ title: 't'.repeat(300) }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 50035, message: 'Invalid Form Body' });
  });
});

describe('discord_configs: properties', () => {
  const text = alertText(['🔥', '\n', ' ', '@everyone', '**', '`'], 2500);
  const labels = labelSets(text);

  it('bodies stay within Discord’s limits whatever the labels and annotations', async () => {
    const plain = await receiverFor(discordReceiver, { webhook_url: url });
    const heavy = await receiverFor(discordReceiver, {
      webhook_url: url,
      title: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}',
      message: '{{ range .Alerts }}{{ .Annotations.description }}{{ .Annotations.summary }}{{ end }}',
      content: '{{ .CommonAnnotations.summary }}',
    });
    await fc.assert(
      fc.asyncProperty(
        labels,
        text,
        text,
        fc.boolean(),
        fc.boolean(),
        async (labelSet, summary, description, resolved, useHeavy) => {
          fake.reset();
          const alerts = [
            sampleAlert({ labels: labelSet, annotations: { summary, description } }),
            secondAlert({ annotations: { summary: description, description: summary } }),
          ].map((a) => (resolved ? { ...a, status: 'resolved' as const } : a));
          const data = sampleData(alerts, { groupLabels: labelSet, commonAnnotations: { summary } });
          const res = await (useHeavy ? heavy : plain).send({ ref: 'n', data }, signal);
          expect(res).toMatchObject({ outcome: 'delivered' });
          const body = JSON.parse(fake.server.requests[0]!.body) as DiscordWebhookBody;
          expect(discordBodyErrors(body)).toEqual({});
          const e = body.embeds![0]!;
          expect((e.title ?? '').length).toBeLessThanOrEqual(DISCORD_TITLE_MAX);
          expect((e.description ?? '').length).toBeLessThanOrEqual(DISCORD_DESCRIPTION_MAX);
          expect((body.content ?? '').length).toBeLessThanOrEqual(2000);
        },
      ),
      { numRuns: 100, interruptAfterTimeLimit: 10_000 },
    );
  });
});
