import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numericValue, postgresSource } from '../../src/sources/postgres.js';
import { freePort } from '../helpers/peers.js';
import { PG_URL } from '../helpers/stores.js';
import { errorOf, issuesOf, parseSource, sourceFor, stopSourcesAfterEach, valueOf } from './helpers.js';

stopSourcesAfterEach();

const schema = `src_${randomBytes(6).toString('hex')}`;
const table = `${schema}.quotes`;
let admin: pg.Client;

/** PG_URL with a query parameter (application_name, to find this source's connections). */
function withParam(name: string, value: string): string {
  const u = new URL(PG_URL);
  u.searchParams.set(name, value);
  return u.href;
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TABLE ${table} (
    id bigint PRIMARY KEY, symbol text NOT NULL, price numeric NOT NULL, volume bigint NOT NULL,
    at timestamptz NOT NULL, day date NOT NULL, raw bytea, meta jsonb)`);
  await admin.query(
    `INSERT INTO ${table} VALUES
      (1, 'BTCUSDT', 64123.45, 9007199254740993, '2026-03-01T12:00:00Z', '2026-03-01', '\\x0102', '{"venue":"binance"}'),
      (2, 'ETHUSDT', 3012.5, 42, '2026-03-01T12:00:05Z', '2026-03-01', NULL, NULL),
      (3, 'SOLUSDT', 0.000001, 7, '2026-03-01T12:00:10Z', '2026-03-02', NULL, NULL)`,
  );
});
afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describe('postgres source', () => {
  it('returns rows as plain objects, with int8 and numeric as numbers when exact', async () => {
    const source = await sourceFor(postgresSource, {
      url: PG_URL,
      query: `SELECT id, symbol, price, volume, at, day, raw, meta, count(*) OVER () AS n FROM ${table} ORDER BY id`,
    });
    const v = await valueOf(source);
    expect(v.count).toBe(3);
    expect(v.truncated).toBe(false);
    expect(v.row).toEqual({
      id: 1,
      symbol: 'BTCUSDT',
      price: 64123.45,
      volume: '9007199254740993', // beyond 2^53: kept exact, as text
      at: '2026-03-01T12:00:00.000Z',
      day: '2026-03-01',
      raw: '\\x0102',
      meta: { venue: 'binance' },
      n: 3,
    });
    expect((v.rows as Record<string, unknown>[]).map((r) => [r.price, r.volume])).toEqual([
      [64123.45, '9007199254740993'],
      [3012.5, 42],
      [0.000001, 7],
    ]);
  });

  it('binds params and keeps at most max_rows', async () => {
    const source = await sourceFor(postgresSource, {
      url: PG_URL,
      query: `SELECT symbol FROM ${table} WHERE volume < $1 AND symbol <> $2 ORDER BY id`,
      params: [1000, 'NONE'],
      max_rows: 1,
    });
    const v = await valueOf(source);
    expect(v).toEqual({
      rows: [{ symbol: 'ETHUSDT' }],
      row: { symbol: 'ETHUSDT' },
      count: 1,
      truncated: true,
    });
  });

  it('reports an empty result with row null', async () => {
    const v = await valueOf(
      await sourceFor(postgresSource, { url: PG_URL, query: `SELECT * FROM ${table} WHERE id < 0` }),
    );
    expect(v).toEqual({ rows: [], row: null, count: 0, truncated: false });
  });

  it('a statement exceeding the timeout is unavailable, within the timeout', async () => {
    const source = await sourceFor(postgresSource, {
      url: PG_URL,
      query: 'SELECT pg_sleep(3)',
      timeout: '300ms',
    });
    const started = Date.now();
    const error = await errorOf(source);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toMatch(/timed out|statement timeout/);
    // The source recovers: its next query runs.
    const ok = await sourceFor(postgresSource, { url: PG_URL, query: 'SELECT 1 AS one', timeout: '2s' });
    expect((await valueOf(ok)).row).toEqual({ one: 1 });
  });

  it('runs in a READ ONLY transaction with statement_timeout set to the timeout', async () => {
    const source = await sourceFor(postgresSource, {
      url: PG_URL,
      query:
        "SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st",
      timeout: '1500ms',
    });
    expect((await valueOf(source)).row).toEqual({ ro: 'on', st: '1500ms' });
  });

  it('refuses writes (READ ONLY transaction), and the connection stays usable', async () => {
    const source = await sourceFor(postgresSource, {
      url: PG_URL,
      query: `INSERT INTO ${table} VALUES (9, 'X', 1, 1, now(), now(), NULL, NULL) RETURNING id`,
    });
    expect(await errorOf(source)).toMatch(/read-only transaction/);
    const update = await sourceFor(postgresSource, { url: PG_URL, query: `UPDATE ${table} SET price = 0` });
    expect(await errorOf(update)).toMatch(/read-only transaction/);
    expect(
      (await admin.query(`SELECT count(*)::int AS n, min(price)::float AS p FROM ${table}`)).rows[0],
    ).toEqual({
      n: 3,
      p: 0.000001,
    });
    expect(await errorOf(source)).toMatch(/read-only transaction/);
  });

  it('refuses more than one statement (no escaping the transaction with COMMIT)', async () => {
    const source = await sourceFor(postgresSource, {
      url: PG_URL,
      query: `SELECT 1; COMMIT; DELETE FROM ${table}`,
    });
    expect(await errorOf(source)).toMatch(/multiple commands/);
    expect((await admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]).toEqual({ n: 3 });
  });

  it('reports a query error', async () => {
    const source = await sourceFor(postgresSource, { url: PG_URL, query: `SELECT nope FROM ${table}` });
    expect(await errorOf(source)).toMatch(/column "nope" does not exist/);
  });

  it('reports connection errors without the password', async () => {
    const port = await freePort();
    const refused = await sourceFor(postgresSource, {
      url: `postgres://sentinel:hunter2-pw@127.0.0.1:${port}/test`,
      query: 'SELECT 1',
    });
    const error = await errorOf(refused);
    expect(error).toMatch(/ECONNREFUSED/);
    expect(error).not.toContain('hunter2-pw');

    const u = new URL(PG_URL);
    u.password = 'hunter2-pw';
    u.pathname = '/no_such_database_here';
    const missing = await sourceFor(postgresSource, { url: u.href, query: 'SELECT 1' });
    const error2 = await errorOf(missing);
    expect(error2).toMatch(/does not exist/);
    expect(error2).not.toContain('hunter2-pw');
  });

  it('opens at most two connections and closes them in stop()', async () => {
    const app = `sentinel_src_${randomBytes(4).toString('hex')}`;
    const source = await sourceFor(postgresSource, {
      url: withParam('application_name', app),
      query: 'SELECT pg_sleep(0.2)',
    });
    await Promise.all([1, 2, 3, 4].map(() => valueOf(source)));
    const count = async (): Promise<number> =>
      (
        await admin.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
          [app],
        )
      ).rows[0]!.n;
    expect(await count()).toBe(2);
    await source.stop!();
    for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await count()).toBe(0);
  });
});

describe('numericValue', () => {
  it('converts when a double holds the value exactly, else keeps the text', () => {
    expect(numericValue('42')).toBe(42);
    expect(numericValue('-9007199254740991')).toBe(-9007199254740991);
    expect(numericValue('9007199254740993')).toBe('9007199254740993');
    expect(numericValue('64123.4500')).toBe(64123.45);
    expect(numericValue('0.000001')).toBe(0.000001);
    expect(numericValue('1234567890.1234567')).toBe('1234567890.1234567');
    expect(numericValue('NaN')).toBe('NaN');
    expect(numericValue('Infinity')).toBe('Infinity');
  });
});

describe('postgres source configuration', () => {
  it('reads the URL from the environment, with defaults', async () => {
    const parsed = await parseSource(
      postgresSource,
      { name: 'db', kind: 'postgres', url_env: 'DB_URL', query: 'SELECT 1' },
      { env: { DB_URL: 'postgresql://u:p@db.internal:5432/app' } },
    );
    expect(parsed.issues).toEqual([]);
    expect(parsed.settings).toEqual({
      url: 'postgresql://u:p@db.internal:5432/app',
      query: 'SELECT 1',
      params: [],
      maxRows: 100,
      timeoutMs: 5000,
    });
  });

  it('reports missing and bad options, never showing the URL', async () => {
    expect(await issuesOf(postgresSource, {})).toEqual([
      'url: one of url, url_file or url_env is required',
      'query: is required',
    ]);
    const issues = await issuesOf(postgresSource, {
      url: 'mysql://root:hunter2-pw@db/app',
      query: 'SELECT 1',
      params: [1, { a: 1 }],
      max_rows: 0,
      pool: 5,
    });
    expect(issues).toEqual([
      'pool: unknown option',
      'url: must be a postgres:// or postgresql:// URL, not mysql://',
      'params[1]: must be a string or a number',
      'max_rows: must be a whole number from 1 to 10000',
    ]);
    expect(issues.join('\n')).not.toContain('hunter2');
    expect(await issuesOf(postgresSource, { url_env: 'UNSET_DB_URL', query: 'SELECT 1' })).toEqual([
      'url_env: environment variable UNSET_DB_URL is not set',
    ]);
    expect(await issuesOf(postgresSource, { url: PG_URL, url_env: 'X', query: 'SELECT 1' })).toEqual([
      'url_env: give only one of url, url_file or url_env',
    ]);
  });
});
