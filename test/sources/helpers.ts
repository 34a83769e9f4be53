import { afterEach, expect } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../../src/clock.js';
import { readSecret } from '../../src/config/secrets.js';
import type {
  CollectContext,
  Source,
  SourceDefinition,
  SourceOutcome,
  SourceParseContext,
  SourceValue,
} from '../../src/sources/source.js';

/*
 * Helpers for testing one source kind without the configuration loader: parsing an entry as the
 * loader would (issues and warnings as `key: message` strings, secrets from `<key>`, `<key>_file`
 * or `<key>_env`), creating the source, collecting once, and stopping every source a test made.
 */

export interface ParsedSource<S> {
  settings: S | null;
  issues: string[];
  warnings: string[];
}

export interface ParseOptions {
  env?: NodeJS.ProcessEnv;
  execAllowlist?: readonly string[];
}

export async function parseSource<S>(
  def: SourceDefinition<S>,
  raw: Record<string, unknown>,
  opts: ParseOptions = {},
): Promise<ParsedSource<S>> {
  const issues: string[] = [];
  const warnings: string[] = [];
  const ctx: SourceParseContext = {
    path: 'sources[0]',
    issue: (key, message) => issues.push(`${key}: ${message}`),
    warn: (key, message) => warnings.push(`${key}: ${message}`),
    async secret(obj, key) {
      const forms = [key, `${key}_file`, `${key}_env`].filter((k) => obj[k] !== undefined && obj[k] !== null);
      if (forms.length === 0) return null;
      if (forms.length > 1) {
        issues.push(`${forms[1]}: give only one of ${key}, ${key}_file or ${key}_env`);
        return null;
      }
      const form = forms[0]!;
      const value = obj[form];
      if (typeof value !== 'string') {
        issues.push(`${form}: must be a string`);
        return null;
      }
      if (form === key) return value;
      const r = await readSecret(
        form.endsWith('_file') ? { env: null, file: value } : { env: value, file: null },
        opts.env ?? {},
        process.cwd(),
      );
      if (!r.ok) {
        issues.push(`${form}: ${r.message}`);
        return null;
      }
      return r.value;
    },
    execAllowlist: opts.execAllowlist ?? [],
  };
  const settings = await def.parse(raw, ctx);
  return { settings, issues, warnings };
}

/** The issues of an entry that must be refused (its settings are null or it has issues). */
export async function issuesOf<S>(
  def: SourceDefinition<S>,
  raw: Record<string, unknown>,
  opts: ParseOptions = {},
): Promise<string[]> {
  const parsed = await parseSource(def, raw, opts);
  expect(parsed.issues.length, 'the entry should have issues').toBeGreaterThan(0);
  return parsed.issues;
}

/** Sources made by sourceFor in the current test, stopped after it. */
const made: Source[] = [];

/** Stops every source the file's tests made with sourceFor (call once per test file). */
export function stopSourcesAfterEach(): void {
  afterEach(async () => {
    const all = made.splice(0);
    await Promise.all(all.map((s) => s.stop?.()));
  });
}

/** Parses an entry that must be valid, creates its source and (by default) starts it. */
export async function sourceFor<S>(
  def: SourceDefinition<S>,
  raw: Record<string, unknown>,
  opts: ParseOptions & { clock?: Clock; start?: boolean } = {},
): Promise<Source> {
  const parsed = await parseSource(def, raw, opts);
  if (parsed.settings === null || parsed.issues.length > 0) {
    throw new Error(`invalid test entry: ${parsed.issues.join('; ')}`);
  }
  const source = def.create(parsed.settings, { clock: opts.clock ?? systemClock, version: '0.1.0' });
  made.push(source);
  if (opts.start !== false) await source.start?.();
  return source;
}

export function collectContext(now = Date.now(), signal = new AbortController().signal): CollectContext {
  return { signal, now };
}

/** Collects once; the value of an observation (failing the test on an unavailable outcome). */
export async function valueOf(source: Source, ctx: CollectContext = collectContext()): Promise<SourceValue> {
  const outcome = await source.collect(ctx);
  if (!outcome.ok) throw new Error(`expected an observation, got: ${outcome.error}`);
  return outcome.value;
}

/** Collects once; the error of an unavailable outcome (failing the test on an observation). */
export async function errorOf(source: Source, ctx: CollectContext = collectContext()): Promise<string> {
  const outcome: SourceOutcome = await source.collect(ctx);
  if (outcome.ok) throw new Error(`expected no observation, got: ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

/** Polls `check` until it returns true (or throws when `timeoutMs` passes). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { ManualClock };
