import { print, type BinaryNode, type CallNode, type Node, type RefNode } from './ast.js';
import { FUNCTIONS } from './functions.js';
import {
  describeValue as what,
  EvalFailure,
  equal,
  member,
  normalize,
  snapshot,
  type Value,
} from './values.js';

/* The evaluator: a walk over the syntax tree, reading sources through the context as it goes. */

/** What a source gave this cycle: its value, or why it has none. */
export type SourceRead = { ok: true; value: unknown } | { ok: false; error: string };

export interface EvalContext {
  /** The evaluation time, ms since the epoch (`now()`, and what `age` counts from). */
  now: number;
  /** The name of the check's primary source, which placeholders such as `[BODY]` read; null if none. */
  primary: string | null;
  /** What the named source gave this cycle; undefined for a name that is no source. */
  source(name: string): SourceRead | undefined;
}

/** An operand the expression read (a reference or a function call, by its canonical text) and its value. */
export interface Observed {
  operand: string;
  value: unknown;
}

export type EvalResult =
  | { kind: 'value'; value: unknown; observed: Observed[] }
  | { kind: 'unavailable'; sources: string[] }
  | { kind: 'error'; message: string; observed: Observed[] };

/** Thrown when evaluation needs a source that is unavailable. */
class Unavailable {
  constructor(readonly source: string) {}
}

const MAX_MESSAGE_OPERAND = 120;

function clip(text: string): string {
  return text.length > MAX_MESSAGE_OPERAND ? text.slice(0, MAX_MESSAGE_OPERAND - 3) + '...' : text;
}

class Evaluator {
  readonly observed = new Map<string, unknown>();
  private readonly values = new Map<string, Value>();

  constructor(private readonly ctx: EvalContext) {}

  private fail(node: Node, reason: string): never {
    throw new EvalFailure(`${clip(print(node))}: ${reason}`);
  }

  private observe(text: string, v: Value): void {
    if (!this.observed.has(text)) this.observed.set(text, snapshot(v));
  }

  /** A source's value (read once per evaluation). */
  private read(name: string): Value {
    const cached = this.values.get(name);
    if (cached !== undefined) return cached;
    let r: SourceRead | undefined;
    try {
      r = this.ctx.source(name);
    } catch (e) {
      throw new EvalFailure(`source "${name}" could not be read: ${(e as Error)?.message ?? String(e)}`);
    }
    if (r === undefined) throw new EvalFailure(`unknown source "${name}"`);
    if (!r.ok) throw new Unavailable(name);
    const v = normalize(r.value);
    this.values.set(name, v);
    return v;
  }

  eval(node: Node): Value {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'ref':
        return this.ref(node);
      case 'call':
        return this.call(node);
      case 'unary': {
        const v = this.eval(node.operand);
        if (node.op === '!') {
          if (typeof v !== 'boolean') this.fail(node, `! needs true or false, got ${what(v)}`);
          return !v;
        }
        if (typeof v !== 'number') this.fail(node, `- needs a number, got ${what(v)}`);
        return -v;
      }
      case 'binary':
        return this.binary(node);
    }
  }

  private ref(node: RefNode): Value {
    let v: Value;
    if (node.placeholder) {
      const primary = this.ctx.primary;
      if (primary === null) this.fail(node, 'the check has no primary source for placeholders to read');
      v = member(this.read(primary), node.name.toLowerCase());
    } else {
      v = this.read(node.name);
    }
    for (const seg of node.path) {
      if (seg.kind === 'key') {
        v = member(v, seg.key);
        continue;
      }
      const key = this.eval(seg.expr);
      if (typeof key !== 'string' && !(typeof key === 'number' && Number.isInteger(key))) {
        this.fail(node, `an index must be a string or a whole number, got ${what(key)}`);
      }
      v = member(v, key);
    }
    this.observe(node.text, v);
    return v;
  }

  private call(node: CallNode): Value {
    const spec = FUNCTIONS.get(node.name)!;
    const args = node.args.map((a) => this.eval(a));
    let v: Value;
    try {
      v = spec.call(args, { now: this.ctx.now, regex: node.regex });
    } catch (e) {
      if (e instanceof EvalFailure) this.fail(node, e.message);
      throw e;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) this.fail(node, 'the result is not a finite number');
    this.observe(node.text, v);
    return v;
  }

  private boolean(node: BinaryNode, side: Node, v: Value): boolean {
    if (typeof v !== 'boolean') {
      this.fail(node, `${node.op} needs true or false, got ${what(v)} from ${clip(print(side))}`);
    }
    return v;
  }

  private binary(node: BinaryNode): Value {
    const { op } = node;
    if (op === '&&' || op === '||') {
      const l = this.boolean(node, node.left, this.eval(node.left));
      if (op === '&&' ? !l : l) return l;
      return this.boolean(node, node.right, this.eval(node.right));
    }
    const l = this.eval(node.left);
    const r = this.eval(node.right);
    switch (op) {
      case '==':
        return equal(l, r);
      case '!=':
        return !equal(l, r);
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const comparable =
          (typeof l === 'number' && typeof r === 'number') ||
          (typeof l === 'string' && typeof r === 'string');
        if (!comparable)
          this.fail(
            node,
            `cannot compare ${what(l)} with ${what(r)} (${op} needs two numbers or two strings)`,
          );
        const a = l as number | string;
        const b = r as number | string;
        return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
      }
      default: {
        if (op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
        if (typeof l !== 'number' || typeof r !== 'number') {
          const needs = op === '+' ? 'two numbers or two strings' : 'two numbers';
          this.fail(node, `${op} needs ${needs}, got ${what(l)} and ${what(r)}`);
        }
        if (op === '/' && r === 0) this.fail(node, 'division by zero');
        const v = op === '+' ? l + r : op === '-' ? l - r : op === '*' ? l * r : l / r;
        if (!Number.isFinite(v)) this.fail(node, 'the result is not a finite number');
        return v;
      }
    }
  }
}

/**
 * Evaluates a syntax tree. `sources` lists the sources the tree references, in order (null for the
 * primary source), to report every unavailable one when evaluation needs one of them. Never throws.
 */
export function evaluateTree(root: Node, sources: readonly (string | null)[], ctx: EvalContext): EvalResult {
  const ev = new Evaluator(ctx);
  const observed = (): Observed[] => [...ev.observed].map(([operand, value]) => ({ operand, value }));
  try {
    return { kind: 'value', value: ev.eval(root), observed: observed() };
  } catch (e) {
    if (e instanceof Unavailable)
      return { kind: 'unavailable', sources: unavailable(e.source, sources, ctx) };
    if (e instanceof EvalFailure) return { kind: 'error', message: e.message, observed: observed() };
    return {
      kind: 'error',
      message: `evaluation failed: ${(e as Error)?.message ?? String(e)}`,
      observed: observed(),
    };
  }
}

/** The unavailable sources among those referenced, `needed` (the one evaluation stopped at) first. */
function unavailable(needed: string, refs: readonly (string | null)[], ctx: EvalContext): string[] {
  const out = [needed];
  for (const ref of refs) {
    const name = ref ?? ctx.primary;
    if (name === null || out.includes(name)) continue;
    try {
      if (ctx.source(name)?.ok === false) out.push(name);
    } catch {
      // A source that cannot even say whether it is available is not listed.
    }
  }
  return out;
}
