import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { PingInput } from '../../engine/health-service.js';
import { MAX_PING_BODY, type PingKind } from '../../engine/heartbeat-state.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseWith } from '../params.js';

/*
 * Heartbeat pings with Healthchecks' URL scheme: /api/v1/heartbeats/<check> (success), /start,
 * /fail, /log, /<exit status> (0 is a success, 1-255 a failure), each by POST or GET (cron jobs
 * often use `curl <url>`), with an optional `?rid=` pairing a start with its finish. The request
 * body, of any content type, is kept as the log excerpt (the first 10,000 characters).
 */

const params = z.object({ check: z.string().min(1).max(128) });
const query = z
  .object({
    rid: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be a run id of letters, digits, _ . : - (at most 64)')
      .optional(),
  })
  .strict();
const statusParams = params.extend({
  status: z
    .string()
    .regex(/^\d{1,3}$/, 'must be an exit status from 0 to 255')
    .transform(Number)
    .pipe(z.number().int().min(0).max(255)),
});

function bodyText(request: FastifyRequest): string | null {
  const b = request.body;
  if (b === undefined || b === null) return null;
  const text = typeof b === 'string' ? b : Buffer.isBuffer(b) ? b.toString('utf8') : JSON.stringify(b);
  return text === '' ? null : text.slice(0, MAX_PING_BODY);
}

export function registerHeartbeatRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Pings carry whatever body a job sends (a log tail, form data, JSON): read all of them as text here.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const canPing = requireScope(ctx.auth, 'alerts:ingest');

    const ping = async (request: FastifyRequest, kind: PingKind, exitStatus: number | null) => {
      const { check } = parseWith(params, request.params, 'invalid_field');
      const { rid } = parseWith(query, request.query, 'invalid_field');
      const input: PingInput = { kind, runId: rid ?? null, exitStatus, body: bodyText(request) };
      const state = await ctx.health.ping(check, input);
      return {
        ok: true,
        check,
        kind,
        run_id: input.runId,
        received_at: new Date(state.heartbeat!.lastPingAt!).toISOString(),
      };
    };
    for (const method of ['GET', 'POST'] as const) {
      scope.route({
        method,
        url: '/api/v1/heartbeats/:check',
        onRequest: canPing,
        handler: (r) => ping(r, 'success', null),
      });
      scope.route({
        method,
        url: '/api/v1/heartbeats/:check/start',
        onRequest: canPing,
        handler: (r) => ping(r, 'start', null),
      });
      scope.route({
        method,
        url: '/api/v1/heartbeats/:check/fail',
        onRequest: canPing,
        handler: (r) => ping(r, 'fail', null),
      });
      scope.route({
        method,
        url: '/api/v1/heartbeats/:check/log',
        onRequest: canPing,
        handler: (r) => ping(r, 'log', null),
      });
      scope.route({
        method,
        url: '/api/v1/heartbeats/:check/:status',
        onRequest: canPing,
        handler: (r) => {
          const { status } = parseWith(statusParams, r.params, 'invalid_field');
          return ping(r, status === 0 ? 'success' : 'fail', status);
        },
      });
    }
    scope.post(
      '/api/v1/heartbeats/:check/pause',
      { onRequest: requireScope(ctx.auth, 'admin') },
      async (request) => {
        const { check } = parseWith(params, request.params, 'invalid_field');
        await ctx.health.pause(check);
        return { ok: true, check, paused: true };
      },
    );
  });
}
