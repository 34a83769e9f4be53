import {
  isCompareOp,
  printCall,
  printRef,
  type BinaryOp,
  type Node,
  type RefNode,
  type Segment,
} from './ast.js';
import { ConditionError, MAX_CONDITION_LENGTH, MAX_NESTING } from './errors.js';
import { FUNCTIONS } from './functions.js';
import { lex, type Token } from './lexer.js';
import { compileSafeRegex } from './regex.js';

/*
 * Recursive descent over the tokens. From loosest to tightest binding:
 *
 *   condition  = or EOF
 *   or         = and { "||" and }
 *   and        = compare { "&&" compare }
 *   compare    = additive [ ("==" | "!=" | "<" | "<=" | ">" | ">=") additive ]    (no chaining)
 *   additive   = multiply { ("+" | "-") multiply }
 *   multiply   = unary { ("*" | "/") unary }
 *   unary      = ("!" | "-") unary | primary
 *   primary    = NUMBER | DURATION | STRING | "true" | "false" | "null"
 *              | IDENT "(" [ or { "," or } ] ")"                                   (a function call)
 *              | "[" PLACEHOLDER "]" path | IDENT path                              (a reference)
 *              | "(" or ")"
 *   path       = { "." IDENT | "[" or "]" }
 */

const PLACEHOLDER = /^[A-Z_]+$/;
const KEYWORDS: ReadonlyMap<string, null | boolean> = new Map([
  ['true', true],
  ['false', false],
  ['null', null],
]);
const FUNCTION_LIST = [...FUNCTIONS.keys()].sort().join(', ');

function tokenName(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the condition';
    case 'number':
    case 'duration':
      return `number ${t.text}`;
    case 'string':
      return t.text.length > 30 ? `string ${t.text.slice(0, 27)}..."` : `string ${t.text}`;
    default:
      return JSON.stringify(t.text);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  private get tok(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    const t = this.tok;
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isOp(op: string): boolean {
    return this.tok.kind === 'op' && this.tok.text === op;
  }

  private fail(t: Token, reason: string): never {
    throw new ConditionError(reason, this.text, t.start + 1);
  }

  private expect(op: string, purpose: string): void {
    if (!this.isOp(op)) this.fail(this.tok, `expected "${op}" ${purpose}, found ${tokenName(this.tok)}`);
    this.next();
  }

  /** One level deeper (a parenthesis, a unary operator, a call, an index); fails past the limit. */
  private enter(t: Token): void {
    if (++this.depth > MAX_NESTING) this.fail(t, `nested more than ${MAX_NESTING} levels deep`);
  }

  condition(): Node {
    if (this.tok.kind === 'eof') this.fail(this.tok, 'the condition is empty');
    const node = this.or();
    const t = this.tok;
    if (t.kind === 'eof') return node;
    if (t.kind === 'op' && t.text === ')') this.fail(t, 'unexpected ")" without a matching "("');
    const missing = t.kind !== 'op' || t.text === '(' || t.text === '[';
    return this.fail(t, `unexpected ${tokenName(t)}${missing ? ' (an operator is missing before it)' : ''}`);
  }

  private binary(ops: readonly string[], operand: () => Node): Node {
    let left = operand();
    while (this.tok.kind === 'op' && ops.includes(this.tok.text)) {
      const op = this.next().text as BinaryOp;
      left = { kind: 'binary', op, left, right: operand() };
    }
    return left;
  }

  private or(): Node {
    return this.binary(['||'], () => this.and());
  }

  private and(): Node {
    return this.binary(['&&'], () => this.compare());
  }

  private compare(): Node {
    const left = this.additive();
    if (this.tok.kind !== 'op' || !isCompareOp(this.tok.text)) return left;
    const op = this.next().text as BinaryOp;
    const right = this.additive();
    if (this.tok.kind === 'op' && isCompareOp(this.tok.text)) {
      this.fail(this.tok, 'comparisons cannot be chained (write a < b && b < c)');
    }
    return { kind: 'binary', op, left, right };
  }

  private additive(): Node {
    return this.binary(['+', '-'], () => this.multiply());
  }

  private multiply(): Node {
    return this.binary(['*', '/'], () => this.unary());
  }

  private unary(): Node {
    if (!this.isOp('!') && !this.isOp('-')) return this.primary();
    const t = this.next();
    this.enter(t);
    const operand = this.unary();
    this.depth--;
    return { kind: 'unary', op: t.text as '!' | '-', operand };
  }

  private primary(): Node {
    const t = this.tok;
    let node: Node;
    if (t.kind === 'number' || t.kind === 'duration' || t.kind === 'string') {
      this.next();
      node = { kind: 'literal', value: t.value, duration: t.kind === 'duration' };
    } else if (t.kind === 'ident') {
      this.next();
      const keyword = KEYWORDS.get(t.text);
      if (this.isOp('(')) node = this.call(t);
      else if (keyword !== undefined) node = { kind: 'literal', value: keyword, duration: false };
      else return this.ref(false, t.text);
    } else if (t.kind === 'op' && t.text === '[') {
      return this.placeholder();
    } else if (t.kind === 'op' && t.text === '(') {
      this.next();
      this.enter(t);
      node = this.or();
      this.expect(')', 'to close the "("');
      this.depth--;
    } else {
      return this.fail(t, `expected a value, found ${tokenName(t)}`);
    }
    if (this.isOp('.')) {
      this.fail(this.tok, 'a path (".field") can only follow a placeholder such as [BODY] or a source name');
    }
    return node;
  }

  private placeholder(): Node {
    this.next();
    const name = this.tok;
    if (name.kind !== 'ident')
      this.fail(name, `expected a placeholder name such as [BODY], found ${tokenName(name)}`);
    if (!PLACEHOLDER.test(name.text)) {
      this.fail(
        name,
        `invalid placeholder [${name.text}]: use upper-case letters and underscores, such as [BODY]`,
      );
    }
    this.next();
    this.expect(']', 'to close the placeholder');
    return this.ref(true, name.text);
  }

  private ref(placeholder: boolean, name: string): RefNode {
    const path: Segment[] = [];
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const field = this.tok;
        if (field.kind !== 'ident') {
          const hint = field.kind === 'number' ? ' (use [0] to index a list)' : '';
          this.fail(field, `expected a field name after ".", found ${tokenName(field)}${hint}`);
        }
        this.next();
        path.push({ kind: 'key', key: field.text });
      } else if (this.isOp('[')) {
        const open = this.next();
        this.enter(open);
        const start = this.tok;
        const expr = this.or();
        this.expect(']', 'to close the index');
        this.depth--;
        path.push(this.segment(expr, start));
      } else {
        break;
      }
    }
    const node = { kind: 'ref', placeholder, name, path, text: '' } satisfies RefNode;
    node.text = printRef(node);
    return node;
  }

  /** A constant index or key when the index is a literal, else the expression. */
  private segment(expr: Node, start: Token): Segment {
    if (expr.kind !== 'literal') return { kind: 'expr', expr };
    const v = expr.value;
    if (typeof v === 'string') return { kind: 'key', key: v };
    if (typeof v === 'number' && Number.isInteger(v)) return { kind: 'key', key: v };
    return this.fail(start, 'an index must be a string or a whole number');
  }

  private call(name: Token): Node {
    const spec = FUNCTIONS.get(name.text);
    if (spec === undefined) this.fail(name, `unknown function "${name.text}" (functions: ${FUNCTION_LIST})`);
    const open = this.next();
    this.enter(open);
    const args: Node[] = [];
    const starts: Token[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        starts.push(this.tok);
        args.push(this.or());
        if (!this.isOp(',')) break;
        this.next();
      }
    }
    this.expect(')', `to close the arguments of ${name.text}`);
    this.depth--;
    const { minArgs, maxArgs } = spec!;
    if (args.length < minArgs || args.length > maxArgs) {
      const wanted =
        minArgs === maxArgs
          ? plural(minArgs, 'argument')
          : maxArgs === Infinity
            ? `at least ${plural(minArgs, 'argument')}`
            : `${minArgs} to ${maxArgs} arguments`;
      this.fail(name, `${name.text} takes ${wanted}, got ${args.length}`);
    }
    let regex: RegExp | null = null;
    if (spec!.regexArg !== undefined) {
      const arg = args[spec!.regexArg]!;
      const at = starts[spec!.regexArg]!;
      if (arg.kind !== 'literal' || typeof arg.value !== 'string') {
        this.fail(at, `the regular expression of ${name.text} must be a string literal`);
      }
      try {
        regex = compileSafeRegex(arg.value as string);
      } catch (e) {
        this.fail(at, (e as Error).message);
      }
    }
    return { kind: 'call', name: name.text, args, regex, text: printCall(name.text, args) };
  }
}

/** The syntax tree of a condition; throws ConditionError. */
export function parse(text: string): Node {
  if (typeof text !== 'string') throw new ConditionError('a condition must be a string', String(text), 1);
  if (text.length > MAX_CONDITION_LENGTH) {
    throw new ConditionError(
      `the condition is longer than ${MAX_CONDITION_LENGTH} characters`,
      text,
      MAX_CONDITION_LENGTH + 1,
    );
  }
  return new Parser(text, lex(text)).condition();
}
