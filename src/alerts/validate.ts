import type { FieldIssue, FieldIssueCode } from '../errors.js';
import { fingerprintLabels, hashParts } from './fingerprint.js';
import {
  ALERT_STATES,
  SEVERITIES,
  type AlertState,
  type Labels,
  type PreparedAlert,
  type Severity,
} from './model.js';

/**
 * Validation of native alerts (POST /api/v1/alerts). Hand-written rather than a schema library:
 * it is on the ingest hot path (tens of thousands of alerts a second) and every rule here mirrors a
 * limit of what the stores can hold (no NUL characters for PostgreSQL, well-formed Unicode, bounded
 * sizes), so each failure names its field and a stable code. It never throws on any input.
 */

export interface AlertLimits {
  maxLabels: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  maxLabelSetBytes: number;
  maxAnnotations: number;
  maxAnnotationValueLength: number;
  maxTitleLength: number;
  maxMessageLength: number;
}

export const DEFAULT_ALERT_LIMITS: AlertLimits = Object.freeze({
  maxLabels: 64,
  maxLabelNameLength: 256,
  maxLabelValueLength: 4096,
  maxLabelSetBytes: 16384,
  maxAnnotations: 64,
  maxAnnotationValueLength: 16384,
  maxTitleLength: 1024,
  maxMessageLength: 65536,
});

export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const KIND_RE = /^[a-z][a-z0-9_.:-]{0,63}$/;
export const FINGERPRINT_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
const MAX_DEDUPE_TTL_MINUTES = 525_600; // one year
const SHORT_TEXT_MAX = 256;

const KNOWN_FIELDS = new Set([
  'source',
  'service',
  'kind',
  'title',
  'message',
  'severity',
  'state',
  'labels',
  'annotations',
  'fingerprint',
  'dedupe_ttl_minutes',
  'generator_url',
]);

export interface ValidationContext {
  limits: AlertLimits;
  defaultDedupeTtlMinutes: number;
  defaultSource: string;
}

export type ValidationResult = { ok: true; alert: PreparedAlert } | { ok: false; issues: FieldIssue[] };

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when a string can be stored unchanged by both backends (PostgreSQL rejects NUL; lone surrogates would be rewritten). */
export function isStorableText(s: string): boolean {
  return s.indexOf('\u0000') === -1 && s.isWellFormed();
}

export interface IssueSink {
  add(field: string, code: FieldIssueCode, message: string): void;
}

class IssueList implements IssueSink {
  readonly issues: FieldIssue[] = [];
  constructor(private readonly prefix: string) {}
  add(field: string, code: FieldIssueCode, message: string): void {
    this.issues.push({ field: this.prefix + field, code, message });
  }
}

/** Reads an optional or required string field; returns undefined (and records why) when it is unusable. */
function readText(
  obj: Record<string, unknown>,
  key: string,
  issues: IssueList,
  opts: { required: boolean; max: number; singleLine?: boolean },
): string | undefined {
  if (!hasOwn(obj, key) || obj[key] === undefined || obj[key] === null) {
    if (opts.required) issues.add(key, 'required', `${key} is required`);
    return undefined;
  }
  const value = obj[key];
  if (typeof value !== 'string') {
    issues.add(key, 'invalid_type', `${key} must be a string`);
    return undefined;
  }
  if (opts.required && value.trim() === '') {
    issues.add(key, 'required', `${key} must not be empty`);
    return undefined;
  }
  if (value.length > opts.max) {
    issues.add(key, 'too_long', `${key} is longer than ${opts.max} characters`);
    return undefined;
  }
  if (!isStorableText(value) || (opts.singleLine && /[\r\n]/.test(value))) {
    issues.add(
      key,
      'invalid_format',
      `${key} contains characters that cannot be stored (NUL, unpaired surrogates${opts.singleLine ? ', line breaks' : ''})`,
    );
    return undefined;
  }
  return value;
}

/** Reads `labels` or `annotations`: a map of Prometheus-style names to storable strings within limits. */
export function readStringMap(
  obj: Record<string, unknown>,
  key: 'labels' | 'annotations',
  issues: IssueSink,
  limits: { maxEntries: number; maxNameLength: number; maxValueLength: number; maxTotalBytes: number },
): Labels | undefined {
  if (!hasOwn(obj, key) || obj[key] === undefined || obj[key] === null) return Object.create(null) as Labels;
  const value = obj[key];
  if (!isPlainObject(value)) {
    issues.add(key, 'invalid_type', `${key} must be an object of string values`);
    return undefined;
  }
  const names = Object.keys(value);
  if (names.length > limits.maxEntries) {
    issues.add(
      key,
      'too_many',
      `${key} has ${names.length} entries; at most ${limits.maxEntries} are allowed`,
    );
    return undefined;
  }
  // A null prototype keeps a label called __proto__ an ordinary entry.
  const out = Object.create(null) as Labels;
  let ok = true;
  let bytes = 0;
  for (const name of names) {
    const v = value[name];
    if (name.length > limits.maxNameLength) {
      issues.add(
        `${key}.${name.slice(0, 64)}`,
        'too_long',
        `${key} name is longer than ${limits.maxNameLength}`,
      );
      ok = false;
      continue;
    }
    if (!LABEL_NAME_RE.test(name)) {
      issues.add(`${key}.${name}`, 'invalid_format', `${key} names must match [a-zA-Z_][a-zA-Z0-9_]*`);
      ok = false;
      continue;
    }
    if (typeof v !== 'string') {
      issues.add(`${key}.${name}`, 'invalid_type', `${key} values must be strings`);
      ok = false;
      continue;
    }
    if (v.length > limits.maxValueLength) {
      issues.add(`${key}.${name}`, 'too_long', `value is longer than ${limits.maxValueLength} characters`);
      ok = false;
      continue;
    }
    if (!isStorableText(v)) {
      issues.add(`${key}.${name}`, 'invalid_format', 'value contains NUL or unpaired surrogate characters');
      ok = false;
      continue;
    }
    bytes += name.length + v.length;
    out[name] = v;
  }
  if (ok && bytes > limits.maxTotalBytes) {
    issues.add(key, 'too_long', `${key} total size exceeds ${limits.maxTotalBytes} characters`);
    return undefined;
  }
  return ok ? out : undefined;
}

export function validateAlert(input: unknown, ctx: ValidationContext, prefix = ''): ValidationResult {
  const issues = new IssueList(prefix);
  if (!isPlainObject(input)) {
    issues.add('', 'invalid_type', 'an alert must be a JSON object');
    return { ok: false, issues: issues.issues };
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key))
      issues.add(key.slice(0, 64), 'unknown_field', `unknown field ${key.slice(0, 64)}`);
  }
  const { limits } = ctx;
  const service = readText(input, 'service', issues, {
    required: true,
    max: SHORT_TEXT_MAX,
    singleLine: true,
  });
  const title = readText(input, 'title', issues, { required: true, max: limits.maxTitleLength });
  const source = readText(input, 'source', issues, {
    required: false,
    max: SHORT_TEXT_MAX,
    singleLine: true,
  });
  const message = readText(input, 'message', issues, { required: false, max: limits.maxMessageLength });
  const generatorUrl = readText(input, 'generator_url', issues, {
    required: false,
    max: 2048,
    singleLine: true,
  });

  let kind: string | null = null;
  const rawKind = readText(input, 'kind', issues, { required: false, max: 64, singleLine: true });
  if (rawKind !== undefined) {
    if (KIND_RE.test(rawKind)) kind = rawKind;
    else issues.add('kind', 'invalid_format', 'kind must match [a-z][a-z0-9_.:-]{0,63}');
  }

  let severity: Severity = 'warning';
  if (hasOwn(input, 'severity') && input.severity !== undefined && input.severity !== null) {
    if (typeof input.severity === 'string' && (SEVERITIES as readonly string[]).includes(input.severity)) {
      severity = input.severity as Severity;
    } else {
      issues.add('severity', 'invalid_enum', `severity must be one of ${SEVERITIES.join(', ')}`);
    }
  }

  let state: AlertState = 'firing';
  if (hasOwn(input, 'state') && input.state !== undefined && input.state !== null) {
    if (typeof input.state === 'string' && (ALERT_STATES as readonly string[]).includes(input.state)) {
      state = input.state as AlertState;
    } else {
      issues.add('state', 'invalid_enum', `state must be one of ${ALERT_STATES.join(', ')}`);
    }
  }

  let fingerprint: string | undefined;
  if (hasOwn(input, 'fingerprint') && input.fingerprint !== undefined && input.fingerprint !== null) {
    if (typeof input.fingerprint === 'string' && FINGERPRINT_RE.test(input.fingerprint)) {
      fingerprint = input.fingerprint;
    } else {
      issues.add('fingerprint', 'invalid_format', 'fingerprint must match [A-Za-z0-9_.:-]{1,128}');
    }
  }

  let dedupeTtlMinutes = ctx.defaultDedupeTtlMinutes;
  if (
    hasOwn(input, 'dedupe_ttl_minutes') &&
    input.dedupe_ttl_minutes !== undefined &&
    input.dedupe_ttl_minutes !== null
  ) {
    const v = input.dedupe_ttl_minutes;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      issues.add('dedupe_ttl_minutes', 'invalid_type', 'dedupe_ttl_minutes must be a number');
    } else if (v < 0 || v > MAX_DEDUPE_TTL_MINUTES) {
      issues.add(
        'dedupe_ttl_minutes',
        'out_of_range',
        `dedupe_ttl_minutes must be between 0 and ${MAX_DEDUPE_TTL_MINUTES}`,
      );
    } else {
      dedupeTtlMinutes = v;
    }
  }

  const labels = readStringMap(input, 'labels', issues, {
    maxEntries: limits.maxLabels,
    maxNameLength: limits.maxLabelNameLength,
    maxValueLength: limits.maxLabelValueLength,
    maxTotalBytes: limits.maxLabelSetBytes,
  });
  const annotations = readStringMap(input, 'annotations', issues, {
    maxEntries: limits.maxAnnotations,
    maxNameLength: limits.maxLabelNameLength,
    maxValueLength: limits.maxAnnotationValueLength,
    maxTotalBytes: limits.maxAnnotations * limits.maxAnnotationValueLength,
  });

  if (labels && service !== undefined) {
    // service and kind are part of the alert's identity, so they join the label set the fingerprint covers.
    if (labels.service !== undefined && labels.service !== service) {
      issues.add('labels.service', 'conflict', 'labels.service differs from service');
    }
    if (kind !== null && labels.kind !== undefined && labels.kind !== kind) {
      issues.add('labels.kind', 'conflict', 'labels.kind differs from kind');
    }
    labels.service = service;
    if (kind !== null) labels.kind = kind;
    if (Object.keys(labels).length > limits.maxLabels) {
      issues.add('labels', 'too_many', `labels plus service and kind exceed ${limits.maxLabels} entries`);
    }
  }

  if (issues.issues.length > 0 || labels === undefined || annotations === undefined) {
    return { ok: false, issues: issues.issues };
  }
  const computed = fingerprintLabels(labels);
  // Every required field was checked above; these are defined when there are no issues.
  const svc = service as string;
  const ttl = title as string;
  return {
    ok: true,
    alert: {
      source: source ?? ctx.defaultSource,
      service: svc,
      kind,
      title: ttl,
      message: message ?? '',
      severity,
      state,
      labels,
      annotations,
      fingerprint: fingerprint ?? computed,
      labelsFingerprinted: fingerprint === undefined || fingerprint === computed,
      signature: alertSignature(svc, kind, ttl),
      dedupeTtlMs: Math.round(dedupeTtlMinutes * 60_000),
      resolveAfterMs: null,
      origin: 'native',
      startsAt: null,
      endsAt: null,
      generatorUrl: generatorUrl ?? null,
    },
  };
}

/**
 * Alerts that describe the same problem share a signature even when instance labels differ: it is
 * what incidents dedupe on and what the dashboard's "top signatures" counts.
 */
export function alertSignature(service: string, kind: string | null, title: string): string {
  return hashParts([service, kind ?? '', title.trim().toLowerCase()]);
}

/** Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
