import WebSocket from 'ws';
import { durationOrNull } from '../config/duration.js';
import {
  checkSourceUrl,
  describeError,
  jsonOrText,
  KEEP_BYTES,
  observed,
  parseHeaders,
  parseTimeout,
  reportUnknown,
  scrub,
  unavailable,
} from './common.js';
import type { Source, SourceDefinition, SourceDeps, SourceParseContext } from './source.js';

/*
 * `websocket`: one long-lived connection to a feed, kept from start() to stop(): reconnected with
 * exponential backoff (and jitter, so that many Sentinels do not reconnect in step) when it drops,
 * the `subscribe` message sent again after every connect, and the traffic counted. collect() never
 * waits for the network: it reports the connection's current state, and the checks judge it (a
 * feed is stale when last_message_age grows, down when connected is false).
 *
 * Value: { connected, connected_since, messages_seen, messages_since_connect, last_message_at,
 *          last_message_age, last_message, disconnects, last_error }
 */

export const WS_RECONNECT_INITIAL_MS = 1000;
export const WS_RECONNECT_MAX_MS = 30_000;

export interface WebSocketSourceSettings {
  url: string;
  headers: Record<string, string>;
  /** Sent as is after every connect (a JSON value is sent as its JSON text); null sends nothing. */
  subscribe: string | null;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** The opening handshake's timeout. */
  timeoutMs: number;
}

const KEYS = ['url', 'headers', 'subscribe', 'reconnect_initial', 'reconnect_max'];

/** An optional positive duration option; null (after an issue) when it is not one. */
function durationKey(raw: Record<string, unknown>, ctx: SourceParseContext, key: string): number | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  const ms = typeof v === 'string' ? durationOrNull(v) : null;
  if (ms === null || ms <= 0) {
    ctx.issue(key, 'must be a positive duration such as 1s or 500ms');
    return null;
  }
  return ms;
}

async function parse(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
): Promise<WebSocketSourceSettings | null> {
  reportUnknown(raw, ctx, KEYS);
  const timeoutMs = parseTimeout(raw, ctx);
  const url = checkSourceUrl(raw.url, ctx, 'url', ['ws:', 'wss:']);
  const headers = parseHeaders(raw, ctx);
  let subscribe: string | null = null;
  if (raw.subscribe !== undefined && raw.subscribe !== null) {
    subscribe = typeof raw.subscribe === 'string' ? raw.subscribe : JSON.stringify(raw.subscribe);
  }
  const initial = durationKey(raw, ctx, 'reconnect_initial');
  const max = durationKey(raw, ctx, 'reconnect_max');
  const reconnectInitialMs = initial ?? WS_RECONNECT_INITIAL_MS;
  const reconnectMaxMs = max ?? Math.max(WS_RECONNECT_MAX_MS, reconnectInitialMs);
  if (initial !== null && max !== null && max < initial) {
    ctx.issue('reconnect_max', 'must not be shorter than reconnect_initial');
  }
  if (!url) return null;
  return { url: url.href, headers, subscribe, reconnectInitialMs, reconnectMaxMs, timeoutMs };
}

/** The delay before reconnect attempt `attempt` (0-based): doubling from initial up to max, ±20%. */
export function reconnectDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(Math.min(maxMs, base * (0.8 + 0.4 * random())));
}

type RawMessage = Buffer | ArrayBuffer | Buffer[];

function messageText(data: RawMessage): { text: string; bytes: number } {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  // Decode no more than what is kept: a large message is kept as (the start of) its text.
  return { text: buf.subarray(0, KEEP_BYTES + 4).toString('utf8'), bytes: buf.length };
}

function create(settings: WebSocketSourceSettings, deps: SourceDeps): Source {
  const secrets = [settings.url, new URL(settings.url).search];
  let state: 'idle' | 'running' | 'stopped' = 'idle';
  let ws: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let attempt = 0;

  let connectedSince: number | null = null;
  let messagesSeen = 0;
  let messagesSinceConnect = 0;
  let lastMessageAt: number | null = null;
  let lastRaw: RawMessage | null = null;
  /** last_message parsed from lastRaw, computed at most once per message (feeds can be fast). */
  let lastParsed: { seen: number; value: unknown } | null = null;
  let disconnects = 0;
  let lastError: string | null = null;

  const connect = (): void => {
    retry = null;
    if (state !== 'running') return;
    const socket = new WebSocket(settings.url, {
      headers: settings.headers,
      handshakeTimeout: settings.timeoutMs,
      followRedirects: false,
    });
    ws = socket;
    let opened = false;
    let openedAt = 0;
    let receivedHere = false;
    let errorHere = false;
    socket.on('open', () => {
      opened = true;
      openedAt = deps.clock.now();
      connectedSince = openedAt;
      messagesSinceConnect = 0;
      if (settings.subscribe !== null) socket.send(settings.subscribe);
    });
    socket.on('message', (data: RawMessage) => {
      messagesSeen++;
      messagesSinceConnect++;
      receivedHere = true;
      lastMessageAt = deps.clock.now();
      lastRaw = data;
    });
    socket.on('error', (err) => {
      errorHere = true;
      lastError = scrub(describeError(err), secrets);
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (ws === socket) ws = null;
      connectedSince = null;
      if (opened) {
        disconnects++;
        if (!errorHere && state === 'running') {
          const why = reason.length > 0 ? `: ${scrub(reason.toString('utf8').slice(0, 200), secrets)}` : '';
          lastError = `connection closed (code ${code}${why})`;
        }
        // A connection that worked (it carried a message, or stayed up long) restarts the backoff.
        if (receivedHere || deps.clock.now() - openedAt >= settings.reconnectMaxMs) attempt = 0;
      }
      if (state !== 'running') return;
      const delay = reconnectDelay(attempt, settings.reconnectInitialMs, settings.reconnectMaxMs);
      attempt++;
      retry = setTimeout(connect, delay);
    });
  };

  const lastMessage = (): unknown => {
    if (lastRaw === null) return null;
    if (lastParsed?.seen !== messagesSeen) {
      const { text, bytes } = messageText(lastRaw);
      lastParsed = {
        seen: messagesSeen,
        value: bytes > KEEP_BYTES ? `${text.slice(0, KEEP_BYTES)}…` : jsonOrText(text),
      };
    }
    return lastParsed.value;
  };

  return {
    async start() {
      if (state === 'running') return;
      state = 'running';
      attempt = 0;
      messagesSeen = 0;
      messagesSinceConnect = 0;
      lastMessageAt = null;
      lastRaw = null;
      lastParsed = null;
      disconnects = 0;
      lastError = null;
      connect();
    },

    async collect(ctx) {
      const start = performance.now();
      if (state === 'idle') return unavailable('the WebSocket connection was not started', start);
      if (state === 'stopped') return unavailable('the WebSocket connection is stopped', start);
      const open = ws !== null && ws.readyState === WebSocket.OPEN;
      return observed(
        {
          connected: open,
          connected_since: open && connectedSince !== null ? new Date(connectedSince).toISOString() : null,
          messages_seen: messagesSeen,
          messages_since_connect: open ? messagesSinceConnect : 0,
          last_message_at: lastMessageAt === null ? null : new Date(lastMessageAt).toISOString(),
          last_message_age: lastMessageAt === null ? null : Math.max(0, ctx.now - lastMessageAt),
          last_message: lastMessage(),
          disconnects,
          last_error: lastError,
        },
        start,
      );
    },

    async stop() {
      if (state !== 'running') return;
      state = 'stopped';
      if (retry) clearTimeout(retry);
      retry = null;
      const socket = ws;
      ws = null;
      connectedSince = null;
      if (!socket || socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      if (socket.readyState === WebSocket.OPEN) {
        socket.close(1000, 'Sentinel is stopping');
        // A peer that does not answer the closing handshake is not waited for long.
        const force = setTimeout(() => socket.terminate(), Math.min(settings.timeoutMs, 2000));
        await closed;
        clearTimeout(force);
      } else {
        socket.terminate();
        await closed;
      }
    },
  };
}

export const websocketSource: SourceDefinition<WebSocketSourceSettings> = { parse, create };
