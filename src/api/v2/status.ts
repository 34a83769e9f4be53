import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';

/** GET /api/v2/status and /api/v2/receivers, and POST /-/reload, as Alertmanager serves them. */
export function registerV2StatusRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const canRead = requireScope(ctx.auth, 'alerts:read');
  const isAdmin = requireScope(ctx.auth, 'admin');

  app.get('/api/v2/status', { onRequest: canRead }, async () => ({
    cluster: { status: 'disabled', peers: [] },
    config: { original: ctx.configOriginal() },
    uptime: new Date(ctx.startedAt).toISOString(),
    versionInfo: {
      version: ctx.version,
      revision: 'sentinel',
      branch: 'main',
      buildUser: 'sentinel',
      buildDate: '',
      goVersion: `node ${process.version}`,
    },
  }));

  app.get('/api/v2/receivers', { onRequest: canRead }, async () =>
    [...ctx.notifier.config().receivers.keys()].map((name) => ({ name })),
  );

  app.post('/-/reload', { onRequest: isAdmin }, async (_request, reply) => {
    await ctx.reload();
    return reply.code(200).type('text/plain').send('OK');
  });
}
