import { MatcherError, allMatch, parseMatchers, type Matcher } from '../routing/matchers.js';
import {
  describeError,
  observed,
  parseTimeout,
  reportUnknown,
  requiredString,
  unavailable,
} from './common.js';
import type { Source, SourceDefinition, SourceDeps, SourceParseContext } from './source.js';
import { METRIC_NAME_RE } from '../series/record.js';

/*
 * `samples`: progress pushed to Sentinel (POST /api/v1/samples), read back from the store. Several
 * series of the metric may match (one per feed, say): the value is their sum and the times are the
 * newest, so "quotes are being published somewhere" reads naturally; `series` lists them one by one
 * for checks that need each.
 *
 * Value: { value, updated_at, advanced_at, rate_per_second, series_count, series: [...] }
 */

export interface SamplesSettings {
  metric: string;
  matchers: Matcher[];
  timeoutMs: number;
}

/** Series listed one by one in the value (the sum and times cover all of them). */
const SERIES_SHOWN = 100;

async function parse(raw: Record<string, unknown>, ctx: SourceParseContext): Promise<SamplesSettings | null> {
  reportUnknown(raw, ctx, ['metric', 'matchers']);
  const timeoutMs = parseTimeout(raw, ctx);
  const metric = requiredString(raw, ctx, 'metric');
  if (metric !== null && !METRIC_NAME_RE.test(metric))
    ctx.issue('metric', 'must be a metric name such as quotes_published_total');
  const matchers: Matcher[] = [];
  if (raw.matchers !== undefined && raw.matchers !== null) {
    if (!Array.isArray(raw.matchers)) ctx.issue('matchers', 'must be a list of matchers such as feed="near"');
    else
      raw.matchers.forEach((m, i) => {
        try {
          if (typeof m !== 'string')
            throw new MatcherError(String(m), 'a matcher is a string such as feed="near"');
          matchers.push(...parseMatchers(m));
        } catch (err) {
          if (!(err instanceof MatcherError)) throw err;
          ctx.issue(`matchers.${i}`, err.message);
        }
      });
  }
  return metric === null ? null : { metric, matchers, timeoutMs };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function create(settings: SamplesSettings, deps: SourceDeps): Source {
  return {
    async collect() {
      const start = performance.now();
      if (!deps.internal)
        return unavailable('samples are read from the store, which this source was not given', start);
      try {
        const all = await deps.internal.samples(settings.metric);
        const series = all.filter((s) => allMatch(settings.matchers, s.labels));
        let value: number | null = null;
        let updated: number | null = null;
        let advanced: number | null = null;
        let rate: number | null = null;
        for (const s of series) {
          value = (value ?? 0) + s.value;
          updated = Math.max(updated ?? 0, s.updatedAt);
          advanced = Math.max(advanced ?? 0, s.advancedAt);
          if (s.previousValue !== null && s.previousAt !== null && s.updatedAt > s.previousAt) {
            // A counter reset (value below the previous) counts from zero, as Prometheus' rate() does.
            const delta =
              s.type === 'counter' && s.value < s.previousValue ? s.value : s.value - s.previousValue;
            rate = (rate ?? 0) + delta / ((s.updatedAt - s.previousAt) / 1000);
          }
        }
        return observed(
          {
            value,
            updated_at: iso(updated),
            advanced_at: iso(advanced),
            rate_per_second: rate,
            series_count: series.length,
            series: series.slice(0, SERIES_SHOWN).map((s) => ({
              labels: s.labels,
              type: s.type,
              value: s.value,
              updated_at: iso(s.updatedAt),
              advanced_at: iso(s.advancedAt),
            })),
          },
          start,
        );
      } catch (err) {
        return unavailable(`reading samples failed: ${describeError(err)}`, start);
      }
    },
  };
}

export const samplesSource: SourceDefinition<SamplesSettings> = { parse, create };
