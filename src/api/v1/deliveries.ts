import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SentinelError } from '../../errors.js';
import { NOTIFICATION_STATUSES, type DeliveryAttempt, type Notification } from '../../notify/model.js';
import type { Store } from '../../store/store.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { cursorParam, parseWith, queryInt, queryList } from '../params.js';

/*
 * Delivery truth: every notification (outbox row) with its status and every attempt, so an operator
 * can see what was sent where, what is queued behind a failing receiver, and why something failed.
 */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface ApiAttempt {
  at: string;
  outcome: string;
  status_code: number | null;
  error: string | null;
  latency_ms: number;
}

export interface ApiNotification {
  ref: string;
  receiver: string;
  integration: string;
  group_key: string;
  status: string;
  created_at: string;
  next_attempt_at: string | null;
  finished_at: string | null;
  attempts: number;
  last_error: string | null;
  alert_refs: string[];
  /** What the message said: the notification status and the alerts it listed. */
  summary: { status: string; alerts: number; firing: number; resolved: number };
  attempt_log?: ApiAttempt[];
}

export function notificationToApi(n: Notification, attempts?: readonly DeliveryAttempt[]): ApiNotification {
  const firing = n.data.alerts.filter((a) => a.status === 'firing').length;
  return {
    ref: n.ref,
    receiver: n.receiver,
    integration: n.integration,
    group_key: n.groupKey,
    status: n.status,
    created_at: iso(n.createdAt)!,
    next_attempt_at: n.finishedAt === null ? iso(n.nextAttemptAt) : null,
    finished_at: iso(n.finishedAt),
    attempts: n.attempts,
    last_error: n.lastError,
    alert_refs: n.alertRefs,
    summary: {
      status: n.data.status,
      alerts: n.data.alerts.length,
      firing,
      resolved: n.data.alerts.length - firing,
    },
    ...(attempts
      ? {
          attempt_log: attempts.map((a) => ({
            at: iso(a.at)!,
            outcome: a.outcome,
            status_code: a.statusCode,
            error: a.error,
            latency_ms: Math.round(a.latencyMs * 10) / 10,
          })),
        }
      : {}),
  };
}

/** The notifications of one alert with their attempts, newest first (GET /api/v1/alerts/{ref}). */
export async function notificationsOfAlert(
  store: Store,
  ref: string,
  limit = 50,
): Promise<ApiNotification[]> {
  const list = await store.notify.listNotifications({ alertRef: ref, limit });
  const attempts = await store.notify.attempts(list.map((n) => n.id));
  return list.map((n) => notificationToApi(n, attempts.get(n.id) ?? []));
}

const listQuery = z
  .object({
    receiver: z.string().max(256).optional(),
    integration: z.string().max(512).optional(),
    status_in: queryList(NOTIFICATION_STATUSES).optional(),
    alert_ref: z.string().max(64).optional(),
    limit: queryInt(1, 500).optional(),
    cursor: cursorParam.optional(),
  })
  .strict();

const refParams = z.object({
  ref: z.string().regex(/^ntf_[0-9A-Z]{26}$/, 'must be a notification reference (ntf_...)'),
});

export function registerDeliveryRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const canRead = requireScope(ctx.auth, 'alerts:read');

  app.get('/api/v1/deliveries', { onRequest: canRead }, async (request) => {
    const q = parseWith(listQuery, request.query, 'invalid_field');
    const limit = q.limit ?? 100;
    const list = await ctx.store.notify.listNotifications({
      limit,
      ...(q.receiver !== undefined ? { receiver: q.receiver } : {}),
      ...(q.integration !== undefined ? { integration: q.integration } : {}),
      ...(q.status_in !== undefined ? { statusIn: q.status_in } : {}),
      ...(q.alert_ref !== undefined ? { alertRef: q.alert_ref } : {}),
      ...(q.cursor !== undefined ? { beforeId: q.cursor } : {}),
    });
    const queues = await ctx.store.notify.queueStats();
    const now = ctx.clock.now();
    return {
      deliveries: list.map((n) => notificationToApi(n)),
      next_cursor: list.length === limit ? String(list[list.length - 1]!.id) : null,
      queues: queues.map((s) => ({
        integration: s.integration,
        pending: s.pending,
        oldest_age_seconds: s.oldestCreatedAt === null ? null : Math.max(0, (now - s.oldestCreatedAt) / 1000),
        next_attempt_at: iso(s.nextAttemptAt),
      })),
    };
  });

  app.get('/api/v1/deliveries/:ref', { onRequest: canRead }, async (request) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const n = await ctx.store.notify.notification(ref);
    if (!n) throw new SentinelError('notification_not_found', `no notification ${ref}`);
    const attempts = await ctx.store.notify.attempts([n.id]);
    return { delivery: { ...notificationToApi(n, attempts.get(n.id) ?? []), message: n.data } };
  });
}
