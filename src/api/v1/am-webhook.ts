import type { FastifyInstance } from 'fastify';
import type { PreparedAlert } from '../../alerts/model.js';
import { SentinelError, type FieldIssue } from '../../errors.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { prepareV2Alert } from '../v2/alerts.js';

/*
 * POST /api/v1/alertmanager/webhook: the receiving end of an existing Alertmanager's
 * webhook_configs. Each alert of the payload (version "4") becomes a durable Sentinel alert with its
 * labels as sent (so its fingerprint is Alertmanager's), and then takes part in incidents, claims
 * and Sentinel's own routing like any other. A firing alert stays firing until Alertmanager sends
 * it resolved: Alertmanager only re-sends at its repeat_interval, so a resolve timeout would
 * resolve alerts that are still firing.
 */

export function registerAlertmanagerWebhookRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.post(
    '/api/v1/alertmanager/webhook',
    { onRequest: requireScope(ctx.auth, 'alerts:ingest') },
    async (request) => {
      const body = request.body as Record<string, unknown> | null;
      if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(body.alerts)) {
        throw new SentinelError(
          'invalid_request',
          'expected an Alertmanager webhook payload with an alerts list',
          [{ field: 'alerts', code: 'required', message: 'alerts must be a list' }],
        );
      }
      if (body.version !== undefined && body.version !== '4') {
        throw new SentinelError(
          'invalid_request',
          `unsupported webhook payload version ${String(body.version)}`,
          [{ field: 'version', code: 'invalid_enum', message: 'only version "4" is supported' }],
        );
      }
      const alerts = body.alerts as unknown[];
      if (alerts.length > ctx.maxAlertsPerRequest) {
        ctx.metrics.ingested.inc({ api: 'v1', result: 'rejected' }, alerts.length);
        throw new SentinelError(
          'too_many_alerts',
          `${alerts.length} alerts in one request; at most ${ctx.maxAlertsPerRequest}`,
        );
      }
      const now = ctx.clock.now();
      const source =
        request.principal?.name && request.principal.name !== 'local'
          ? request.principal.name
          : 'alertmanager-webhook';
      const prepared: PreparedAlert[] = [];
      const issues: FieldIssue[] = [];
      alerts.forEach((raw, i) => {
        const status = (raw as { status?: unknown } | null)?.status;
        if (status !== 'firing' && status !== 'resolved') {
          issues.push({
            field: `alerts[${i}].status`,
            code: 'invalid_enum',
            message: 'status must be firing or resolved',
          });
          return;
        }
        const r = prepareV2Alert(raw, i, ctx, now, source);
        if (Array.isArray(r)) {
          issues.push(...r.map((x) => ({ ...x, field: `alerts${x.field}` })));
          return;
        }
        const resolved = status === 'resolved';
        prepared.push({
          ...r,
          state: resolved ? 'resolved' : 'firing',
          endsAt: resolved ? (r.endsAt ?? now) : null,
          resolveAfterMs: null,
        });
      });
      if (issues.length > 0) {
        ctx.metrics.ingested.inc({ api: 'v1', result: 'rejected' }, alerts.length);
        throw new SentinelError(
          'invalid_alert',
          `${issues.length} invalid field(s); nothing was stored`,
          issues,
        );
      }
      const results = await ctx.ingest.submit(prepared);
      ctx.metrics.countIngested('v1', results);
      return { accepted: results.length, results };
    },
  );
}
