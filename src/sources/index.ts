import { execSource } from './exec.js';
import { healthSource } from './health.js';
import { httpSource } from './http.js';
import { postgresSource } from './postgres.js';
import { prometheusSource } from './prometheus.js';
import { redisSource } from './redis.js';
import { samplesSource } from './samples.js';
import { sentinelSource } from './sentinel.js';
import type { SourceDefinition } from './source.js';
import { tcpSource } from './tcp.js';
import { websocketSource } from './websocket.js';

/**
 * Every source kind a check can read. Keyed by a union, so adding a kind without its implementation
 * (or the reverse) fails to compile. The shape of each kind's value is documented in its file and
 * in docs/sources.md.
 */
export type SourceKind =
  | 'http'
  | 'tcp'
  | 'websocket'
  | 'postgres'
  | 'redis'
  | 'prometheus'
  | 'exec'
  // Read from Sentinel itself: pushed samples, the health report, and (built in only) its own state.
  | 'samples'
  | 'health'
  | 'sentinel';

// Method-syntax members make SourceDefinition bivariant in its settings, so each kind's own
// settings type fits `unknown` here without a cast.
export const SOURCE_KINDS: Record<SourceKind, SourceDefinition<unknown>> = {
  http: httpSource,
  tcp: tcpSource,
  websocket: websocketSource,
  postgres: postgresSource,
  redis: redisSource,
  prometheus: prometheusSource,
  exec: execSource,
  samples: samplesSource,
  health: healthSource,
  sentinel: sentinelSource,
};

export function isSourceKind(kind: unknown): kind is SourceKind {
  return typeof kind === 'string' && Object.hasOwn(SOURCE_KINDS, kind);
}
