import { MatcherError, parseMatchers, type Matcher } from '../routing/matchers.js';
import { durationOrNull } from './duration.js';
import type { PathSegment } from './yaml-source.js';

/*
 * Readers for the configuration sections validated by hand rather than by zod (the Alertmanager
 * sections, the health sections): each reads one key, reports a problem at its key path and gives
 * a fallback, so that one pass reports every problem of a file.
 */

export interface ConfigProblem {
  path: PathSegment[];
  message: string;
}

/** Problems (which stop the load) and warnings (which do not), each with its key path. */
export class IssueCollector {
  readonly issues: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];
  issue(path: PathSegment[], message: string): void {
    this.issues.push({ path, message });
  }
  warn(path: PathSegment[], message: string): void {
    this.warnings.push({ path, message });
  }
}

export function optionalString(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
): string | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    c.issue([...at, key], 'must be a string');
    return null;
  }
  return v;
}

/** Reports every key of `raw` that is not in `known`. */
export function unknownKeys(
  raw: Record<string, unknown>,
  known: readonly string[],
  at: PathSegment[],
  c: IssueCollector,
): void {
  for (const key of Object.keys(raw))
    if (!known.includes(key)) c.issue([...at, key], `unknown option (known: ${known.join(', ')})`);
}

/** A duration in milliseconds; `positive` refuses 0. */
export function optionalDuration(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
  opts: { positive: boolean },
): number | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  const ms = typeof v === 'string' ? durationOrNull(v) : null;
  if (ms === null || (opts.positive && ms <= 0)) {
    c.issue([...at, key], `must be a${opts.positive ? ' positive' : ''} duration such as 30s, 5m or 4h`);
    return null;
  }
  return ms;
}

/** A number within [min, max] (`integer`: whole numbers only). */
export function optionalNumber(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
  opts: { min: number; max: number; integer?: boolean },
): number | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  if (
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    v < opts.min ||
    v > opts.max ||
    (opts.integer === true && !Number.isInteger(v))
  ) {
    c.issue(
      [...at, key],
      `must be a ${opts.integer ? 'whole number' : 'number'} from ${opts.min} to ${opts.max}`,
    );
    return null;
  }
  return v;
}

export function stringListAt(raw: unknown, at: PathSegment[], c: IssueCollector): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) {
    c.issue(at, 'must be a list of strings');
    return [];
  }
  return raw as string[];
}

/** A list of matcher strings (`severity="critical"`, each may hold several separated by commas). */
export function matcherListAt(
  raw: unknown,
  at: PathSegment[],
  c: IssueCollector,
  example: string,
): Matcher[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    c.issue(at, `must be a list of matchers such as ${example}`);
    return [];
  }
  const out: Matcher[] = [];
  raw.forEach((item, i) => {
    if (typeof item !== 'string') {
      c.issue([...at, i], `must be a matcher string such as ${example}`);
      return;
    }
    try {
      out.push(...parseMatchers(item));
    } catch (err) {
      if (!(err instanceof MatcherError)) throw err;
      c.issue([...at, i], err.message);
    }
  });
  return out;
}

/**
 * Which form of a secret an entry gives: `<key>` inline, `<key>_file` or `<key>_env`, at most
 * one. Null when none is given or after an issue.
 */
export function secretForm(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
): { form: 'inline' | 'file' | 'env'; key: string; value: string } | null {
  const forms = [key, `${key}_file`, `${key}_env`].filter(
    (k) => raw[k] !== undefined && raw[k] !== null && raw[k] !== '',
  );
  if (forms.length === 0) return null;
  if (forms.length > 1) {
    c.issue([...at, forms[1]!], `give only one of ${key}, ${key}_file or ${key}_env`);
    return null;
  }
  const form = forms[0]!;
  const value = raw[form];
  if (typeof value !== 'string') {
    c.issue([...at, form], 'must be a string');
    return null;
  }
  return { form: form === key ? 'inline' : form.endsWith('_file') ? 'file' : 'env', key: form, value };
}
