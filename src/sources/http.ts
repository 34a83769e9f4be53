import { TLSSocket } from 'node:tls';
import { Agent, buildConnector, interceptors, request, type Dispatcher } from 'undici';
import { parseHttpConfig, redactUrl, type HttpSettings } from '../notify/receivers/http.js';
import {
  booleanOption,
  capText,
  httpUrl,
  describeError,
  KEEP_BYTES,
  observed,
  parseHeaders,
  parseTimeout,
  readCapped,
  receiverParseContext,
  reportUnknown,
  SourceTimeoutError,
  unavailable,
  withDeadline,
  stoppable,
} from './common.js';
import type { Source, SourceDefinition, SourceDeps, SourceParseContext } from './source.js';

/*
 * `http`: one request per cycle to an HTTP(S) endpoint. Every answer, whatever its status, is an
 * observation (the check's conditions judge a 500); only a request that gets no answer (a network
 * error, a DNS failure, the timeout) leaves the cycle without a value. Each request opens its own
 * connection, so that response_time includes connecting and the TLS handshake, as a user's first
 * request would, and so that the server's certificate is seen on every cycle.
 *
 * Value: { status, body, headers, response_time, certificate_expires_at }
 */

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The most of a body read (the rest is dropped, and the body is then kept as text). */
export const HTTP_MAX_READ_BYTES = 1024 * 1024;

export interface HttpSourceSettings {
  url: string;
  method: HttpMethod;
  /** Request headers, lower-cased names, including http_config's authorization. */
  headers: Record<string, string>;
  body: string | null;
  http: HttpSettings;
  followRedirects: boolean;
  timeoutMs: number;
}

const KEYS = ['url', 'method', 'headers', 'body', 'http_config', 'follow_redirects'];

async function parse(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
): Promise<HttpSourceSettings | null> {
  reportUnknown(raw, ctx, KEYS);
  const timeoutMs = parseTimeout(raw, ctx);
  const url = httpUrl(raw, ctx);
  let method: HttpMethod = 'GET';
  if (raw.method !== undefined && raw.method !== null) {
    const m = typeof raw.method === 'string' ? raw.method.toUpperCase() : '';
    if ((HTTP_METHODS as readonly string[]).includes(m)) method = m as HttpMethod;
    else ctx.issue('method', `must be one of ${HTTP_METHODS.join(', ')}`);
  }
  const headers = parseHeaders(raw, ctx);
  let body: string | null = null;
  if (raw.body !== undefined && raw.body !== null) {
    if (typeof raw.body !== 'string') ctx.issue('body', 'must be a string');
    else if (method === 'GET' || method === 'HEAD')
      ctx.issue('body', `needs method POST or PUT (not ${method})`);
    else body = raw.body;
  }
  const http = await parseHttpConfig(raw.http_config, receiverParseContext(ctx));
  if (http.headers.authorization !== undefined && headers.authorization !== undefined) {
    ctx.issue('headers.authorization', 'is also set by http_config: give it in one place');
  }
  const followRedirects = booleanOption(raw, ctx, 'follow_redirects', http.followRedirects);
  if (!url) return null;
  return {
    url: url.href,
    method,
    headers: { ...http.headers, ...headers },
    body,
    http: { ...http, timeoutMs },
    followRedirects,
    timeoutMs,
  };
}

/** A certificate's validity end (`Mar  1 12:00:00 2027 GMT`) as ISO, or null. */
function certificateExpiry(socket: TLSSocket): string | null {
  const cert = socket.getPeerCertificate();
  if (!cert || typeof cert.valid_to !== 'string') return null;
  const at = Date.parse(cert.valid_to);
  return Number.isFinite(at) ? new Date(at).toISOString() : null;
}

function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && /[/+]json\b/i.test(contentType);
}

function headerValues(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The body as a value: parsed JSON when the whole body was read and parses (whatever its content
 * type says, as many APIs answer JSON as text/plain), else the text, of which 64 KiB are kept.
 */
function bodyValue(text: string, truncated: boolean, contentType: string | undefined): unknown {
  const trimmed = text.trim();
  if (
    !truncated &&
    trimmed !== '' &&
    (isJsonType(contentType) || /^[[{"\d-]|^(true|false|null)$/.test(trimmed))
  ) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      // not JSON after all
    }
  }
  return capText(text, KEEP_BYTES);
}

function create(settings: HttpSourceSettings, deps: SourceDeps): Source {
  const target = new URL(settings.url);
  const targetHost = bareHost(target.hostname);
  let dispatcher: Dispatcher | null = null;
  /** The certificate expiry of the last TLS connection to the URL's host. */
  let lastExpiry: string | null = null;

  const dispatch = (): Dispatcher => {
    if (dispatcher) return dispatcher;
    const base = buildConnector({
      rejectUnauthorized: settings.http.rejectUnauthorized,
      ...(settings.http.ca ? { ca: settings.http.ca } : {}),
      ...(settings.http.cert && settings.http.key
        ? { cert: settings.http.cert, key: settings.http.key }
        : {}),
      ...(settings.http.serverName ? { servername: settings.http.serverName } : {}),
      timeout: settings.timeoutMs,
    });
    const agent = new Agent({
      connect: (opts, callback) =>
        base(opts, (...args) => {
          const socket = args[1];
          if (socket instanceof TLSSocket && bareHost(opts.hostname) === targetHost) {
            lastExpiry = certificateExpiry(socket);
          }
          callback(...args);
        }),
    });
    dispatcher = settings.followRedirects
      ? agent.compose(interceptors.redirect({ maxRedirections: 5 }))
      : agent;
    return dispatcher;
  };

  const headers: Record<string, string> = { 'user-agent': `Sentinel/${deps.version}`, ...settings.headers };
  if (settings.body !== null && headers['content-type'] === undefined) {
    let json = true;
    try {
      JSON.parse(settings.body);
    } catch {
      json = false;
    }
    headers['content-type'] = json ? 'application/json' : 'text/plain; charset=utf-8';
  }

  return stoppable({
    async collect(ctx, start) {
      lastExpiry = null;
      try {
        const value = await withDeadline(ctx, settings.timeoutMs, async (signal) => {
          const res = await request(settings.url, {
            method: settings.method,
            headers,
            body: settings.body ?? undefined,
            signal,
            dispatcher: dispatch(),
            // A connection per request: connecting is part of the response time.
            reset: true,
          });
          const contentType = res.headers['content-type'];
          const { text, truncated } = await readCapped(res.body, HTTP_MAX_READ_BYTES);
          const responseTime = Math.max(0, Math.round(performance.now() - start));
          return {
            status: res.statusCode,
            body: bodyValue(text, truncated, Array.isArray(contentType) ? contentType[0] : contentType),
            headers: headerValues(res.headers),
            response_time: responseTime,
            certificate_expires_at: target.protocol === 'https:' ? lastExpiry : null,
          };
        });
        return observed(value, start);
      } catch (err) {
        const reason = err instanceof SourceTimeoutError ? err.message : describeError(err);
        return unavailable(`${settings.method} ${redactUrl(settings.url)}: ${reason}`, start);
      }
    },
    async release() {
      const d = dispatcher;
      dispatcher = null;
      if (d) await d.close();
    },
  });
}

export const httpSource: SourceDefinition<HttpSourceSettings> = { parse, create };
