/*
 * The condition language of health checks (in the spirit of Gatus): `[STATUS] == 200`,
 * `age([BODY].last_quote_at) < 30s`, `quotes_db.row.n == executor.body.open_orders`. Conditions are
 * parsed once, when the configuration is loaded, and evaluated every cycle over what the sources
 * observed. docs/conditions.md is the user documentation.
 */
import { print, type Node } from './ast.js';
import { ConditionError } from './errors.js';
import { evaluateTree, type EvalContext, type EvalResult, type Observed } from './evaluate.js';
import { parse } from './parser.js';
import { describeValue, normalize } from './values.js';

export { ConditionError, MAX_CONDITION_LENGTH, MAX_NESTING } from './errors.js';
export { MAX_REGEX_LENGTH } from './regex.js';
export type { EvalContext, EvalResult, Observed, SourceRead } from './evaluate.js';
export type { Node as ConditionNode } from './ast.js';

/** The name sourcesOf gives the check's primary source, which placeholders such as `[BODY]` read. */
export const PRIMARY = 'primary';

/** A parsed condition. Create with parseCondition; immutable. */
export interface Condition {
  /** The text as written in the configuration. */
  readonly text: string;
  /** The canonical text (see describe). */
  readonly canonical: string;
  /** The syntax tree. */
  readonly ast: Node;
  /** Sources referenced, in order of first appearance; null for the primary source (placeholders). */
  readonly refs: readonly (string | null)[];
}

export type ConditionResult =
  { kind: 'value'; value: boolean; observed: Observed[] } | Exclude<EvalResult, { kind: 'value' }>;

function collectRefs(node: Node, out: (string | null)[]): void {
  const add = (name: string | null): void => {
    if (!out.includes(name)) out.push(name);
  };
  switch (node.kind) {
    case 'literal':
      return;
    case 'ref':
      add(node.placeholder ? null : node.name);
      for (const seg of node.path) if (seg.kind === 'expr') collectRefs(seg.expr, out);
      return;
    case 'call':
      for (const arg of node.args) collectRefs(arg, out);
      return;
    case 'unary':
      collectRefs(node.operand, out);
      return;
    case 'binary':
      collectRefs(node.left, out);
      collectRefs(node.right, out);
      return;
  }
}

/**
 * Parses a condition. Throws ConditionError, and nothing else, for text that is not a condition: a
 * syntax error, an unknown function, a wrong number of arguments, a refused regular expression, more
 * than 4096 characters or nesting deeper than 64. The message ends with the column and a caret line.
 */
export function parseCondition(text: string): Condition {
  let ast: Node;
  try {
    ast = parse(text);
  } catch (e) {
    if (e instanceof ConditionError) throw e;
    // Not expected; but a caller loading configuration must only ever see a ConditionError.
    throw new ConditionError(
      `cannot parse the condition: ${(e as Error)?.message ?? String(e)}`,
      String(text),
      1,
    );
  }
  const refs: (string | null)[] = [];
  collectRefs(ast, refs);
  return Object.freeze({ text, canonical: print(ast), ast, refs: Object.freeze(refs) });
}

/**
 * Evaluates a condition over this cycle's source values. Never throws. The result is
 * - `value`: the condition's value, with `observed`, every operand read (references and function
 *   calls, by canonical text, in the order they were first evaluated, each once) and its value;
 * - `unavailable`: evaluation needed a source that is unavailable (`ok: false`): the check is skipped.
 *   `sources` lists that source, then every other unavailable source the condition references;
 * - `error`: a type error (`null < 5`), a bad argument (`number("abc")`), an unknown source, or a
 *   placeholder without a primary source; with what had been observed until then.
 */
export function evaluate(condition: Condition, ctx: EvalContext): EvalResult {
  return evaluateTree(condition.ast, condition.refs, ctx);
}

/** evaluate, requiring a boolean: any other value is an error. */
export function check(condition: Condition, ctx: EvalContext): ConditionResult {
  const r = evaluate(condition, ctx);
  if (r.kind !== 'value' || typeof r.value === 'boolean') return r as ConditionResult;
  return {
    kind: 'error',
    message: `the condition must be true or false, but it is ${describeValue(normalize(r.value))}`,
    observed: r.observed,
  };
}

/**
 * The canonical text of a condition, for `signal_query`: single spaces around binary operators, only
 * the parentheses needed, durations as `1m30s`, fields as `.name` where possible. Parsing it gives
 * the same condition, and describing that gives the same text.
 */
export function describe(condition: Condition): string {
  return condition.canonical;
}

/** The names of the sources a condition references, in order of first appearance; `primary` for placeholders. */
export function sourcesOf(condition: Condition): string[] {
  return [...new Set(condition.refs.map((r) => r ?? PRIMARY))];
}
