import { DURATION_UNITS } from './lexer.js';

/* The syntax tree of a condition, and its canonical text. */

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type BinaryOp = '||' | '&&' | CompareOp | '+' | '-' | '*' | '/';

export interface LiteralNode {
  kind: 'literal';
  value: null | boolean | number | string;
  /** A number written as a duration (`30s`); printed as one. */
  duration: boolean;
}

/** One step of a path: a constant field name or index, or an index computed by an expression. */
export type Segment = { kind: 'key'; key: string | number } | { kind: 'expr'; expr: Node };

/** `[BODY].a[0]` (placeholder: true, name 'BODY') or `pending.size` (a source by name), with a path. */
export interface RefNode {
  kind: 'ref';
  placeholder: boolean;
  name: string;
  path: Segment[];
  /** The canonical text, which names the operand in `observed`. */
  text: string;
}

export interface CallNode {
  kind: 'call';
  name: string;
  args: Node[];
  /** `matches`: its regular expression, compiled when the condition was parsed. */
  regex: RegExp | null;
  text: string;
}

export interface UnaryNode {
  kind: 'unary';
  op: '!' | '-';
  operand: Node;
}

export interface BinaryNode {
  kind: 'binary';
  op: BinaryOp;
  left: Node;
  right: Node;
}

export type Node = LiteralNode | RefNode | CallNode | UnaryNode | BinaryNode;

/** Binding strength: higher binds tighter. */
const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
};
export const COMPARE_PRECEDENCE = 3;
const UNARY = 6;
const ATOM = 7;

export function isCompareOp(op: string): op is CompareOp {
  return op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=';
}

function precedence(node: Node): number {
  if (node.kind === 'binary') return PRECEDENCE[node.op];
  return node.kind === 'unary' ? UNARY : ATOM;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const UNITS_DESCENDING = [...DURATION_UNITS].sort((a, b) => b[1] - a[1]);

/** `90000` -> `1m30s`; a fraction of a millisecond or a huge value as plain milliseconds (`1.5ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (!Number.isSafeInteger(ms) || ms < 0) return `${String(ms)}ms`;
  let rest = ms;
  let out = '';
  for (const [unit, factor] of UNITS_DESCENDING) {
    const n = Math.floor(rest / factor);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * factor;
  }
  return out;
}

function wrap(node: Node, min: number): string {
  const text = print(node);
  return precedence(node) < min ? `(${text})` : text;
}

export function printSegment(seg: Segment): string {
  if (seg.kind === 'expr') return `[${print(seg.expr)}]`;
  if (typeof seg.key === 'number') return `[${String(seg.key)}]`;
  return IDENT.test(seg.key) ? `.${seg.key}` : `[${JSON.stringify(seg.key)}]`;
}

export function printRef(node: Pick<RefNode, 'placeholder' | 'name' | 'path'>): string {
  return (node.placeholder ? `[${node.name}]` : node.name) + node.path.map(printSegment).join('');
}

export function printCall(name: string, args: readonly Node[]): string {
  return `${name}(${args.map(print).join(', ')})`;
}

/** The canonical text of a node: single spaces around binary operators, only the parentheses needed. */
export function print(node: Node): string {
  switch (node.kind) {
    case 'literal':
      if (typeof node.value === 'number')
        return node.duration ? formatDuration(node.value) : String(node.value);
      return typeof node.value === 'string' ? JSON.stringify(node.value) : String(node.value);
    case 'ref':
    case 'call':
      return node.text;
    case 'unary': {
      const operand = wrap(node.operand, UNARY);
      // `- -x`, not `--x`, which reads like a decrement.
      return node.op === '-' && operand.startsWith('-') ? `- ${operand}` : `${node.op}${operand}`;
    }
    case 'binary': {
      const p = PRECEDENCE[node.op];
      // Left-associative, except comparisons, which do not chain.
      const left = wrap(node.left, p === COMPARE_PRECEDENCE ? p + 1 : p);
      return `${left} ${node.op} ${wrap(node.right, p + 1)}`;
    }
  }
}
