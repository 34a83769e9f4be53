import { readFileSync } from 'node:fs';

/** Sentinel's version, from package.json (the same relative path works from src/ in tests and dist/). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const VERSION = packageVersion();
