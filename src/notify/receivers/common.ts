import { TemplateError, type CompiledTemplate, type TemplateData } from '../template/index.js';
import type { ParseContext, SendResult } from './receiver.js';

/*
 * Helpers every receiver kind needs when it reads its `<kind>_configs` entry and when it renders
 * and sends a message, so that each kind reports the same problems in the same words (unknown
 * options, templates that are not strings or do not parse, missing secrets) and treats a template
 * that fails at send the same way.
 */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An absolute http:// or https:// URL (links in messages must be, or the service refuses them). */
export function isHttpUrl(s: unknown): s is string {
  if (typeof s !== 'string' || !URL.canParse(s)) return false;
  const p = new URL(s).protocol;
  return p === 'http:' || p === 'https:';
}

/** Whether an option has a value: present, and neither null nor ''. */
export function isGiven(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

// ---- configuration ----------------------------------------------------------------------------

/**
 * Reports every key of `raw` that `known` does not list as `unknown <what> option`, so a typo is
 * caught at load instead of silently doing nothing. `at` is the dotted path of `raw` in the entry.
 */
export function reportUnknownKeys(
  ctx: ParseContext,
  raw: Record<string, unknown>,
  known: ReadonlySet<string>,
  what: string,
  at = '',
): void {
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) ctx.issue(at === '' ? k : `${at}.${k}`, `unknown ${what} option`);
  }
}

/** Whether any form of a secret option (`<key>`, `<key>_file`, `<key>_env`) is given, readable or not. */
export function secretGiven(raw: Record<string, unknown>, key: string): boolean {
  return [key, `${key}_file`, `${key}_env`].some((k) => raw[k] !== undefined && raw[k] !== null);
}

/**
 * A secret the entry must give: its value, or null. No form given is an issue here; a form that
 * cannot be read (a missing file, an unset variable) ctx.secret has already reported.
 */
export async function requiredSecret(
  ctx: ParseContext,
  raw: Record<string, unknown>,
  key: string,
): Promise<string | null> {
  const value = await ctx.secret(raw, key);
  if (value === null && !secretGiven(raw, key)) {
    ctx.issue(key, `one of ${key}, ${key}_file or ${key}_env is required`);
  }
  return value;
}

// ---- templates --------------------------------------------------------------------------------

/**
 * Compiles a template at load, named after where it stands (`<entry path>.<at>`) so that a parse
 * error points at the option; a parse error is an issue against `at`, and null.
 */
export function compileTemplate(ctx: ParseContext, at: string, text: string): CompiledTemplate | null {
  try {
    return ctx.templates.compile(text, `${ctx.path}.${at}`);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    ctx.issue(at, err.message);
    return null;
  }
}

/**
 * A template option: `raw[key]`, else `fallback` when it is absent (or null). Null, after an issue
 * against `at`, when it is not a string or does not parse.
 */
export function templateOption(
  ctx: ParseContext,
  raw: Record<string, unknown>,
  key: string,
  fallback: string,
  at = key,
): CompiledTemplate | null {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'string') {
    ctx.issue(at, 'must be a string (a template)');
    return null;
  }
  return compileTemplate(ctx, at, v);
}

/**
 * A template option without a default: null when it is absent or empty (nothing to render), and
 * null after an issue when it is not a string or does not parse (tell the two apart with isGiven).
 */
export function optionalTemplate(
  ctx: ParseContext,
  raw: Record<string, unknown>,
  key: string,
): CompiledTemplate | null {
  return isGiven(raw[key]) ? templateOption(ctx, raw, key, '') : null;
}

/** A template's output as a message text: trimmed, and well-formed (services refuse lone surrogates). */
export function renderText(template: CompiledTemplate, dot: TemplateData): string {
  return template.execute(dot).trim().toWellFormed();
}

/**
 * What a receiver answers when a template fails while it renders a message: the notification fails
 * permanently (the same data would fail again), saying why. Anything else is a bug: rethrown.
 */
export function templateFailure(err: unknown, prefix = 'template error: '): SendResult {
  if (!(err instanceof TemplateError)) throw err;
  return { outcome: 'permanent', error: `${prefix}${err.message}` };
}

// ---- answers ----------------------------------------------------------------------------------

/**
 * An HTTP answer's body as a JSON object, or null: the services' error bodies are JSON objects,
 * but a proxy in front of them may answer HTML or plain text.
 */
export function parseJsonObject(body: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(body);
    return isRecord(v) ? v : null;
  } catch {
    return null;
  }
}
