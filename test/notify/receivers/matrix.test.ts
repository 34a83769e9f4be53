import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  matrixCheck,
  matrixContent,
  matrixReceiver,
  roomFor,
  type MatrixSettings,
} from '../../../src/notify/receivers/matrix.js';
import type { NotificationData } from '../../../src/notify/types.js';
import { FakeMatrix } from '../../helpers/fakes/matrix.js';
import {
  parseEntry,
  receiverFor,
  sampleAlert,
  sampleData,
  SEVEN_KEYS,
  signal,
  twoAlerts,
} from '../../helpers/receivers.js';

function oneAlert(
  severity: 'critical' | 'warning' | 'info',
  status: 'firing' | 'resolved' = 'firing',
): NotificationData {
  return sampleData([
    sampleAlert({
      severity,
      status,
      labels: { alertname: `Test${severity}`, severity },
      annotations: { summary: `a ${severity} problem` },
      title: `a ${severity} problem`,
    }),
  ]);
}

const ROOM = '!ops:example.org';
const TOKEN = 'syt_c2VudGluZWw_secretsecret_0a1b2c';
const REF = 'ntf_01JNKX00000000000000000001';

describe('matrix_configs: configuration', () => {
  const minimal = { homeserver: 'https://matrix.example.org', access_token: TOKEN, room_id: ROOM };

  it('accepts a minimal entry, with m.text and the default templates', async () => {
    const { settings, issues, warnings } = await parseEntry(matrixReceiver, minimal);
    expect(issues).toEqual([]);
    expect(warnings).toEqual([]);
    expect(settings).toMatchObject({
      homeserver: 'https://matrix.example.org',
      accessToken: TOKEN,
      roomId: ROOM,
      severityRooms: {},
      msgtype: 'm.text',
    });
    expect(matrixReceiver.configKey).toBe('matrix_configs');
    expect(matrixReceiver.sendResolvedDefault).toBe(true);
  });

  it('takes homeserver and access token from global, and drops a trailing slash', async () => {
    const { settings, issues } = await parseEntry(
      matrixReceiver,
      { room_id: ROOM },
      { global: { matrixHomeserver: 'https://hs.example.org/', matrixAccessToken: 'globaltoken' } },
    );
    expect(issues).toEqual([]);
    expect(settings?.homeserver).toBe('https://hs.example.org');
    expect(settings?.accessToken).toBe('globaltoken');
  });

  it('reports every missing required option', async () => {
    const { settings, issues } = await parseEntry(matrixReceiver, {});
    expect(settings).toBeNull();
    expect(issues).toEqual([
      'homeserver: is required (or global.matrix_homeserver), e.g. https://matrix.example.org',
      'access_token: one of access_token, access_token_file or access_token_env (or global.matrix_access_token) is required',
      'room_id: is required',
    ]);
  });

  it('reports unknown keys and bad values', async () => {
    const { settings, issues } = await parseEntry(matrixReceiver, {
      ...minimal,
      room: '!x:y',
      room_id: '#ops:example.org',
      msgtype: 'm.emote',
      homeserver: 'https://matrix.example.org/?x=1',
      severity_rooms: { critical: '!crit:example.org', urgent: '!u:example.org', warning: 'warn-room' },
    });
    expect(settings).toBeNull();
    expect(issues).toEqual([
      'room: unknown matrix_configs option',
      'homeserver: must not have a query or fragment',
      'room_id: must be a room ID such as !abc:example.org (a room alias such as #ops:example.org is not one)',
      'severity_rooms.urgent: unknown severity; use critical, warning, info',
      'severity_rooms.warning: must be a room ID such as !abc:example.org (a room alias such as #ops:example.org is not one)',
      'msgtype: must be m.text or m.notice',
    ]);
    const notMap = await parseEntry(matrixReceiver, { ...minimal, severity_rooms: ['!a:b'] });
    expect(notMap.issues).toEqual([
      'severity_rooms: must be a mapping of severity (critical, warning, info) to room ID',
    ]);
    const ftp = await parseEntry(matrixReceiver, { ...minimal, homeserver: 'ftp://matrix.example.org' });
    expect(ftp.issues).toEqual(['homeserver: must be an http:// or https:// URL']);
  });

  it('reports template parse errors against their key', async () => {
    const { settings, issues } = await parseEntry(matrixReceiver, {
      ...minimal,
      body: '{{ if .Status }}unterminated',
      html: '{{ template "matrix.default.htm" . }}',
    });
    expect(settings).toBeNull();
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^body: template: receivers\[0\]\.test_configs\[0\]\.body:1:/);
    expect(issues[1]).toMatch(/^html: template: .*"matrix\.default\.htm" is not defined/);
  });

  it('reads the token from access_token_file or access_token_env', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-matrix-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'tokenfromfile\n');
    const fromFile = await parseEntry(matrixReceiver, {
      ...minimal,
      access_token: undefined,
      access_token_file: file,
    });
    expect(fromFile.issues).toEqual([]);
    expect(fromFile.settings?.accessToken).toBe('tokenfromfile');
    const fromEnv = await parseEntry(
      matrixReceiver,
      { ...minimal, access_token: undefined, access_token_env: 'MATRIX_TOKEN' },
      { env: { MATRIX_TOKEN: 'tokenfromenv' } },
    );
    expect(fromEnv.issues).toEqual([]);
    expect(fromEnv.settings?.accessToken).toBe('tokenfromenv');
    const both = await parseEntry(
      matrixReceiver,
      { ...minimal, access_token_env: 'MATRIX_TOKEN' },
      { env: {} },
    );
    expect(both.settings).toBeNull();
    expect(both.issues[0]).toMatch(/^access_token_env: give only one of/);
  });
});

describe('matrix_configs: sending to a fake homeserver', () => {
  const hs = new FakeMatrix();
  let base = '';

  beforeAll(async () => {
    base = await hs.start();
    hs.addUser('@sentinel:example.org', TOKEN);
    for (const room of [ROOM, '!crit:example.org', '!warn:example.org'])
      hs.join(room, '@sentinel:example.org');
    hs.join('!private:example.org', '@someone-else:example.org');
  });
  afterAll(() => hs.stop());
  beforeEach(() => {
    hs.requests.length = 0;
    hs.failures.length = 0;
  });

  const entry = (extra: Record<string, unknown> = {}) => ({
    homeserver: base,
    access_token: TOKEN,
    room_id: ROOM,
    ...extra,
  });

  it('PUTs the exact m.room.message event for a firing message with two alerts', async () => {
    const receiver = await receiverFor(matrixReceiver, entry());
    const before = hs.eventsIn(ROOM).length;
    const result = await receiver.send({ ref: REF, data: twoAlerts() }, signal);
    expect(result).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(hs.requests).toHaveLength(1);
    const req = hs.requests[0]!;
    expect(req.method).toBe('PUT');
    expect(req.path).toBe(`/_matrix/client/v3/rooms/!ops%3Aexample.org/send/m.room.message/${REF}`);
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('Sentinel/0.1.0');
    const body = [
      '🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes x10',
      '',
      '🔴 quote-ingest: No quotes for 5 minutes x10',
      'The quote flow stopped advancing.',
      'Labels: alertname=QuotesStale, instance=ingest-1, service=quote-ingest, severity=critical',
      'Runbook: https://runbooks.example.org/quotes-stale',
      'Details: http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
      'Since: 2026-03-01 11:55:00 UTC',
      '',
      '🟠 quote-ingest: Feed lag above 30 s',
      'Lag is 42 s.',
      'Labels: alertname=FeedLag, service=quote-ingest, severity=warning',
      'Dashboard: https://grafana.example.org/d/feed',
      'Since: 2026-03-01 11:55:00 UTC',
      '',
      'Observed state of 🔴 No quotes for 5 minutes x10:',
      '• last_quote_age_s: 312',
      '• ws_connected: false',
      '• quotes_per_min: 0',
      '• feed: binance',
      '• reconnects: 4',
      '• +2 more',
      '',
      '— Sentinel · Dashboard: http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
    ].join('\n');
    const html = [
      '<p><strong>🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes x10</strong></p>',
      '<ul>',
      '<li>🔴 quote-ingest: No quotes for 5 minutes x10<br>The quote flow stopped advancing.<br><a href="https://runbooks.example.org/quotes-stale">Runbook</a></li>',
      '<li>🟠 quote-ingest: Feed lag above 30 s<br>Lag is 42 s. · <a href="https://grafana.example.org/d/feed">Dashboard</a></li>',
      '</ul>',
      '<p>Observed state of 🔴 No quotes for 5 minutes x10:</p>',
      '<ul>',
      '<li>last_quote_age_s: 312</li>',
      '<li>ws_connected: false</li>',
      '<li>quotes_per_min: 0</li>',
      '<li>feed: binance</li>',
      '<li>reconnects: 4</li>',
      '<li>+2 more</li>',
      '</ul>',
      '<p><em>— Sentinel</em> · <a href="http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A">Dashboard</a></p>',
    ].join('\n');
    expect(JSON.parse(req.body)).toEqual({
      msgtype: 'm.text',
      body,
      format: 'org.matrix.custom.html',
      formatted_body: html,
    });
    const events = hs.eventsIn(ROOM);
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({
      sender: '@sentinel:example.org',
      type: 'm.room.message',
      txnId: REF,
    });
    expect(events.at(-1)!.eventId).toBe(req.answer.event_id);
  });

  it('sends a resolved message starting with the resolved mark, as m.notice when asked', async () => {
    const receiver = await receiverFor(matrixReceiver, entry({ msgtype: 'm.notice' }));
    const data = twoAlerts({ status: 'resolved', endsAt: '2026-03-01T12:00:00.000Z' });
    const result = await receiver.send({ ref: 'ntf_resolved', data }, signal);
    expect(result).toEqual({ outcome: 'delivered', statusCode: 200 });
    const content = hs.eventsIn(ROOM).at(-1)!.content as {
      msgtype: string;
      body: string;
      formatted_body: string;
    };
    expect(content.msgtype).toBe('m.notice');
    expect(content.body).toMatch(/^✅ \[RESOLVED\] quote-ingest: No quotes for 5 minutes/);
    expect(content.body).toContain('Resolved: 2026-03-01 12:00:00 UTC');
    expect(content.body).toContain('Sentinel');
    expect(content.formatted_body).toMatch(/^<p><strong>✅ \[RESOLVED\]/);
  });

  it('is idempotent: the same message sent twice is one event, with the same event_id', async () => {
    const receiver = await receiverFor(matrixReceiver, entry());
    const before = hs.eventsIn(ROOM).length;
    const msg = { ref: 'ntf_01JNKX0000000000000000IDEM', data: twoAlerts() };
    expect(await receiver.send(msg, signal)).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(await receiver.send(msg, signal)).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(hs.eventsIn(ROOM)).toHaveLength(before + 1);
    expect(hs.requests).toHaveLength(2);
    expect(hs.requests[0]!.path).toBe(hs.requests[1]!.path);
    expect(hs.requests[1]!.answer.event_id).toBe(hs.requests[0]!.answer.event_id);

    // Another notification is another event.
    expect(await receiver.send({ ...msg, ref: 'ntf_01JNKX0000000000000000IDEN' }, signal)).toMatchObject({
      outcome: 'delivered',
    });
    expect(hs.eventsIn(ROOM)).toHaveLength(before + 2);
  });

  it('turns 500 into retryable; the retry reuses the transaction, so nothing is posted twice', async () => {
    const receiver = await receiverFor(matrixReceiver, entry());
    const before = hs.eventsIn(ROOM).length;
    hs.failNext({ status: 500, body: { errcode: 'M_UNKNOWN', error: 'Internal server error' } });
    const msg = { ref: 'ntf_after_500', data: twoAlerts() };
    expect(await receiver.send(msg, signal)).toEqual({
      outcome: 'retryable',
      statusCode: 500,
      error: 'HTTP 500: {"errcode":"M_UNKNOWN","error":"Internal server error"} (room !ops:example.org)',
    });
    expect(hs.eventsIn(ROOM)).toHaveLength(before);
    // This time the homeserver stores the event but a proxy answers 504: the sender cannot know.
    hs.failNext({ status: 504, body: { error: 'gateway timeout' }, afterProcessing: true });
    expect(await receiver.send(msg, signal)).toMatchObject({ outcome: 'retryable', statusCode: 504 });
    expect(hs.eventsIn(ROOM)).toHaveLength(before + 1);
    expect(await receiver.send(msg, signal)).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(hs.eventsIn(ROOM)).toHaveLength(before + 1);
    expect(hs.requests.at(-1)!.answer.event_id).toBe(hs.eventsIn(ROOM).at(-1)!.eventId);
  });

  it('turns 429 M_LIMIT_EXCEEDED into retryable after retry_after_ms, else after Retry-After', async () => {
    const receiver = await receiverFor(matrixReceiver, entry());
    hs.failNext({
      status: 429,
      body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retry_after_ms: 2500 },
    });
    expect(await receiver.send({ ref: 'ntf_429a', data: twoAlerts() }, signal)).toEqual({
      outcome: 'retryable',
      statusCode: 429,
      retryAfterMs: 2500,
      error: 'Matrix answered HTTP 429 M_LIMIT_EXCEEDED: Too many requests (room !ops:example.org)',
    });
    hs.failNext({
      status: 429,
      body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests' },
      headers: { 'retry-after': '7' },
    });
    expect(await receiver.send({ ref: 'ntf_429b', data: twoAlerts() }, signal)).toMatchObject({
      outcome: 'retryable',
      statusCode: 429,
      retryAfterMs: 7000,
    });
  });

  it('turns 403 M_FORBIDDEN (not in the room) into a permanent failure', async () => {
    const receiver = await receiverFor(matrixReceiver, entry({ room_id: '!private:example.org' }));
    const result = await receiver.send({ ref: 'ntf_forbidden', data: twoAlerts() }, signal);
    expect(result).toEqual({
      outcome: 'permanent',
      statusCode: 403,
      error:
        'Matrix answered HTTP 403 M_FORBIDDEN: User @sentinel:example.org not in room !private:example.org (room !private:example.org)',
    });
    expect(hs.eventsIn('!private:example.org')).toHaveLength(0);
  });

  it('turns 401 M_UNKNOWN_TOKEN and 404 into permanent failures, never showing the token', async () => {
    const badToken = await receiverFor(matrixReceiver, entry({ access_token: 'wrong-token-value' }));
    const result = await badToken.send({ ref: 'ntf_401', data: twoAlerts() }, signal);
    expect(result).toMatchObject({ outcome: 'permanent', statusCode: 401 });
    expect(result.outcome === 'permanent' && result.error).toContain('M_UNKNOWN_TOKEN');
    expect(JSON.stringify(result)).not.toContain('wrong-token-value');

    const wrongPrefix = await receiverFor(matrixReceiver, entry({ homeserver: `${base}/matrix` }));
    expect(await wrongPrefix.send({ ref: 'ntf_404', data: twoAlerts() }, signal)).toMatchObject({
      outcome: 'permanent',
      statusCode: 404,
      error: 'Matrix answered HTTP 404 M_UNRECOGNIZED: Unrecognized request (room !ops:example.org)',
    });
  });

  it('is retryable when the homeserver cannot be reached, without the token in the error', async () => {
    const gone = new FakeMatrix();
    const url = await gone.start();
    await gone.stop();
    const receiver = await receiverFor(matrixReceiver, entry({ homeserver: url }));
    const result = await receiver.send({ ref: 'ntf_gone', data: twoAlerts() }, signal);
    expect(result.outcome).toBe('retryable');
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('sends each message to the room of its severity, else room_id', async () => {
    const receiver = await receiverFor(
      matrixReceiver,
      entry({ severity_rooms: { critical: '!crit:example.org', warning: '!warn:example.org' } }),
    );
    const count = (room: string) => hs.eventsIn(room).length;
    const before = { crit: count('!crit:example.org'), warn: count('!warn:example.org'), ops: count(ROOM) };
    await receiver.send({ ref: 'ntf_sev_c', data: oneAlert('critical') }, signal);
    await receiver.send({ ref: 'ntf_sev_w', data: oneAlert('warning') }, signal);
    await receiver.send({ ref: 'ntf_sev_i', data: oneAlert('info') }, signal);
    // Two alerts, critical and warning: the most severe decides.
    await receiver.send({ ref: 'ntf_sev_cw', data: twoAlerts() }, signal);
    // A resolution goes where its alert was raised.
    await receiver.send({ ref: 'ntf_sev_cr', data: oneAlert('critical', 'resolved') }, signal);
    expect(count('!crit:example.org') - before.crit).toBe(3);
    expect(count('!warn:example.org') - before.warn).toBe(1);
    expect(count(ROOM) - before.ops).toBe(1);
    expect(hs.eventsIn('!warn:example.org').at(-1)!.content.body).toMatch(/^🟠 /);
    expect(hs.eventsIn(ROOM).at(-1)!.content.body).toMatch(/^🔵 /);
  });

  it('fails permanently when a template fails while rendering', async () => {
    const receiver = await receiverFor(matrixReceiver, entry({ body: '{{ .Nope.Deeper }}' }));
    const result = await receiver.send({ ref: 'ntf_tmpl', data: twoAlerts() }, signal);
    expect(result.outcome).toBe('permanent');
    expect(hs.requests).toHaveLength(0);
  });

  it('stays within the event size limit for huge messages', async () => {
    const huge = 'y'.repeat(20_000);
    const alerts = Array.from({ length: 8 }, (_, i) =>
      sampleAlert({
        ref: `alrt_${i}`,
        title: `${huge}${i}`,
        message: huge,
        annotations: { observed_state: SEVEN_KEYS },
      }),
    );
    const receiver = await receiverFor(matrixReceiver, entry());
    expect(await receiver.send({ ref: 'ntf_huge', data: sampleData(alerts) }, signal)).toEqual({
      outcome: 'delivered',
      statusCode: 200,
    });
    const content = hs.eventsIn(ROOM).at(-1)!.content;
    expect(content.format).toBeUndefined();
    expect(Buffer.byteLength(JSON.stringify(content))).toBeLessThanOrEqual(60_000);
    expect(content.body).toMatch(/^🔴 /);
  });
});

describe('the fake homeserver follows the client-server API', () => {
  const hs = new FakeMatrix();
  let port = 0;
  beforeAll(async () => {
    port = Number(new URL(await hs.start()).port);
    hs.addUser('@u:example.org', 'tok');
    hs.join('!r:example.org', '@u:example.org');
  });
  afterAll(() => hs.stop());

  function put(
    path: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          path,
          headers: { 'content-type': 'application/json', ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
  const auth = { authorization: 'Bearer tok' };
  const ok = JSON.stringify({ msgtype: 'm.text', body: 'hi' });

  it('checks the token, the path and the room ID encoding', async () => {
    const path = '/_matrix/client/v3/rooms/!r%3Aexample.org/send/m.room.message/t1';
    expect((await put(path, ok)).json.errcode).toBe('M_MISSING_TOKEN');
    expect((await put(path, ok, { authorization: 'Bearer nope' })).json.errcode).toBe('M_UNKNOWN_TOKEN');
    expect((await put('/_matrix/client/v3/rooms/!r:example.org/send/m.room.message', ok, auth)).status).toBe(
      404,
    );
    expect(
      (await put('/_matrix/client/v3/rooms/!r/x:example.org/send/m.room.message/t2', ok, auth)).status,
    ).toBe(404);
    expect(
      (await put('/_matrix/client/v3/rooms/!r[1]:example.org/send/m.room.message/t3', ok, auth)).json.errcode,
    ).toBe('M_INVALID_PARAM');
    expect(
      (await put('/_matrix/client/v3/rooms/r%3Aexample.org/send/m.room.message/t4', ok, auth)).json.errcode,
    ).toBe('M_INVALID_PARAM');
    // "!" and ":" may be sent as they are or percent-encoded: the same room.
    expect(
      (await put('/_matrix/client/v3/rooms/%21r%3Aexample.org/send/m.room.message/t5', ok, auth)).status,
    ).toBe(200);
    expect(
      (await put('/_matrix/client/v3/rooms/!r:example.org/send/m.room.message/t6', ok, auth)).status,
    ).toBe(200);
  });

  it('checks the event content', async () => {
    const path = (txn: string) => `/_matrix/client/v3/rooms/!r%3Aexample.org/send/m.room.message/${txn}`;
    expect((await put(path('c1'), '{"body":"x"}', auth)).json.errcode).toBe('M_BAD_JSON');
    expect((await put(path('c2'), '{"msgtype":"m.text","body":1}', auth)).json.errcode).toBe('M_BAD_JSON');
    const md = JSON.stringify({ msgtype: 'm.text', body: 'x', format: 'markdown', formatted_body: '*x*' });
    expect((await put(path('c3'), md, auth)).json.errcode).toBe('M_BAD_JSON');
    const noFormatted = JSON.stringify({ msgtype: 'm.text', body: 'x', format: 'org.matrix.custom.html' });
    expect((await put(path('c4'), noFormatted, auth)).json.errcode).toBe('M_BAD_JSON');
    expect((await put(path('c5'), 'not json', auth)).json.errcode).toBe('M_NOT_JSON');
    const big = JSON.stringify({ msgtype: 'm.text', body: 'z'.repeat(70_000) });
    expect((await put(path('c6'), big, auth)).json.errcode).toBe('M_TOO_LARGE');
    expect((await put(path('c7'), ok, { ...auth, 'content-type': 'text/plain' })).json.errcode).toBe(
      'M_NOT_JSON',
    );
  });

  it('answers a repeated transaction with the same event_id and stores it once', async () => {
    const path = '/_matrix/client/v3/rooms/!r%3Aexample.org/send/m.room.message/same-txn';
    const before = hs.eventsIn('!r:example.org').length;
    const first = await put(path, ok, auth);
    const second = await put(path, JSON.stringify({ msgtype: 'm.text', body: 'different' }), auth);
    expect(first.status).toBe(200);
    expect(second.json.event_id).toBe(first.json.event_id);
    expect(hs.eventsIn('!r:example.org')).toHaveLength(before + 1);
    expect(hs.eventsIn('!r:example.org').at(-1)!.content.body).toBe('hi');
  });
});

describe('matrix_configs: answers and content', () => {
  it('reads Matrix error bodies', () => {
    expect(matrixCheck(200, '{"event_id":"$x"}')).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(matrixCheck(429, '{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1200.4}')).toEqual({
      outcome: 'retryable',
      statusCode: 429,
      retryAfterMs: 1201,
      error: 'Matrix answered HTTP 429 M_LIMIT_EXCEEDED',
    });
    expect(matrixCheck(429, '{"errcode":"M_LIMIT_EXCEEDED"}')).toBeNull();
    expect(matrixCheck(502, '<html>bad gateway</html>')).toBeNull();
    expect(matrixCheck(400, '{"errcode":"M_BAD_JSON","error":"bad"}')).toEqual({
      outcome: 'permanent',
      statusCode: 400,
      error: 'Matrix answered HTTP 400 M_BAD_JSON: bad',
    });
  });

  it('escapes what alerts say in formatted_body, and the body always starts with the emoji (property)', async () => {
    const { settings } = await parseEntry(matrixReceiver, {
      homeserver: 'https://m.example.org',
      access_token: 't',
      room_id: ROOM,
      severity_rooms: { critical: '!c:example.org' },
    });
    const s = settings as MatrixSettings;
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('<', '>', '&', '"', 'a', '😀', '{'), maxLength: 50 }),
        fc.constantFrom('critical' as const, 'warning' as const, 'info' as const),
        fc.constantFrom('firing' as const, 'resolved' as const),
        (text, severity, status) => {
          const data = sampleData([
            sampleAlert({
              severity,
              status,
              title: text,
              annotations: { observed_state: JSON.stringify({ [text]: text }) },
            }),
          ]);
          const content = matrixContent(s, data);
          expect(content.formatted_body).not.toMatch(/<(?!\/?(p|strong|ul|li|br|em|a)[ >])/);
          expect(
            content.body.startsWith(
              status === 'resolved' ? '✅' : { critical: '🔴', warning: '🟠', info: '🔵' }[severity],
            ),
          ).toBe(true);
          expect(roomFor(s, data)).toBe(severity === 'critical' ? '!c:example.org' : ROOM);
        },
      ),
      { numRuns: 200 },
    );
  });
});
