import type { SourceOutcome } from '../sources/source.js';
import type { HeartbeatState } from '../engine/heartbeat-state.js';
import type { AnomalyData } from '../engine/anomaly-inputs.js';

/** What a check evaluation can see: the cycle's time and the sources' observations. */
export interface EvalContext {
  now: number;
  /** The outcome of a listed source in this cycle (undefined: not collected). */
  source(name: string): SourceOutcome | undefined;
  /** Stored pings of a heartbeat check. */
  heartbeat?: HeartbeatState;
  /** An anomaly check's series, read before the evaluation. */
  anomaly?: AnomalyData;
}

/** The outcome shape the expression evaluator reads (ok with a value, or unavailable). */
export function exprSource(ctx: EvalContext) {
  return (name: string): { ok: true; value: unknown } | { ok: false; error: string } | undefined => {
    const o = ctx.source(name);
    if (!o) return undefined;
    return o.ok ? { ok: true, value: o.value } : { ok: false, error: o.error };
  };
}

/** `12.3 s`, `4 min 10 s`, `2 h 5 min`: ages in messages operators read. */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
