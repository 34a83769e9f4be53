import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { eventToApi } from '../../alerts/present.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { cursorParam, parseWith, queryInt } from '../params.js';

const eventsQuery = z
  .object({
    after: cursorParam.optional(),
    limit: queryInt(1, 1000).optional(),
    alert_ref: z.string().max(64).optional(),
    incident_ref: z.string().max(64).optional(),
  })
  .strict();

export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  /**
   * The event log in commit order. `next_cursor` is the id of the last event returned (or the
   * `after` given when there is nothing new), so a consumer polls with it and never misses or
   * repeats an event.
   */
  app.get('/api/v1/events', { onRequest: requireScope(ctx.auth, 'alerts:read') }, async (request) => {
    const q = parseWith(eventsQuery, request.query, 'invalid_field');
    const after = q.after ?? 0;
    const events = await ctx.store.listEvents({
      after,
      limit: q.limit ?? 100,
      ...(q.alert_ref !== undefined ? { alertRef: q.alert_ref } : {}),
      ...(q.incident_ref !== undefined ? { incidentRef: q.incident_ref } : {}),
    });
    const last = events[events.length - 1];
    return { events: events.map(eventToApi), next_cursor: last ? String(last.id) : String(after) };
  });
}
