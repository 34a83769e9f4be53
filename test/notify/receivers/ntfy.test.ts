import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NTFY_MESSAGE_MAX_BYTES, ntfyReceiver, truncateBytes } from '../../../src/notify/receivers/ntfy.js';
import type { SendResult } from '../../../src/notify/receivers/receiver.js';
import { FakeNtfy, ntfyMessageError, type NtfyMessage } from '../../helpers/fakes/ntfy.js';
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

const TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2';

let url = '';
const fake = useFake(
  new FakeNtfy({
    'ops-private': { token: TOKEN },
    'ops-basic': { username: 'sentinel', password: 's3cret' },
  }),
  (started) => (url = started),
);
const dir = useTempDir('sentinel-ntfy-');

describe('ntfy_configs: configuration', () => {
  it('is ntfy_configs, send_resolved by default', () => {
    expect(ntfyReceiver.configKey).toBe('ntfy_configs');
    expect(ntfyReceiver.sendResolvedDefault).toBe(true);
  });

  it('requires a topic; the server defaults to ntfy.sh', async () => {
    const missing = await parseEntry(ntfyReceiver, {});
    expect(missing.settings).toBeNull();
    expect(missing.issues).toEqual(['topic: is required']);
    const p = await parseEntry(ntfyReceiver, { topic: 'ops' });
    expect(p.issues).toEqual([]);
    expect(p.settings).toMatchObject({
      url: 'https://ntfy.sh',
      topic: 'ops',
      priorities: { critical: 5, warning: 4, info: 3, resolved: 2 },
      tags: [],
    });
    expect(p.settings?.http.headers.authorization).toBeUndefined();
  });

  it('checks the topic as ntfy does', async () => {
    for (const [topic, issue] of [
      ['has space', 'topic: must be 1 to 64 letters, digits, - or _'],
      ['x'.repeat(65), 'topic: must be 1 to 64 letters, digits, - or _'],
      ['ops/alerts', 'topic: must be 1 to 64 letters, digits, - or _'],
      ['docs', 'topic: "docs" is reserved by ntfy'],
    ] as const) {
      expect((await parseEntry(ntfyReceiver, { topic })).issues).toEqual([issue]);
    }
  });

  it('reports unknown and invalid options', async () => {
    const p = await parseEntry(ntfyReceiver, {
      topic: 'ops',
      url: 'ntfy.sh',
      priority: 5,
      priorities: { critical: 6, resolved: 'low', firing: 4 },
      tags: ['ok', 'a,b'],
    });
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual([
      'priority: unknown ntfy_configs option',
      'url: is not a valid URL',
      'priorities.critical: must be 1..5 (or min, low, default, high, max)',
      'priorities.firing: unknown level: use critical, warning, info or resolved',
      'tags: must be a list of tags (emoji shortcodes or words, without commas)',
    ]);
    const named = await parseEntry(ntfyReceiver, {
      topic: 'ops',
      priorities: { critical: 'max', info: 'min', resolved: 1 },
    });
    expect(named.settings?.priorities).toEqual({ critical: 5, warning: 4, info: 1, resolved: 1 });
  });

  it('reports template parse errors at load', async () => {
    const p = await parseEntry(ntfyReceiver, {
      topic: 'ops',
      title: '{{ if }}',
      message: '{{ .Alerts | nope }}',
    });
    expect(p.settings).toBeNull();
    expect(p.issues).toHaveLength(2);
    expect(p.issues[0]).toMatch(/^title: template: receivers\[0\]\.test_configs\[0\]\.title:1:/);
    expect(p.issues[1]).toMatch(/^message: template: .*nope/);
  });

  it('reads the token from a file or an environment variable, as a Bearer token', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    const fromFile = await parseEntry(ntfyReceiver, { topic: 'ops', token_file: file });
    expect(fromFile.issues).toEqual([]);
    expect(fromFile.settings?.http.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const fromEnv = await parseEntry(
      ntfyReceiver,
      { topic: 'ops', token_env: 'NTFY_TOKEN' },
      { env: { NTFY_TOKEN: TOKEN } },
    );
    expect(fromEnv.settings?.http.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const unset = await parseEntry(ntfyReceiver, { topic: 'ops', token_env: 'NTFY_TOKEN' }, { env: {} });
    expect(unset.settings).toBeNull();
    expect(unset.issues).toEqual(['token_env: environment variable NTFY_TOKEN is not set']);
  });

  it('takes a token or http_config authentication, not both', async () => {
    const p = await parseEntry(ntfyReceiver, {
      topic: 'ops',
      token: TOKEN,
      http_config: { basic_auth: { username: 'u', password: 'p' } },
    });
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual(['token: give either token or authentication in http_config, not both']);
  });
});

describe('ntfy_configs: what ntfy receives', () => {
  it('publishes a firing message with two alerts', async () => {
    const r = await receiverFor(ntfyReceiver, { url, topic: 'ops-alerts' });
    expect(await r.send({ ref: 'n', data: sampleData([sampleAlert(), secondAlert()]) }, signal)).toEqual({
      outcome: 'delivered',
      statusCode: 200,
    });
    const req = fake.server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBeUndefined();
    expect(JSON.parse(req.body)).toEqual({
      topic: 'ops-alerts',
      title: '[FIRING:2] quote-ingest: No quotes for 5 minutes x10',
      message:
        '🔴 quote-ingest: No quotes for 5 minutes x10\n' +
        'The quote flow stopped advancing.\n' +
        '🟠 quote-ingest: Ingest lag above 30 s\n' +
        'Lag is 42 s.\n' +
        '\n' +
        'Observed state of 🔴 No quotes for 5 minutes x10:\n' +
        '• last_quote_age_s: 312\n' +
        '• ws_connected: false\n' +
        '• quotes_per_min: 0',
      priority: 5,
      tags: ['red_circle'],
      click: 'http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
    });
  });

  it('publishes a resolved message quietly', async () => {
    const r = await receiverFor(ntfyReceiver, { url, topic: 'ops-alerts' });
    const data = sampleData([
      sampleAlert({ status: 'resolved', endsAt: '2026-03-01T12:00:00.000Z', newOccurrences: 1 }),
      secondAlert({ status: 'resolved', endsAt: '2026-03-01T11:58:00.000Z' }),
    ]);
    expect(await r.send({ ref: 'n', data }, signal)).toMatchObject({ outcome: 'delivered' });
    expect(fake.messages()).toEqual([
      {
        topic: 'ops-alerts',
        title: '[RESOLVED] quote-ingest: No quotes for 5 minutes',
        message:
          '✅ quote-ingest: No quotes for 5 minutes\n' +
          'The quote flow stopped advancing.\n' +
          '✅ quote-ingest: Ingest lag above 30 s\n' +
          'Lag is 42 s.\n' +
          '\n' +
          'Observed state of ✅ No quotes for 5 minutes:\n' +
          '• last_quote_age_s: 312\n' +
          '• ws_connected: false\n' +
          '• quotes_per_min: 0',
        priority: 2,
        tags: ['white_check_mark'],
        click: 'http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
      },
    ]);
  });

  it('sets priority and tag by severity, with overrides and extra tags', async () => {
    const r = await receiverFor(ntfyReceiver, {
      url,
      topic: 'ops',
      priorities: { warning: 'default' },
      tags: ['prod'],
    });
    await r.send({ ref: 'n', data: sampleData([secondAlert()]) }, signal);
    await r.send({ ref: 'n', data: sampleData([sampleAlert({ severity: 'info' })]) }, signal);
    await r.send(
      { ref: 'n', data: sampleData([sampleAlert({ status: 'resolved' }), secondAlert()]) },
      signal,
    );
    expect(fake.messages().map((m) => [m.priority, m.tags])).toEqual([
      [3, ['orange_circle', 'prod']],
      [3, ['large_blue_circle', 'prod']],
      [3, ['orange_circle', 'prod']],
    ]);
  });

  it('uses the alert’s dashboard_url for click, and leaves click out without an absolute URL', async () => {
    const r = await receiverFor(ntfyReceiver, { url, topic: 'ops' });
    await r.send(
      {
        ref: 'n',
        data: sampleData([
          sampleAlert({ annotations: { dashboard_url: 'https://grafana.example.org/d/q' } }),
        ]),
      },
      signal,
    );
    await r.send({ ref: 'n', data: sampleData([sampleAlert()], { externalURL: '' }) }, signal);
    expect(fake.messages().map((m) => m.click)).toEqual(['https://grafana.example.org/d/q', undefined]);
  });

  it('authenticates with the token, or with http_config basic_auth', async () => {
    const withToken = await receiverFor(ntfyReceiver, { url, topic: 'ops-private', token: TOKEN });
    expect(await withToken.send({ ref: 'n', data: sampleData() }, signal)).toMatchObject({
      outcome: 'delivered',
    });
    expect(fake.server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const basic = await receiverFor(ntfyReceiver, {
      url,
      topic: 'ops-basic',
      http_config: { basic_auth: { username: 'sentinel', password: 's3cret' } },
    });
    expect(await basic.send({ ref: 'n', data: sampleData() }, signal)).toMatchObject({
      outcome: 'delivered',
    });
  });

  it('cuts the message to 4096 bytes and the title to 256 characters', async () => {
    const r = await receiverFor(ntfyReceiver, {
      url,
      topic: 'ops',
      title: '{{ .CommonAnnotations.long }}',
      message: '{{ .CommonAnnotations.long }}',
    });
    const long = 'é🔥x'.repeat(1000);
    expect(
      await r.send({ ref: 'n', data: sampleData([sampleAlert()], { commonAnnotations: { long } }) }, signal),
    ).toMatchObject({
      outcome: 'delivered',
    });
    const m = fake.messages()[0]!;
    expect(Buffer.byteLength(m.message!)).toBeLessThanOrEqual(NTFY_MESSAGE_MAX_BYTES);
    expect(Buffer.byteLength(m.message!)).toBeGreaterThan(NTFY_MESSAGE_MAX_BYTES - 8);
    // The forensic details stay, after the cut template output.
    expect(m.message!).toContain('…\n\nObserved state of 🔴 No quotes for 5 minutes x10:\n');
    expect(m.title!.length).toBeLessThanOrEqual(256);
  });

  it('sends the headline when the message renders empty', async () => {
    const r = await receiverFor(ntfyReceiver, { url, topic: 'ops', message: '{{ .CommonLabels.nothing }}' });
    await r.send({ ref: 'n', data: sampleData([sampleAlert({ annotations: {} })]) }, signal);
    expect(fake.messages()[0]!.message).toBe('🔴 [FIRING:1] quote-ingest: No quotes for 5 minutes x10');
  });

  it('fails permanently when a template fails at send', async () => {
    const r = await receiverFor(ntfyReceiver, { url, topic: 'ops', title: '{{ index .Alerts 4 }}' });
    expect(await r.send({ ref: 'n', data: sampleData() }, signal)).toMatchObject({ outcome: 'permanent' });
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe('ntfy_configs: answers', () => {
  const send = (extra: Record<string, unknown> = {}): Promise<SendResult> =>
    sendOnce(ntfyReceiver, { url, topic: 'ops', ...extra });

  it('429 is retryable, after Retry-After when ntfy says', async () => {
    fake.answerNext(
      {
        status: 429,
        body: { code: 42901, http: 429, error: 'limit reached: too many requests, please be nice' },
      },
      {
        status: 429,
        body: { code: 42908, http: 429, error: 'limit reached: too many messages' },
        headers: { 'retry-after': '60' },
      },
    );
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 429 });
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 429, retryAfterMs: 60_000 });
  });

  it('5xx is retryable', async () => {
    fake.answerNext(
      { status: 500, body: { code: 50001, http: 500, error: 'internal server error' } },
      { status: 502, body: 'x' },
    );
    expect(await send()).toEqual({
      outcome: 'retryable',
      statusCode: 500,
      error: 'ntfy: internal server error (code 50001)',
    });
    expect(await send()).toMatchObject({ outcome: 'retryable', statusCode: 502 });
  });

  it('a protected topic: 403 without credentials, 401 with wrong ones, both permanent', async () => {
    expect(await send({ topic: 'ops-private' })).toEqual({
      outcome: 'permanent',
      statusCode: 403,
      error: 'ntfy: forbidden (code 40301)',
    });
    expect(await send({ topic: 'ops-private', token: 'tk_wrong' })).toEqual({
      outcome: 'permanent',
      statusCode: 401,
      error: 'ntfy: unauthorized (code 40101)',
    });
  });

  it('400 is permanent', async () => {
    const r = await receiverFor(ntfyReceiver, { url, topic: 'ops' });
    fake.answerNext({ status: 400, body: { code: 40007, http: 400, error: 'invalid priority parameter' } });
    expect(await r.send({ ref: 'n', data: sampleData() }, signal)).toEqual({
      outcome: 'permanent',
      statusCode: 400,
      error: 'ntfy: invalid priority parameter (code 40007)',
    });
  });
});

describe('the fake ntfy checks what ntfy checks', () => {
  it.each([
    ['a topic with a slash', { topic: 'a/b' }, 40009],
    ['a reserved topic', { topic: 'docs' }, 40010],
    ['priority 0', { topic: 'ops', priority: 0 }, 40007],
    ['priority 6', { topic: 'ops', priority: 6 }, 40007],
    ['a message over 4096 bytes', { topic: 'ops', message: 'é'.repeat(2049) }, 40014],
    ['tags that are not strings', { topic: 'ops', tags: [1] }, 40017],
  ])('rejects %s', (_name, body, code) => {
    expect(ntfyMessageError(body)?.code).toBe(code);
  });
});

describe('ntfy_configs: properties', () => {
  const text = alertText(['🔥', 'é', '\n', ' ', '"', '\\'], 3000);
  const labels = labelSets(text);

  it('messages stay within ntfy’s limits whatever the labels and annotations', async () => {
    const plain = await receiverFor(ntfyReceiver, { url, topic: 'ops' });
    const heavy = await receiverFor(ntfyReceiver, {
      url,
      topic: 'ops',
      title: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}',
      message: '{{ range .Alerts }}{{ .Annotations.description }}{{ .Labels }}{{ end }}',
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
            sampleAlert({
              labels: labelSet,
              title: summary,
              message: description,
              annotations: { summary, description },
            }),
            secondAlert({ message: summary, annotations: { summary: description, description: summary } }),
          ].map((a) => (resolved ? { ...a, status: 'resolved' as const } : a));
          const res = await (useHeavy ? heavy : plain).send({ ref: 'n', data: sampleData(alerts) }, signal);
          expect(res).toMatchObject({ outcome: 'delivered' });
          const m = JSON.parse(fake.server.requests[0]!.body) as NtfyMessage;
          expect(ntfyMessageError(m)).toBeNull();
          expect(Buffer.byteLength(m.message!)).toBeLessThanOrEqual(NTFY_MESSAGE_MAX_BYTES);
          expect((m.title ?? '').length).toBeLessThanOrEqual(256);
          expect(m.priority).toBe(resolved ? 2 : 5);
        },
      ),
      { numRuns: 100, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('truncateBytes never splits a character', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 4, max: 200 }), (s, max) => {
        const cut = truncateBytes(s, max);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(
          Math.max(max, Buffer.byteLength(s) <= max ? Buffer.byteLength(s) : 0),
        );
        expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        if (Buffer.byteLength(s) <= max) expect(cut).toBe(s);
        else expect(s.startsWith(cut.slice(0, -1))).toBe(true);
      }),
    );
  });
});
