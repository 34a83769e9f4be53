import type { Position } from './errors.js';
import type { Value } from './values.js';

/* The parse tree, after text/template/parse/node.go. */

export interface ListNode {
  type: 'list';
  pos: Position;
  nodes: Node[];
}
export interface TextNode {
  type: 'text';
  pos: Position;
  text: string;
}
export interface ActionNode {
  type: 'action';
  pos: Position;
  pipe: PipeNode;
}
export interface BranchNode {
  type: 'if' | 'range' | 'with';
  pos: Position;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface TemplateNode {
  type: 'template';
  pos: Position;
  name: string;
  pipe: PipeNode | null;
}
export interface LoopControlNode {
  type: 'break' | 'continue';
  pos: Position;
}
export type Node = ListNode | TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode;

export interface PipeNode {
  type: 'pipe';
  pos: Position;
  isAssign: boolean;
  /** Declared or assigned variables, e.g. ["$i", "$e"]. */
  decl: string[];
  cmds: CommandNode[];
}
export interface CommandNode {
  type: 'command';
  pos: Position;
  args: ArgNode[];
}
export interface FieldNode {
  type: 'field';
  pos: Position;
  ident: string[];
}
/** `(pipeline).A.B`. */
export interface ChainNode {
  type: 'chain';
  pos: Position;
  node: ArgNode;
  field: string[];
}
/** `$x.A.B`: ident[0] is the variable. */
export interface VariableNode {
  type: 'variable';
  pos: Position;
  ident: string[];
}
export interface IdentifierNode {
  type: 'identifier';
  pos: Position;
  name: string;
}
export interface LiteralNode {
  type: 'dot' | 'nil' | 'bool' | 'number' | 'string';
  pos: Position;
  value: Value;
  /** The source text, for messages. */
  text: string;
}
export type ArgNode = FieldNode | ChainNode | VariableNode | IdentifierNode | LiteralNode | PipeNode;

/** A named template: a file's top level or a `define`/`block`. `source` names the text it came from. */
export interface Tree {
  name: string;
  source: string;
  root: ListNode;
}

/** Go's parse.IsEmptyTree: only whitespace text (and comments). */
export function isEmptyTree(n: Node): boolean {
  if (n.type === 'list') return n.nodes.every(isEmptyTree);
  if (n.type === 'text') return n.text.trim() === '';
  return false;
}

/** Source-like rendering of an argument, for error messages. */
export function argText(n: ArgNode): string {
  switch (n.type) {
    case 'field':
      return '.' + n.ident.join('.');
    case 'chain':
      return `(${argText(n.node)}).${n.field.join('.')}`;
    case 'variable':
      return n.ident.join('.');
    case 'identifier':
      return n.name;
    case 'pipe':
      return '(' + n.cmds.map((c) => c.args.map(argText).join(' ')).join(' | ') + ')';
    default:
      return n.text;
  }
}
