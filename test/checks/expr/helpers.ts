import {
  evaluate,
  parseCondition,
  type EvalContext,
  type EvalResult,
  type SourceRead,
} from '../../../src/checks/expr/index.js';

export const NOW = Date.parse('2024-05-01T12:00:00Z');

/** The value of each source (ok), and the names of unavailable ones. */
export interface Sources {
  [name: string]: unknown;
}

/**
 * A context over `values` (each ok), with `down` unavailable; `primary` defaults to "api". Counts
 * how often each source is read.
 */
export function context(
  values: Sources,
  options: { down?: string[]; primary?: string | null; now?: number } = {},
): EvalContext & { reads: string[] } {
  const reads: string[] = [];
  return {
    now: options.now ?? NOW,
    primary: options.primary === undefined ? 'api' : options.primary,
    reads,
    source(name: string): SourceRead | undefined {
      reads.push(name);
      if (options.down?.includes(name)) return { ok: false, error: `${name} timed out` };
      return Object.hasOwn(values, name) ? { ok: true, value: values[name] } : undefined;
    },
  };
}

/** Sources shaped like the seed checks': an HTTP primary, a PostgreSQL query, a queue. */
export const SEED: Sources = {
  api: {
    status: 200,
    response_time: 120,
    body: {
      connected: true,
      last_quote_at: '2024-05-01T11:59:50Z',
      items: [1, 2, 3],
      open_orders: 3,
      price: 101.5,
      name: 'Quotes',
      tags: ['eu', 'prod'],
      nested: { 'key with spaces': 'yes', list: [{ id: 7 }] },
      nothing: null,
    },
  },
  pending: { pending_size: 5 },
  quotes_db: {
    row: { n: 3 },
    rows: [
      { status: 'running', started_at: '2024-05-01T11:56:00Z', timeout_s: 300 },
      { status: 'done', started_at: '2024-05-01T10:00:00Z', timeout_s: 60 },
    ],
    count: 2,
  },
  executor: { body: { open_orders: 3 } },
};

export function run(
  text: string,
  values: Sources = SEED,
  options: Parameters<typeof context>[1] = {},
): EvalResult {
  return evaluate(parseCondition(text), context(values, options));
}

export function valueOf(text: string, values: Sources = SEED): unknown {
  const r = run(text, values);
  if (r.kind !== 'value') throw new Error(`${text}: ${JSON.stringify(r)}`);
  return r.value;
}

export function errorOf(text: string, values: Sources = SEED): string {
  const r = run(text, values);
  if (r.kind !== 'error') throw new Error(`${text}: expected an error, got ${JSON.stringify(r)}`);
  return r.message;
}
