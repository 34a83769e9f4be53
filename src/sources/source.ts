import type { Clock } from '../clock.js';
import type { HealthReport } from '../engine/health-view.js';
import type { StoredSample } from '../store/sql/health.js';

/*
 * A source is where a check's values come from: an HTTP endpoint, a TCP port, a WebSocket feed, a
 * PostgreSQL query, Redis commands, a Prometheus query, an allowlisted command. One file per kind,
 * each implementing this small interface (as the receivers do): parse its configuration entry at
 * load (every problem reported then), and collect one observation when a cycle asks, within a
 * timeout. A source that cannot answer says so (`ok: false`): the checks that need it are skipped
 * for that cycle, never turned into violations.
 */

/** What a source observed: a JSON-like value the check expressions read (see each kind's shape). */
export type SourceValue = { readonly [key: string]: unknown };

export type SourceOutcome =
  { ok: true; value: SourceValue; durationMs: number } | { ok: false; error: string; durationMs: number };

export interface CollectContext {
  /** Aborted when the source's timeout passes or the engine stops. */
  signal: AbortSignal;
  /** The cycle's time (ms since the epoch, from the injectable clock). */
  now: number;
}

export interface Source {
  collect(ctx: CollectContext): Promise<SourceOutcome>;
  /** Long-lived sources (WebSocket connections, pools) start their background work here. */
  start?(): Promise<void>;
  /** Releases connections and timers; called on reload and shutdown. */
  stop?(): Promise<void>;
}

/** What a source's parser gets: its raw entry and helpers that record problems with key paths. */
export interface SourceParseContext {
  /** e.g. `sources[3]` (issue keys are relative to it). */
  path: string;
  issue(key: string, message: string): void;
  warn(key: string, message: string): void;
  /** Reads a secret given as `<key>`, `<key>_file` or `<key>_env`; null when none is given. */
  secret(raw: Record<string, unknown>, key: string): Promise<string | null>;
  /** Commands the `exec` source may run (config `health.exec.allow`); empty unless the operator opted in. */
  execAllowlist: readonly string[];
}

export interface SourceDeps {
  clock: Clock;
  version: string;
  /** What the built-in kinds (samples, health, sentinel) read from Sentinel itself. */
  internal?: InternalReaders;
}

/** Sentinel's own state as the built-in `sentinel` source reports it (its watchdog checks read it). */
export interface SelfStatus {
  /** The newest evaluation cycle any replica recorded (RFC 3339); before the first, when this process started. Null when the store does not answer. */
  last_cycle_at: string | null;
  store_ok: boolean;
  store_latency_ms: number;
  /** Store errors of this process's background work in the last 5 minutes. */
  recent_store_errors: number;
  /** Integrations failing longer than notifications.receiver_failing_after. */
  failing_receivers: Array<{ integration: string; failing_since: string; last_error: string | null }>;
}

export interface InternalReaders {
  samples(metric: string): Promise<StoredSample[]>;
  health(): Promise<HealthReport>;
  self(): Promise<SelfStatus>;
}

export interface SourceDefinition<Settings> {
  parse(raw: Record<string, unknown>, ctx: SourceParseContext): Promise<Settings | null>;
  create(settings: Settings, deps: SourceDeps): Source;
}

/** Every source has a timeout; this is the default when its entry gives none. */
export const DEFAULT_SOURCE_TIMEOUT_MS = 5000;
