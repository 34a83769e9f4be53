import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { ConfigError, loadConfig, type ConfigIssue, type LoadOptions } from '../../src/config/load.js';

/** A temporary directory for this test file, removed when the file's tests are done. */
export function tempDir(prefix = 'sentinel-config-'): {
  dir: string;
  write(name: string, text: string): string;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name: string, text: string): string {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      return file;
    },
  };
}

/** Joins lines so that tests can refer to line numbers by position in the array (1-based). */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** The ConfigError loadConfig throws; fails the test if it resolves instead. */
export async function loadError(opts: LoadOptions): Promise<ConfigError> {
  try {
    await loadConfig({ env: {}, ...opts });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

export function issueAt(err: ConfigError, path: string): ConfigIssue {
  const issue = err.issues.find((i) => i.path === path);
  if (!issue) throw new Error(`no issue at ${path}; issues:\n${err.message}`);
  return issue;
}
