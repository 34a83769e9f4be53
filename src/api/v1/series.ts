import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { durationOrNull } from '../../config/duration.js';
import { SentinelError } from '../../errors.js';
import { MatcherError, parseMatchers, type Matcher } from '../../routing/matchers.js';
import { MAX_STEPS, querySeries } from '../../series/query.js';
import { requireScope } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseWith } from '../params.js';
import { METRIC_NAME_RE } from '../../series/record.js';

/*
 * GET /api/v1/series: the anomaly layer's series for charts (points, the summed signal, and each
 * anomaly check's baseline band with anomaly markers). Without `name`: the stored metrics.
 */

/** The longest range one request may ask for. */
const MAX_RANGE_MS = 90 * 86_400_000;

/** RFC 3339 or epoch seconds (Prometheus' API accepts both). */
const time = z
  .string()
  .refine(
    (s) => (/^\d+(\.\d+)?$/.test(s) ? true : !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s)),
    'must be an RFC 3339 time such as 2026-11-23T10:00:00Z or epoch seconds',
  )
  .transform((s) => (/^\d+(\.\d+)?$/.test(s) ? Math.round(Number(s) * 1000) : Date.parse(s)));

const duration = z
  .string()
  .refine((s) => (durationOrNull(s) ?? 0) > 0, 'must be a positive duration such as 30s or 5m')
  .transform((s) => durationOrNull(s)!);

function fieldError(field: string, message: string): SentinelError {
  return new SentinelError('invalid_field', `${field}: ${message}`, [{ field, code: 'invalid', message }]);
}

export function registerSeriesRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const canRead = requireScope(ctx.auth, 'alerts:read');
  app.get('/api/v1/series', { onRequest: canRead }, async (request) => {
    const q = parseWith(
      z
        .object({
          name: z
            .string()
            .regex(METRIC_NAME_RE, 'must be a metric name such as quotes_published_total')
            .optional(),
          labels: z.string().max(2000).optional(),
          from: time.optional(),
          to: time.optional(),
          step: duration.optional(),
          check: z.string().max(128).optional(),
        })
        .strict(),
      request.query,
      'invalid_field',
    );
    if (q.name === undefined) {
      if (q.labels ?? q.from ?? q.to ?? q.step ?? q.check)
        throw fieldError('name', 'is required with other parameters');
      const metrics = await ctx.store.series.metrics();
      return { metrics: metrics.map((m) => ({ name: m.metric, series: m.series })) };
    }
    let matchers: Matcher[] = [];
    if (q.labels !== undefined) {
      try {
        matchers = parseMatchers(q.labels);
      } catch (err) {
        if (!(err instanceof MatcherError)) throw err;
        throw fieldError('labels', err.message);
      }
    }
    const now = ctx.clock.now();
    const to = q.to ?? now;
    const from = q.from ?? to - 3_600_000;
    if (from >= to) throw fieldError('from', 'must be before to');
    if (to - from > MAX_RANGE_MS) throw fieldError('from', 'the range may span at most 90 days');
    const cfg = ctx.health.config();
    if (q.check !== undefined) {
      const check = cfg.checks.get(q.check);
      if (!check || check.kind !== 'anomaly' || check.detector.kind === 'flow_mismatch')
        throw fieldError(
          'check',
          `no collapse or spike anomaly check ${JSON.stringify(q.check)} is configured`,
        );
    }
    const answer = await querySeries(
      ctx.store.series,
      cfg,
      cfg.options.series,
      { name: q.name, matchers, from, to, stepMs: q.step ?? null, check: q.check ?? null },
      now,
    );
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      name: answer.name,
      from: iso(answer.from),
      to: iso(answer.to),
      step_seconds: answer.stepMs / 1000,
      resolution: answer.resolution,
      type: answer.type,
      max_steps: MAX_STEPS,
      series: answer.series.map((s) => ({
        labels: s.labels,
        type: s.type,
        points: s.points.map((p) => ({ t: iso(p.at), value: p.value })),
      })),
      signal: answer.signal.map((p) => ({ t: iso(p.at), value: p.value })),
      detectors: answer.detectors.map((d) => ({
        check: d.check,
        service: d.service,
        detector: d.detector,
        points: d.points.map((p) => ({
          t: iso(p.at),
          current: p.current,
          baseline: p.baseline,
          lower: p.lower,
          upper: p.upper,
          anomalous: p.anomalous,
        })),
        anomalies: d.anomalies.map((a) => ({ from: iso(a.from), to: iso(a.to) })),
      })),
    };
  });
}
