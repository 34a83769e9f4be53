import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusSource, sampleValue } from '../../src/sources/prometheus.js';
import { freePort, startPrometheus, type Peer } from '../helpers/peers.js';
import {
  collectContext,
  errorOf,
  issuesOf,
  parseSource,
  sourceFor,
  stopSourcesAfterEach,
  valueOf,
} from './helpers.js';

stopSourcesAfterEach();

let prometheus: Peer;

beforeAll(async () => {
  prometheus = await startPrometheus('global:\n  scrape_interval: 15s\nscrape_configs: []\n', 'groups: []\n');
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

const query = (q: string, extra: Record<string, unknown> = {}) =>
  sourceFor(prometheusSource, { url: prometheus.url, query: q, ...extra });

describe('prometheus source (real Prometheus)', () => {
  it('reads an instant vector: vector(42) is 42', async () => {
    const v = await valueOf(await query('vector(42)'));
    expect(v).toEqual({ result_type: 'vector', value: 42, values: [{ labels: {}, value: 42 }], series: 1 });
  });

  it('keeps labels, and counts series', async () => {
    const v = await valueOf(
      await query(
        'label_replace(vector(1), "feed", "binance", "", "") or label_replace(vector(2), "feed", "kraken", "", "")',
      ),
    );
    expect(v.series).toBe(2);
    expect(v.values).toEqual([
      { labels: { feed: 'binance' }, value: 1 },
      { labels: { feed: 'kraken' }, value: 2 },
    ]);
  });

  it('evaluates at the cycle time', async () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    const v = await valueOf(await query('time()'), collectContext(now));
    expect(v).toMatchObject({ result_type: 'scalar', value: now / 1000, series: 1 });
  });

  it('an empty result is an observation with value null', async () => {
    const v = await valueOf(await query('absent(vector(1))'));
    expect(v).toEqual({ result_type: 'vector', value: null, values: [], series: 0 });
  });

  it('+Inf is Infinity and NaN is null', async () => {
    expect((await valueOf(await query('vector(1) / 0'))).value).toBe(Infinity);
    expect((await valueOf(await query('vector(0) / 0'))).value).toBeNull();
  });

  it('a query Prometheus refuses is unavailable, with its error', async () => {
    const error = await errorOf(await query('sum(rate('));
    expect(error).toMatch(/Prometheus error \(HTTP 400\): bad_data: .*parse error/);
  });

  it('a server it cannot reach is unavailable', async () => {
    const port = await freePort();
    const source = await sourceFor(prometheusSource, { url: `http://127.0.0.1:${port}`, query: 'up' });
    expect(await errorOf(source)).toMatch(/ECONNREFUSED/);
  });
});

describe('prometheus source against a fake server', () => {
  let server: Server;
  let base: string;
  let last: IncomingMessage | null = null;
  beforeAll(async () => {
    server = createServer((req, res) => {
      last = req;
      if (req.url?.startsWith('/html')) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>bad gateway</html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const a = server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('queries <url>/api/v1/query with the time and the http_config authorization', async () => {
    const source = await sourceFor(
      prometheusSource,
      { url: `${base}/prom/`, query: 'up{job="x"}', http_config: { bearer_token_env: 'PROM_TOKEN' } },
      { env: { PROM_TOKEN: 'prom-token-0123456789abcdef' } },
    );
    await valueOf(source, collectContext(1_772_366_400_123));
    const u = new URL(last!.url!, base);
    expect(u.pathname).toBe('/prom/api/v1/query');
    expect(u.searchParams.get('query')).toBe('up{job="x"}');
    expect(u.searchParams.get('time')).toBe('1772366400.123');
    expect(last!.headers.authorization).toBe('Bearer prom-token-0123456789abcdef');
  });

  it('an answer that is not the API is unavailable', async () => {
    const source = await sourceFor(prometheusSource, { url: `${base}/html`, query: 'up' });
    expect(await errorOf(source)).toMatch(/HTTP 502: not a Prometheus API answer/);
  });
});

describe('prometheus source configuration', () => {
  it('parses with defaults', async () => {
    const parsed = await parseSource(prometheusSource, { url: 'http://prometheus:9090/', query: 'up' });
    expect(parsed.issues).toEqual([]);
    expect(parsed.settings).toMatchObject({ url: 'http://prometheus:9090', query: 'up', timeoutMs: 5000 });
  });

  it('reports missing and bad options', async () => {
    expect(await issuesOf(prometheusSource, {})).toEqual([
      'url: is required (a http:// or https:// URL)',
      'query: is required',
    ]);
    expect(
      await issuesOf(prometheusSource, {
        url: 'http://p:9090/api/v1/query?query=up',
        query: 'up',
        step: '1m',
      }),
    ).toEqual([
      'step: unknown option',
      'url: must be the server base URL (no query string); give the PromQL in query',
    ]);
  });

  it('sampleValue reads Prometheus sample strings', () => {
    expect(sampleValue('1.5')).toBe(1.5);
    expect(sampleValue('+Inf')).toBe(Infinity);
    expect(sampleValue('-Inf')).toBe(-Infinity);
    expect(sampleValue('NaN')).toBeNull();
    expect(sampleValue(undefined)).toBeNull();
  });
});
