import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { reconnectDelay, websocketSource } from '../../src/sources/websocket.js';
import { freePort } from '../helpers/peers.js';
import {
  errorOf,
  eventually,
  issuesOf,
  ManualClock,
  parseSource,
  sourceFor,
  stopSourcesAfterEach,
  valueOf,
} from './helpers.js';

stopSourcesAfterEach();

/** A feed: every connection it accepts, what each sent, and the handshake's headers. */
interface Conn {
  socket: WebSocket;
  received: string[];
  headers: IncomingMessage['headers'];
  closed: boolean;
}

let wss: WebSocketServer;
let url: string;
let conns: Conn[] = [];

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const a = wss.address();
  url = `ws://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/feed`;
  wss.on('connection', (socket, req) => {
    const conn: Conn = { socket, received: [], headers: req.headers, closed: false };
    conns.push(conn);
    socket.on('message', (data) => conn.received.push(data.toString()));
    socket.on('close', () => (conn.closed = true));
  });
});
afterEach(() => {
  for (const c of conns) c.socket.terminate();
  conns = [];
});
afterAll(async () => {
  await new Promise((resolve) => wss.close(resolve));
});

const open = (): Conn[] => conns.filter((c) => !c.closed);

describe('websocket source', () => {
  it('is unavailable until started', async () => {
    const source = await sourceFor(websocketSource, { url }, { start: false });
    expect(await errorOf(source)).toMatch(/not started/);
  });

  it('connects, sends the subscription, counts messages and parses the last one', async () => {
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    const source = await sourceFor(
      websocketSource,
      { url, subscribe: { op: 'subscribe', channel: 'quotes' }, headers: { 'X-Api-Key': 'k1' } },
      { clock },
    );
    await eventually(() => open().length === 1 && open()[0]!.received.length === 1);
    const conn = open()[0]!;
    expect(JSON.parse(conn.received[0]!)).toEqual({ op: 'subscribe', channel: 'quotes' });
    expect(conn.headers['x-api-key']).toBe('k1');

    const connected = await valueOf(source, { signal: new AbortController().signal, now: clock.now() });
    expect(connected).toMatchObject({
      connected: true,
      connected_since: '2026-03-01T12:00:00.000Z',
      messages_seen: 0,
      last_message_at: null,
      last_message_age: null,
      last_message: null,
      disconnects: 0,
      last_error: null,
    });

    conn.socket.send(JSON.stringify({ symbol: 'BTCUSDT', price: 1 }));
    clock.advance(1000);
    conn.socket.send(JSON.stringify({ symbol: 'BTCUSDT', price: 2 }));
    await eventually(async () => (await valueOf(source)).messages_seen === 2);
    const v = await valueOf(source, { signal: new AbortController().signal, now: clock.now() + 5000 });
    expect(v).toMatchObject({
      connected: true,
      messages_seen: 2,
      messages_since_connect: 2,
      last_message_at: '2026-03-01T12:00:01.000Z',
      last_message_age: 5000,
      last_message: { symbol: 'BTCUSDT', price: 2 },
    });
  });

  it('keeps a text message as text, and 64 KiB of a large one', async () => {
    const source = await sourceFor(websocketSource, { url });
    await eventually(() => open().length === 1);
    open()[0]!.socket.send('heartbeat');
    await eventually(async () => (await valueOf(source)).last_message === 'heartbeat');
    open()[0]!.socket.send('y'.repeat(100 * 1024));
    await eventually(async () => (await valueOf(source)).messages_seen === 2);
    expect(((await valueOf(source)).last_message as string).length).toBe(64 * 1024 + 1);
  });

  it('notices the server closing, reconnects with backoff and subscribes again', async () => {
    const source = await sourceFor(websocketSource, {
      url,
      subscribe: 'SUBSCRIBE quotes',
      reconnect_initial: '300ms',
      reconnect_max: '1s',
    });
    await eventually(() => open().length === 1 && open()[0]!.received.length === 1);
    open()[0]!.socket.send('{"n":1}');
    await eventually(async () => (await valueOf(source)).messages_seen === 1);

    open()[0]!.socket.close(1001, 'going away');
    await eventually(async () => (await valueOf(source)).connected === false);
    const down = await valueOf(source);
    expect(down).toMatchObject({
      connected: false,
      connected_since: null,
      messages_seen: 1,
      messages_since_connect: 0,
      disconnects: 1,
      last_error: 'connection closed (code 1001: going away)',
      last_message: { n: 1 },
    });

    await eventually(async () => (await valueOf(source)).connected === true);
    await eventually(() => open().length === 1 && open()[0]!.received.length === 1);
    expect(conns).toHaveLength(2);
    expect(conns.map((c) => c.received[0])).toEqual(['SUBSCRIBE quotes', 'SUBSCRIBE quotes']);
    open()[0]!.socket.send('{"n":2}');
    await eventually(async () => (await valueOf(source)).messages_seen === 2);
    expect(await valueOf(source)).toMatchObject({
      connected: true,
      messages_since_connect: 1,
      disconnects: 1,
    });
  });

  it('reports a feed it cannot reach, and keeps trying', async () => {
    const port = await freePort();
    const source = await sourceFor(websocketSource, {
      url: `ws://127.0.0.1:${port}/?token=s3cr3t-token`,
      reconnect_initial: '100ms',
      reconnect_max: '200ms',
    });
    await eventually(async () => (await valueOf(source)).last_error !== null);
    const v = await valueOf(source);
    expect(v).toMatchObject({ connected: false, disconnects: 0, messages_seen: 0 });
    expect(v.last_error).toMatch(/ECONNREFUSED/);
    expect(v.last_error).not.toContain('s3cr3t');
  });

  it('stop() closes the connection and the source no longer reports', async () => {
    const source = await sourceFor(websocketSource, { url });
    await eventually(() => open().length === 1);
    await source.stop!();
    await eventually(() => open().length === 0);
    expect(await errorOf(source)).toMatch(/stopped/);
    // Nothing reconnects after stop.
    await new Promise((r) => setTimeout(r, 1300));
    expect(conns).toHaveLength(1);
  });

  it('backs off exponentially with jitter, up to the maximum', () => {
    expect(reconnectDelay(0, 1000, 30_000, () => 0.5)).toBe(1000);
    expect(reconnectDelay(1, 1000, 30_000, () => 0.5)).toBe(2000);
    expect(reconnectDelay(3, 1000, 30_000, () => 0)).toBe(6400);
    expect(reconnectDelay(3, 1000, 30_000, () => 1)).toBe(9600);
    expect(reconnectDelay(20, 1000, 30_000, () => 1)).toBe(30_000);
    expect(reconnectDelay(100, 1000, 30_000, () => 0)).toBe(24_000);
  });
});

describe('websocket source configuration', () => {
  it('has defaults', async () => {
    const parsed = await parseSource(websocketSource, {
      name: 'feed',
      kind: 'websocket',
      url: 'wss://feed.example.org/ws',
    });
    expect(parsed.issues).toEqual([]);
    expect(parsed.settings).toEqual({
      url: 'wss://feed.example.org/ws',
      headers: {},
      subscribe: null,
      reconnectInitialMs: 1000,
      reconnectMaxMs: 30_000,
      timeoutMs: 5000,
    });
  });

  it('sends a string subscription as is and other values as JSON', async () => {
    const s = await parseSource(websocketSource, { url: 'ws://x/', subscribe: 'hello' });
    expect(s.settings?.subscribe).toBe('hello');
    const j = await parseSource(websocketSource, { url: 'ws://x/', subscribe: ['a', 1] });
    expect(j.settings?.subscribe).toBe('["a",1]');
  });

  it('reports bad URLs, options and durations', async () => {
    expect(await issuesOf(websocketSource, { url: 'http://x/' })).toEqual([
      'url: must be a ws:// or wss:// URL, not http://',
    ]);
    expect(await issuesOf(websocketSource, {})).toEqual(['url: is required (a ws:// or wss:// URL)']);
    expect(
      await issuesOf(websocketSource, {
        url: 'ws://x/',
        stale_after: '1m',
        reconnect_initial: 'soon',
        headers: ['x'],
      }),
    ).toEqual([
      'stale_after: unknown option',
      'headers: must be a mapping of header names to values',
      'reconnect_initial: must be a positive duration such as 1s or 500ms',
    ]);
    expect(
      await issuesOf(websocketSource, { url: 'ws://x/', reconnect_initial: '2s', reconnect_max: '1s' }),
    ).toEqual(['reconnect_max: must not be shorter than reconnect_initial']);
  });
});
