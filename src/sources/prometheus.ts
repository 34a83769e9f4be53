import { request, type Dispatcher } from 'undici';
import { isRecord } from '../notify/receivers/common.js';
import { dispatcherFor, parseHttpConfig, redactUrl, type HttpSettings } from '../notify/receivers/http.js';
import {
  capText,
  httpUrl,
  describeError,
  observed,
  parseTimeout,
  readCapped,
  receiverParseContext,
  reportUnknown,
  requiredString,
  unavailable,
  withDeadline,
  stoppable,
} from './common.js';
import type { Source, SourceDefinition, SourceDeps, SourceParseContext } from './source.js';

/*
 * `prometheus`: one PromQL instant query per cycle against a Prometheus server's HTTP API
 * (GET /api/v1/query, evaluated at the cycle's time). An answer with status "error" (a query that
 * does not parse, a server that is overloaded) leaves the cycle without a value, with Prometheus'
 * own message; an empty result is an observation (`value: null`, `series: 0`).
 *
 * Value: { result_type, value, values: [{ labels, value }], series }
 */

/** The most series a value lists (series counts them all). */
export const PROM_MAX_SERIES = 1000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface PrometheusSourceSettings {
  /** The server's base URL, without a trailing slash (e.g. http://prometheus:9090). */
  url: string;
  query: string;
  http: HttpSettings;
  timeoutMs: number;
}

const KEYS = ['url', 'query', 'http_config'];

async function parse(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
): Promise<PrometheusSourceSettings | null> {
  reportUnknown(raw, ctx, KEYS);
  const timeoutMs = parseTimeout(raw, ctx);
  const url = httpUrl(raw, ctx);
  if (url && (url.search !== '' || url.hash !== '')) {
    ctx.issue('url', 'must be the server base URL (no query string); give the PromQL in query');
  }
  const query = requiredString(raw, ctx, 'query');
  if (query !== null && query.trim() === '') ctx.issue('query', 'is required');
  const http = await parseHttpConfig(raw.http_config, receiverParseContext(ctx));
  if (!url || query === null || query.trim() === '') return null;
  return { url: url.href.replace(/\/+$/, ''), query, http: { ...http, timeoutMs }, timeoutMs };
}

/** A sample's value ("42", "+Inf", "NaN") as a number; NaN (not JSON) as null. */
export function sampleValue(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const n = Number(text);
  return Number.isNaN(n) ? null : n;
}

interface Series {
  labels: Record<string, string>;
  value: number | string | null;
}

/** The answer's data as the value's fields. */
function fromData(data: Record<string, unknown>): {
  result_type: string;
  value: number | null;
  values: Series[];
  series: number;
} {
  const type = typeof data.resultType === 'string' ? data.resultType : 'unknown';
  const result = data.result;
  const series: Series[] = [];
  let total = 0;
  const labels = (m: unknown): Record<string, string> => (isRecord(m) ? (m as Record<string, string>) : {});
  if (type === 'scalar' || type === 'string') {
    const pair = Array.isArray(result) ? result : [];
    total = 1;
    series.push({ labels: {}, value: type === 'scalar' ? sampleValue(pair[1]) : String(pair[1] ?? '') });
  } else if (Array.isArray(result)) {
    total = result.length;
    for (const r of result.slice(0, PROM_MAX_SERIES)) {
      if (!isRecord(r)) continue;
      if (type === 'matrix') {
        // A range vector: each series' latest sample.
        const samples = Array.isArray(r.values) ? r.values : [];
        const last: unknown = samples[samples.length - 1];
        series.push({ labels: labels(r.metric), value: Array.isArray(last) ? sampleValue(last[1]) : null });
      } else {
        series.push({
          labels: labels(r.metric),
          value: Array.isArray(r.value) ? sampleValue(r.value[1]) : null,
        });
      }
    }
  }
  const first = series[0]?.value;
  return {
    result_type: type,
    value: typeof first === 'number' ? first : null,
    values: series,
    series: total,
  };
}

function create(settings: PrometheusSourceSettings, deps: SourceDeps): Source {
  let dispatcher: Dispatcher | null = null;
  const headers = {
    accept: 'application/json',
    'user-agent': `Sentinel/${deps.version}`,
    ...settings.http.headers,
  };
  const where = redactUrl(settings.url);

  return stoppable({
    async collect(ctx, start) {
      try {
        const value = await withDeadline(ctx, settings.timeoutMs, async (signal) => {
          dispatcher ??= dispatcherFor(settings.http);
          const q = new URLSearchParams({
            query: settings.query,
            time: (ctx.now / 1000).toFixed(3),
            timeout: `${settings.timeoutMs}ms`,
          });
          const res = await request(`${settings.url}/api/v1/query?${q}`, {
            method: 'GET',
            headers,
            signal,
            dispatcher,
          });
          const { text, truncated } = await readCapped(res.body, MAX_BODY_BYTES);
          if (truncated)
            throw new Error(`HTTP ${res.statusCode}: answer larger than ${MAX_BODY_BYTES} bytes`);
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            throw new Error(
              `HTTP ${res.statusCode}: not a Prometheus API answer: ${capText(text.trim(), 200)}`,
            );
          }
          if (!isRecord(body)) throw new Error(`HTTP ${res.statusCode}: not a Prometheus API answer`);
          if (body.status !== 'success') {
            const type = typeof body.errorType === 'string' ? `${body.errorType}: ` : '';
            const error = typeof body.error === 'string' ? body.error : 'unknown error';
            throw new Error(`Prometheus error (HTTP ${res.statusCode}): ${type}${capText(error, 500)}`);
          }
          if (!isRecord(body.data)) throw new Error('Prometheus answered without data');
          return fromData(body.data);
        });
        return observed(value, start);
      } catch (err) {
        return unavailable(`${where}: ${describeError(err)}`, start);
      }
    },

    async release() {
      const d = dispatcher;
      dispatcher = null;
      if (d) await d.close();
    },
  });
}

export const prometheusSource: SourceDefinition<PrometheusSourceSettings> = { parse, create };
