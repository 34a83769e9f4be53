import { describeError, observed, parseTimeout, reportUnknown, unavailable } from './common.js';
import type { Source, SourceDefinition, SourceDeps, SourceParseContext } from './source.js';

/*
 * `health`: Sentinel's own health report as a source, for invariants across services (seed 000:
 * "executor armed while quotes are stale" reads the executor's endpoint and the ingest service's
 * status). It reads the stored states, so it sees the previous cycles' results.
 *
 * Value: { status, services: { <name>: { status, reason, truth_age_ms, upstream_trouble } },
 *          pipelines: { <name>: { status, reason } } }
 */

interface HealthSettings {
  timeoutMs: number;
}

async function parse(raw: Record<string, unknown>, ctx: SourceParseContext): Promise<HealthSettings> {
  reportUnknown(raw, ctx, []);
  return { timeoutMs: parseTimeout(raw, ctx) };
}

function create(_settings: HealthSettings, deps: SourceDeps): Source {
  return {
    async collect() {
      const start = performance.now();
      if (!deps.internal) return unavailable('the health report is not available to this source', start);
      try {
        const r = await deps.internal.health();
        return observed(
          {
            status: r.status,
            services: Object.fromEntries(
              r.services.map((s) => [
                s.name,
                {
                  status: s.status,
                  reason: s.reason,
                  truth_age_ms: s.truth_age_ms,
                  upstream_trouble: s.upstream_trouble.map((u) => u.service),
                },
              ]),
            ),
            pipelines: Object.fromEntries(
              r.pipelines.map((p) => [p.name, { status: p.status, reason: p.reason }]),
            ),
          },
          start,
        );
      } catch (err) {
        return unavailable(`reading the health report failed: ${describeError(err)}`, start);
      }
    },
  };
}

export const healthSource: SourceDefinition<HealthSettings> = { parse, create };
