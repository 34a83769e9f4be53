import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { eventToApi, incidentToApi } from '../../alerts/present.js';
import { SentinelError } from '../../errors.js';
import { INCIDENT_STATUSES } from '../../incidents/model.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { cursorParam, parseWith, queryInt, queryList } from '../params.js';

const refParams = z.object({
  ref: z.string().regex(/^inc_[0-9A-Z]{26}$/, 'must be an incident reference (inc_...)'),
});
const listQuery = z
  .object({
    status: queryList(INCIDENT_STATUSES).optional(),
    service: z.string().max(256).optional(),
    limit: queryInt(1, 500).optional(),
    cursor: cursorParam.optional(),
  })
  .strict();
const noteBody = z.object({ text: z.string().min(1).max(16_384) }).strict();
const statusBody = z
  .object({ status: z.enum(INCIDENT_STATUSES), note: z.string().max(16_384).nullable().optional() })
  .strict();
const closeBody = z.object({ note: z.string().max(16_384).nullable().optional() }).strict();

export function registerIncidentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const canRead = requireScope(ctx.auth, 'alerts:read');
  const canWrite = requireScope(ctx.auth, 'incidents:write');
  const actorOf = (request: { principal: { name: string } | null }): string | null =>
    request.principal?.name ?? null;

  app.get('/api/v1/incidents', { onRequest: canRead }, async (request) => {
    const q = parseWith(listQuery, request.query, 'invalid_field');
    const limit = q.limit ?? 50;
    const incidents = await ctx.store.listIncidents({
      ...(q.status !== undefined ? { statusIn: q.status } : {}),
      ...(q.service !== undefined ? { service: q.service } : {}),
      ...(q.cursor !== undefined ? { beforeId: q.cursor } : {}),
      limit,
    });
    const last = incidents[incidents.length - 1];
    return {
      incidents: incidents.map(incidentToApi),
      next_cursor: incidents.length === limit && last ? String(last.id) : null,
    };
  });

  app.get('/api/v1/incidents/:ref', { onRequest: canRead }, async (request) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const incident = await ctx.store.getIncident(ref);
    if (!incident) throw new SentinelError('incident_not_found', `no incident ${ref}`);
    const [alertRefs, timeline] = await Promise.all([
      ctx.store.incidentAlertRefs(ref),
      ctx.store.listEvents({ after: 0, limit: 1000, incidentRef: ref }),
    ]);
    return { incident: incidentToApi(incident), alert_refs: alertRefs, timeline: timeline.map(eventToApi) };
  });

  app.post('/api/v1/incidents/:ref/notes', { onRequest: canWrite }, async (request, reply) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const b = parseWith(noteBody, request.body);
    const incident = await ctx.incidents.addNote(ref, { text: b.text, actor: actorOf(request) });
    reply.code(201);
    return { incident: incidentToApi(incident) };
  });

  app.post('/api/v1/incidents/:ref/status', { onRequest: canWrite }, async (request) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const b = parseWith(statusBody, request.body);
    const incident = await ctx.incidents.setStatus(ref, b.status, {
      actor: actorOf(request),
      note: b.note ?? null,
    });
    return { incident: incidentToApi(incident) };
  });

  app.post('/api/v1/incidents/:ref/close', { onRequest: canWrite }, async (request) => {
    const { ref } = parseWith(refParams, request.params, 'invalid_field');
    const b = parseWith(closeBody, request.body);
    const incident = await ctx.incidents.setStatus(ref, 'closed', {
      actor: actorOf(request),
      note: b.note ?? null,
    });
    return { incident: incidentToApi(incident) };
  });
}
