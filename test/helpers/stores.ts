import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import type { Store } from '../../src/store/store.js';

export const PG_URL = process.env.SENTINEL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  store: Store;
  /** Closes the store and removes its file or schema. */
  dispose(): Promise<void>;
}

export type Backend = 'sqlite' | 'postgres';
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];

/** A fresh SQLite file in its own temp directory. */
export async function sqliteTestStore(): Promise<TestStore & { path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-test-'));
  const path = join(dir, 'sentinel.db');
  const store = new SqliteStore({ path });
  await store.migrate();
  return {
    store,
    path,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh PostgreSQL schema on the test server; dropped on dispose. */
export async function postgresTestStore(): Promise<TestStore & { schema: string }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await PostgresStore.open({ url: PG_URL, schema, poolSize: 8 });
  await store.migrate();
  return {
    store,
    schema,
    async dispose() {
      await store.close();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

export function testStore(backend: Backend): Promise<TestStore> {
  return backend === 'sqlite' ? sqliteTestStore() : postgresTestStore();
}
