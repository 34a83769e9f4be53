import type { Dialect } from './notify-schema.js';

/**
 * The smallest database surface the shared SQL code needs: statements written with `?`
 * placeholders, run inside whatever transaction (or none) the runner was made for.
 */
export interface SqlRunner {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export type SqlValue = string | number | null;

const converted = new Map<string, string>();

/** `?` placeholders to PostgreSQL's `$1, $2, ...` (the shared statements contain no literal `?`). */
export function toPostgresPlaceholders(sql: string): string {
  let out = converted.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    converted.set(sql, out);
  }
  return out;
}

/** `?, ?, ?` for an IN list of n values (n >= 1). */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** bigint columns arrive from pg as strings; every epoch-ms value fits a double exactly. */
export function int(v: string | number | null): number {
  return typeof v === 'number' ? v : Number(v);
}

export function intOrNull(v: string | number | null): number | null {
  return v === null ? null : int(v);
}
