import type Database from 'better-sqlite3';
import type { SqlRunner, SqlValue } from '../sql/runner.js';

/** A SqlRunner over one better-sqlite3 connection, with statements prepared once by `prepare`. */
export function sqliteRunner(prepare: (sql: string) => Database.Statement): SqlRunner {
  return {
    dialect: 'sqlite',
    async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      return prepare(sql).all(...params) as T[];
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      return prepare(sql).run(...params).changes;
    },
  };
}
