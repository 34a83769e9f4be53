import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpSource } from '../../src/sources/http.js';
import { freePort } from '../helpers/peers.js';
import { errorOf, issuesOf, parseSource, sourceFor, stopSourcesAfterEach, valueOf } from './helpers.js';

stopSourcesAfterEach();

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json', 'X-Feed': 'binance' });
      res.end(JSON.stringify({ connected: true, pending: { pending_size: 7 } }));
      return;
    case '/text':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('all good');
      return;
    case '/json-as-text':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('{"n": 42}');
      return;
    case '/fail':
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom');
      return;
    case '/slow':
      setTimeout(() => {
        if (!res.destroyed) res.end('late');
      }, 3000).unref();
      return;
    case '/big':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(2 * 1024 * 1024));
      return;
    case '/redirect':
      res.writeHead(302, { location: '/json' });
      res.end();
      return;
    case '/echo': {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
      });
      return;
    }
    default:
      res.writeHead(404);
      res.end();
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

let server: Server;
let base: string;

beforeAll(async () => {
  server = createHttpServer(handler);
  base = `http://127.0.0.1:${await listen(server)}`;
});
afterAll(() => close(server));

describe('http source: connections', () => {
  it('reuses a kept-alive connection between cycles, and connects anew with fresh_connection', async () => {
    let connections = 0;
    const counting = createHttpServer(handler);
    counting.on('connection', () => connections++);
    const url = `http://127.0.0.1:${await listen(counting)}/json`;
    try {
      // Cycles are seconds apart: the connection is back in its pool by the next one.
      const nextCycle = () => new Promise((resolve) => setTimeout(resolve, 20));
      const reused = await sourceFor(httpSource, { url });
      for (let i = 0; i < 3; i++) {
        expect((await valueOf(reused)).status).toBe(200);
        await nextCycle();
      }
      expect(connections).toBe(1);
      const fresh = await sourceFor(httpSource, { url, fresh_connection: true });
      for (let i = 0; i < 3; i++) {
        expect((await valueOf(fresh)).status).toBe(200);
        await nextCycle();
      }
      expect(connections).toBe(4);
    } finally {
      await close(counting);
    }
  });
});

describe('http source: answers are observations', () => {
  it('parses a JSON body, lower-cases header names and times the request', async () => {
    const source = await sourceFor(httpSource, { url: `${base}/json` });
    const v = await valueOf(source);
    expect(v.status).toBe(200);
    expect(v.body).toEqual({ connected: true, pending: { pending_size: 7 } });
    expect((v.headers as Record<string, string>)['x-feed']).toBe('binance');
    expect(typeof v.response_time).toBe('number');
    expect(v.response_time as number).toBeGreaterThanOrEqual(0);
    expect(v.certificate_expires_at).toBeNull();
  });

  it('keeps a text body as text, and parses JSON served as text/plain', async () => {
    const text = await valueOf(await sourceFor(httpSource, { url: `${base}/text` }));
    expect(text.body).toBe('all good');
    const json = await valueOf(await sourceFor(httpSource, { url: `${base}/json-as-text` }));
    expect(json.body).toEqual({ n: 42 });
  });

  it('reports a 500 as an observation for the conditions to judge', async () => {
    const v = await valueOf(await sourceFor(httpSource, { url: `${base}/fail` }));
    expect(v.status).toBe(500);
    expect(v.body).toBe('boom');
  });

  it('reads at most 1 MiB and keeps 64 KiB of a large text body', async () => {
    const v = await valueOf(await sourceFor(httpSource, { url: `${base}/big` }));
    expect(v.status).toBe(200);
    expect(typeof v.body).toBe('string');
    expect((v.body as string).length).toBe(64 * 1024 + 1); // 64 KiB and the … mark
  });

  it('follows redirects by default, and not when follow_redirects is false', async () => {
    const followed = await valueOf(await sourceFor(httpSource, { url: `${base}/redirect` }));
    expect(followed.status).toBe(200);
    const not = await valueOf(
      await sourceFor(httpSource, { url: `${base}/redirect`, follow_redirects: false }),
    );
    expect(not.status).toBe(302);
    expect((not.headers as Record<string, string>).location).toBe('/json');
  });

  it('sends the method, headers, body and http_config authorization', async () => {
    const source = await sourceFor(
      httpSource,
      {
        url: `${base}/echo`,
        method: 'POST',
        headers: { 'X-Check': 'sentinel' },
        body: '{"probe":1}',
        http_config: { bearer_token_env: 'TOKEN' },
      },
      { env: { TOKEN: 'token-from-env-0123456789' } },
    );
    const body = (await valueOf(source)).body as {
      method: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(body.method).toBe('POST');
    expect(body.body).toBe('{"probe":1}');
    expect(body.headers['x-check']).toBe('sentinel');
    expect(body.headers['content-type']).toBe('application/json');
    expect(body.headers.authorization).toBe('Bearer token-from-env-0123456789');
    expect(body.headers['user-agent']).toBe('Sentinel/0.1.0');
  });

  it('HEAD has no body', async () => {
    const v = await valueOf(await sourceFor(httpSource, { url: `${base}/json`, method: 'HEAD' }));
    expect(v.status).toBe(200);
    expect(v.body).toBe('');
  });
});

describe('http source: no answer is no observation', () => {
  it('a response slower than the timeout is unavailable, within the timeout', async () => {
    const source = await sourceFor(httpSource, { url: `${base}/slow`, timeout: '200ms' });
    const started = Date.now();
    const outcome = await source.collect({ signal: new AbortController().signal, now: Date.now() });
    expect(outcome.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
    expect((outcome as { error: string }).error).toMatch(/timed out after 200 ms/);
  });

  it('a refused connection is unavailable, with the reason', async () => {
    const port = await freePort();
    const error = await errorOf(
      await sourceFor(httpSource, { url: `http://127.0.0.1:${port}/health?token=s3cr3t` }),
    );
    expect(error).toMatch(/ECONNREFUSED/);
    expect(error).not.toContain('s3cr3t');
  });

  it('a host that does not resolve is unavailable', async () => {
    const error = await errorOf(
      await sourceFor(httpSource, { url: 'http://sentinel-test.invalid/', timeout: '3s' }),
    );
    expect(error).toMatch(/ENOTFOUND|EAI_AGAIN|timed out/);
  });

  it('an engine abort ends the collect', async () => {
    const source = await sourceFor(httpSource, { url: `${base}/slow`, timeout: '10s' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = Date.now();
    const error = await errorOf(source, { signal: ac.signal, now: Date.now() });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatch(/aborted/);
  });
});

let openssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  openssl = false;
}

describe.skipIf(!openssl)('http source over https (self-signed certificate)', () => {
  let httpsServer: Server;
  let httpsBase: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ].concat(['-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1']),
      { stdio: 'ignore' },
    );
    httpsServer = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      handler,
    ) as unknown as Server;
    httpsBase = `https://127.0.0.1:${await listen(httpsServer)}`;
  });
  afterAll(async () => {
    await close(httpsServer);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an untrusted certificate by default', async () => {
    const error = await errorOf(await sourceFor(httpSource, { url: `${httpsBase}/json` }));
    expect(error).toMatch(/self[- ]signed|certificate/i);
  });

  it('with insecure_skip_verify, answers and reports when the certificate expires', async () => {
    const source = await sourceFor(httpSource, {
      url: `${httpsBase}/json`,
      http_config: { tls_config: { insecure_skip_verify: true } },
    });
    const v = await valueOf(source);
    expect(v.status).toBe(200);
    const expires = Date.parse(v.certificate_expires_at as string);
    const days = (expires - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(28);
    expect(days).toBeLessThan(31);
  });

  it('trusts the certificate given as tls_config.ca_file', async () => {
    const source = await sourceFor(httpSource, {
      url: `${httpsBase}/json`,
      http_config: { tls_config: { ca_file: join(dir, 'cert.pem') } },
    });
    expect((await valueOf(source)).status).toBe(200);
  });
});

describe('http source configuration', () => {
  it('accepts a minimal entry with defaults', async () => {
    const parsed = await parseSource(httpSource, {
      name: 'api',
      kind: 'http',
      url: 'https://example.org/health',
    });
    expect(parsed.issues).toEqual([]);
    expect(parsed.settings).toMatchObject({
      method: 'GET',
      followRedirects: true,
      timeoutMs: 5000,
      body: null,
    });
  });

  it('reads the timeout as a duration', async () => {
    const parsed = await parseSource(httpSource, { url: 'https://example.org/', timeout: '1500ms' });
    expect(parsed.settings?.timeoutMs).toBe(1500);
    expect(await issuesOf(httpSource, { url: 'https://example.org/', timeout: '5 seconds' })).toEqual([
      'timeout: must be a positive duration such as 5s or 500ms',
    ]);
    expect(await issuesOf(httpSource, { url: 'https://example.org/', timeout: 5 })).toHaveLength(1);
  });

  it('requires an http(s) URL without credentials', async () => {
    expect(await issuesOf(httpSource, {})).toEqual(['url: is required (a http:// or https:// URL)']);
    expect(await issuesOf(httpSource, { url: 'not a url' })).toEqual([
      'url: is not a valid URL (expected a http:// or https:// URL)',
    ]);
    expect(await issuesOf(httpSource, { url: 'ftp://example.org/' })).toEqual([
      'url: must be a http:// or https:// URL, not ftp://',
    ]);
    const issues = await issuesOf(httpSource, { url: 'https://user:hunter22@example.org/' });
    expect(issues.join('\n')).toMatch(/must not contain credentials/);
    expect(issues.join('\n')).not.toContain('hunter22');
  });

  it('reports unknown options, bad methods, headers and bodies', async () => {
    const issues = await issuesOf(httpSource, {
      url: 'https://example.org/',
      methd: 'GET',
      method: 'DELETE',
      headers: { 'bad header': 'x', 'X-Ok': 'a\r\nb' },
      follow_redirects: 'yes',
    });
    expect(issues).toEqual([
      'methd: unknown option',
      'method: must be one of GET, HEAD, POST, PUT',
      'headers.bad header: is not a valid header name',
      'headers.X-Ok: must not contain line breaks',
      'follow_redirects: must be true or false',
    ]);
    expect(await issuesOf(httpSource, { url: 'https://example.org/', body: 'x' })).toEqual([
      'body: needs method POST or PUT (not GET)',
    ]);
    expect(await issuesOf(httpSource, { url: 'https://example.org/', http_config: { nope: 1 } })).toEqual([
      'http_config.nope: unknown http_config option',
    ]);
  });

  it('reads http_config secrets from the environment and reports a missing one', async () => {
    const ok = await parseSource(
      httpSource,
      { url: 'https://example.org/', http_config: { basic_auth: { username: 'u', password_env: 'PW' } } },
      { env: { PW: 'pw' } },
    );
    expect(ok.issues).toEqual([]);
    expect(ok.settings?.headers.authorization).toBe(`Basic ${Buffer.from('u:pw').toString('base64')}`);
    const missing = await issuesOf(httpSource, {
      url: 'https://example.org/',
      http_config: { bearer_token_env: 'NOT_SET_ANYWHERE' },
    });
    expect(missing).toEqual(['bearer_token_env: environment variable NOT_SET_ANYWHERE is not set']);
  });
});
