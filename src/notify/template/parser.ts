import {
  isEmptyTree,
  type ArgNode,
  type BranchNode,
  type CommandNode,
  type ListNode,
  type Node,
  type PipeNode,
  type TemplateNode,
  type Tree,
} from './ast.js';
import { TemplateError, type Position } from './errors.js';
import { lex, type Token, type TokenType } from './lexer.js';
import { parseNumber, unquoteChar, unquoteString } from './literals.js';

/* The parser of Go's text/template (text/template/parse/parse.go), as a recursive descent over tokens. */

/** Deepest nesting of control structures and parentheses accepted. */
export const MAX_PARSE_DEPTH = 200;

export interface ParseResult {
  /** The top level of the text, named `name`. */
  main: Tree;
  /** Templates defined by `define` and `block`, in order. */
  defined: Tree[];
}

type Terminator = { kind: 'end'; pos: Position } | { kind: 'else'; pos: Position };

/**
 * Parses `text` (from `source`) as template `name`. `hasFunction` tells which identifiers are
 * functions; an unknown one is a parse error, as in Go.
 */
export function parse(
  text: string,
  source: string,
  name: string,
  hasFunction: (name: string) => boolean,
): ParseResult {
  const tokens = lex(text, source);
  let i = 0;
  let vars: string[] = ['$'];
  let rangeDepth = 0;
  let depth = 0;
  /** Templates of this parse, by name; a second non-empty definition is an error, as in Go. */
  const treeSet = new Map<string, Tree>();
  const defined: Tree[] = [];

  const fail = (pos: Position, msg: string): never => {
    throw new TemplateError('parse', source, pos, msg);
  };
  const next = (): Token => tokens[Math.min(i++, tokens.length - 1)]!;
  const peek = (): Token => tokens[Math.min(i, tokens.length - 1)]!;
  const backup = (n = 1) => {
    i -= n;
  };
  const nextNonSpace = (): Token => {
    let t = next();
    while (t.type === 'space') t = next();
    return t;
  };
  const peekNonSpace = (): Token => {
    const t = nextNonSpace();
    backup();
    return t;
  };
  const describe = (t: Token): string => (t.type === 'eof' ? 'EOF' : JSON.stringify(t.value));
  const unexpected = (t: Token, context: string): never =>
    fail(t.pos, `unexpected ${describe(t)} in ${context}`);
  const expect = (type: TokenType, context: string): Token => {
    const t = nextNonSpace();
    if (t.type !== type) unexpected(t, context);
    return t;
  };
  const isKeyword = (t: Token, word: string) => t.type === 'keyword' && t.value === word;
  const enter = (pos: Position) => {
    if (++depth > MAX_PARSE_DEPTH) fail(pos, `max nesting depth of ${MAX_PARSE_DEPTH} exceeded`);
  };

  const addTree = (tree: Tree, pos: Position) => {
    const old = treeSet.get(tree.name);
    if (old === undefined || isEmptyTree(old.root)) {
      treeSet.set(tree.name, tree);
      if (tree.name !== name) {
        const at = defined.findIndex((d) => d.name === tree.name);
        if (at >= 0) defined.splice(at, 1);
        defined.push(tree);
      }
    } else if (!isEmptyTree(tree.root))
      fail(pos, `template: multiple definition of template ${JSON.stringify(tree.name)}`);
  };

  /** Parses a nested template body (define or block) with its own variables. */
  const subTree = (treeName: string, context: string): Tree => {
    const [savedVars, savedRange] = [vars, rangeDepth];
    vars = ['$'];
    rangeDepth = 0;
    const [root, end] = itemList();
    if (end.kind !== 'end') fail(end.pos, `unexpected {{else}} in ${context}`);
    vars = savedVars;
    rangeDepth = savedRange;
    return { name: treeName, source, root };
  };

  const templateName = (t: Token, context: string): string => {
    if (t.type !== 'string' && t.type !== 'rawString') unexpected(t, context);
    return unquote(t);
  };

  const unquote = (t: Token): string => {
    try {
      return unquoteString(t.value);
    } catch (e) {
      return fail(t.pos, `${(e as Error).message}: ${t.value}`);
    }
  };

  const root: ListNode = { type: 'list', pos: peek().pos, nodes: [] };
  while (peek().type !== 'eof') {
    if (peek().type === 'leftDelim') {
      const save = i;
      const delim = next();
      const t = nextNonSpace();
      if (isKeyword(t, 'define')) {
        const nameTok = nextNonSpace();
        if (nameTok.type !== 'string' && nameTok.type !== 'rawString') unexpected(nameTok, 'define clause');
        const defName = unquote(nameTok);
        expect('rightDelim', 'define clause');
        addTree(subTree(defName, 'define clause'), delim.pos);
        continue;
      }
      i = save;
    }
    const n = textOrAction();
    if ('kind' in n) return fail(n.pos, `unexpected {{${n.kind}}}`);
    root.nodes.push(n);
  }
  const main: Tree = { name, source, root };
  addTree(main, root.pos);
  return { main, defined };

  function textOrAction(): Node | Terminator {
    const t = nextNonSpace();
    if (t.type === 'text') return { type: 'text', pos: t.pos, text: t.value };
    if (t.type === 'leftDelim') return action();
    return unexpected(t, 'input');
  }

  function itemList(): [ListNode, Terminator] {
    const list: ListNode = { type: 'list', pos: peekNonSpace().pos, nodes: [] };
    while (peekNonSpace().type !== 'eof') {
      const n = textOrAction();
      if ('kind' in n) return [list, n];
      list.nodes.push(n);
    }
    return fail(peek().pos, 'unexpected EOF');
  }

  function action(): Node | Terminator {
    const t = nextNonSpace();
    if (t.type === 'keyword') {
      switch (t.value) {
        case 'block':
          return blockControl();
        case 'break':
        case 'continue': {
          const close = nextNonSpace();
          if (close.type !== 'rightDelim') unexpected(close, `{{${t.value}}}`);
          if (rangeDepth === 0) fail(t.pos, `{{${t.value}}} outside {{range}}`);
          return { type: t.value, pos: t.pos };
        }
        case 'else': {
          const p = peekNonSpace();
          if (isKeyword(p, 'if') || isKeyword(p, 'with')) return { kind: 'else', pos: t.pos };
          expect('rightDelim', 'else');
          return { kind: 'else', pos: t.pos };
        }
        case 'end':
          expect('rightDelim', 'end');
          return { kind: 'end', pos: t.pos };
        case 'if':
        case 'range':
        case 'with':
          return control(t.value, t.pos);
        case 'template':
          return templateControl();
      }
    }
    backup();
    const p = peek();
    return { type: 'action', pos: p.pos, pipe: pipeline('command', 'rightDelim') };
  }

  function control(kind: 'if' | 'range' | 'with', pos: Position): BranchNode {
    enter(pos);
    const mark = vars.length;
    const pipe = pipeline(kind, 'rightDelim');
    if (kind === 'range') rangeDepth++;
    const [list, end] = itemList();
    if (kind === 'range') rangeDepth--;
    let elseList: ListNode | null = null;
    if (end.kind === 'else') {
      const p = peekNonSpace();
      if ((kind === 'if' && isKeyword(p, 'if')) || (kind === 'with' && isKeyword(p, 'with'))) {
        // {{else if b}} is {{else}}{{if b}}...{{end}}{{end}} with the inner end shared.
        next();
        elseList = { type: 'list', pos: end.pos, nodes: [control(kind, p.pos)] };
      } else {
        const [l, e] = itemList();
        if (e.kind !== 'end') fail(e.pos, 'expected end; found {{else}}');
        elseList = l;
      }
    }
    vars.length = mark;
    depth--;
    return { type: kind, pos, pipe, list, elseList };
  }

  function templateControl(): TemplateNode {
    const t = nextNonSpace();
    const tname = templateName(t, 'template clause');
    let pipe: PipeNode | null = null;
    if (nextNonSpace().type !== 'rightDelim') {
      backup();
      pipe = pipeline('template clause', 'rightDelim');
    }
    return { type: 'template', pos: t.pos, name: tname, pipe };
  }

  function blockControl(): TemplateNode {
    const t = nextNonSpace();
    const bname = templateName(t, 'block clause');
    const pipe = pipeline('block clause', 'rightDelim');
    enter(t.pos);
    addTree(subTree(bname, 'block clause'), t.pos);
    depth--;
    return { type: 'template', pos: t.pos, name: bname, pipe };
  }

  function pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const pipe: PipeNode = { type: 'pipe', pos: peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    // Declarations or assignments: $x := / $x = / range $i, $e :=
    for (;;) {
      const save = i;
      const v = nextNonSpace();
      if (v.type !== 'variable') {
        i = save;
        break;
      }
      const n = peekNonSpace();
      if (n.type === 'assign' || n.type === 'declare') {
        pipe.isAssign = n.type === 'assign';
        nextNonSpace();
        pipe.decl.push(v.value);
        vars.push(v.value);
        break;
      }
      if (n.type === 'char' && n.value === ',') {
        nextNonSpace();
        pipe.decl.push(v.value);
        vars.push(v.value);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = peekNonSpace();
          if (p.type === 'variable' || p.type === 'rightDelim' || p.type === 'rightParen') continue;
          fail(p.pos, 'range can only initialize variables');
        }
        fail(n.pos, `too many declarations in ${context}`);
      }
      // Not a declaration: put the variable back.
      i = save;
      break;
    }
    for (;;) {
      const t = nextNonSpace();
      if (t.type === end) {
        if (pipe.cmds.length === 0) fail(t.pos, `missing value for ${context}`);
        pipe.cmds.slice(1).forEach((c, k) => {
          const first = c.args[0]!;
          if (
            first.type === 'bool' ||
            first.type === 'dot' ||
            first.type === 'nil' ||
            first.type === 'number' ||
            first.type === 'string'
          ) {
            fail(first.pos, `non executable command in pipeline stage ${k + 2}`);
          }
        });
        return pipe;
      }
      switch (t.type) {
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          backup();
          pipe.cmds.push(command());
          continue;
        case 'keyword':
          if (t.value === 'nil') {
            backup();
            pipe.cmds.push(command());
            continue;
          }
      }
      unexpected(t, context);
    }
  }

  function command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const op = operand();
      if (op) cmd.args.push(op);
      const t = next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') backup();
      else if (t.type !== 'pipe') unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) fail(cmd.pos, 'empty command');
    return cmd;
  }

  function operand(): ArgNode | null {
    let node = term();
    if (!node || peek().type !== 'field') return node;
    const fields: string[] = [];
    const pos = peek().pos;
    while (peek().type === 'field') fields.push(next().value.slice(1));
    switch (node.type) {
      case 'field':
        node = { type: 'field', pos: node.pos, ident: [...node.ident, ...fields] };
        break;
      case 'variable':
        node = { type: 'variable', pos: node.pos, ident: [...node.ident, ...fields] };
        break;
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        fail(pos, `unexpected . after term ${JSON.stringify(node.text)}`);
        break;
      default:
        node = { type: 'chain', pos: node.pos, node, field: fields };
    }
    return node;
  }

  function term(): ArgNode | null {
    const t = nextNonSpace();
    const pos = t.pos;
    switch (t.type) {
      case 'identifier':
        if (!hasFunction(t.value)) fail(pos, `function ${JSON.stringify(t.value)} not defined`);
        return { type: 'identifier', pos, name: t.value };
      case 'dot':
        return { type: 'dot', pos, value: undefined, text: '.' };
      case 'keyword':
        if (t.value === 'nil') return { type: 'nil', pos, value: null, text: 'nil' };
        break;
      case 'variable': {
        const v = t.value;
        if (!vars.includes(v)) fail(pos, `undefined variable ${JSON.stringify(v)}`);
        return { type: 'variable', pos, ident: [v] };
      }
      case 'field':
        return { type: 'field', pos, ident: [t.value.slice(1)] };
      case 'bool':
        return { type: 'bool', pos, value: t.value === 'true', text: t.value };
      case 'charConstant':
      case 'number':
        try {
          const value = t.type === 'number' ? parseNumber(t.value) : unquoteChar(t.value);
          return { type: 'number', pos, value, text: t.value };
        } catch (e) {
          return fail(pos, (e as Error).message);
        }
      case 'leftParen': {
        enter(pos);
        const p = pipeline('parenthesized pipeline', 'rightParen');
        depth--;
        return p;
      }
      case 'string':
      case 'rawString':
        return { type: 'string', pos, value: unquote(t), text: t.value };
    }
    backup();
    return null;
  }
}
