import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { captureIo } from './io.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

const TOKEN = 'cli-test-token-0123456789';
const alert = {
  ref: 'al_01',
  service: 'quote-ingest',
  severity: 'critical',
  state: 'firing',
  status: 'new',
  title: 'No quotes for 5 minutes',
  occurrences: 3,
  last_seen_at: Date.UTC(2025, 0, 2, 3, 4, 5),
  labels: { env: 'prod' },
};

let seen: Seen[] = [];
let reply: (req: Seen) => { status: number; body: unknown } = () => ({ status: 200, body: {} });
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: raw === '' ? undefined : (JSON.parse(raw) as unknown),
      };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen = [];
});

async function run(args: string[], env: NodeJS.ProcessEnv = { SENTINEL_URL: url, SENTINEL_TOKEN: TOKEN }) {
  const io = captureIo(env);
  const code = await runCli(['node', 'sentinel', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('sentinel alerts list', () => {
  it('sends the filters as query parameters with the bearer token and prints a table', async () => {
    reply = () => ({ status: 200, body: { alerts: [alert], next_cursor: null } });
    const r = await run([
      'alerts',
      'list',
      '--service',
      'quote-ingest',
      '--severity',
      'critical',
      '--state',
      'firing',
      '--status',
      'new,processing',
      '--window',
      '60',
      '--limit',
      '5',
    ]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', authorization: `Bearer ${TOKEN}` });
    const q = new URL(seen[0]!.url, url);
    expect(q.pathname).toBe('/api/v1/alerts');
    expect(Object.fromEntries(q.searchParams)).toEqual({
      service: 'quote-ingest',
      severity: 'critical',
      state: 'firing',
      status_in: 'new,processing',
      window_minutes: '60',
      limit: '5',
    });
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REF\s+SEVERITY\s+STATE\s+STATUS\s+SERVICE\s+OCC\s+LAST SEEN\s+TITLE$/);
    expect(lines[1]).toMatch(
      /^al_01\s+critical\s+firing\s+new\s+quote-ingest\s+3\s+2025-01-02T03:04:05Z\s+No quotes for 5 minutes$/,
    );
  });

  it('prints the response as JSON with --json', async () => {
    reply = () => ({ status: 200, body: { alerts: [alert], next_cursor: 'c2' } });
    const r = await run(['alerts', 'list', '--json']);
    expect(JSON.parse(r.out)).toEqual({ alerts: [alert], next_cursor: 'c2' });
  });

  it('escapes control characters in titles and says when there is more', async () => {
    reply = () => ({
      status: 200,
      body: { alerts: [{ ...alert, title: 'evil\u001b[2J\nforged row' }], next_cursor: 'abc' },
    });
    const r = await run(['alerts', 'list']);
    expect(r.out).not.toContain('\u001b');
    expect(r.out).toContain('evil\\x1b[2J\\nforged row');
    expect(r.out).toContain('more: --cursor abc');
  });

  it('says so when there are no alerts', async () => {
    reply = () => ({ status: 200, body: { alerts: [], next_cursor: null } });
    expect((await run(['alerts', 'list'])).out).toBe('no alerts\n');
  });

  it('prints the server error code and message and exits 1', async () => {
    reply = () => ({
      status: 403,
      body: {
        error: {
          code: 'forbidden',
          message: 'The token lacks the scope this endpoint requires.',
          details: [],
        },
      },
    });
    const r = await run(['alerts', 'list']);
    expect(r).toEqual({
      code: 1,
      out: '',
      err: 'forbidden: The token lacks the scope this endpoint requires.\n',
    });
  });

  it('prints field details of a 400 and a hint on 401 without a token', async () => {
    reply = () => ({
      status: 400,
      body: {
        error: {
          code: 'invalid_field',
          message: 'A field has an invalid value.',
          details: [{ field: 'limit', code: 'out_of_range', message: 'limit must be at most 1000' }],
        },
      },
    });
    let r = await run(['alerts', 'list', '--limit', '5000']);
    expect(r.err).toBe('invalid_field: A field has an invalid value.\n  limit: limit must be at most 1000\n');
    reply = () => ({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'A valid bearer token is required.' } },
    });
    r = await run(['alerts', 'list'], { SENTINEL_URL: url });
    expect(seen.at(-1)?.authorization).toBeUndefined();
    expect(r.err).toBe(
      'unauthorized: A valid bearer token is required.\nhint: give a token with --token or SENTINEL_TOKEN\n',
    );
  });

  it('reports a non-JSON error body with its status', async () => {
    reply = () => ({ status: 502, body: '<html>Bad Gateway</html>' });
    const r = await run(['alerts', 'list']);
    expect(r).toMatchObject({ code: 1, err: 'http_502: <html>Bad Gateway</html>\n' });
  });

  it('rejects invalid options before sending anything', async () => {
    for (const args of [
      ['--severity', 'huge'],
      ['--status', 'new,bogus'],
      ['--limit', '0'],
      ['--window', 'ten'],
    ]) {
      const r = await run(['alerts', 'list', ...args]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/error: option/);
    }
    expect(seen).toEqual([]);
  });

  it('flags win over SENTINEL_URL and SENTINEL_TOKEN', async () => {
    reply = () => ({ status: 200, body: { alerts: [], next_cursor: null } });
    const r = await run(['alerts', 'list', '--url', `${url}/`, '--token', 'flag-token-0123456789'], {
      SENTINEL_URL: 'http://127.0.0.1:1',
      SENTINEL_TOKEN: 'env',
    });
    expect(r.code).toBe(0);
    expect(seen[0]?.authorization).toBe('Bearer flag-token-0123456789');
  });
});

describe('sentinel alerts ack', () => {
  it('posts the note to the alert and confirms', async () => {
    reply = () => ({ status: 200, body: { alert: { ...alert, status: 'acked' } } });
    const r = await run(['alerts', 'ack', 'al/01', '--note', 'looking into it']);
    expect(r).toEqual({ code: 0, out: 'acked al/01\n', err: '' });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/alerts/al%2F01/ack',
      contentType: 'application/json',
      authorization: `Bearer ${TOKEN}`,
      body: { note: 'looking into it' },
    });
  });

  it('sends an empty body without --note and reports a missing alert', async () => {
    reply = () => ({
      status: 404,
      body: { error: { code: 'alert_not_found', message: 'No alert with that reference.' } },
    });
    const r = await run(['alerts', 'ack', 'al_x']);
    expect(seen[0]?.body).toEqual({});
    expect(r).toMatchObject({ code: 1, err: 'alert_not_found: No alert with that reference.\n' });
  });
});

describe('sentinel alerts claim', () => {
  it('posts owner, limit, lock ttl and window and prints the claimed alerts', async () => {
    reply = () => ({ status: 200, body: { alerts: [{ ...alert, status: 'processing' }] } });
    const r = await run([
      'alerts',
      'claim',
      '--owner',
      'triage-1',
      '--limit',
      '10',
      '--lock-ttl',
      '300',
      '--window',
      '30',
    ]);
    expect(r.code).toBe(0);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/alerts/claim',
      body: { owner: 'triage-1', limit: 10, lock_ttl_seconds: 300, window_minutes: 30 },
    });
    expect(r.out).toMatch(/al_01\s+critical\s+firing\s+processing/);
  });

  it('omits options that were not given, and requires --owner', async () => {
    reply = () => ({ status: 200, body: { alerts: [] } });
    const r = await run(['alerts', 'claim', '--owner', 'w']);
    expect(seen[0]?.body).toEqual({ owner: 'w' });
    expect(r.out).toBe('no alerts to claim\n');
    const missing = await run(['alerts', 'claim']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/required option '--owner <name>' not specified/);
  });
});

describe('connection failures', () => {
  it('names the URL when the connection is refused', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await run(['alerts', 'list', '--url', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `cannot reach Sentinel at http://127.0.0.1:${port}: connection refused (is \`sentinel serve\` running there? set --url or SENTINEL_URL)\n`,
    );
  });

  it('rejects a URL that is not http(s)', async () => {
    const r = await run(['alerts', 'list', '--url', 'ftp://example.org']);
    expect(r).toMatchObject({
      code: 1,
      err: 'cannot reach Sentinel at ftp://example.org: not an http:// or https:// URL\n',
    });
  });
});
