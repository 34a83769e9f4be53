import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_SLACK_MS } from '../../src/engine/engine.js';
import { killHard, startChildServer, stopGracefully, type ChildServer } from '../helpers/child-server.js';
import { PG_URL } from '../helpers/stores.js';

/*
 * Two `sentinel serve` processes on one PostgreSQL schema share the checks: each check runs once
 * per interval across them (never twice), and when one is killed with SIGKILL the other takes its
 * checks over within the lease (the slowest source's timeout plus LEASE_SLACK_MS), so none is
 * skipped. The sources are real HTTP endpoints; each request is recorded with its time.
 */

const CHECKS = 12;
const INTERVAL_MS = 4000;
/** The built-in sentinel source's timeout is the slowest here (2 s). */
const LEASE_MS = 2000 + LEASE_SLACK_MS;
const POLL_MS = 1000;

const hits = new Map<string, number[]>();
let server: Server;
let base = '';
const schema = `hr_${randomBytes(5).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'sentinel-replicas-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    const list = hits.get(req.url ?? '') ?? [];
    list.push(Date.now());
    hits.set(req.url ?? '', list);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('checks shared by two replicas on PostgreSQL', () => {
  it('runs each check once per interval across the replicas, and covers a killed replica within its lease', async () => {
    const sources = Array.from(
      { length: CHECKS },
      (_, i) => `  - { name: s${i}, kind: http, url: '${base}/c${i}', timeout: 1s }`,
    );
    const checks = Array.from(
      { length: CHECKS },
      (_, i) =>
        `  - { id: c${i}, service: app, kind: condition, source: s${i}, interval: 4s, conditions: ['[STATUS] == 200'] }`,
    );
    const file = join(dir, 'sentinel.yml');
    writeFileSync(
      file,
      `database:\n  postgres:\n    schema: ${schema}\nservices: [{ name: app }]\nsources:\n${sources.join('\n')}\nchecks:\n${checks.join('\n')}\n`,
    );
    const args = ['--config', file, '--database', PG_URL];
    const a: ChildServer = await startChildServer(args);
    const b: ChildServer = await startChildServer(args);
    try {
      await sleep(3 * INTERVAL_MS);
      // Both replicas did work.
      const cycles = (await (await fetch(`${b.url}/api/v1/cycles?limit=1000`)).json()) as {
        cycles: Array<{ replica: string; checks_run: number }>;
      };
      const workers = new Set(cycles.cycles.filter((c) => c.checks_run > 0).map((c) => c.replica));
      expect(workers.size, [...a.output.slice(-5), ...b.output.slice(-5)].join('\n')).toBe(2);

      const killedAt = Date.now();
      await killHard(a);
      await sleep(3 * INTERVAL_MS + LEASE_MS);
      const end = Date.now();

      for (let i = 0; i < CHECKS; i++) {
        const times = hits.get(`/c${i}`) ?? [];
        const gaps = times.slice(1).map((t, k) => t - times[k]!);
        // Never twice in one interval, whichever replica ran it.
        expect(Math.min(...gaps), `c${i} ${JSON.stringify(gaps)}`).toBeGreaterThanOrEqual(INTERVAL_MS - 300);
        // Never skipped: after the kill it keeps running, and the longest wait is one interval
        // plus the dead replica's lease and a poll.
        expect(times.filter((t) => t > killedAt).length, `c${i}`).toBeGreaterThanOrEqual(2);
        expect(
          Math.max(...gaps, end - times[times.length - 1]!),
          `c${i} ${JSON.stringify(gaps)}`,
        ).toBeLessThanOrEqual(INTERVAL_MS + LEASE_MS + POLL_MS + 1000);
      }
    } finally {
      await killHard(a);
      await stopGracefully(b);
    }
  }, 60_000);
});
