import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseInfo, redisSource } from '../../src/sources/redis.js';
import { freePort } from '../helpers/peers.js';
import { errorOf, issuesOf, parseSource, sourceFor, stopSourcesAfterEach, valueOf } from './helpers.js';

stopSourcesAfterEach();

const REDIS_URL = process.env.SENTINEL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let admin: Redis;
/** This test's key prefix; its keys are deleted after it. */
let p = '';

beforeAll(async () => {
  admin = new Redis(REDIS_URL, { lazyConnect: true });
  await admin.connect();
});
beforeEach(() => {
  p = `sentinel-test:${randomBytes(6).toString('hex')}:`;
});
afterEach(async () => {
  const keys = await admin.keys(`${p}*`);
  if (keys.length > 0) await admin.del(...keys);
});
afterAll(async () => {
  await admin.quit();
});

describe('redis source', () => {
  it('runs read-only commands and keeps their replies, each under its name', async () => {
    await admin.zadd(`${p}pending`, 1, 'a', 2, 'b', 3.5, 'c');
    await admin.hset(`${p}worker`, { state: 'running', jobs: '12' });
    await admin.set(`${p}last_seen`, '1772366400');
    await admin.set(`${p}lease`, 'x', 'EX', 120);
    await admin.xadd(`${p}events`, '1-1', 'kind', 'quote');
    await admin.xadd(`${p}events`, '2-1', 'kind', 'trade');
    const source = await sourceFor(redisSource, {
      url: REDIS_URL,
      commands: {
        pending_size: ['ZCARD', `${p}pending`],
        worker: ['hgetall', `${p}worker`],
        last_seen: ['GET', `${p}last_seen`],
        missing: ['GET', `${p}nothing`],
        lease_ttl: ['TTL', `${p}lease`],
        no_ttl: ['TTL', `${p}last_seen`],
        score: ['ZSCORE', `${p}pending`, 'c'],
        in_range: ['ZCOUNT', `${p}pending`, 2, '+inf'],
        top: ['ZRANGE', `${p}pending`, 0, 0, 'WITHSCORES'],
        members: ['zrangebyscore', `${p}pending`, '-inf', 2],
        events: ['XLEN', `${p}events`],
        stream: ['XINFO', 'stream', `${p}events`],
        pong: ['PING'],
        exists: ['EXISTS', `${p}pending`, `${p}nothing`],
      },
    });
    const v = await valueOf(source);
    expect(v).toMatchObject({
      pending_size: 3,
      worker: { state: 'running', jobs: '12' },
      last_seen: '1772366400', // a string: conditions use number()
      missing: null,
      no_ttl: -1,
      score: 3.5,
      in_range: 2,
      top: [{ member: 'a', score: 1 }],
      members: ['a', 'b'],
      events: 2,
      pong: 'PONG',
      exists: 1,
    });
    expect(v.lease_ttl).toBeGreaterThan(100);
    expect(v.lease_ttl).toBeLessThanOrEqual(120);
    expect(v.stream).toMatchObject({
      length: 2,
      last_generated_id: '2-1',
      first_entry: { id: '1-1', fields: { kind: 'quote' } },
      last_entry: { id: '2-1', fields: { kind: 'trade' } },
    });
  });

  it('parses INFO into an object and answers DBSIZE with a number', async () => {
    const source = await sourceFor(redisSource, {
      url: REDIS_URL,
      commands: { server: ['INFO', 'server'], clients: ['INFO', 'clients'], keys: ['DBSIZE'] },
    });
    const v = await valueOf(source);
    const server = v.server as Record<string, unknown>;
    expect(typeof server.redis_version).toBe('string');
    expect(typeof server.uptime_in_seconds).toBe('number');
    expect((v.clients as Record<string, unknown>).connected_clients).toBeGreaterThanOrEqual(1);
    expect(typeof v.keys).toBe('number');
  });

  it('a command Redis refuses makes the cycle unavailable, naming the command', async () => {
    await admin.set(`${p}text`, 'x');
    const source = await sourceFor(redisSource, {
      url: REDIS_URL,
      commands: { ok: ['PING'], size: ['ZCARD', `${p}text`] },
    });
    expect(await errorOf(source)).toMatch(/^size \(ZCARD\): WRONGTYPE/);
  });

  it('a server it cannot reach is unavailable, within the timeout, without the password', async () => {
    const port = await freePort();
    const source = await sourceFor(redisSource, {
      url: `redis://:hunter2-pw@127.0.0.1:${port}/0`,
      commands: { pong: ['PING'] },
      timeout: '500ms',
    });
    const started = Date.now();
    const error = await errorOf(source);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toMatch(/^not connected \(.*ECONNREFUSED/);
    expect(error).not.toContain('hunter2-pw');
  });

  it('a server that never answers is unavailable at the timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const a = silent.address();
    try {
      const source = await sourceFor(redisSource, {
        url: `redis://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
        commands: { pong: ['PING'] },
        timeout: '300ms',
      });
      const started = Date.now();
      expect(await errorOf(source)).toMatch(/timed out after 300 ms/);
      expect(Date.now() - started).toBeLessThan(1000);
      await source.stop!();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('connects at the first collect when not started, and is unavailable after stop()', async () => {
    const source = await sourceFor(
      redisSource,
      { url: REDIS_URL, commands: { pong: ['PING'] } },
      { start: false },
    );
    expect(await valueOf(source)).toEqual({ pong: 'PONG' });
    await source.stop!();
    expect(await errorOf(source)).toMatch(/stopped/);
  });

  it('parseInfo reads fields, numbers and keyspace lines', () => {
    expect(
      parseInfo(
        '# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:42\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\n',
      ),
    ).toEqual({
      redis_version: '7.0.15',
      uptime_in_seconds: 42,
      db0: { keys: 3, expires: 1, avg_ttl: 0 },
    });
  });
});

describe('redis source configuration', () => {
  it('reads the URL from a secret and normalizes commands', async () => {
    const parsed = await parseSource(
      redisSource,
      {
        name: 'queue',
        kind: 'redis',
        url_env: 'REDIS_URL',
        commands: { n: ['zcard', 'q'], s: ['xinfo', 'stream', 'st'] },
      },
      { env: { REDIS_URL: 'rediss://:pw@cache.internal:6380/2' } },
    );
    expect(parsed.issues).toEqual([]);
    expect(parsed.settings).toEqual({
      url: 'rediss://:pw@cache.internal:6380/2',
      commands: [
        { name: 'n', command: 'ZCARD', args: ['q'] },
        { name: 's', command: 'XINFO', args: ['STREAM', 'st'] },
      ],
      timeoutMs: 5000,
    });
  });

  it('refuses commands that are not read-only', async () => {
    const issues = await issuesOf(redisSource, {
      url: REDIS_URL,
      commands: {
        set: ['SET', 'k', 'v'],
        del: ['DEL', 'k'],
        flush: ['FLUSHALL'],
        script: ['EVAL', 'return 1', 0],
        groups: ['XINFO', 'GROUPS', 'k'],
        store: ['ZRANGE', 'k', 0, 1, 'STORE'],
        ok: ['GET', 'k'],
      },
    });
    expect(issues).toHaveLength(6);
    expect(issues[0]).toMatch(/^commands\.set: SET is not allowed: only read-only commands may be used/);
    expect(issues[1]).toMatch(/^commands\.del: DEL is not allowed/);
    expect(issues[2]).toMatch(/^commands\.flush: FLUSHALL is not allowed/);
    expect(issues[3]).toMatch(/^commands\.script: EVAL is not allowed/);
    expect(issues[4]).toBe('commands.groups: only XINFO STREAM <key> is allowed');
    expect(issues[5]).toBe('commands.store: ZRANGE may not store');
  });

  it('reports bad URLs, shapes, arities and unknown options', async () => {
    expect(await issuesOf(redisSource, {})).toEqual([
      'url: one of url, url_file or url_env is required',
      'commands: is required: a mapping of names to commands, e.g. {pending: [ZCARD, queue:pending]}',
    ]);
    const issues = await issuesOf(redisSource, {
      url: 'http://:hunter2-pw@cache/',
      db: 1,
      commands: {
        'bad-name': ['GET', 'k'],
        get2: ['GET', 'a', 'b'],
        dbsize: ['DBSIZE', 'x'],
        empty: [],
        obj: ['GET', { k: 1 }],
      },
    });
    expect(issues).toEqual([
      'db: unknown option',
      'url: must be a redis:// or rediss:// URL, not http://',
      'commands.bad-name: names must be letters, digits and underscores (they are keys of the value)',
      'commands.get2: GET takes 1 argument, not 2',
      'commands.dbsize: DBSIZE takes 0 arguments, not 1',
      'commands.empty: must be a list: the command, then its arguments (e.g. [ZCARD, queue:pending])',
      'commands.obj[1]: must be a string or a number',
    ]);
    expect(issues.join('\n')).not.toContain('hunter2');
    expect(await issuesOf(redisSource, { url: REDIS_URL, commands: {} })).toEqual([
      'commands: must be a mapping of names to commands, e.g. {pending: [ZCARD, queue:pending]}',
    ]);
  });
});
