import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SendResult } from '../../../src/notify/receivers/receiver.js';
import {
  escapeTelegram,
  TELEGRAM_TEXT_MAX,
  telegramReceiver,
  truncateHtml,
} from '../../../src/notify/receivers/telegram.js';
import {
  FakeTelegram,
  parseTelegramHtml,
  parseTelegramMarkdown,
  parseTelegramMarkdownV2,
} from '../../helpers/fakes/telegram.js';
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

const TOKEN = '7012345678:AAFakeTokenForTests_abcdefghijklmnop';
const CHAT = -1001234567890;

let apiUrl = '';
const fake = useFake(new FakeTelegram(TOKEN, [CHAT, 42]), (started) => (apiUrl = started));
const dir = useTempDir('sentinel-tg-');

const entry = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  bot_token: TOKEN,
  chat_id: CHAT,
  api_url: apiUrl,
  ...extra,
});

/** The error of a failed send, which must never show the bot token or a piece of it. */
const errorOf = (res: SendResult): string => errorWithout(res, TOKEN.slice(0, 12), TOKEN.slice(11, 30));

describe('telegram_configs: configuration', () => {
  it('is telegram_configs, send_resolved by default', () => {
    expect(telegramReceiver.configKey).toBe('telegram_configs');
    expect(telegramReceiver.sendResolvedDefault).toBe(true);
  });

  it('requires bot_token and chat_id', async () => {
    const p = await parseEntry(telegramReceiver, {});
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual([
      'bot_token: one of bot_token, bot_token_file or bot_token_env is required',
      'chat_id: is required',
    ]);
  });

  it('defaults as Alertmanager does', async () => {
    const p = await parseEntry(
      telegramReceiver,
      { bot_token: TOKEN, chat_id: CHAT },
      { global: { telegramApiUrl: 'https://tg.example.org' } },
    );
    expect(p.issues).toEqual([]);
    expect(p.settings).toMatchObject({
      apiUrl: 'https://tg.example.org',
      chatId: CHAT,
      parseMode: 'HTML',
      disableNotifications: false,
      defaultMessage: true,
    });
  });

  it('reports unknown options, a bad parse_mode, chat_id and api_url', async () => {
    const p = await parseEntry(telegramReceiver, {
      bot_token: TOKEN,
      chat_id: 'ops-room',
      parse_mode: 'markdown',
      api_url: 'telegram',
      token: 'x',
      disable_notifications: 'yes',
    });
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual([
      'token: unknown telegram_configs option',
      'api_url: is not a valid URL',
      'chat_id: must be the chat’s numeric id, e.g. -1001234567890',
      'parse_mode: must be HTML, MarkdownV2, Markdown or "" (none)',
      'disable_notifications: must be true or false',
    ]);
    expect((await parseEntry(telegramReceiver, { bot_token: TOKEN, chat_id: 1.5 })).issues).toEqual([
      'chat_id: must be the chat’s numeric id, e.g. -1001234567890',
    ]);
    expect((await parseEntry(telegramReceiver, { bot_token: TOKEN, chat_id: '-42' })).settings?.chatId).toBe(
      -42,
    );
  });

  it('rejects a bot token that is not one, without quoting it', async () => {
    const p = await parseEntry(telegramReceiver, { bot_token: 'secret-but/wrong', chat_id: CHAT });
    expect(p.settings).toBeNull();
    expect(p.issues).toEqual([
      'bot_token: is not a Telegram bot token (<bot id>:<secret>, as BotFather gives it)',
    ]);
  });

  it('reports template parse errors at load', async () => {
    const p = await parseEntry(telegramReceiver, {
      bot_token: TOKEN,
      chat_id: CHAT,
      message: '{{ range .Alerts }}',
    });
    expect(p.settings).toBeNull();
    expect(p.issues).toHaveLength(1);
    expect(p.issues[0]).toMatch(/^message: template: receivers\[0\]\.test_configs\[0\]\.message:1:/);
  });

  it('reads the bot token from a file or an environment variable', async () => {
    const file = join(dir, 'bot-token');
    writeFileSync(file, `${TOKEN}\n`);
    const fromFile = await parseEntry(telegramReceiver, { bot_token_file: file, chat_id: CHAT });
    expect(fromFile.issues).toEqual([]);
    expect(fromFile.settings?.botToken).toBe(TOKEN);
    const fromEnv = await parseEntry(
      telegramReceiver,
      { bot_token_env: 'TG_TOKEN', chat_id: CHAT },
      { env: { TG_TOKEN: TOKEN } },
    );
    expect(fromEnv.settings?.botToken).toBe(TOKEN);
    const missing = await parseEntry(telegramReceiver, { bot_token_file: join(dir, 'nope'), chat_id: CHAT });
    expect(missing.settings).toBeNull();
    expect(missing.issues).toEqual([`bot_token_file: file ${join(dir, 'nope')} does not exist`]);
  });
});

describe('telegram_configs: what Telegram receives', () => {
  it('sends a firing message with two alerts', async () => {
    const r = await receiverFor(telegramReceiver, entry());
    expect(await r.send({ ref: 'n', data: sampleData([sampleAlert(), secondAlert()]) }, signal)).toEqual({
      outcome: 'delivered',
      statusCode: 200,
    });
    const req = fake.server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      chat_id: CHAT,
      text:
        '🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes x10\n' +
        '\n' +
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
        'Observed state of 🔴 No quotes for 5 minutes x10:\n' +
        '• last_quote_age_s: 312\n' +
        '• ws_connected: false\n' +
        '• quotes_per_min: 0\n' +
        '\n' +
        '<i>— Sentinel</i> · <a href="http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A">Dashboard</a>',
      parse_mode: 'HTML',
      disable_notification: false,
      disable_web_page_preview: true,
    });
  });

  it('sends a resolved message', async () => {
    const r = await receiverFor(telegramReceiver, entry({ disable_notifications: true }));
    const data = sampleData([
      sampleAlert({ status: 'resolved', endsAt: '2026-03-01T12:00:00.000Z', newOccurrences: 1 }),
      secondAlert({ status: 'resolved', endsAt: '2026-03-01T11:58:00.000Z' }),
    ]);
    expect(await r.send({ ref: 'n', data }, signal)).toMatchObject({ outcome: 'delivered' });
    expect(JSON.parse(fake.server.requests[0]!.body)).toEqual({
      chat_id: CHAT,
      text:
        '✅ [RESOLVED] quote-ingest: No quotes for 5 minutes\n' +
        '\n' +
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
        'Observed state of ✅ No quotes for 5 minutes:\n' +
        '• last_quote_age_s: 312\n' +
        '• ws_connected: false\n' +
        '• quotes_per_min: 0\n' +
        '\n' +
        '<i>— Sentinel</i> · <a href="http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A">Dashboard</a>',
      parse_mode: 'HTML',
      disable_notification: true,
      disable_web_page_preview: true,
    });
  });

  it('escapes alert text in HTML mode, so labels with <, > and & still parse', async () => {
    const r = await receiverFor(telegramReceiver, entry());
    const alert = sampleAlert({
      title: 'p99 < 5ms & queue > 10',
      labels: { alertname: 'Latency<script>', instance: 'a&b', note: '&lt;kept&gt;' },
      message: '<b>not bold</b> </i>',
      annotations: { observed_state: '{"p99<ms>": "7 & rising"}' },
    });
    const data = sampleData([alert], { externalURL: 'http://sentinel.example.org/?a=1&b="2"' });
    expect(await r.send({ ref: 'n', data }, signal)).toMatchObject({ outcome: 'delivered' });
    const shown = fake.messages[0]!.shown;
    expect(shown).toContain('p99 < 5ms & queue > 10');
    expect(shown).toContain('alertname=Latency<script>, instance=a&b, note=&lt;kept&gt;');
    expect(shown).toContain('<b>not bold</b> </i>');
    expect(shown).toContain('Observed state of 🔴 p99 < 5ms & queue > 10 x10:\n• p99<ms>: 7 & rising');
  });

  it('keeps the tags of an HTML template of your own, escaping what it prints', async () => {
    const r = await receiverFor(
      telegramReceiver,
      entry({ message: '<b>{{ .CommonLabels.alertname }}</b> on <code>{{ .CommonLabels.instance }}</code>' }),
    );
    const data = sampleData([sampleAlert({ annotations: {} })], {
      commonLabels: { alertname: 'A<B>', instance: 'x&y' },
    });
    expect(await r.send({ ref: 'n', data }, signal)).toMatchObject({ outcome: 'delivered' });
    expect(fake.messages[0]!.text).toBe(
      '🔴 <b>A&lt;B&gt;</b> on <code>x&amp;y</code>\n\n' +
        '<i>— Sentinel</i> · <a href="http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A">Dashboard</a>',
    );
    expect(fake.messages[0]!.shown).toBe('🔴 A<B> on x&y\n\n— Sentinel · Dashboard');
  });

  it('escapes the default message and Sentinel’s additions for MarkdownV2 and Markdown', async () => {
    for (const mode of ['MarkdownV2', 'Markdown']) {
      const r = await receiverFor(telegramReceiver, entry({ parse_mode: mode }));
      const alert = sampleAlert({
        labels: { alertname: 'Disk_*full*', path: '/var/[log](x).!\\d`' },
        annotations: { observed_state: '{"free_%": "1.5 [GB]"}' },
      });
      expect(await r.send({ ref: 'n', data: sampleData([alert, secondAlert()]) }, signal)).toMatchObject({
        outcome: 'delivered',
      });
      const m = fake.messages.at(-1)!;
      expect(m.parse_mode).toBe(mode);
      expect(m.shown).toContain('alertname=Disk_*full*, path=/var/[log](x).!\\d`');
      expect(m.shown).toMatch(/^🔴 \[FIRING:2\] quote-ingest/);
      expect(m.shown).toContain(
        '• free_%: 1.5 [GB]\n\n— Sentinel · Dashboard: http://sentinel.example.org:9097/api/v1/alerts/',
      );
    }
  });

  it('sends Markdown templates of your own as they are; Telegram rejects what they do not escape', async () => {
    const r = await receiverFor(
      telegramReceiver,
      entry({ parse_mode: 'MarkdownV2', message: '*{{ .CommonLabels.alertname }}*' }),
    );
    expect(
      await r.send(
        { ref: 'n', data: sampleData([sampleAlert()], { commonLabels: { alertname: 'Quotes' } }) },
        signal,
      ),
    ).toMatchObject({ outcome: 'delivered' });
    expect(
      fake.messages[0]!.text.startsWith('🔴 *Quotes*\n\nObserved state of 🔴 No quotes for 5 minutes x10:\n'),
    ).toBe(true);
    expect(fake.messages[0]!.shown.startsWith('🔴 Quotes\n\n')).toBe(true);
    const res = await r.send(
      { ref: 'n', data: sampleData([sampleAlert()], { commonLabels: { alertname: 'v1.2' } }) },
      signal,
    );
    expect(res).toEqual({
      outcome: 'permanent',
      statusCode: 400,
      error:
        "Telegram: Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    });
  });

  it('sends no parse_mode when it is ""', async () => {
    const r = await receiverFor(telegramReceiver, entry({ parse_mode: '', message: '<b>{{ .Status }}</b>' }));
    await r.send({ ref: 'n', data: sampleData([sampleAlert({ annotations: {} })]) }, signal);
    expect(JSON.parse(fake.server.requests[0]!.body)).toEqual({
      chat_id: CHAT,
      text: '🔴 <b>firing</b>\n\n— Sentinel · Dashboard: http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
      disable_notification: false,
      disable_web_page_preview: true,
    });
  });

  it('truncates to 4096 characters with "…", keeping HTML well-formed and Sentinel’s additions', async () => {
    const r = await receiverFor(
      telegramReceiver,
      entry({ message: '<b>Alert</b> <i>{{ .CommonAnnotations.long }}</i> <b>end</b>' }),
    );
    const long = 'a<&>'.repeat(3000);
    expect(
      await r.send({ ref: 'n', data: sampleData([sampleAlert()], { commonAnnotations: { long } }) }, signal),
    ).toMatchObject({ outcome: 'delivered' });
    const m = fake.messages[0]!;
    expect(m.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_MAX);
    expect(m.text.length).toBeGreaterThan(TELEGRAM_TEXT_MAX - 12);
    expect(m.text).toContain('…</i>\n\nObserved state of ');
    expect(m.shown.startsWith('🔴 Alert a<&>a<&>')).toBe(true);
    expect(m.shown.endsWith('— Sentinel · Dashboard')).toBe(true);
  });

  it('cuts escaped Markdown between escapes, never after a lone backslash', async () => {
    for (const parse_mode of ['MarkdownV2', 'Markdown']) {
      const r = await receiverFor(telegramReceiver, entry({ parse_mode }));
      // Two titles of different parity, so that one of the cuts falls inside a "\_" pair.
      for (const title of ['a', 'ab']) {
        fake.reset();
        const alert = sampleAlert({ title, message: '_'.repeat(5000) });
        expect(await r.send({ ref: 'n', data: sampleData([alert]) }, signal)).toEqual({
          outcome: 'delivered',
          statusCode: 200,
        });
        const m = fake.messages[0]!;
        expect(m.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_MAX);
        expect(m.text.length).toBeGreaterThanOrEqual(TELEGRAM_TEXT_MAX - 1);
        expect(m.text).toContain('\\_…\n\n');
      }
    }
  });

  it('fails permanently when the template fails; sends the headline when it renders nothing', async () => {
    const failing = await receiverFor(telegramReceiver, entry({ message: '{{ index .Alerts 7 }}' }));
    expect(errorOf(await failing.send({ ref: 'n', data: sampleData() }, signal))).toMatch(
      /^template error: /,
    );
    expect(fake.server.requests.length + fake.server.rejected.length).toBe(0);
    const empty = await receiverFor(
      telegramReceiver,
      entry({ message: '<b>{{ .CommonLabels.nothing }}</b> ' }),
    );
    expect(await empty.send({ ref: 'n', data: sampleData() }, signal)).toMatchObject({
      outcome: 'delivered',
    });
    expect(
      fake.messages[0]!.shown.startsWith('🔴 [FIRING:1] quote-ingest: No quotes for 5 minutes x10\n\n'),
    ).toBe(true);
  });
});

describe('telegram_configs: answers', () => {
  const send = (extra: Record<string, unknown> = {}): Promise<SendResult> =>
    sendOnce(telegramReceiver, entry(extra));

  it('429 is retryable after parameters.retry_after', async () => {
    fake.answerNext({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 7',
        parameters: { retry_after: 7 },
      },
    });
    const res = await send();
    expect(res).toEqual({
      outcome: 'retryable',
      statusCode: 429,
      retryAfterMs: 7000,
      error: 'Telegram: Too Many Requests: retry after 7',
    });
  });

  it('5xx is retryable, JSON or not', async () => {
    fake.answerNext(
      { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } },
      { status: 502, body: 'Bad Gateway' },
    );
    expect(await send()).toEqual({
      outcome: 'retryable',
      statusCode: 500,
      error: 'Telegram: Internal Server Error',
    });
    const res = await send();
    expect(res).toMatchObject({ outcome: 'retryable', statusCode: 502 });
    errorOf(res);
  });

  it('400 is permanent with Telegram’s description', async () => {
    const res = await send({ chat_id: 777 });
    expect(res).toEqual({
      outcome: 'permanent',
      statusCode: 400,
      error: 'Telegram: Bad Request: chat not found',
    });
  });

  it('401 (a wrong token) and 403 are permanent, and never show the token', async () => {
    const wrong = `${TOKEN.slice(0, -3)}xyz`;
    const r = await receiverFor(telegramReceiver, entry({ bot_token: wrong }));
    const res = await r.send({ ref: 'n', data: sampleData() }, signal);
    expect(res).toEqual({ outcome: 'permanent', statusCode: 401, error: 'Telegram: Unauthorized' });
    fake.answerNext({
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    });
    expect(await send()).toEqual({
      outcome: 'permanent',
      statusCode: 403,
      error: 'Telegram: Forbidden: bot was blocked by the user',
    });
  });

  it('says where a group went when it became a supergroup', async () => {
    fake.answerNext({
      status: 400,
      body: {
        ok: false,
        error_code: 400,
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        parameters: { migrate_to_chat_id: -1009876543210 },
      },
    });
    expect(await send()).toMatchObject({
      outcome: 'permanent',
      error:
        'Telegram: Bad Request: group chat was upgraded to a supergroup chat (the group is now the supergroup with chat_id -1009876543210)',
    });
  });

  it('a network error is retryable and does not show the token', async () => {
    const gone = new FakeTelegram(TOKEN, [CHAT]);
    const goneUrl = await gone.start();
    await gone.stop();
    const r = await receiverFor(telegramReceiver, entry({ api_url: goneUrl }));
    const res = await r.send({ ref: 'n', data: sampleData() }, signal);
    expect(res.outcome).toBe('retryable');
    expect(errorOf(res)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\S*: /);
  });
});

describe('the fake Telegram parses as Telegram does', () => {
  it.each([
    ['a < b', 'Unsupported start tag "" at byte offset 2'],
    ['<br>x', 'Unsupported start tag "br" at byte offset 0'],
    ['<b>x', 'Can\'t find end tag corresponding to start tag "b"'],
    ['<b>x</i>', 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'],
    ['x</b>', 'Unexpected end tag at byte offset 1'],
    ['<a href="x>', 'Unclosed start tag at byte offset 0'],
  ])('HTML %j is rejected', (text, error) => {
    expect(parseTelegramHtml(text)).toEqual({ ok: false, error });
  });

  it('HTML entities and tags', () => {
    expect(parseTelegramHtml('<b>a &lt; b</b> &amp; <a href="https://x">c</a> &#34;&#x41; & &nope;')).toEqual(
      {
        ok: true,
        text: 'a < b & c "A & &nope;',
      },
    );
  });

  it('MarkdownV2 and Markdown', () => {
    expect(parseTelegramMarkdownV2('*bold* \\. [x](https://e.org) `a.b`')).toEqual({
      ok: true,
      text: 'bold . x a.b',
    });
    expect(parseTelegramMarkdownV2('v1.2')).toMatchObject({ ok: false });
    expect(parseTelegramMarkdownV2('*open')).toMatchObject({ ok: false });
    expect(parseTelegramMarkdown('*b* _i_ \\_ [t](u) .!')).toEqual({ ok: true, text: 'b i _ t .!' });
    expect(parseTelegramMarkdown('a_b')).toMatchObject({ ok: false });
  });
});

describe('telegram_configs: properties', () => {
  // Telegram's markup in its three modes, and characters that take two UTF-16 units.
  const text = alertText(
    [
      '<',
      '>',
      '&',
      '&amp;',
      '&lt;',
      '<b>',
      '</b>',
      '_',
      '*',
      '[',
      ']',
      '(',
      ')',
      '`',
      '\\',
      '.',
      '|',
      '~',
      '🔥',
      '\n',
    ],
    1500,
  );
  const labels = labelSets(text);

  it('messages parse and fit in every mode, whatever the labels and annotations', async () => {
    const receivers = await Promise.all(
      ['HTML', 'MarkdownV2', 'Markdown', ''].map((parse_mode) =>
        receiverFor(telegramReceiver, entry({ parse_mode })),
      ),
    );
    const html = await receiverFor(
      telegramReceiver,
      entry({
        message:
          'Alert: <b>{{ .CommonLabels.alertname }}</b>\n<pre>{{ range .Alerts }}{{ .Annotations.description }}{{ end }}</pre>',
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        labels,
        text,
        text,
        fc.nat(4),
        fc.boolean(),
        async (labelSet, summary, description, which, resolved) => {
          fake.reset();
          const alerts = [
            sampleAlert({ labels: labelSet, title: summary, annotations: { summary, description } }),
            secondAlert({ annotations: { description }, message: description }),
          ].map((a) => (resolved ? { ...a, status: 'resolved' as const } : a));
          const data = sampleData(alerts, { commonLabels: { ...labelSet, alertname: summary } });
          const r = which === 4 ? html : receivers[which]!;
          const res = await r.send({ ref: 'n', data }, signal);
          expect(res).toEqual({ outcome: 'delivered', statusCode: 200 });
          expect(fake.messages[0]!.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_MAX);
        },
      ),
      { numRuns: 120, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('truncateHtml keeps well-formed HTML well-formed and within the limit', () => {
    const leaf = text.map((t) => escapeTelegram(t, 'HTML'));
    const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc
          .tuple(
            fc.constantFrom('b', 'i', 'code', 'pre', 'a href="https://e.org"', 'tg-spoiler'),
            fc.array(tie('node'), { maxLength: 3 }),
          )
          .map(([tag, children]) => `<${tag}>${children.join('')}</${tag.split(' ')[0]}>`),
      ),
    })).node;
    fc.assert(
      fc.property(node, fc.integer({ min: 1, max: 300 }), (html, max) => {
        expect(parseTelegramHtml(html).ok).toBe(true);
        const cut = truncateHtml(html, max);
        expect(cut.length).toBeLessThanOrEqual(Math.max(max, html.length <= max ? html.length : 0));
        const parsed = parseTelegramHtml(cut);
        expect(parsed.ok).toBe(true);
        if (html.length <= max) expect(cut).toBe(html);
      }),
      { numRuns: 300, interruptAfterTimeLimit: 10_000 },
    );
  });
});
