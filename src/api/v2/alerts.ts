import type { FastifyInstance } from 'fastify';
import { fingerprintLabels } from '../../alerts/fingerprint.js';
import type { PreparedAlert, Severity } from '../../alerts/model.js';
import { alertSignature, isStorableText, readStringMap, truncate } from '../../alerts/validate.js';
import { SentinelError, type FieldIssue, type FieldIssueCode } from '../../errors.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';

/*
 * Alertmanager API v2 alert ingest (POST /api/v2/alerts, as Prometheus' notifier sends it). The
 * label set is taken as is, so the fingerprint equals Alertmanager's; Sentinel's own fields are
 * derived from the usual conventions (service from `service` or `job`, title from the `summary`
 * annotation or `alertname`, severity from the `severity` label). The full v2 API (silences,
 * groups, status) arrives with the notification subsystem.
 */

const SEVERITY_ALIASES: Record<string, Severity> = {
  critical: 'critical',
  page: 'critical',
  error: 'critical',
  warning: 'warning',
  warn: 'warning',
  info: 'info',
  none: 'info',
};

function parseTime(value: unknown, field: string, issues: FieldIssue[]): number | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') {
    issues.push({ field, code: 'invalid_type', message: `${field} must be an RFC 3339 date-time string` });
    return null;
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    issues.push({ field, code: 'invalid_format', message: `${field} must be an RFC 3339 date-time` });
    return null;
  }
  // Go's zero time (0001-01-01T00:00:00Z) means "not set" in Alertmanager's payloads.
  return ms < 0 ? null : ms;
}

export function prepareV2Alert(
  input: unknown,
  index: number,
  ctx: ApiContext,
  now: number,
  source: string,
): PreparedAlert | FieldIssue[] {
  const prefix = `[${index}].`;
  const issues: FieldIssue[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ field: `[${index}]`, code: 'invalid_type', message: 'an alert must be a JSON object' }];
  }
  const obj = input as Record<string, unknown>;
  const list = {
    add: (field: string, code: FieldIssueCode, message: string) =>
      issues.push({ field: prefix + field, code, message }),
  };
  const limits = {
    maxEntries: ctx.limits.maxLabels,
    maxNameLength: ctx.limits.maxLabelNameLength,
    maxValueLength: ctx.limits.maxLabelValueLength,
    maxTotalBytes: ctx.limits.maxLabelSetBytes,
  };
  const labels =
    obj.labels === undefined || obj.labels === null
      ? (list.add('labels', 'required', 'labels is required'), undefined)
      : readStringMap(obj, 'labels', list, limits);
  const annotations = readStringMap(obj, 'annotations', list, {
    maxEntries: ctx.limits.maxAnnotations,
    maxNameLength: ctx.limits.maxLabelNameLength,
    maxValueLength: ctx.limits.maxAnnotationValueLength,
    maxTotalBytes: ctx.limits.maxAnnotations * ctx.limits.maxAnnotationValueLength,
  });
  if (labels && Object.keys(labels).length === 0) list.add('labels', 'required', 'labels must not be empty');
  const startsAt = parseTime(obj.startsAt, prefix + 'startsAt', issues);
  const endsAt = parseTime(obj.endsAt, prefix + 'endsAt', issues);
  let generatorUrl: string | null = null;
  if (obj.generatorURL !== undefined && obj.generatorURL !== null && obj.generatorURL !== '') {
    if (
      typeof obj.generatorURL !== 'string' ||
      obj.generatorURL.length > 2048 ||
      !isStorableText(obj.generatorURL)
    ) {
      list.add('generatorURL', 'invalid_format', 'generatorURL must be a string of at most 2048 characters');
    } else {
      generatorUrl = obj.generatorURL;
    }
  }
  if (issues.length > 0 || !labels || !annotations) return issues;
  const service = labels.service ?? labels.job ?? labels.alertname ?? 'unknown';
  const title = truncate(annotations.summary ?? labels.alertname ?? 'alert', ctx.limits.maxTitleLength);
  const severity = SEVERITY_ALIASES[(labels.severity ?? '').toLowerCase()] ?? 'warning';
  return {
    source,
    service,
    kind: null,
    title,
    message: truncate(annotations.description ?? annotations.message ?? '', ctx.limits.maxMessageLength),
    severity,
    state: endsAt !== null && endsAt <= now ? 'resolved' : 'firing',
    labels,
    annotations,
    fingerprint: fingerprintLabels(labels),
    labelsFingerprinted: true,
    signature: alertSignature(service, null, title),
    dedupeTtlMs: ctx.defaultDedupeTtlMinutes * 60_000,
    startsAt,
    endsAt,
    generatorUrl,
  };
}

export function registerV2AlertRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post(
    '/api/v2/alerts',
    { onRequest: requireScope(ctx.auth, 'alerts:ingest') },
    async (request, reply) => {
      const body = request.body;
      if (!Array.isArray(body)) {
        throw new SentinelError('invalid_request', 'the body must be a JSON array of alerts', [
          { field: '', code: 'invalid_type', message: 'expected an array' },
        ]);
      }
      if (body.length > ctx.maxAlertsPerRequest) {
        ctx.metrics.ingested.inc({ api: 'v2', result: 'rejected' }, body.length);
        throw new SentinelError(
          'too_many_alerts',
          `${body.length} alerts in one request; at most ${ctx.maxAlertsPerRequest} are allowed`,
        );
      }
      const now = ctx.clock.now();
      const source =
        request.principal?.name && request.principal.name !== 'local'
          ? request.principal.name
          : 'alertmanager-api';
      const prepared: PreparedAlert[] = [];
      const issues: FieldIssue[] = [];
      for (let i = 0; i < body.length; i++) {
        const r = prepareV2Alert(body[i], i, ctx, now, source);
        if (Array.isArray(r)) issues.push(...r);
        else prepared.push(r);
      }
      if (issues.length > 0) {
        ctx.metrics.ingested.inc({ api: 'v2', result: 'rejected' }, body.length);
        throw new SentinelError(
          'invalid_alert',
          `${issues.length} invalid field(s); nothing was stored`,
          issues,
        );
      }
      const results = await ctx.ingest.submit(prepared);
      ctx.metrics.countIngested('v2', results);
      return reply.code(200).send();
    },
  );
}
