import { createHash } from 'node:crypto';
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
 * error, a DNS failure, the timeout) leaves the cycle without a value. Connections are kept open
 * between cycles when the server allows it (keep-alive, as any client does): response_time is then
 * the request alone, and certificate_expires_at the certificate of the connection in use. With
 * `fresh_connection: true` each request connects anew, so response_time includes connecting and
 * the TLS handshake, as a user's first request would. Decided so because a new connection per
 * check costs several times the CPU (1,000 checks: the cycle's main cost), and most checks are
 * about the answer, not the handshake.
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
  /** Connect anew for every request (false: reuse kept-alive connections). */
  freshConnection: boolean;
  timeoutMs: number;
}

const KEYS = ['url', 'method', 'headers', 'body', 'http_config', 'follow_redirects', 'fresh_connection'];

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
    freshConnection: booleanOption(raw, ctx, 'fresh_connection', false),
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

/**
 * Connection pools shared by every http source with the same TLS settings and timeout, so that
 * checks of one server share its connections (as a browser's tabs do) instead of each holding its
 * own: with many checks per host this is most of a cycle's cost. Counted references close a pool
 * when its last source stops (on reload or shutdown).
 */
interface SharedAgent {
  agent: Agent;
  /** Certificate expiry by `host:port`, as seen when the newest TLS connection to it was made. */
  expiries: Map<string, string | null>;
  refs: number;
}
const sharedAgents = new Map<string, SharedAgent>();

/** Sources share a pool when they would connect alike; fresh_connection ones keep theirs apart (no idle connection to reuse). */
function agentKey(http: HttpSettings, timeoutMs: number, fresh: boolean): string {
  const { rejectUnauthorized, ca, cert, key, serverName } = http;
  return createHash('sha256')
    .update(
      JSON.stringify([
        rejectUnauthorized,
        ca ?? null,
        cert ?? null,
        key ?? null,
        serverName ?? null,
        timeoutMs,
        fresh,
      ]),
    )
    .digest('hex');
}

function acquireAgent(settings: HttpSourceSettings): { shared: SharedAgent; release: () => Promise<void> } {
  const key = agentKey(settings.http, settings.timeoutMs, settings.freshConnection);
  let shared = sharedAgents.get(key);
  if (!shared) {
    const base = buildConnector({
      rejectUnauthorized: settings.http.rejectUnauthorized,
      ...(settings.http.ca ? { ca: settings.http.ca } : {}),
      ...(settings.http.cert && settings.http.key
        ? { cert: settings.http.cert, key: settings.http.key }
        : {}),
      ...(settings.http.serverName ? { servername: settings.http.serverName } : {}),
      timeout: settings.timeoutMs,
    });
    const expiries = new Map<string, string | null>();
    const agent = new Agent({
      connect: (opts, callback) =>
        base(opts, (...args) => {
          const socket = args[1];
          if (socket instanceof TLSSocket)
            expiries.set(`${bareHost(opts.hostname)}:${opts.port}`, certificateExpiry(socket));
          callback(...args);
        }),
    });
    shared = { agent, expiries, refs: 0 };
    sharedAgents.set(key, shared);
  }
  const entry = shared;
  entry.refs++;
  let released = false;
  return {
    shared: entry,
    async release() {
      if (released) return;
      released = true;
      if (--entry.refs > 0) return;
      sharedAgents.delete(key);
      await entry.agent.close();
    },
  };
}

function create(settings: HttpSourceSettings, deps: SourceDeps): Source {
  const target = new URL(settings.url);
  const targetPort = target.port !== '' ? target.port : target.protocol === 'https:' ? '443' : '80';
  const targetKey = `${bareHost(target.hostname)}:${targetPort}`;
  let held: ReturnType<typeof acquireAgent> | null = null;
  let dispatcher: Dispatcher | null = null;

  const dispatch = (): { dispatcher: Dispatcher; shared: SharedAgent } => {
    held ??= acquireAgent(settings);
    dispatcher ??= settings.followRedirects
      ? held.shared.agent.compose(interceptors.redirect({ maxRedirections: 5 }))
      : held.shared.agent;
    return { dispatcher, shared: held.shared };
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
      try {
        const value = await withDeadline(ctx, settings.timeoutMs, async (signal) => {
          const { dispatcher: via, shared } = dispatch();
          const res = await request(settings.url, {
            method: settings.method,
            headers,
            body: settings.body ?? undefined,
            signal,
            dispatcher: via,
            // fresh_connection: connecting is part of the response time.
            reset: settings.freshConnection,
          });
          const contentType = res.headers['content-type'];
          const { text, truncated } = await readCapped(res.body, HTTP_MAX_READ_BYTES);
          const responseTime = Math.max(0, Math.round(performance.now() - start));
          return {
            status: res.statusCode,
            body: bodyValue(text, truncated, Array.isArray(contentType) ? contentType[0] : contentType),
            headers: headerValues(res.headers),
            response_time: responseTime,
            certificate_expires_at:
              target.protocol === 'https:' ? (shared.expiries.get(targetKey) ?? null) : null,
          };
        });
        return observed(value, start);
      } catch (err) {
        const reason = err instanceof SourceTimeoutError ? err.message : describeError(err);
        return unavailable(`${settings.method} ${redactUrl(settings.url)}: ${reason}`, start);
      }
    },
    async release() {
      // The pool is shared: give it back (it closes with its last source), never close it here.
      const h = held;
      held = null;
      dispatcher = null;
      if (h) await h.release();
    },
  });
}

export const httpSource: SourceDefinition<HttpSourceSettings> = { parse, create };
