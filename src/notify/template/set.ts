import { isEmptyTree, type ListNode, type Node, type TemplateNode, type Tree } from './ast.js';
import { TemplateError } from './errors.js';
import { hasFunction } from './functions.js';
import { parse } from './parser.js';

/* A set of named templates (Go's *template.Template with its associated templates). */

/**
 * Adds a template to a set as Go's AddParseTree does: a later definition replaces an earlier one,
 * except that an empty one (only whitespace) never replaces an existing template.
 */
export function associate(set: Map<string, Tree>, tree: Tree): void {
  if (set.has(tree.name) && isEmptyTree(tree.root)) return;
  set.set(tree.name, tree);
}

/**
 * Parses one source text into `set`: every define/block, and (for files, as Go's ParseFiles) its top
 * level under `name`. Returns the top level.
 */
export function load(
  set: Map<string, Tree>,
  text: string,
  source: string,
  name: string,
  addMain: boolean,
): Tree {
  const { main, defined } = parse(text, source, name, hasFunction);
  if (addMain) associate(set, main);
  for (const d of defined) associate(set, d);
  return main;
}

function templateNodes(n: Node, out: TemplateNode[]): TemplateNode[] {
  switch (n.type) {
    case 'list':
      for (const c of n.nodes) templateNodes(c, out);
      break;
    case 'if':
    case 'range':
    case 'with':
      templateNodes(n.list, out);
      if (n.elseList) templateNodes(n.elseList, out);
      break;
    case 'template':
      out.push(n);
  }
  return out;
}

/**
 * Throws a parse TemplateError, at the reference in `main`, when `main` reaches (directly or through
 * other templates) a `{{ template "x" }}` whose "x" is not in `set`.
 */
export function checkReferences(main: Tree, set: ReadonlyMap<string, Tree>): void {
  const refs = (root: ListNode) => templateNodes(root, []);
  for (const top of refs(main.root)) {
    // Breadth-first from this reference, remembering how each template was reached.
    const via = new Map<string, { from: string | null; node: TemplateNode; tree: Tree }>();
    via.set(top.name, { from: null, node: top, tree: main });
    const queue = [top.name];
    while (queue.length > 0) {
      const name = queue.shift()!;
      const tree = set.get(name);
      if (!tree) {
        const chain: string[] = [];
        let step = via.get(name)!;
        const direct = step;
        while (step.from !== null) {
          chain.unshift(step.from);
          step = via.get(step.from)!;
        }
        let reason = `template ${JSON.stringify(name)} is not defined`;
        if (chain.length > 0) {
          const at = `${direct.tree.source}:${direct.node.pos.line}:${direct.node.pos.col}`;
          reason += ` (referenced by ${chain.map((c) => JSON.stringify(c)).join(' -> ')}, at ${at})`;
        }
        throw new TemplateError('parse', main.source, top.pos, reason);
      }
      for (const r of refs(tree.root)) {
        if (via.has(r.name)) continue;
        via.set(r.name, { from: name, node: r, tree });
        queue.push(r.name);
      }
    }
  }
}
