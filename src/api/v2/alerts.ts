import type { FastifyInstance } from 'fastify';
import { fingerprintLabels } from '../../alerts/fingerprint.js';
import type { Alert, PreparedAlert, Severity } from '../../alerts/model.js';
import { alertSignature, isStorableText, readStringMap, truncate } from '../../alerts/validate.js';
import { SentinelError, type FieldIssue, type FieldIssueCode } from '../../errors.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { routingLabels } from '../../notify/labels.js';
import { RoutingView, type AlertRouting } from '../../notify/status.js';
import { allMatch, checkApiRegex, type Matcher } from '../../routing/matchers.js';
import { boolParam, filterMatchers } from './filters.js';

/*
 * Alertmanager API v2 alerts. Ingest (POST /api/v2/alerts, as Prometheus' notifier sends it) takes
 * the label set as is, so the fingerprint equals Alertmanager's; Sentinel's own fields are derived
 * from the usual conventions (service from `service` or `job`, title from the `summary` annotation
 * or `alertname`, severity from the `severity` label). Reads (GET /api/v2/alerts, /alerts/groups)
 * show every current firing alert with its receivers, silences and inhibitions.
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
  const resolved = endsAt !== null && endsAt <= now;
  return {
    source,
    service,
    kind: null,
    title,
    message: truncate(annotations.description ?? annotations.message ?? '', ctx.limits.maxMessageLength),
    severity,
    state: resolved ? 'resolved' : 'firing',
    labels,
    annotations,
    fingerprint: fingerprintLabels(labels),
    labelsFingerprinted: true,
    signature: alertSignature(service, null, title),
    dedupeTtlMs: ctx.defaultDedupeTtlMinutes * 60_000,
    // As Alertmanager: firing until endsAt, or for resolve_timeout when the sender gives no end.
    resolveAfterMs: resolved ? null : endsAt !== null ? endsAt - now : ctx.notifier.config().resolveTimeoutMs,
    origin: 'alertmanager',
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

// ---- reading: GET /api/v2/alerts and /api/v2/alerts/groups ----------------------------------------

const isoTime = (ms: number): string => new Date(ms).toISOString();

/** Alertmanager's gettableAlert for a stored alert and its routing status. */
export function gettableAlert(
  a: Alert,
  routing: AlertRouting,
  resolveTimeoutMs: number,
): Record<string, unknown> {
  // A firing alert's end is when it expires if not sent again; native alerts have no expiry and
  // show the resolve timeout from their last re-send, as Alertmanager would give them.
  const endsAt =
    a.state === 'resolved' && a.resolvedAt !== null
      ? a.resolvedAt
      : a.lastSeenAt + (a.resolveAfterMs ?? resolveTimeoutMs);
  return {
    annotations: a.annotations,
    endsAt: isoTime(endsAt),
    fingerprint: a.fingerprint,
    receivers: routing.receivers.map((name) => ({ name })),
    startsAt: isoTime(a.startsAt),
    status: { inhibitedBy: routing.inhibitedBy, silencedBy: routing.silencedBy, state: routing.state },
    updatedAt: isoTime(a.updatedAt),
    ...(a.generatorUrl ? { generatorURL: a.generatorUrl } : {}),
    labels: routingLabels(a),
  };
}

interface AlertFilter {
  active: boolean;
  silenced: boolean;
  inhibited: boolean;
  matchers: Matcher[];
  receiver: RegExp | null;
}

function readAlertFilter(query: Record<string, unknown>): AlertFilter {
  let receiver: RegExp | null = null;
  if (typeof query.receiver === 'string' && query.receiver !== '') {
    const problem = checkApiRegex(query.receiver);
    if (problem !== null)
      throw new SentinelError('invalid_field', `receiver: ${problem}`, [
        { field: 'receiver', code: 'invalid_format', message: problem },
      ]);
    try {
      receiver = new RegExp(`^(?:${query.receiver})$`);
    } catch {
      throw new SentinelError('invalid_field', 'receiver must be a regular expression', [
        { field: 'receiver', code: 'invalid_format', message: 'not a valid regular expression' },
      ]);
    }
  }
  // `unprocessed` is accepted for compatibility: every stored alert has been processed.
  boolParam(query.unprocessed, 'unprocessed', true);
  return {
    active: boolParam(query.active, 'active', true),
    silenced: boolParam(query.silenced, 'silenced', true),
    inhibited: boolParam(query.inhibited, 'inhibited', true),
    matchers: filterMatchers(query.filter),
    receiver,
  };
}

function passes(f: AlertFilter, a: Alert, r: AlertRouting): boolean {
  if (f.receiver && !r.receivers.some((name) => f.receiver!.test(name))) return false;
  if (!allMatch(f.matchers, routingLabels(a))) return false;
  if (!f.silenced && r.silencedBy.length > 0) return false;
  // Dependency-aware suppression is Sentinel's own inhibition: `inhibited=false` hides it too.
  if (!f.inhibited && (r.inhibitedBy.length > 0 || r.suppressedByUpstream !== null)) return false;
  if (!f.active && r.state === 'active') return false;
  return true;
}

/** Every current firing alert, read in pages. */
async function firingAlerts(ctx: ApiContext): Promise<Alert[]> {
  const out: Alert[] = [];
  let beforeId: number | undefined;
  for (;;) {
    const page = await ctx.store.listAlerts({
      current: true,
      state: 'firing',
      limit: 1000,
      ...(beforeId !== undefined ? { beforeId } : {}),
    });
    out.push(...page);
    if (page.length < 1000) return out;
    beforeId = page[page.length - 1]!.id;
  }
}

export function registerV2AlertReadRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const canRead = requireScope(ctx.auth, 'alerts:read');

  app.get('/api/v2/alerts', { onRequest: canRead }, async (request) => {
    const filter = readAlertFilter(request.query as Record<string, unknown>);
    const config = ctx.notifier.config();
    const view = await RoutingView.load(ctx.store, config, ctx.notifier.silences, ctx.clock.now());
    const out: Record<string, unknown>[] = [];
    for (const a of await firingAlerts(ctx)) {
      const r = view.of(a);
      if (passes(filter, a, r)) out.push(gettableAlert(a, r, config.resolveTimeoutMs));
    }
    return out;
  });

  app.get('/api/v2/alerts/groups', { onRequest: canRead }, async (request) => {
    const filter = readAlertFilter(request.query as Record<string, unknown>);
    const config = ctx.notifier.config();
    const view = await RoutingView.load(ctx.store, config, ctx.notifier.silences, ctx.clock.now());
    const groups = await ctx.store.notify.allGroups();
    const members = await ctx.store.notify.allMembers();
    const byGroup = new Map<string, string[]>();
    for (const m of members) {
      let list = byGroup.get(m.groupKey);
      if (!list) byGroup.set(m.groupKey, (list = []));
      list.push(m.alertRef);
    }
    const alerts = new Map((await firingAlerts(ctx)).map((a) => [a.ref, a]));
    const out: Record<string, unknown>[] = [];
    for (const g of groups) {
      if (filter.receiver && !filter.receiver.test(g.receiver)) continue;
      const listed: Record<string, unknown>[] = [];
      for (const ref of byGroup.get(g.groupKey) ?? []) {
        const a = alerts.get(ref);
        if (!a) continue;
        const r = view.of(a);
        if (passes({ ...filter, receiver: null }, a, r))
          listed.push(gettableAlert(a, r, config.resolveTimeoutMs));
      }
      if (listed.length > 0)
        out.push({ alerts: listed, labels: g.groupLabels, receiver: { name: g.receiver } });
    }
    return out;
  });
}
