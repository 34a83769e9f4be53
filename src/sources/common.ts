import { durationOrNull } from '../config/duration.js';
import { isRecord } from '../notify/receivers/common.js';
import type { ParseContext } from '../notify/receivers/receiver.js';
import {
  DEFAULT_SOURCE_TIMEOUT_MS,
  type CollectContext,
  type Source,
  type SourceOutcome,
  type SourceParseContext,
  type SourceValue,
} from './source.js';

/*
 * Helpers every source kind uses: reading the keys all entries share (`timeout`; `name` and `kind`
 * belong to the caller), reporting unknown keys, URLs from secrets, bounded text and JSON, and the
 * deadline that keeps a collect within its timeout whatever the network does.
 */

/**
 * Keys every entry may have: `name`, `kind` and `unavailable_after` are the caller's (not checked
 * here), `timeout` is read by parseTimeout.
 */
const COMMON_KEYS = ['name', 'kind', 'timeout', 'unavailable_after'] as const;

/** 64 KiB: the most text a value keeps from one body, message or output. */
export const KEEP_BYTES = 64 * 1024;

/**
 * Reports every key of `raw` that is neither a common key nor one of `known` (a typo would otherwise
 * silently do nothing).
 */
export function reportUnknown(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
  known: readonly string[],
): void {
  const all = new Set<string>([...COMMON_KEYS, ...known]);
  for (const key of Object.keys(raw)) {
    if (!all.has(key)) ctx.issue(key, 'unknown option');
  }
}

/** The entry's `timeout` in milliseconds (a duration such as `5s`); DEFAULT_SOURCE_TIMEOUT_MS when absent. */
export function parseTimeout(raw: Record<string, unknown>, ctx: SourceParseContext): number {
  const v = raw.timeout;
  if (v === undefined || v === null) return DEFAULT_SOURCE_TIMEOUT_MS;
  const ms = typeof v === 'string' ? durationOrNull(v) : null;
  if (ms === null || ms <= 0) {
    ctx.issue('timeout', 'must be a positive duration such as 5s or 500ms');
    return DEFAULT_SOURCE_TIMEOUT_MS;
  }
  return ms;
}

/** A required non-empty string option; null after an issue. */
export function requiredString(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
  key: string,
): string | null {
  const v = raw[key];
  if (v === undefined || v === null || v === '') {
    ctx.issue(key, 'is required');
    return null;
  }
  if (typeof v !== 'string') {
    ctx.issue(key, 'must be a string');
    return null;
  }
  return v;
}

/** An optional boolean option; `fallback` when absent, and after an issue when it is not a boolean. */
export function booleanOption(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
  key: string,
  fallback: boolean,
): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') {
    ctx.issue(key, 'must be true or false');
    return fallback;
  }
  return v;
}

/** An optional positive integer option (a count or a size in bytes); `fallback` when absent. */
export function positiveIntOption(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
  key: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0 || v > max) {
    ctx.issue(key, `must be a whole number from 1 to ${max}`);
    return fallback;
  }
  return v;
}

const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A `headers` mapping of header names to string values, with lower-cased names; `{}` when absent.
 * Names must be HTTP tokens and values must not contain line breaks (they would split the request).
 */
export function parseHeaders(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
  key = 'headers',
): Record<string, string> {
  const out: Record<string, string> = {};
  const v = raw[key];
  if (v === undefined || v === null) return out;
  if (!isRecord(v)) {
    ctx.issue(key, 'must be a mapping of header names to values');
    return out;
  }
  for (const [name, value] of Object.entries(v)) {
    if (!HEADER_NAME_RE.test(name)) {
      ctx.issue(`${key}.${name}`, 'is not a valid header name');
      continue;
    }
    const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    if (typeof text !== 'string') {
      ctx.issue(`${key}.${name}`, 'must be a string');
      continue;
    }
    if (/[\r\n\0]/.test(text)) {
      ctx.issue(`${key}.${name}`, 'must not contain line breaks');
      continue;
    }
    out[name.toLowerCase()] = text;
  }
  return out;
}

/**
 * A URL option of one of `protocols` (e.g. `['http:', 'https:']`). Messages never repeat the value:
 * it may hold credentials.
 */
export function checkSourceUrl(
  value: unknown,
  ctx: SourceParseContext,
  key: string,
  protocols: readonly string[],
): URL | null {
  const wanted = protocols.map((p) => `${p}//`).join(' or ');
  if (value === undefined || value === null || value === '') {
    ctx.issue(key, `is required (a ${wanted} URL)`);
    return null;
  }
  if (typeof value !== 'string' || !URL.canParse(value)) {
    ctx.issue(key, `is not a valid URL (expected a ${wanted} URL)`);
    return null;
  }
  const url = new URL(value);
  if (!protocols.includes(url.protocol)) {
    ctx.issue(key, `must be a ${wanted} URL, not ${url.protocol}//`);
    return null;
  }
  if (url.hostname === '') {
    ctx.issue(key, 'must name a host');
    return null;
  }
  return url;
}

/** `url`, an http(s) URL without credentials (those belong in http_config, read from a file or env). */
export function httpUrl(raw: Record<string, unknown>, ctx: SourceParseContext): URL | null {
  const url = checkSourceUrl(raw.url, ctx, 'url', ['http:', 'https:']);
  if (url && (url.username !== '' || url.password !== '')) {
    ctx.issue(
      'url',
      'must not contain credentials: use http_config.basic_auth (with password_file or password_env)',
    );
  }
  return url;
}

/**
 * A connection URL given as `url`, `url_file` or `url_env` (it usually holds a password), of one of
 * `protocols`; null after an issue. The secret's own problems (a missing file, an unset variable,
 * two forms at once) ctx.secret reports.
 */
export async function secretUrl(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
  protocols: readonly string[],
): Promise<string | null> {
  const given = ['url', 'url_file', 'url_env'].some((k) => raw[k] !== undefined && raw[k] !== null);
  if (!given) {
    ctx.issue('url', 'one of url, url_file or url_env is required');
    return null;
  }
  const value = await ctx.secret(raw, 'url');
  if (value === null) return null;
  const key = raw.url_env !== undefined ? 'url_env' : raw.url_file !== undefined ? 'url_file' : 'url';
  return checkSourceUrl(value, ctx, key, protocols) ? value : null;
}

/**
 * The parse context parseHttpConfig (shared with the receivers) expects, from a source's. It reads
 * only path, issue, warn and secret; a secret's problems are reported against the entry.
 */
export function receiverParseContext(ctx: SourceParseContext): ParseContext {
  const partial: Pick<ParseContext, 'path' | 'issue' | 'warn' | 'secret'> = {
    path: ctx.path,
    issue: (key, message) => ctx.issue(key, message),
    warn: (key, message) => ctx.warn(key, message),
    secret: (raw, key) => ctx.secret(raw, key),
  };
  return partial as ParseContext;
}

// ---- values -----------------------------------------------------------------------------------

/** `text` cut to at most `max` UTF-16 units (roughly bytes for ASCII), marked with … when cut. */
export function capText(text: string, max = KEEP_BYTES): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A body, message or output as a value: the parsed JSON when it parses (and is at most `max`
 * characters), else the text cut to `max`.
 */
export function jsonOrText(text: string, max = KEEP_BYTES): unknown {
  if (text.length <= max) {
    const trimmed = text.trim();
    if (trimmed !== '') {
      try {
        return JSON.parse(trimmed) as unknown;
      } catch {
        // not JSON: the text itself
      }
    }
  }
  return capText(text, max);
}

/** Reads at most `maxBytes` of a body (the rest is dropped, ending the stream); whether it was cut. */
export async function readCapped(
  body: AsyncIterable<unknown>,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    if (size + b.length > maxBytes) {
      chunks.push(b.subarray(0, maxBytes - size));
      truncated = true;
      break; // leaving the loop destroys the rest of the stream
    }
    chunks.push(b);
    size += b.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/** Milliseconds since `start` (a performance.now() reading), whole. */
export function since(start: number): number {
  return Math.max(0, Math.round(performance.now() - start));
}

/** An error's text for an outcome: `message` (with its code when the message does not say it). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof AggregateError && err.errors.length > 0 && err.message === '') {
    return describeError(err.errors[0]);
  }
  const code = (err as NodeJS.ErrnoException).code;
  const base = err.message !== '' ? err.message : err.name;
  const withCode = typeof code === 'string' && !base.includes(code) ? `${code}: ${base}` : base;
  // undici and fetch wrap the socket's error in `cause`; it carries the useful part.
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message !== '' && !withCode.includes(cause.message)) {
    return `${withCode} (${describeError(cause)})`;
  }
  return withCode;
}

/** `text` with every secret (a password, a whole connection URL) replaced by `***`. */
export function scrub(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 3) out = out.split(s).join('***');
  }
  return out;
}

/** The password in a connection URL (decoded and as written), to keep out of messages. */
export function urlSecrets(url: string): string[] {
  if (!URL.canParse(url)) return [url];
  const u = new URL(url);
  const out = [url];
  if (u.password !== '') {
    out.push(u.password);
    try {
      out.push(decodeURIComponent(u.password));
    } catch {
      // not percent-encoded properly: the raw form is enough
    }
  }
  return out;
}

// ---- deadlines --------------------------------------------------------------------------------

export class SourceTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'SourceTimeoutError';
  }
}

export class SourceAbortedError extends Error {
  constructor() {
    super('aborted (the engine is stopping)');
    this.name = 'SourceAbortedError';
  }
}

/**
 * Runs `work` with a signal aborted when the cycle's signal aborts or `timeoutMs` passes, and
 * settles by then whatever `work` does: a SourceTimeoutError or SourceAbortedError is thrown at the
 * deadline even if `work` ignores its signal (`onGiveUp` can release what it holds).
 */
export async function withDeadline<T>(
  ctx: CollectContext,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  onGiveUp?: () => void,
): Promise<T> {
  if (ctx.signal.aborted) throw new SourceAbortedError();
  const own = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new SourceTimeoutError(timeoutMs);
      own.abort(err);
      reject(err);
    }, timeoutMs);
    onAbort = () => {
      const err = new SourceAbortedError();
      own.abort(err);
      reject(err);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  const running = work(own.signal);
  try {
    return await Promise.race([running, deadline]);
  } catch (err) {
    // When the deadline passed, the work's own rejection (an AbortError) is the deadline's doing.
    if (!own.signal.aborted) throw err;
    running.catch(() => {});
    onGiveUp?.();
    throw own.signal.reason as Error;
  } finally {
    clearTimeout(timer);
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** An observation. */
export function observed(value: SourceValue, start: number): SourceOutcome {
  return { ok: true, value, durationMs: since(start) };
}

/** No observation this cycle, saying why (with secrets scrubbed). */
export function unavailable(
  error: string,
  start: number,
  secrets: readonly (string | null | undefined)[] = [],
): SourceOutcome {
  return { ok: false, error: scrub(error, secrets), durationMs: since(start) };
}

/**
 * A source with something to release (a pool, a client, a dispatcher): after stop() it answers
 * unavailable instead of quietly opening new connections, until start() again.
 */
export function stoppable(parts: {
  start?: () => void;
  /** `start` is the performance.now() reading the outcome's duration counts from. */
  collect: (ctx: CollectContext, start: number) => Promise<SourceOutcome>;
  release: () => Promise<void>;
}): Source {
  let stopped = false;
  return {
    async start() {
      stopped = false;
      parts.start?.();
    },
    async collect(ctx) {
      const start = performance.now();
      if (stopped) return unavailable('the source is stopped', start);
      return parts.collect(ctx, start);
    },
    async stop() {
      stopped = true;
      await parts.release();
    },
  };
}
