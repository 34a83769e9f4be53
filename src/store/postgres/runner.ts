import type pg from 'pg';
import { toPostgresPlaceholders, type SqlRunner, type SqlValue } from '../sql/runner.js';

/** A SqlRunner over a pg client (one transaction's connection) or the pool (reads outside transactions). */
export function pgRunner(queryable: () => Pick<pg.ClientBase, 'query'>): SqlRunner {
  return {
    dialect: 'postgres',
    async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      const r = await queryable().query(toPostgresPlaceholders(sql), [...params]);
      return r.rows as T[];
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      const r = await queryable().query(toPostgresPlaceholders(sql), [...params]);
      return r.rowCount ?? 0;
    },
  };
}
