import { readFile } from 'node:fs/promises';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { isRecord, reportUnknownKeys } from './common.js';
import type { ParseContext, ReceiverDeps, SendResult } from './receiver.js';

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
  /** Client certificate and key (PEM), for receivers that require mutual TLS. */
  cert?: string | null;
  key?: string | null;
  /** TLS server name (SNI) to use instead of the URL's host. */
  serverName?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const KNOWN_HTTP_KEYS = new Set([
  'basic_auth',
  'authorization',
  'bearer_token',
  'bearer_token_file',
  'bearer_token_env',
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
  return isRecord(v) ? v : null;
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
  reportUnknownKeys(ctx, cfg, KNOWN_HTTP_KEYS, 'http_config', key);
  for (const k of [
    'proxy_url',
    'no_proxy',
    'proxy_from_environment',
    'proxy_connect_header',
    'oauth2',
    'enable_http2',
  ]) {
    if (cfg[k] !== undefined) ctx.warn(`${key}.${k}`, 'is not supported by Sentinel and is ignored');
  }
  const given = [
    'basic_auth',
    'authorization',
    'bearer_token',
    'bearer_token_file',
    'bearer_token_env',
  ].filter((k) => cfg[k] !== undefined && cfg[k] !== null);
  if (given.length > 1)
    ctx.issue(
      `${key}.${given[1]}`,
      `give only one of basic_auth, authorization or bearer_token (found ${given.join(', ')})`,
    );
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
    for (const k of ['min_version', 'max_version', 'ca', 'cert', 'key'])
      if (tls[k] !== undefined)
        ctx.warn(`${key}.tls_config.${k}`, 'is not supported by Sentinel and is ignored');
    const file = async (name: string): Promise<string | null> => {
      const path = tls[name];
      if (typeof path !== 'string') return null;
      try {
        return await readFile(path, 'utf8');
      } catch {
        ctx.issue(`${key}.tls_config.${name}`, `cannot read ${path}`);
        return null;
      }
    };
    out.ca = await file('ca_file');
    out.cert = await file('cert_file');
    out.key = await file('key_file');
    if ((out.cert === null) !== (out.key === null))
      ctx.issue(`${key}.tls_config`, 'give both cert_file and key_file');
    if (typeof tls.server_name === 'string') out.serverName = tls.server_name;
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
    connect: {
      rejectUnauthorized: settings.rejectUnauthorized,
      ...(settings.ca ? { ca: settings.ca } : {}),
      ...(settings.cert && settings.key ? { cert: settings.cert, key: settings.key } : {}),
      ...(settings.serverName ? { servername: settings.serverName } : {}),
    },
    keepAliveTimeout: 30_000,
  });
  return settings.followRedirects ? agent.compose(interceptors.redirect({ maxRedirections: 5 })) : agent;
}

/**
 * A URL safe to put in an error message or log: scheme and host only. Paths carry secrets too
 * (Slack and Discord webhook tokens, Telegram bot tokens), as do query strings and credentials.
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return '<invalid url>';
  const u = new URL(url);
  return `${u.protocol}//${u.host}/…`;
}

/** Retry-After as milliseconds (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * A delay given in a JSON error body (Discord's and Telegram's `retry_after` in seconds, Matrix's
 * `retry_after_ms`), in whole milliseconds; undefined when it is not a non-negative number.
 */
export function delayMs(value: unknown, unit: 's' | 'ms'): number | undefined {
  if (typeof value !== 'number' || !(value >= 0)) return undefined;
  return Math.ceil(unit === 's' ? value * 1000 : value);
}

/** Whether an HTTP status is worth trying again: 429 (rate limited), 408 (timeout) and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * A failed answer (not 2xx) as a result, with the receiver's own error text: retryable or permanent
 * by its status, as every HTTP receiver classifies them.
 */
export function failure(status: number, error: string, retryAfterMs?: number): SendResult {
  if (!isRetryableStatus(status)) return { outcome: 'permanent', error, statusCode: status };
  return retryable(error, status, retryAfterMs);
}

/** A result worth trying again, after `retryAfterMs` when the service said how long to wait. */
export function retryable(error: string, statusCode: number, retryAfterMs?: number): SendResult {
  return { outcome: 'retryable', error, statusCode, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

export function classifyStatus(status: number, body: string, retryAfterMs?: number): SendResult {
  if (status >= 200 && status < 300) return { outcome: 'delivered', statusCode: status };
  const snippet = body.length > 300 ? `${body.slice(0, 300)}…` : body;
  return failure(status, `HTTP ${status}${snippet ? `: ${snippet}` : ''}`, retryAfterMs);
}

/** The result with `edit` applied to its error text (to keep secrets out of it); delivered has none. */
export function editError(result: SendResult, edit: (error: string) => string): SendResult {
  return result.outcome === 'delivered' ? result : { ...result, error: edit(result.error) };
}

/** `text` with every occurrence of a secret (a token in a URL's path) replaced by <token>. */
export function scrubSecret(text: string, secret: string): string {
  return text.split(secret).join('<token>');
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
  check?: AnswerCheck;
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

/** A receiver's own reading of an answer; null leaves it to classifyStatus. */
export type AnswerCheck = (status: number, body: string) => SendResult | null;

/** Sends one JSON request for a receiver (see httpSender); never throws. */
export type HttpSend = (
  url: string,
  body: string,
  signal: AbortSignal,
  extra?: { method?: 'POST' | 'PUT'; headers?: Record<string, string> },
) => Promise<SendResult>;

/**
 * How an HTTP receiver sends, set up once in its `create`: one connection pool for its settings, a
 * JSON content type and Sentinel's User-Agent on every request (`extra.headers` add to them or
 * replace them), the clock for Retry-After dates, and the receiver's own reading of answers.
 */
export function httpSender(settings: HttpSettings, deps: ReceiverDeps, check?: AnswerCheck): HttpSend {
  const dispatcher = dispatcherFor(settings);
  return (url, body, signal, extra = {}) =>
    sendHttp({
      url,
      method: extra.method,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': `Sentinel/${deps.version}`,
        ...extra.headers,
      },
      settings,
      dispatcher,
      signal,
      now: () => deps.clock.now(),
      check,
    });
}
