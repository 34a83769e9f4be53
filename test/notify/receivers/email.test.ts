import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  canonicalHeader,
  classifySmtpError,
  emailReceiver,
  mailboxes,
  messageIdFor,
  parseSmarthost,
  type EmailSettings,
} from '../../../src/notify/receivers/email.js';
import { parseEntry, receiverFor, signal, twoAlerts } from '../../helpers/receivers.js';
import { ManualClock } from '../../../src/clock.js';

const REF = 'ntf_01JNKX00000000000000000001';

// ---- a real SMTP server on loopback -------------------------------------------------------------

interface Received {
  from: string;
  to: string[];
  user: string | null;
  raw: string;
}

class TestSmtp {
  readonly received: Received[] = [];
  private server: SMTPServer;
  port = 0;

  constructor(options: Partial<SMTPServerOptions> & { users?: Record<string, string> } = {}) {
    const { users, ...rest } = options;
    this.server = new SMTPServer({
      logger: false,
      disabledCommands: users ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !users,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        const expected = users?.[auth.username ?? ''];
        const ok =
          expected !== undefined &&
          (auth.method === 'CRAM-MD5' ? auth.validatePassword(expected) : auth.password === expected);
        if (ok) callback(null, { user: auth.username });
        else callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
      },
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('bounce@'))
          return callback(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
        if (address.address.startsWith('defer@'))
          return callback(
            Object.assign(new Error('4.7.1 Greylisted, try again later'), { responseCode: 451 }),
          );
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : null,
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
      ...rest,
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return `127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---- just enough MIME parsing to read what arrived ------------------------------------------------

function decodeQuotedPrintable(s: string): string {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (adjacent ones are joined without the space between them). */
function decodeWords(v: string): string {
  return v
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function parseEntity(raw: string): Part {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    }
  }
  return { headers, body };
}

function decodeBody(p: Part): string {
  const cte = (p.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (cte === 'quoted-printable') return decodeQuotedPrintable(p.body);
  if (cte === 'base64') return Buffer.from(p.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return p.body;
}

function parseMail(raw: string): { headers: Map<string, string>; text: string | null; html: string | null } {
  const top = parseEntity(raw);
  const headers = new Map([...top.headers].map(([k, v]) => [k, decodeWords(v)]));
  const type = top.headers.get('content-type') ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  let text: string | null = null;
  let html: string | null = null;
  if (boundary === undefined) {
    if (type.startsWith('text/html')) html = decodeBody(top);
    else text = decodeBody(top);
  } else {
    const sections = top.body.split(`--${boundary}`).slice(1, -1);
    for (const section of sections) {
      const part = parseEntity(section.replace(/^\r\n/, '').replace(/\r\n$/, ''));
      const partType = part.headers.get('content-type') ?? '';
      if (partType.startsWith('text/plain')) text = decodeBody(part);
      if (partType.startsWith('text/html')) html = decodeBody(part);
    }
  }
  return { headers, text, html };
}

// ---- tests ----------------------------------------------------------------------------------------

describe('email_configs: configuration', () => {
  const minimal = {
    to: 'oncall@example.org',
    from: 'Sentinel <sentinel@example.org>',
    smarthost: 'smtp.example.org:587',
  };

  it('accepts a minimal entry with Alertmanager defaults', async () => {
    const { settings, issues, warnings } = await parseEntry(emailReceiver, minimal);
    expect(issues).toEqual([]);
    expect(warnings).toEqual([]);
    expect(settings).toMatchObject({
      host: 'smtp.example.org',
      port: 587,
      hello: 'localhost',
      auth: null,
      requireTls: true,
      timeoutMs: 10_000,
      text: null,
    });
    expect(settings?.html).not.toBeNull();
    expect([...settings!.headers.keys()]).toEqual(['Subject']);
    expect(emailReceiver.configKey).toBe('email_configs');
    expect(emailReceiver.sendResolvedDefault).toBe(false);
  });

  it('falls back to the global smtp_* settings', async () => {
    const { settings, issues } = await parseEntry(
      emailReceiver,
      { to: 'oncall@example.org' },
      {
        global: {
          smtp: {
            from: 'am@example.org',
            hello: 'sentinel.example.org',
            smarthost: '[::1]:2525',
            authUsername: 'am',
            authPassword: 'globalpw',
            authIdentity: null,
            authSecret: null,
            requireTls: false,
          },
        },
      },
    );
    expect(issues).toEqual([]);
    expect(settings).toMatchObject({
      host: '::1',
      port: 2525,
      hello: 'sentinel.example.org',
      auth: { user: 'am', pass: 'globalpw' },
      requireTls: false,
    });
  });

  it('reports missing required options', async () => {
    const { settings, issues } = await parseEntry(emailReceiver, {});
    expect(settings).toBeNull();
    expect(issues).toEqual([
      'to: is required: the address list to send to',
      'from: is required (or global.smtp_from)',
      'smarthost: is required (or global.smtp_smarthost), as host:port',
    ]);
  });

  it('reports unknown keys, bad addresses, a smarthost without port and duplicate headers', async () => {
    const { settings, issues } = await parseEntry(emailReceiver, {
      to: 'not an address',
      from: 'a@example.org, b@example.org',
      smarthost: 'smtp.example.org',
      require_tls: 'yes',
      headers: { subject: 'a', Subject: 'b', 'Bad Name': 'x' },
      tls_config: { ca_file: '/nonexistent/ca.pem', verify: true },
      reply_to: 'x@example.org',
    });
    expect(settings).toBeNull();
    expect(issues).toEqual([
      'reply_to: unknown email_configs option',
      'to: must be an e-mail address list such as "Ops <ops@example.org>, oncall@example.org"',
      'from: must be exactly one address (got 2)',
      'smarthost: must be host:port, e.g. smtp.example.org:587',
      'require_tls: must be true or false',
      'tls_config.verify: unknown tls_config option',
      'tls_config.ca_file: cannot read /nonexistent/ca.pem',
      'headers.Subject: duplicate header "Subject"',
      'headers.Bad Name: is not a valid header name',
    ]);
  });

  it('reports template parse errors against their key', async () => {
    const { settings, issues } = await parseEntry(emailReceiver, {
      ...minimal,
      html: '{{ template "email.default.htm" . }}',
      text: '{{ end }}',
      headers: { Subject: '{{ .Status' },
      to: '{{ .Receiver',
    });
    expect(settings).toBeNull();
    expect(issues).toHaveLength(4);
    expect(issues[0]).toMatch(/^to: template: receivers\[0\]\.test_configs\[0\]\.to:1:/);
    expect(issues[1]).toMatch(/^headers\.Subject: template: /);
    expect(issues[2]).toMatch(/^html: template: .*"email\.default\.htm" is not defined/);
    expect(issues[3]).toMatch(/^text: template: /);
  });

  it('reads auth_password from _file or _env, and uses auth_secret for CRAM-MD5', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-email-'));
    const file = join(dir, 'pw');
    writeFileSync(file, 'frompwfile\n');
    const fromFile = await parseEntry(emailReceiver, {
      ...minimal,
      auth_username: 'u',
      auth_password_file: file,
    });
    expect(fromFile.issues).toEqual([]);
    expect(fromFile.settings?.auth).toEqual({ user: 'u', pass: 'frompwfile' });
    const fromEnv = await parseEntry(
      emailReceiver,
      { ...minimal, auth_username: 'u', auth_password_env: 'SMTP_PW' },
      { env: { SMTP_PW: 'frompwenv' } },
    );
    expect(fromEnv.settings?.auth).toEqual({ user: 'u', pass: 'frompwenv' });
    const secret = await parseEntry(
      emailReceiver,
      { ...minimal, auth_username: 'u', auth_secret_env: 'SMTP_SECRET' },
      { env: { SMTP_SECRET: 'cram' } },
    );
    expect(secret.settings?.auth).toEqual({ user: 'u', pass: 'cram', method: 'CRAM-MD5' });
    const both = await parseEntry(emailReceiver, {
      ...minimal,
      auth_password: 'x',
      auth_password_file: file,
    });
    expect(both.issues[0]).toMatch(/^auth_password_file: give only one of/);
    const noPassword = await parseEntry(emailReceiver, {
      ...minimal,
      auth_username: 'u',
      auth_identity: 'other',
    });
    expect(noPassword.issues).toEqual([]);
    expect(noPassword.settings?.auth).toBeNull();
    expect(noPassword.warnings).toEqual([
      'auth_username: is set without auth_password or auth_secret: Sentinel will not authenticate',
      'auth_identity: is not supported: PLAIN authenticates as auth_username',
    ]);
  });

  it('has Alertmanager-compatible helpers', () => {
    expect(canonicalHeader('message-id')).toBe('Message-Id');
    expect(canonicalHeader('X-PRIORITY')).toBe('X-Priority');
    expect(parseSmarthost('smtp.example.org:25')).toEqual({ host: 'smtp.example.org', port: 25 });
    expect(parseSmarthost('[2001:db8::1]:465')).toEqual({ host: '2001:db8::1', port: 465 });
    expect(parseSmarthost('smtp.example.org')).toBeNull();
    expect(parseSmarthost('smtp.example.org:70000')).toBeNull();
    expect(mailboxes('Ops <ops@example.org>, b@example.org')).toEqual(['ops@example.org', 'b@example.org']);
    expect(mailboxes('nobody')).toBeNull();
    expect(messageIdFor('ntf_01AB', 'Sentinel <s@mail.example.org>')).toBe(
      '<sentinel.ntf_01AB@mail.example.org>',
    );
  });
});

describe('email_configs: sending to a real SMTP server', () => {
  const smtp = new TestSmtp();
  let smarthost = '';
  beforeAll(async () => {
    smarthost = await smtp.start();
  });
  afterAll(() => smtp.stop());
  beforeEach(() => {
    smtp.received.length = 0;
  });

  const entry = (extra: Record<string, unknown> = {}) => ({
    to: 'Oncall <oncall@example.org>, second@example.org',
    from: 'Sentinel <sentinel@example.org>',
    smarthost,
    require_tls: false,
    hello: 'sentinel.test',
    ...extra,
  });

  it('sends a firing message with two alerts: envelope, headers, text and HTML parts', async () => {
    const receiver = await receiverFor(emailReceiver, entry());
    const result = await receiver.send({ ref: REF, data: twoAlerts() }, signal);
    expect(result).toEqual({ outcome: 'delivered', statusCode: 250 });
    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0]!;
    expect(got.from).toBe('sentinel@example.org');
    expect(got.to).toEqual(['oncall@example.org', 'second@example.org']);
    const mail = parseMail(got.raw);
    expect(mail.headers.get('subject')).toBe('[FIRING:2] QuotesStale (quote-ingest)');
    expect(mail.headers.get('from')).toBe('Sentinel <sentinel@example.org>');
    expect(mail.headers.get('to')).toBe('Oncall <oncall@example.org>, second@example.org');
    expect(mail.headers.get('message-id')).toBe(`<sentinel.${REF}@example.org>`);
    expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative; boundary=/);
    expect(mail.text).toBe(
      [
        '🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes x10 (+1 more)',
        '',
        '🔴 No quotes for 5 minutes x10',
        '  The quote flow stopped advancing: last quote 312 s ago.',
        '  last_quote_age_s: 312',
        '  ws_connected: false',
        '  quotes_per_min: 0',
        '  feed: binance',
        '  reconnects: 4',
        '  +2 more',
        '  Runbook: https://runbooks.example.org/quotes-stale',
        '  Dashboard: http://sentinel.example.org:9097/api/v1/alerts/alrt_01JNKX0000000000000000000A',
        '',
        '🟠 Feed lag above 30 s',
        '  Dashboard: https://grafana.example.org/d/feed',
        '',
        '-- ',
        'Sent by Sentinel to ops.',
      ].join('\r\n'),
    );
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html).toContain('<title>[FIRING:2] QuotesStale (quote-ingest)</title>');
    expect(mail.html).toContain('🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes x10');
    expect(mail.html).toContain('<a href="https://runbooks.example.org/quotes-stale">Runbook</a>');
    expect(mail.html).toContain('<a href="https://grafana.example.org/d/feed">Dashboard</a>');
  });

  it('sends a resolved message', async () => {
    const receiver = await receiverFor(emailReceiver, entry());
    const data = twoAlerts({ status: 'resolved', endsAt: '2026-03-01T12:00:00.000Z' });
    expect(await receiver.send({ ref: 'ntf_resolved', data }, signal)).toEqual({
      outcome: 'delivered',
      statusCode: 250,
    });
    const mail = parseMail(smtp.received[0]!.raw);
    expect(mail.headers.get('subject')).toBe('[RESOLVED] QuotesStale (quote-ingest)');
    expect(mail.text).toMatch(/^✅ \[RESOLVED\] quote-ingest: No quotes for 5 minutes/);
    expect(mail.text).toContain('\r\n✅ No quotes for 5 minutes\r\n');
    expect(mail.html).toContain('Resolved 2026-03-01 12:00:00 UTC');
  });

  it('renders text, html and header templates, escaping what alerts say in HTML', async () => {
    const receiver = await receiverFor(
      emailReceiver,
      entry({
        to: '{{ .CommonLabels.service }}@example.org',
        headers: {
          subject: '🔥 {{ .Status | toUpper }} {{ .Receiver }}',
          'X-Priority': '1',
          'Reply-To': 'ops@example.org',
        },
        text: '{{ range .Alerts }}{{ .Title }}\n{{ end }}',
        html: '<p>{{ (index .Alerts 0).Title }}</p>',
      }),
    );
    const data = twoAlerts({ title: 'disk <full> & "hot"' });
    expect(await receiver.send({ ref: REF, data }, signal)).toMatchObject({ outcome: 'delivered' });
    expect(smtp.received[0]!.to).toEqual(['quote-ingest@example.org']);
    const mail = parseMail(smtp.received[0]!.raw);
    expect(mail.headers.get('subject')).toBe('🔥 FIRING ops');
    expect(mail.headers.get('x-priority')).toBe('1');
    expect(mail.headers.get('reply-to')).toBe('ops@example.org');
    expect(mail.text).toBe('disk <full> & "hot"\r\ndisk <full> & "hot"\r\n');
    expect(mail.html).toBe('<p>disk &lt;full&gt; &amp; &#34;hot&#34;</p>');
  });

  it('gives every attempt at one notification the same Message-ID, and another notification another', async () => {
    const receiver = await receiverFor(emailReceiver, entry());
    await receiver.send({ ref: REF, data: twoAlerts() }, signal);
    await receiver.send({ ref: REF, data: twoAlerts() }, signal);
    await receiver.send({ ref: 'ntf_other', data: twoAlerts() }, signal);
    const ids = smtp.received.map((r) => parseMail(r.raw).headers.get('message-id'));
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe('<sentinel.ntf_other@example.org>');
  });

  it('omits the HTML part when html is empty', async () => {
    const receiver = await receiverFor(emailReceiver, entry({ html: '' }));
    await receiver.send({ ref: REF, data: twoAlerts() }, signal);
    const mail = parseMail(smtp.received[0]!.raw);
    expect(mail.html).toBeNull();
    expect(mail.text).toMatch(/^🔴 \[FIRING:2\]/);
  });

  it('is permanent when RCPT is refused with 550, retryable with 451', async () => {
    const bounce = await receiverFor(emailReceiver, entry({ to: 'bounce@example.org' }));
    const refused = await bounce.send({ ref: REF, data: twoAlerts() }, signal);
    expect(refused).toMatchObject({ outcome: 'permanent', statusCode: 550 });
    expect(refused.outcome === 'permanent' && refused.error).toContain('Mailbox unavailable');

    const defer = await receiverFor(emailReceiver, entry({ to: 'defer@example.org' }));
    const deferred = await defer.send({ ref: REF, data: twoAlerts() }, signal);
    expect(deferred).toMatchObject({ outcome: 'retryable', statusCode: 451 });
    expect(deferred.outcome === 'retryable' && deferred.error).toContain('Greylisted');
    expect(smtp.received).toHaveLength(0);
  });

  it('reports recipients refused among accepted ones', async () => {
    const mixed = await receiverFor(emailReceiver, entry({ to: 'ok@example.org, bounce@example.org' }));
    const result = await mixed.send({ ref: REF, data: twoAlerts() }, signal);
    expect(result.outcome).toBe('permanent');
    expect(result.outcome === 'permanent' && result.error).toMatch(
      /^SMTP: delivered to 1 of 2 recipients; rejected bounce@example.org: .*Mailbox unavailable/,
    );
    expect(smtp.received.map((r) => r.to)).toEqual([['ok@example.org']]);

    const deferredOne = await receiverFor(emailReceiver, entry({ to: 'ok@example.org, defer@example.org' }));
    expect((await deferredOne.send({ ref: REF, data: twoAlerts() }, signal)).outcome).toBe('retryable');
  });

  it('is permanent when require_tls meets a server without STARTTLS; retryable when it cannot be reached', async () => {
    const tls = await receiverFor(emailReceiver, entry({ require_tls: true }));
    const refused = await tls.send({ ref: REF, data: twoAlerts() }, signal);
    expect(refused).toMatchObject({ outcome: 'permanent', statusCode: 500 });
    expect(refused.outcome === 'permanent' && refused.error).toMatch(/^SMTP \w+: .*STARTTLS/);
    expect(smtp.received).toHaveLength(0);

    const closed = new TestSmtp();
    const address = await closed.start();
    await closed.stop();
    const unreachable = await receiverFor(emailReceiver, entry({ smarthost: address }));
    const result = await unreachable.send({ ref: REF, data: twoAlerts() }, signal);
    expect(result.outcome).toBe('retryable');
    expect(result.outcome === 'retryable' && result.error).toMatch(/^SMTP ESOCKET: .*ECONNREFUSED/);
  });

  it('times out on a server that never greets, and stops when the signal aborts', async () => {
    const silent: NetServer = createNetServer(() => {
      // Accept and say nothing.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const parsed = await parseEntry(emailReceiver, entry({ smarthost: `127.0.0.1:${port}` }));
      const settings: EmailSettings = { ...parsed.settings!, timeoutMs: 300 };
      const receiver = emailReceiver.create(settings, {
        clock: new ManualClock('2026-03-01T12:00:00Z'),
        version: '0.1.0',
      });
      const timedOut = await receiver.send({ ref: REF, data: twoAlerts() }, signal);
      expect(timedOut.outcome).toBe('retryable');
      expect(timedOut.outcome === 'retryable' && timedOut.error).toMatch(/^SMTP ETIMEDOUT: /);

      // With a long timeout, only the signal can end the attempt early.
      const patient = emailReceiver.create(
        { ...parsed.settings!, timeoutMs: 20_000 },
        { clock: new ManualClock('2026-03-01T12:00:00Z'), version: '0.1.0' },
      );
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = performance.now();
      const aborted = await patient.send({ ref: REF, data: twoAlerts() }, controller.signal);
      expect(aborted.outcome).toBe('retryable');
      expect(aborted.outcome === 'retryable' && aborted.error).toMatch(/^SMTP EABORT: /);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  });

  it('fails permanently when to renders to no address', async () => {
    const receiver = await receiverFor(emailReceiver, entry({ to: '{{ .CommonLabels.nope }}' }));
    const result = await receiver.send({ ref: REF, data: twoAlerts() }, signal);
    expect(result).toEqual({ outcome: 'permanent', error: `'to' must render to an address list, got ""` });
  });
});

describe('email_configs: authentication', () => {
  const smtp = new TestSmtp({ users: { alice: 's3cret' } });
  const cram = new TestSmtp({ users: { bob: 'cramsecret' }, authMethods: ['CRAM-MD5'] });
  let smarthost = '';
  let cramHost = '';
  beforeAll(async () => {
    smarthost = await smtp.start();
    cramHost = await cram.start();
  });
  afterAll(async () => {
    await smtp.stop();
    await cram.stop();
  });

  const entry = (extra: Record<string, unknown> = {}) => ({
    to: 'oncall@example.org',
    from: 'sentinel@example.org',
    smarthost,
    require_tls: false,
    ...extra,
  });

  it('authenticates with auth_username and auth_password', async () => {
    const receiver = await receiverFor(
      emailReceiver,
      entry({ auth_username: 'alice', auth_password: 's3cret' }),
    );
    expect(await receiver.send({ ref: REF, data: twoAlerts() }, signal)).toEqual({
      outcome: 'delivered',
      statusCode: 250,
    });
    expect(smtp.received.at(-1)!.user).toBe('alice');
  });

  it('authenticates with CRAM-MD5 and auth_secret', async () => {
    const receiver = await receiverFor(
      emailReceiver,
      entry({ smarthost: cramHost, auth_username: 'bob', auth_secret: 'cramsecret' }),
    );
    expect(await receiver.send({ ref: REF, data: twoAlerts() }, signal)).toEqual({
      outcome: 'delivered',
      statusCode: 250,
    });
    expect(cram.received.at(-1)!.user).toBe('bob');
  });

  it('is permanent when the password is wrong (535) or missing (530), never showing the password', async () => {
    const wrong = await receiverFor(
      emailReceiver,
      entry({ auth_username: 'alice', auth_password: 'wrong-password' }),
    );
    const result = await wrong.send({ ref: REF, data: twoAlerts() }, signal);
    expect(result).toMatchObject({ outcome: 'permanent', statusCode: 535 });
    expect(JSON.stringify(result)).not.toContain('wrong-password');

    const none = await receiverFor(emailReceiver, entry());
    expect(await none.send({ ref: REF, data: twoAlerts() }, signal)).toMatchObject({
      outcome: 'permanent',
      statusCode: 530,
    });
  });
});

describe('email_configs: error classification', () => {
  it('classifies SMTP replies and nodemailer errors', () => {
    expect(classifySmtpError({ responseCode: 550, message: 'x' })).toMatchObject({
      outcome: 'permanent',
      statusCode: 550,
    });
    expect(classifySmtpError({ responseCode: 535, message: 'x' })).toMatchObject({ outcome: 'permanent' });
    expect(classifySmtpError({ responseCode: 503, message: 'x' })).toMatchObject({ outcome: 'retryable' });
    expect(classifySmtpError({ responseCode: 421, message: 'x' })).toMatchObject({ outcome: 'retryable' });
    expect(classifySmtpError({ code: 'ECONNECTION', message: 'x' })).toMatchObject({ outcome: 'retryable' });
    expect(classifySmtpError({ code: 'ETIMEDOUT', message: 'x' })).toMatchObject({ outcome: 'retryable' });
    expect(classifySmtpError({ code: 'EAUTH', message: 'Missing credentials' })).toMatchObject({
      outcome: 'permanent',
    });
    expect(classifySmtpError(new Error('boom'))).toEqual({ outcome: 'retryable', error: 'SMTP: boom' });
    expect(classifySmtpError({ code: 'ESOCKET', message: 'x' })).toEqual({
      outcome: 'retryable',
      error: 'SMTP ESOCKET: x',
    });
  });
});
