import {
  argText,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type IdentifierNode,
  type ListNode,
  type Node,
  type PipeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
} from './ast.js';
import { FuncError, htmlTextEscape, type FuncContext, type FuncDef } from './builtins.js';
import { ExecFailure, TemplateError, type Position } from './errors.js';
import { formatValue } from './fmt.js';
import { FUNCTIONS } from './functions.js';
import { convertArg, KV, lookupMethod, type ParamKind } from './methods.js';
import { GoList, GoMap, GoStruct, isTrue, SafeHtml, sortedEntries, typeName, type Value } from './values.js';

/* The executor of Go's text/template (text/template/exec.go), walking the parse tree. */

export interface ExecOptions {
  /** HTML mode: action output is HTML-escaped unless it is SafeHtml. */
  html: boolean;
  /** 'zero': a missing map key gives the element's zero value ("" for labels), as Alertmanager; 'default': `<no value>`, as plain Go. */
  missingKey: 'zero' | 'default';
  now: () => number;
  maxDepth: number;
  maxOutput: number;
  maxSteps: number;
}

const MISSING = Symbol('missing');
type Final = Value | typeof MISSING;
type Signal = 'break' | 'continue' | null;

/** A value for an error message, shortened. */
function brief(v: Value): string {
  const s = formatValue(v);
  return s.length > 80 ? `${s.slice(0, 77)}... (${typeName(v)})` : s;
}

export function execute(
  templates: ReadonlyMap<string, Tree>,
  main: Tree,
  dot: Value,
  opts: ExecOptions,
): string {
  return new Exec(templates, main, opts).run(dot);
}

class Exec {
  private out: string[] = [];
  private outBytes = 0;
  private vars: { name: string; value: Value }[] = [];
  private depth = 0;
  private steps = 0;
  private at: Position = { line: 1, col: 1 };
  private ctx: FuncContext;

  constructor(
    private readonly templates: ReadonlyMap<string, Tree>,
    private tree: Tree,
    private readonly opts: ExecOptions,
  ) {
    this.ctx = { now: opts.now, maxString: opts.maxOutput, html: opts.html };
  }

  run(dot: Value): string {
    this.vars = [{ name: '$', value: dot }];
    try {
      this.walkList(dot, this.tree.root);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      if (e instanceof ExecFailure || e instanceof FuncError) this.fail(e.message);
      if (e instanceof RangeError && /call stack/i.test(e.message))
        this.fail('template nesting too deep for the stack');
      this.fail(`internal error: ${(e as Error).message}`);
    }
    return this.out.join('');
  }

  private fail(msg: string, pos: Position = this.at): never {
    throw new TemplateError('exec', this.tree.source, pos, msg, this.tree.name);
  }

  private step(): void {
    if (++this.steps > this.opts.maxSteps)
      this.fail(`template execution exceeded ${this.opts.maxSteps} steps`);
  }

  private write(s: string): void {
    this.outBytes += Buffer.byteLength(s);
    if (this.outBytes > this.opts.maxOutput) this.fail(`output exceeds ${this.opts.maxOutput} bytes`);
    this.out.push(s);
  }

  private print(v: Value): void {
    if (!this.opts.html) this.write(v === undefined ? '<no value>' : formatValue(v));
    else if (v instanceof SafeHtml) this.write(v.s);
    else if (v !== undefined && v !== null) this.write(htmlTextEscape(formatValue(v)));
  }

  private walkList(dot: Value, list: ListNode): Signal {
    for (const n of list.nodes) {
      const sig = this.walk(dot, n);
      if (sig) return sig;
    }
    return null;
  }

  private walk(dot: Value, node: Node): Signal {
    this.step();
    this.at = node.pos;
    switch (node.type) {
      case 'text':
        this.write(node.text);
        return null;
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.print(v);
        return null;
      }
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        this.walkTemplate(dot, node);
        return null;
      case 'break':
      case 'continue':
        return node.type;
      case 'list':
        return this.walkList(dot, node);
    }
  }

  private walkIfOrWith(dot: Value, node: BranchNode): Signal {
    const mark = this.vars.length;
    const v = this.evalPipeline(dot, node.pipe);
    let sig: Signal = null;
    if (isTrue(v)) sig = this.walkList(node.type === 'with' ? v : dot, node.list);
    else if (node.elseList) sig = this.walkList(dot, node.elseList);
    this.vars.length = mark;
    return sig;
  }

  private walkRange(dot: Value, node: BranchNode): Signal {
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, node.pipe);
    const bodyMark = this.vars.length;
    const decl = node.pipe.decl;
    let ran = false;
    const iteration = (index: Value, elem: Value): boolean => {
      ran = true;
      this.step();
      if (decl.length > 0) {
        if (node.pipe.isAssign) {
          this.setVar(decl[0]!, decl.length > 1 ? index : elem);
          if (decl.length > 1) this.setVar(decl[1]!, elem);
        } else {
          this.vars[bodyMark - 1]!.value = elem;
          if (decl.length > 1) this.vars[bodyMark - 2]!.value = index;
        }
      }
      const sig = this.walkList(elem, node.list);
      this.vars.length = bodyMark;
      return sig === 'break';
    };
    if (val instanceof GoList) {
      for (let i = 0; i < val.items.length; i++) if (iteration(i, val.items[i])) break;
    } else if (val instanceof GoMap) {
      for (const [k, v] of sortedEntries(val)) if (iteration(k, v)) break;
    } else if (typeof val === 'number') {
      if (decl.length > 1) this.fail(`can't use ${val} to iterate over more than one variable`, node.pos);
      for (let i = 0; i < val; i++) if (iteration(i, i)) break;
    } else if (val !== undefined && val !== null) {
      this.fail(`range can't iterate over ${brief(val)}`, node.pos);
    }
    if (!ran && node.elseList) this.walkList(dot, node.elseList);
    this.vars.length = mark;
    return null;
  }

  private walkTemplate(dot: Value, node: TemplateNode): void {
    const tree = this.templates.get(node.name);
    if (!tree) this.fail(`template ${JSON.stringify(node.name)} not defined`, node.pos);
    if (this.depth >= this.opts.maxDepth)
      this.fail(`exceeded maximum template depth (${this.opts.maxDepth})`, node.pos);
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
    const [savedVars, savedTree] = [this.vars, this.tree];
    this.vars = [{ name: '$', value: newDot }];
    this.tree = tree;
    this.depth++;
    this.walkList(newDot, tree.root);
    this.depth--;
    this.vars = savedVars;
    this.tree = savedTree;
  }

  private evalPipeline(dot: Value, pipe: PipeNode): Value {
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      this.step();
      value = this.evalCommand(dot, cmd.args, value);
    }
    const v = value === MISSING ? undefined : value;
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, v);
      else this.vars.push({ name, value: v });
    }
    return v;
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING)
      this.fail(`can't give argument to non-function ${argText(args[0]!)}`);
  }

  private evalCommand(dot: Value, args: readonly ArgNode[], final: Final): Value {
    const first = args[0]!;
    this.at = first.pos;
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, first.ident, args, final);
      case 'chain':
        return this.evalChain(dot, first, args, final);
      case 'identifier':
        return this.evalFunction(dot, first, args, final);
      case 'variable':
        return this.evalVariable(first, args, final);
      case 'pipe':
        this.notAFunction(args, final);
        return this.evalPipeline(dot, first);
      case 'nil':
        return this.fail('nil is not a command');
      case 'dot':
        this.notAFunction(args, final);
        return dot;
      default:
        this.notAFunction(args, final);
        return first.value;
    }
  }

  private evalArg(dot: Value, n: ArgNode): Value {
    this.at = n.pos;
    switch (n.type) {
      case 'dot':
        return dot;
      case 'field':
        return this.evalFieldChain(dot, dot, n.ident, [n], MISSING);
      case 'variable':
        return this.evalVariable(n, [n], MISSING);
      case 'pipe':
        return this.evalPipeline(dot, n);
      case 'identifier':
        return this.evalFunction(dot, n, [n], MISSING);
      case 'chain':
        return this.evalChain(dot, n, [n], MISSING);
      default:
        return n.value;
    }
  }

  private evalVariable(v: VariableNode, args: readonly ArgNode[], final: Final): Value {
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(undefined, value, v.ident.slice(1), args, final);
  }

  private evalChain(dot: Value, chain: ChainNode, args: readonly ArgNode[], final: Final): Value {
    if (chain.node.type === 'nil') this.fail(`indirection through explicit nil in ${argText(chain)}`);
    const v = this.evalArg(dot, chain.node);
    this.at = chain.pos;
    return this.evalFieldChain(dot, v, chain.field, args, final);
  }

  private evalFieldChain(
    dot: Value,
    receiver: Value,
    ident: readonly string[],
    args: readonly ArgNode[],
    final: Final,
  ): Value {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, [], MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, args, final, receiver);
  }

  private evalField(
    dot: Value,
    name: string,
    args: readonly ArgNode[],
    final: Final,
    receiver: Value,
  ): Value {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.fail(`nil pointer evaluating interface {}.${name}`);
    const method = lookupMethod(receiver, name);
    if (method) {
      return this.evalCall(dot, name, method.params, undefined, (a) => method.call(receiver, a), args, final);
    }
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver instanceof GoStruct && receiver.fields.has(name)) {
      if (hasArgs) this.fail(`${name} has arguments but cannot be invoked as function`);
      return receiver.fields.get(name);
    }
    if (receiver instanceof GoMap) {
      if (hasArgs) this.fail(`${name} is not a method but has arguments`);
      if (receiver.entries.has(name)) return receiver.entries.get(name);
      if (this.opts.missingKey === 'default') return undefined;
      return receiver.type === KV ? '' : null;
    }
    return this.fail(`can't evaluate field ${name} in type ${typeName(receiver)}`);
  }

  private evalFunction(dot: Value, node: IdentifierNode, args: readonly ArgNode[], final: Final): Value {
    const name = node.name;
    const def: FuncDef | undefined = FUNCTIONS.get(name);
    if (!def) return this.fail(`${JSON.stringify(name)} is not a defined function`);
    if (name === 'and' || name === 'or') {
      if (args.length < 2 && final === MISSING)
        this.fail(`wrong number of args for ${name}: want at least 1 got 0`);
      let v: Value;
      for (const a of args.slice(1)) {
        v = this.evalArg(dot, a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    return this.evalCall(dot, name, def.params, def.variadic, (a) => def.call(a, this.ctx), args, final);
  }

  /** Calls a function or method: checks arity and argument types, evaluates the arguments in order. */
  private evalCall(
    dot: Value,
    name: string,
    params: readonly ParamKind[],
    variadic: ParamKind | undefined,
    fn: (args: Value[]) => Value,
    args: readonly ArgNode[],
    final: Final,
  ): Value {
    const pos = this.at;
    const actual = args.slice(1);
    const numIn = actual.length + (final !== MISSING ? 1 : 0);
    if (variadic !== undefined ? numIn < params.length : numIn !== params.length) {
      const want = variadic !== undefined ? `at least ${params.length}` : String(params.length);
      this.fail(`wrong number of args for ${name}: want ${want} got ${numIn}`, pos);
    }
    const kindOf = (i: number): ParamKind => params[i] ?? variadic ?? 'any';
    const convert = (v: Value, i: number, at: Position): Value => {
      try {
        return convertArg(v, kindOf(i));
      } catch (e) {
        if (e instanceof ExecFailure) this.fail(e.message, at);
        throw e;
      }
    };
    const values = actual.map((a, i) => convert(this.evalArg(dot, a), i, a.pos));
    if (final !== MISSING) values.push(convert(final, values.length, pos));
    this.at = pos;
    let result: Value;
    try {
      result = fn(values);
    } catch (e) {
      if (e instanceof FuncError || e instanceof ExecFailure)
        this.fail(`error calling ${name}: ${e.message}`, pos);
      throw e;
    }
    if (typeof result === 'string' && result.length > this.opts.maxOutput) {
      this.fail(`error calling ${name}: result longer than ${this.opts.maxOutput} characters`, pos);
    }
    return result;
  }

  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return this.fail(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }
}
