import { describeError, observed, unavailable } from './common.js';
import type { Source, SourceDefinition, SourceDeps } from './source.js';

/*
 * `sentinel`: Sentinel's own state for its built-in watchdog checks (src/engine/self-watchdog.ts).
 * Not configurable: the configuration refuses this kind; the watchdog adds the one instance.
 *
 * Value: { last_cycle_at, store_ok, store_latency_ms, recent_store_errors, failing_receivers }
 */

type SentinelSettings = Record<string, never>;

async function parse(): Promise<SentinelSettings> {
  return {};
}

function create(_settings: SentinelSettings, deps: SourceDeps): Source {
  return {
    async collect() {
      const start = performance.now();
      if (!deps.internal) return unavailable("Sentinel's own state is not available to this source", start);
      try {
        return observed({ ...(await deps.internal.self()) }, start);
      } catch (err) {
        return unavailable(`reading Sentinel's own state failed: ${describeError(err)}`, start);
      }
    },
  };
}

export const sentinelSource: SourceDefinition<SentinelSettings> = { parse, create };
