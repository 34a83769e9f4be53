import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpSource } from '../../src/sources/tcp.js';
import { freePort } from '../helpers/peers.js';
import { issuesOf, parseSource, sourceFor, stopSourcesAfterEach, valueOf } from './helpers.js';

stopSourcesAfterEach();

let server: Server;
let port: number;
let accepted = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const a = server.address();
  port = typeof a === 'object' && a ? a.port : 0;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('tcp source', () => {
  it('connects to a listening port, and closes the connection again', async () => {
    const before = accepted;
    const v = await valueOf(await sourceFor(tcpSource, { host: '127.0.0.1', port }));
    expect(v).toMatchObject({ connected: true, error: null });
    expect(typeof v.response_time).toBe('number');
    expect(accepted).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(sockets.size).toBe(0);
  });

  it('observes a closed port as connected: false, with the reason', async () => {
    const closed = await freePort();
    const v = await valueOf(await sourceFor(tcpSource, { host: '127.0.0.1', port: closed }));
    expect(v.connected).toBe(false);
    expect(v.error).toMatch(/ECONNREFUSED/);
  });

  it('observes an unresolvable host as connected: false', async () => {
    const v = await valueOf(
      await sourceFor(tcpSource, { host: 'sentinel-test.invalid', port: 80, timeout: '3s' }),
    );
    expect(v.connected).toBe(false);
    expect(v.error).toMatch(/ENOTFOUND|EAI_AGAIN|timed out/);
  });

  it('answers at once when the engine is stopping', async () => {
    const ac = new AbortController();
    ac.abort();
    const v = await valueOf(await sourceFor(tcpSource, { host: '127.0.0.1', port }), {
      signal: ac.signal,
      now: Date.now(),
    });
    expect(v).toMatchObject({ connected: false, error: 'aborted (the engine is stopping)' });
  });

  it('parses host and port', async () => {
    const ok = await parseSource(tcpSource, {
      name: 'db',
      kind: 'tcp',
      host: '[::1]',
      port: 5432,
      timeout: '2s',
    });
    expect(ok.issues).toEqual([]);
    expect(ok.settings).toEqual({ host: '::1', port: 5432, timeoutMs: 2000 });
    expect(await issuesOf(tcpSource, {})).toEqual(['host: is required', 'port: is required']);
    expect(await issuesOf(tcpSource, { host: 'db:5432', port: 0 })).toEqual([
      'host: must be a host name or an IP address (without a port or a scheme)',
      'port: must be a whole number from 1 to 65535',
    ]);
    expect(await issuesOf(tcpSource, { host: 'db', port: '5432', extra: true })).toEqual([
      'extra: unknown option',
      'port: must be a whole number from 1 to 65535',
    ]);
  });
});
