import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';

/** Liveness, readiness and metrics, unauthenticated as in Prometheus and Alertmanager. */
export function registerOpsRoutes(app: FastifyInstance, ctx: ApiContext, isReady: () => boolean): void {
  app.get('/-/healthy', async (_request, reply) => reply.type('text/plain').send('OK'));

  // Ready means: migrations applied, the store answers, and the server is not shutting down.
  app.get('/-/ready', async (_request, reply) => {
    if (!isReady()) return reply.code(503).type('text/plain').send('not ready: starting or stopping');
    try {
      await ctx.store.ping();
    } catch {
      return reply.code(503).type('text/plain').send('not ready: store unavailable');
    }
    return reply.type('text/plain').send('OK');
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}
