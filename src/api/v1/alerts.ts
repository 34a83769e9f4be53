import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ALERT_STATES, PROCESSING_STATUSES, SEVERITIES, type PreparedAlert } from '../../alerts/model.js';
import { alertToApi, eventToApi, type ApiAlert } from '../../alerts/present.js';
import { validateAlert } from '../../alerts/validate.js';
import { SentinelError, type FieldIssue } from '../../errors.js';
import { INCIDENT_SEVERITIES } from '../../incidents/model.js';
import { incidentToApi } from '../../alerts/present.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { cursorParam, parseWith, queryInt, queryList } from '../params.js';
import { RoutingView } from '../../notify/status.js';
import { notificationsOfAlert } from './deliveries.js';

const refParams = z.object({
  ref: z.string().regex(/^alrt_[0-9A-Z]{26}$/, 'must be an alert reference (alrt_...)'),
});

const listQuery = z
  .object({
    service: z.string().max(256).optional(),
    severity: z.enum(SEVERITIES).optional(),
    state: z.enum(ALERT_STATES).optional(),
    status_in: queryList(PROCESSING_STATUSES).optional(),
    source: z.string().max(256).optional(),
    window_minutes: queryInt(1, 525_600).optional(),
    q: z.string().max(256).optional(),
    limit: queryInt(1, 500).optional(),
    cursor: cursorParam.optional(),
  })
  .strict();

const claimBody = z
  .object({
    owner: z.string().min(1).max(256),
    limit: z.number().int().min(1).max(1000).default(25),
    lock_ttl_seconds: z.number().int().min(1).max(86_400).default(600),
    window_minutes: z.number().int().min(1).max(525_600).optional(),
    // Only unowned statuses can be claimed: taking `processing` would steal a live lock.
    status_in: z
      .array(z.enum(['new', 'failed']))
      .min(1)
      .default(['new']),
  })
  .strict();

const ackBody = z
  .object({ note: z.string().max(4096).nullable().optional(), owner: z.string().max(256).optional() })
  .strict();
const failBody = z
  .object({
    error: z.string().min(1).max(4096),
    retry_after_seconds: z.number().int().min(0).max(604_800).default(300),
    owner: z.string().max(256).optional(),
  })
  .strict();
const resolveBody = z.object({ note: z.string().max(4096).nullable().optional() }).strict();
const incidentBody = z
  .object({
    incident_severity_cap: z.enum(INCIDENT_SEVERITIES).optional(),
    dedupe_window_minutes: z.number().int().min(0).max(525_600).optional(),
  })
  .strict();
const dashboardQuery = z.object({ window_minutes: queryInt(1, 525_600).optional() }).strict();

export function registerAlertRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const canIngest = requireScope(ctx.auth, 'alerts:ingest');
  const canRead = requireScope(ctx.auth, 'alerts:read');
  const canClaim = requireScope(ctx.auth, 'alerts:claim');
  const canAck = requireScope(ctx.auth, 'alerts:ack');
  const canWriteIncidents = requireScope(ctx.auth, 'incidents:write');

  app.post('/api/v1/alerts', { onRequest: canIngest }, async (request, reply) => {
    const body = request.body;
    const single = !Array.isArray(body);
    const inputs: unknown[] = single ? [body] : (body as unknown[]);
    if (inputs.length > ctx.maxAlertsPerRequest) {
      ctx.metrics.ingested.inc({ api: 'v1', result: 'rejected' }, inputs.length);
      throw new SentinelError(
        'too_many_alerts',
        `${inputs.length} alerts in one request; at most ${ctx.maxAlertsPerRequest} are allowed`,
      );
    }
    const prepared: PreparedAlert[] = [];
    const issues: FieldIssue[] = [];
    const validation = {
      limits: ctx.limits,
      defaultDedupeTtlMinutes: ctx.defaultDedupeTtlMinutes,
      defaultSource: ctx.defaultSource,
    };
    for (let i = 0; i < inputs.length; i++) {
      const r = validateAlert(inputs[i], validation, single ? '' : `[${i}].`);
      if (r.ok) prepared.push(r.alert);
      else for (const issue of r.issues) issues.push(issue);
    }
    if (issues.length > 0) {
      ctx.metrics.ingested.inc({ api: 'v1', result: 'rejected' }, inputs.length);
      const err = new SentinelError(
        'invalid_alert',
        `${issues.length} invalid field(s); nothing was stored: ${issues
          .slice(0, 5)
          .map((d) => d.field || 'alert')
          .join(', ')}`,
        issues,
      );
      return reply.code(400).send({ accepted: false, ...err.toBody() });
    }
    const results = await ctx.ingest.submit(prepared);
    ctx.metrics.countIngested('v1', results);
    if (single) return results[0];
    return { accepted: true, count: results.length, results };
  });

  app.get('/api/v1/alerts', { onRequest: canRead }, async (request) => {
    const q = parseWith(listQuery, request.query, 'invalid_field');
    const limit = q.limit ?? 50;
    const now = ctx.clock.now();
    const alerts = await ctx.store.listAlerts({
      ...(q.service !== undefined ? { service: q.service } : {}),
      ...(q.severity !== undefined ? { severity: q.severity } : {}),
      ...(q.state !== undefined ? { state: q.state } : {}),
      ...(q.status_in !== undefined ? { statusIn: q.status_in } : {}),
      ...(q.source !== undefined ? { source: q.source } : {}),
      ...(q.window_minutes !== undefined ? { seenSince: now - q.window_minutes * 60_000 } : {}),
      ...(q.q !== undefined ? { text: q.q } : {}),
      ...(q.cursor !== undefined ? { beforeId: q.cursor } : {}),
      limit,
    });
    const last = alerts[alerts.length - 1];
    return {
      alerts: alerts.map(alertToApi),
      next_cursor: alerts.length === limit && last ? String(last.id) : null,
    };
  });

  app.get('/api/v1/alerts/dashboard', { onRequest: canRead }, async (request) => {
    const q = parseWith(dashboardQuery, request.query, 'invalid_field');
    const windowMinutes = q.window_minutes ?? 240;
    const since = ctx.clock.now() - windowMinutes * 60_000;
    const [counts, top, latest] = await Promise.all([
      ctx.store.countAlerts(since),
      ctx.store.topSignatures(since, 10),
      ctx.store.listAlerts({ seenSince: since, limit: 20 }),
    ]);
    const byStatus: Record<string, number> = Object.fromEntries(PROCESSING_STATUSES.map((s) => [s, 0]));
    const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
    const byState: Record<string, number> = Object.fromEntries(ALERT_STATES.map((s) => [s, 0]));
    let total = 0;
    for (const row of counts) {
      byStatus[row.status] = (byStatus[row.status] ?? 0) + row.count;
      bySeverity[row.severity] = (bySeverity[row.severity] ?? 0) + row.count;
      byState[row.state] = (byState[row.state] ?? 0) + row.count;
      total += row.count;
    }
    return {
      window_minutes: windowMinutes,
      total,
      by_status: byStatus,
      by_severity: bySeverity,
      by_state: byState,
      top_signatures: top.map((t) => ({
        signature: t.signature,
        service: t.service,
        title: t.title,
        alerts: Number(t.alerts),
        occurrences: Number(t.occurrences),
        last_seen_at: new Date(Number(t.lastSeenAt)).toISOString(),
      })),
      latest: latest.map(alertToApi),
    };
  });

  app.get('/api/v1/alerts/:ref', { onRequest: canRead }, async (request) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const alert = await ctx.store.getAlert(ref);
    if (!alert) throw new SentinelError('alert_not_found', `no alert ${ref}`);
    // The newest 200: what an operator looking at a busy alert needs; older ones via /api/v1/events.
    const events = await ctx.store.listEvents({ after: 0, limit: 200, alertRef: ref, newest: true });
    const view = await RoutingView.load(
      ctx.store,
      ctx.notifier.config(),
      ctx.notifier.silences,
      ctx.clock.now(),
    );
    const routing = view.of(alert);
    return {
      alert: alertToApi(alert),
      events: events.map(eventToApi),
      routing: {
        receivers: routing.receivers,
        silenced_by: routing.silencedBy,
        inhibited_by: routing.inhibitedBy,
        suppressed_by_upstream: routing.suppressedByUpstream,
        state: routing.state,
      },
      notifications: await notificationsOfAlert(ctx.store, ref),
    };
  });

  app.post('/api/v1/alerts/claim', { onRequest: canClaim }, async (request) => {
    const b = parseWith(claimBody, request.body);
    const claimed = await ctx.alerts.claim({
      owner: b.owner,
      limit: b.limit,
      lockTtlMs: b.lock_ttl_seconds * 1000,
      statusIn: b.status_in,
      ...(b.window_minutes !== undefined ? { windowMs: b.window_minutes * 60_000 } : {}),
    });
    return { alerts: claimed.map(alertToApi) };
  });

  const actorOf = (request: { principal: { name: string } | null }): string | null =>
    request.principal?.name ?? null;
  const single = (alert: ApiAlert) => ({ alert });

  app.post('/api/v1/alerts/:ref/ack', { onRequest: canAck }, async (request) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const b = parseWith(ackBody, request.body);
    const alert = await ctx.alerts.ack(ref, {
      note: b.note ?? null,
      actor: actorOf(request),
      ...(b.owner !== undefined ? { owner: b.owner } : {}),
    });
    return single(alertToApi(alert));
  });

  app.post('/api/v1/alerts/:ref/fail', { onRequest: canClaim }, async (request) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const b = parseWith(failBody, request.body);
    const alert = await ctx.alerts.fail(ref, {
      error: b.error,
      retryAfterMs: b.retry_after_seconds * 1000,
      actor: actorOf(request),
      ...(b.owner !== undefined ? { owner: b.owner } : {}),
    });
    return single(alertToApi(alert));
  });

  app.post('/api/v1/alerts/:ref/resolve', { onRequest: canAck }, async (request) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const b = parseWith(resolveBody, request.body);
    const alert = await ctx.alerts.resolve(ref, { actor: actorOf(request), note: b.note ?? null });
    return single(alertToApi(alert));
  });

  app.post('/api/v1/alerts/:ref/incident', { onRequest: canWriteIncidents }, async (request, reply) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const b = parseWith(incidentBody, request.body);
    const r = await ctx.incidents.fromAlert(ref, {
      actor: actorOf(request),
      ...(b.incident_severity_cap !== undefined ? { severityCap: b.incident_severity_cap } : {}),
      ...(b.dedupe_window_minutes !== undefined ? { dedupeWindowMs: b.dedupe_window_minutes * 60_000 } : {}),
    });
    reply.code(r.created ? 201 : 200);
    return {
      incident: incidentToApi(r.incident),
      created: r.created,
      attached: r.attached,
      triage: r.triage,
    };
  });
}
