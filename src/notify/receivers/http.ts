import { readFile } from 'node:fs/promises';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { ParseContext, SendResult } from './receiver.js';

/*
 * Outbound HTTP shared by the receivers: Alertmanager's `http_config` (the parts that apply here),
 * one connection pool per integration, a timeout on every request, and the classification every
 * HTTP receiver uses: 2xx delivered; 429, 5xx, timeouts and network errors retryable; other 4xx
 * permanent (the request itself is wrong; sending it again cannot help).
 */

export interface HttpSettings {
  /** Authorization and other fixed headers from http_config. */
  headers: Record<string, string>;
  timeoutMs: number;
  followRedirects: boolean;
  rejectUnauthorized: boolean;
  ca: string | null;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const KNOWN_HTTP_KEYS = new Set([
  'basic_auth',
  'authorization',
  'bearer_token',
  'bearer_token_file',
  'tls_config',
  'follow_redirects',
  'enable_http2',
  'proxy_url',
  'no_proxy',
  'proxy_from_environment',
  'proxy_connect_header',
  'oauth2',
]);

function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Parses `http_config` (the entry's own, else global.http_config). */
export async function parseHttpConfig(
  raw: unknown,
  ctx: ParseContext,
  key = 'http_config',
): Promise<HttpSettings> {
  const out: HttpSettings = {
    headers: {},
    timeoutMs: DEFAULT_TIMEOUT_MS,
    followRedirects: true,
    rejectUnauthorized: true,
    ca: null,
  };
  if (raw === undefined || raw === null) return out;
  const cfg = asRecord(raw);
  if (!cfg) {
    ctx.issue(key, 'must be a mapping');
    return out;
  }
  for (const k of Object.keys(cfg)) {
    if (!KNOWN_HTTP_KEYS.has(k)) ctx.issue(`${key}.${k}`, 'unknown http_config option');
  }
  for (const k of ['proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header', 'oauth2']) {
    if (cfg[k] !== undefined) ctx.warn(`${key}.${k}`, 'is not supported by Sentinel and is ignored');
  }
  const basic = asRecord(cfg.basic_auth);
  if (cfg.basic_auth !== undefined && !basic) ctx.issue(`${key}.basic_auth`, 'must be a mapping');
  if (basic) {
    const username = typeof basic.username === 'string' ? basic.username : '';
    const password = (await ctx.secret(basic, 'password', `${key}.basic_auth`)) ?? '';
    out.headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  const auth = asRecord(cfg.authorization);
  if (cfg.authorization !== undefined && !auth) ctx.issue(`${key}.authorization`, 'must be a mapping');
  if (auth) {
    const type = typeof auth.type === 'string' && auth.type !== '' ? auth.type : 'Bearer';
    const credentials = await ctx.secret(auth, 'credentials', `${key}.authorization`);
    if (credentials !== null) out.headers.authorization = `${type} ${credentials}`;
  }
  const bearer = await ctx.secret(cfg, 'bearer_token', key);
  if (bearer !== null) out.headers.authorization = `Bearer ${bearer}`;
  if (cfg.follow_redirects !== undefined) {
    if (typeof cfg.follow_redirects !== 'boolean')
      ctx.issue(`${key}.follow_redirects`, 'must be true or false');
    else out.followRedirects = cfg.follow_redirects;
  }
  const tls = asRecord(cfg.tls_config);
  if (tls) {
    if (tls.insecure_skip_verify === true) out.rejectUnauthorized = false;
    if (typeof tls.ca_file === 'string') {
      try {
        out.ca = await readFile(tls.ca_file, 'utf8');
      } catch {
        ctx.issue(`${key}.tls_config.ca_file`, `cannot read ${tls.ca_file}`);
      }
    }
  }
  return out;
}

/** Checks a receiver URL at config load: absolute http(s), no credentials in it (they would be logged). */
export function checkUrl(url: unknown, key: string, ctx: ParseContext): string | null {
  if (typeof url !== 'string' || url === '') {
    ctx.issue(key, 'must be an http:// or https:// URL');
    return null;
  }
  if (!URL.canParse(url)) {
    ctx.issue(key, 'is not a valid URL');
    return null;
  }
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    ctx.issue(key, 'must be an http:// or https:// URL');
    return null;
  }
  return url;
}

/** A connection pool for one integration's settings. */
export function dispatcherFor(settings: HttpSettings): Dispatcher {
  const agent = new Agent({
    connect: { rejectUnauthorized: settings.rejectUnauthorized, ...(settings.ca ? { ca: settings.ca } : {}) },
    keepAliveTimeout: 30_000,
  });
  return settings.followRedirects ? agent.compose(interceptors.redirect({ maxRedirections: 5 })) : agent;
}

/** A URL safe to put in an error message or log: no query string (tokens live there) and no credentials. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return '<invalid url>';
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.length > 24 ? u.pathname.slice(0, 24) + '…' : u.pathname}`;
}

/** Retry-After as milliseconds (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function classifyStatus(status: number, body: string, retryAfterMs?: number): SendResult {
  if (status >= 200 && status < 300) return { outcome: 'delivered', statusCode: status };
  const snippet = body.length > 300 ? `${body.slice(0, 300)}…` : body;
  const error = `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  if (status === 429 || status >= 500 || status === 408) {
    return {
      outcome: 'retryable',
      error,
      statusCode: status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  return { outcome: 'permanent', error, statusCode: status };
}

/** Sends one HTTP request and classifies the outcome; never throws. */
export async function sendHttp(opts: {
  url: string;
  method?: 'POST' | 'PUT';
  body: string;
  headers: Record<string, string>;
  settings: HttpSettings;
  dispatcher: Dispatcher;
  signal: AbortSignal;
  now: () => number;
  /** Receivers whose API reports errors in a 200 body (Slack, Telegram) inspect it here. */
  check?: (status: number, body: string) => SendResult | null;
}): Promise<SendResult> {
  const timeout = AbortSignal.timeout(opts.settings.timeoutMs);
  const signal = AbortSignal.any([opts.signal, timeout]);
  try {
    const res = await request(opts.url, {
      method: opts.method ?? 'POST',
      headers: { ...opts.settings.headers, ...opts.headers },
      body: opts.body,
      signal,
      dispatcher: opts.dispatcher,
    });
    const text = await res.body.text();
    const custom = opts.check?.(res.statusCode, text);
    if (custom) return custom;
    return classifyStatus(res.statusCode, text, parseRetryAfter(res.headers['retry-after'], opts.now()));
  } catch (err) {
    const reason = timeout.aborted
      ? `timed out after ${opts.settings.timeoutMs} ms`
      : err instanceof Error
        ? `${err.name}: ${err.message}`
        : String(err);
    return { outcome: 'retryable', error: `${redactUrl(opts.url)}: ${reason}` };
  }
}
