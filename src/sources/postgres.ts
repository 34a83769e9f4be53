import pg from 'pg';
import {
  describeError,
  observed,
  parseTimeout,
  positiveIntOption,
  reportUnknown,
  requiredString,
  secretUrl,
  unavailable,
  urlSecrets,
  withDeadline,
  stoppable,
} from './common.js';
import type { Source, SourceDefinition, SourceParseContext } from './source.js';

/*
 * `postgres`: one read-only query per cycle. It runs inside a READ ONLY transaction (which is
 * rolled back) with statement_timeout set to the source's timeout, as a single statement of the
 * extended protocol (so `SELECT 1; COMMIT; DELETE ...` is refused by the server rather than split),
 * on a pool of at most two connections opened in start() (or at the first collect) and closed in
 * stop(). Rows become plain objects: int8 and numeric values are numbers when a double holds them
 * exactly (else they stay strings), timestamptz values ISO strings, bytea values `\x…` hex.
 *
 * Value: { rows, row, count, truncated }
 */

export const PG_DEFAULT_MAX_ROWS = 100;
const PG_POOL_SIZE = 2;

export interface PostgresSourceSettings {
  url: string;
  query: string;
  params: (string | number)[];
  maxRows: number;
  timeoutMs: number;
}

const KEYS = ['url', 'url_file', 'url_env', 'query', 'params', 'max_rows'];

async function parse(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
): Promise<PostgresSourceSettings | null> {
  reportUnknown(raw, ctx, KEYS);
  const timeoutMs = parseTimeout(raw, ctx);
  const url = await secretUrl(raw, ctx, ['postgres:', 'postgresql:']);
  const query = requiredString(raw, ctx, 'query');
  if (query !== null && query.trim() === '') ctx.issue('query', 'is required');
  const params: (string | number)[] = [];
  if (raw.params !== undefined && raw.params !== null) {
    if (!Array.isArray(raw.params))
      ctx.issue('params', 'must be a list of strings and numbers ($1, $2, ...)');
    else
      raw.params.forEach((p: unknown, i) => {
        if (typeof p === 'string' || (typeof p === 'number' && Number.isFinite(p))) params.push(p);
        else ctx.issue(`params[${i}]`, 'must be a string or a number');
      });
  }
  const maxRows = positiveIntOption(raw, ctx, 'max_rows', PG_DEFAULT_MAX_ROWS, 10_000);
  if (url === null || query === null || query.trim() === '') return null;
  return { url, query, params, maxRows, timeoutMs };
}

/**
 * A numeric or int8 value's text as a number when a double holds it exactly (at most 15
 * significant digits, or a safe integer); else the text (NaN, Infinity, or too precise).
 */
export function numericValue(text: string): number | string {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
  const n = Number(text);
  if (!text.includes('.')) return Number.isSafeInteger(n) ? n : text;
  const significant = text.replace(/^-/, '').replace(/0+$/, '').replace('.', '').replace(/^0+/, '');
  return significant.length <= 15 ? n : text;
}

const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114 } as const;

// int8 and numeric as numbers when exact; date and timestamp (without time zone) as PostgreSQL
// writes them, since turning them into Dates would read them in Sentinel's local time zone.
const getTypeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (oid === OID.int8 || oid === OID.numeric) return numericValue;
  if (oid === OID.date || oid === OID.timestamp) return (text: string) => text;
  return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
}) as typeof pg.types.getTypeParser;

function plain(value: unknown): unknown {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : String(value);
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = plain(v);
  return out;
}

function create(settings: PostgresSourceSettings): Source {
  const secrets = urlSecrets(settings.url);
  let pool: pg.Pool | null = null;

  const getPool = (): pg.Pool => {
    if (pool) return pool;
    const p = new pg.Pool({
      connectionString: settings.url,
      max: PG_POOL_SIZE,
      connectionTimeoutMillis: settings.timeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'sentinel',
      types: { getTypeParser },
    });
    // An idle connection the server closes (a restart) is reported by the next collect, not thrown.
    p.on('error', () => {});
    pool = p;
    return p;
  };

  return stoppable({
    start() {
      getPool();
    },

    async collect(ctx, start) {
      let client: pg.PoolClient | null = null;
      let released = false;
      const release = (err?: Error): void => {
        if (client && !released) {
          released = true;
          client.release(err);
        }
      };
      try {
        const rows = await withDeadline(
          ctx,
          settings.timeoutMs,
          async (signal) => {
            const c = await getPool().connect();
            client = c;
            if (signal.aborted) {
              // The deadline passed while the pool was connecting: nothing to run any more.
              release();
              throw signal.reason as Error;
            }
            try {
              await c.query('BEGIN TRANSACTION READ ONLY');
              await c.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(settings.timeoutMs))}`);
              // queryMode 'extended': one statement only, even without parameters.
              const query: pg.QueryConfig & { queryMode: 'extended' } = {
                text: settings.query,
                values: settings.params,
                queryMode: 'extended',
              };
              const res = await c.query<Record<string, unknown>>(query);
              await c.query('ROLLBACK');
              release();
              return res.rows ?? [];
            } catch (err) {
              // A statement the server refused leaves the connection usable once rolled back.
              if (err instanceof pg.DatabaseError && !signal.aborted) {
                try {
                  await c.query('ROLLBACK');
                  release();
                } catch (rollbackErr) {
                  release(rollbackErr as Error);
                }
              } else release(err instanceof Error ? err : new Error(String(err)));
              throw err;
            }
          },
          // Given up on (timeout): the connection is closed rather than returned mid-query.
          () => release(new Error('timed out')),
        );
        const kept = rows.slice(0, settings.maxRows).map(plainRow);
        return observed(
          { rows: kept, row: kept[0] ?? null, count: kept.length, truncated: rows.length > kept.length },
          start,
        );
      } catch (err) {
        return unavailable(describeError(err), start, secrets);
      }
    },

    async release() {
      const p = pool;
      pool = null;
      if (p) await p.end();
    },
  });
}

export const postgresSource: SourceDefinition<PostgresSourceSettings> = { parse, create };
