import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SentinelError } from '../../errors.js';
import { silenceState, type MatcherType, type Silence, type StoredMatcher } from '../../notify/model.js';
import type { Matcher } from '../../routing/matchers.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseWith } from '../params.js';
import { filterMatchers } from './filters.js';

/*
 * Alertmanager API v2 silences, as amtool and Grafana call them: GET/POST /api/v2/silences,
 * GET/DELETE /api/v2/silence/{id}. Silences are stored durably (see SilenceService).
 */

const iso = (ms: number): string => new Date(ms).toISOString();

const apiMatcher = z
  .object({
    name: z.string().min(1).max(256),
    value: z.string().max(4096),
    isRegex: z.boolean(),
    isEqual: z.boolean().default(true),
  })
  .strip();

const postableSilence = z
  .object({
    id: z.string().max(64).optional(),
    matchers: z.array(apiMatcher).min(1).max(64),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    createdBy: z.string().max(256),
    comment: z.string().max(4096),
  })
  .strip();

const idParams = z.object({
  id: z.string().regex(/^[0-9a-fA-F-]{1,64}$/, 'must be a silence id'),
});

export function toStoredMatcher(m: {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}): StoredMatcher {
  const type: MatcherType = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return { name: m.name, type, value: m.value };
}

export function toApiMatcher(m: StoredMatcher): {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
} {
  return {
    name: m.name,
    value: m.value,
    isRegex: m.type === '=~' || m.type === '!~',
    isEqual: m.type === '=' || m.type === '=~',
  };
}

export function gettableSilence(s: Silence, now: number): Record<string, unknown> {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: iso(s.updatedAt),
    comment: s.comment,
    createdBy: s.createdBy,
    endsAt: iso(s.endsAt),
    matchers: s.matchers.map(toApiMatcher),
    startsAt: iso(s.startsAt),
  };
}

/**
 * Alertmanager's silence filter: every filter matcher must equal (name, operator and value) one of
 * the silence's matchers.
 */
export function silenceMatchesFilter(s: Silence, filter: readonly Matcher[]): boolean {
  return filter.every((f) =>
    s.matchers.some((m) => m.name === f.name && m.type === f.type && m.value === f.value),
  );
}

export function registerV2SilenceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const canRead = requireScope(ctx.auth, 'alerts:read');
  const canWrite = requireScope(ctx.auth, 'silences:write');

  app.get('/api/v2/silences', { onRequest: canRead }, async (request) => {
    const filter = filterMatchers((request.query as Record<string, unknown>).filter);
    const now = ctx.clock.now();
    const all = await ctx.notifier.silences.list();
    return all.filter((s) => silenceMatchesFilter(s, filter)).map((s) => gettableSilence(s, now));
  });

  app.post('/api/v2/silences', { onRequest: canWrite }, async (request) => {
    const body = parseWith(postableSilence, request.body);
    const id = await ctx.notifier.silences.save({
      id: body.id,
      matchers: body.matchers.map(toStoredMatcher),
      startsAt: Date.parse(body.startsAt),
      endsAt: Date.parse(body.endsAt),
      createdBy: body.createdBy,
      comment: body.comment,
    });
    return { silenceID: id };
  });

  app.get('/api/v2/silence/:id', { onRequest: canRead }, async (request) => {
    const { id } = parseWith(idParams, request.params, 'invalid_field');
    const s = await ctx.notifier.silences.get(id);
    if (!s) throw new SentinelError('silence_not_found', `no silence ${id}`);
    return gettableSilence(s, ctx.clock.now());
  });

  app.delete('/api/v2/silence/:id', { onRequest: canWrite }, async (request, reply) => {
    const { id } = parseWith(idParams, request.params, 'invalid_field');
    await ctx.notifier.silences.expire(id);
    return reply.code(200).send();
  });
}
