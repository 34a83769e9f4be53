import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PG_URL, type Backend } from './stores.js';

/**
 * Databases for tests that run `sentinel serve` as a child process: a temp directory with a
 * configuration file, and a SQLite file in it or a fresh PostgreSQL schema. cleanup() removes
 * them all (call it from afterAll).
 */
export class ChildDatabases {
  private readonly dirs: string[] = [];
  private readonly schemas: string[] = [];

  /** The `serve` arguments for a new database of `backend`, with `yaml` as the rest of its configuration. */
  args(backend: Backend, prefix: string, yaml = ''): string[] {
    const dir = mkdtempSync(join(tmpdir(), `sentinel-${prefix}-`));
    this.dirs.push(dir);
    const config = join(dir, 'sentinel.yml');
    if (backend === 'sqlite') {
      writeFileSync(config, yaml);
      return ['--config', config, '--database', `sqlite:${join(dir, 'sentinel.db')}`];
    }
    const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
    this.schemas.push(schema);
    writeFileSync(config, `${yaml}\ndatabase:\n  postgres:\n    schema: ${schema}\n`);
    return ['--config', config, '--database', PG_URL];
  }

  async cleanup(): Promise<void> {
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    if (this.schemas.length === 0) return;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    for (const s of this.schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await client.end();
  }
}
