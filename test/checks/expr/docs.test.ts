import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConditionError, evaluate, parseCondition } from '../../../src/checks/expr/index.js';
import { FUNCTIONS } from '../../../src/checks/expr/functions.js';
import { context, SEED } from './helpers.js';

const doc = readFileSync(new URL('../../../docs/conditions.md', import.meta.url), 'utf8');

/** The single-quoted conditions of the YAML blocks (`- '...'` and `condition: '...'`). */
function yamlConditions(): string[] {
  const out: string[] = [];
  for (const block of doc.matchAll(/^```yaml\n([\s\S]*?)^```/gm)) {
    for (const line of block[1]!.split('\n')) {
      const m = /^\s*(?:- |condition: |timestamp: )'((?:[^']|'')*)'/.exec(line);
      if (m) out.push(m[1]!.replace(/''/g, "'"));
    }
  }
  return out;
}

/** The lines of the section under `heading`, up to the next heading of any level. */
function section(heading: string): string[] {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l === `## ${heading}`);
  expect(start, `section ${heading}`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('#'));
  return end < 0 ? rest : rest.slice(0, end);
}

describe('docs/conditions.md', () => {
  const conditions = yamlConditions();

  it('has examples', () => {
    expect(conditions.length).toBeGreaterThan(15);
  });

  it.each(conditions)('example parses: %s', (text) => {
    expect(() => parseCondition(text)).not.toThrow();
  });

  it('the introduction examples hold over seed-like values', () => {
    for (const text of conditions.slice(0, 8)) {
      expect(evaluate(parseCondition(text), context(SEED)), text).toMatchObject({
        kind: 'value',
        value: true,
      });
    }
  });

  it('documents exactly the functions there are', () => {
    const documented = new Set<string>();
    for (const line of section('Functions')) {
      const first = line.split('|')[1] ?? '';
      for (const m of first.matchAll(/`([a-z]+)\(/g)) documented.add(m[1]!);
    }
    expect([...documented].sort()).toEqual([...FUNCTIONS.keys()].sort());
  });

  it('every operand of the "Reading sources" table parses', () => {
    const operands = section('Reading sources')
      .filter((l) => l.startsWith('| `'))
      .map((l) => /^\| `([^`]+)`/.exec(l)![1]!);
    expect(operands.length).toBeGreaterThan(5);
    for (const text of operands) expect(() => parseCondition(text), text).not.toThrow();
  });

  it('shows a parse error as parseCondition reports it', () => {
    const shown = /```\n(unknown duration unit[^`]*)```/.exec(doc)![1]!.trimEnd();
    let message = '';
    try {
      parseCondition('age([BODY].x) < 30q');
    } catch (e) {
      message = (e as ConditionError).message;
    }
    expect(message).toBe(shown);
  });

  it('the grammar block lists every binary operator', () => {
    const grammar = /## Grammar[\s\S]*?```\n([\s\S]*?)```/.exec(doc)![1]!;
    for (const op of ['||', '&&', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '!']) {
      expect(grammar).toContain(`"${op}"`);
    }
  });
});
