import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, FIELD_ISSUE_CODES } from '../src/errors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const apiDoc = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');

/** The lines of the section under `heading` (any level), up to the next heading. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && l.replace(/^#{1,6}\s+/, '').trim() === heading);
  if (start < 0) throw new Error(`docs/api.md has no section "${heading}"`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^#{1,6}\s/.test(l));
  return end < 0 ? rest : rest.slice(0, end);
}

/** Table rows of a section whose first cell is a backticked identifier, as [identifier, ...other cells]. */
function codeRows(lines: string[]): string[][] {
  const rows: string[][] = [];
  for (const line of lines) {
    if (!line.trim().startsWith('|')) continue;
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
    const m = /^`([A-Za-z0-9_]+)`$/.exec(cells[0] ?? '');
    if (m) rows.push([m[1]!, ...cells.slice(1)]);
  }
  return rows;
}

describe('docs/api.md agrees with src/errors.ts', () => {
  it('lists exactly the error codes of ERROR_CODES, each with its status', () => {
    const rows = codeRows(section(apiDoc, 'Error codes'));
    const documented = rows.map((r) => r[0]);
    expect(new Set(documented).size, 'no code is listed twice').toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const [code, status] of rows) {
      expect(Number(status), `status of ${code}`).toBe(ERROR_CODES[code as keyof typeof ERROR_CODES].status);
    }
  });

  it('lists exactly the field issue codes of FIELD_ISSUE_CODES', () => {
    const documented = codeRows(section(apiDoc, 'Field issue codes')).map((r) => r[0]);
    expect(new Set(documented).size, 'no code is listed twice').toBe(documented.length);
    expect([...documented].sort()).toEqual([...FIELD_ISSUE_CODES].sort());
  });
});

/** Relative link targets of a markdown file, outside code blocks and inline code, without #anchors. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const targets: string[] = [];
  for (const m of prose.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    targets.push(decodeURIComponent(target.split('#')[0]!));
  }
  return targets;
}

describe('documentation links', () => {
  it('every relative link resolves', () => {
    const files = [
      'README.md',
      ...readdirSync(join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => join('docs', f)),
    ];
    const broken: string[] = [];
    for (const file of files) {
      const markdown = readFileSync(join(ROOT, file), 'utf8');
      for (const target of relativeLinks(markdown)) {
        const resolved = join(ROOT, dirname(file), target);
        if (!existsSync(resolved)) broken.push(`${file} -> ${target} (${relative(ROOT, resolved)})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
