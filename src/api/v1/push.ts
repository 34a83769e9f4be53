import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LABEL_NAME_RE } from '../../alerts/validate.js';
import { SentinelError } from '../../errors.js';
import type { SampleInput } from '../../engine/health-service.js';
import type { IngestedEvent } from '../../engine/events.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { cursorParam, parseWith, queryInt } from '../params.js';
import { METRIC_NAME_RE } from '../../series/record.js';

/*
 * Progress pushed by the watched system: samples (counters and gauges such as quotes published or
 * rows written; checks read them through `samples` sources) and events ("pipeline run failed";
 * event rules turn them into alerts). A 2xx means stored.
 */

/** Most samples or events in one request. */
export const MAX_PUSH_ITEMS = 1000;
/** A timestamp further ahead than this is refused (a clock that is wrong would hide staleness). */
const MAX_FUTURE_MS = 5 * 60_000;

const EVENT_TYPE_RE = /^[a-z][a-z0-9_.:-]{0,127}$/;

function labelsSchema(ctx: ApiContext) {
  return z
    .record(
      z.string().regex(LABEL_NAME_RE, 'label names are letters, digits and _ (not starting with a digit)'),
      z.string().max(ctx.limits.maxLabelValueLength),
    )
    .refine((l) => Object.keys(l).length <= ctx.limits.maxLabels, `at most ${ctx.limits.maxLabels} labels`)
    .default({});
}

const timestamp = z.iso.datetime({
  offset: true,
  error: 'must be an RFC 3339 time such as 2026-11-23T10:00:00Z',
});

/** The item's time: its `at`, or the time it arrived. */
function timeOf(now: number, at: string | undefined): number {
  return at === undefined ? now : Date.parse(at);
}

export function registerPushRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const canPush = requireScope(ctx.auth, 'alerts:ingest');
  const canRead = requireScope(ctx.auth, 'alerts:read');
  const labels = labelsSchema(ctx);

  const samplesBody = z
    .object({
      samples: z
        .array(
          z
            .object({
              metric: z
                .string()
                .regex(METRIC_NAME_RE, 'must be a metric name such as quotes_published_total'),
              labels,
              type: z.enum(['counter', 'gauge']).default('gauge'),
              value: z.number().refine(Number.isFinite, 'must be a finite number'),
              at: timestamp.optional(),
            })
            .strict(),
        )
        .min(1, 'give at least one sample')
        .max(MAX_PUSH_ITEMS, `at most ${MAX_PUSH_ITEMS} samples per request`),
    })
    .strict();

  const eventsBody = z
    .object({
      events: z
        .array(
          z
            .object({
              type: z.string().regex(EVENT_TYPE_RE, 'must be an event type such as dag_run_failed'),
              service: z.string().min(1).max(128).optional(),
              labels,
              message: z.string().max(ctx.limits.maxMessageLength).optional(),
              at: timestamp.optional(),
            })
            .strict(),
        )
        .min(1, 'give at least one event')
        .max(MAX_PUSH_ITEMS, `at most ${MAX_PUSH_ITEMS} events per request`),
    })
    .strict();

  const futureCheck = (
    items: ReadonlyArray<{ at?: string | undefined }>,
    field: string,
    now: number,
  ): void => {
    const bad = items.findIndex((i) => i.at !== undefined && Date.parse(i.at) > now + MAX_FUTURE_MS);
    if (bad < 0) return;
    const message = `${field}[${bad}].at is more than 5 minutes in the future (check the sender's clock)`;
    throw new SentinelError('invalid_request', message, [
      { field: `${field}[${bad}].at`, code: 'out_of_range', message },
    ]);
  };

  app.post('/api/v1/samples', { onRequest: canPush }, async (request, reply) => {
    const body = parseWith(samplesBody, request.body);
    const now = ctx.clock.now();
    futureCheck(body.samples, 'samples', now);
    const samples: SampleInput[] = body.samples.map((s) => ({
      metric: s.metric,
      labels: s.labels,
      type: s.type,
      value: s.value,
      at: timeOf(now, s.at),
    }));
    await ctx.health.ingestSamples(samples);
    return reply.code(202).send({ accepted: samples.length });
  });

  app.get('/api/v1/samples', { onRequest: canRead }, async (request) => {
    const q = parseWith(
      z.object({ metric: z.string().regex(METRIC_NAME_RE, 'must be a metric name') }).strict(),
      request.query,
      'invalid_field',
    );
    const series = await ctx.health.samples(q.metric);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      series: series.map((s) => ({
        metric: s.metric,
        labels: s.labels,
        type: s.type,
        value: s.value,
        updated_at: iso(s.updatedAt),
        advanced_at: iso(s.advancedAt),
        samples: s.count,
      })),
    };
  });

  app.post('/api/v1/events/ingest', { onRequest: canPush }, async (request, reply) => {
    const body = parseWith(eventsBody, request.body);
    const now = ctx.clock.now();
    futureCheck(body.events, 'events', now);
    const events: IngestedEvent[] = body.events.map((e) => ({
      type: e.type,
      service: e.service ?? null,
      labels: e.labels,
      message: e.message ?? null,
      occurredAt: timeOf(now, e.at),
    }));
    const results = await ctx.health.ingestEvents(events);
    return reply.code(202).send({ accepted: events.length, results });
  });

  app.get('/api/v1/events/ingested', { onRequest: canRead }, async (request) => {
    const q = parseWith(
      z
        .object({
          type: z.string().regex(EVENT_TYPE_RE, 'must be an event type').optional(),
          limit: queryInt(1, 1000).optional(),
          cursor: cursorParam.optional(),
        })
        .strict(),
      request.query,
      'invalid_field',
    );
    const limit = q.limit ?? 100;
    const rows = await ctx.store.health.events({
      limit,
      ...(q.type !== undefined ? { type: q.type } : {}),
      ...(q.cursor !== undefined ? { beforeId: q.cursor } : {}),
    });
    return {
      events: rows.map((r) => ({
        id: String(r.id),
        type: r.type,
        service: r.service,
        labels: r.labels,
        message: r.message,
        occurred_at: new Date(r.occurredAt).toISOString(),
        received_at: new Date(r.receivedAt).toISOString(),
        matched_rules: r.matched,
      })),
      next_cursor: rows.length === limit ? String(rows[rows.length - 1]!.id) : null,
    };
  });
}
