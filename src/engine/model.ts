import type { Severity } from '../alerts/model.js';
import type { Condition } from '../checks/expr/index.js';
import type { Matcher } from '../routing/matchers.js';
import type { DetectorSpec, Display } from '../anomaly/index.js';

/*
 * The health model as configured: services (the units of health), sources (where values come
 * from) and checks (rules over sources that yield ok or a finding). Validated once at load; the
 * engine runs on this frozen picture and swaps it atomically on reload.
 */

export const SERVICE_SCOPES = [
  'ingest',
  'execution',
  'persistence',
  'operator surface',
  'pipeline',
  'self',
  'other',
] as const;
export type ServiceScope = (typeof SERVICE_SCOPES)[number];

export interface ServiceConfig {
  name: string;
  scope: ServiceScope;
  description: string | null;
  /** Upstream services whose trouble this one's findings may be caused by. */
  dependsOn: readonly string[];
  owner: Readonly<Record<string, string>>;
  links: Readonly<Record<string, string>>;
  /** Names of the safe containment actions offered for this service (shown in health). */
  actions: readonly string[];
  /** Pipelines (named flows such as "quotes") this service is a stage of. */
  pipelines: readonly string[];
}

export interface SourceConfig {
  name: string;
  kind: string;
  timeoutMs: number;
  /** How long the source may stay unavailable before that is itself a finding. */
  unavailableAfterMs: number;
  settings: unknown;
}

export const CHECK_KINDS = ['freshness', 'condition', 'invariant', 'heartbeat', 'anomaly'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export interface CheckBase {
  id: string;
  kind: CheckKind;
  service: string;
  /** What operators call it ("Quotes are fresh"). */
  name: string;
  severity: Severity;
  intervalMs: number;
  /** Consecutive failing evaluations before the finding raises an alert. */
  failAfter: number;
  /** Consecutive passing evaluations before a raised alert clears. */
  clearAfter: number;
  /** Sources read; the first is the primary one ([BODY], [STATUS], ...). */
  sources: readonly string[];
  runbook: string | null;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /**
   * false (default): while an upstream service (depends_on, transitively) is in trouble, this
   * check's alert is annotated as caused upstream and not paged separately. true: it pages anyway
   * (for findings that are their own emergency, such as "executor armed while quotes are stale").
   */
  pageWhenUpstreamFailing: boolean;
  /** false: findings show in health only and raise no alert (e.g. when another alert already pages for the cause). */
  raisesAlerts: boolean;
}

export interface FreshnessCheck extends CheckBase {
  kind: 'freshness';
  /** Expression giving the timestamp of the newest truth (an RFC 3339 string or epoch seconds/ms). */
  timestamp: Condition;
  warningAfterMs: number | null;
  criticalAfterMs: number;
}

export interface ConditionCheck extends CheckBase {
  kind: 'condition';
  conditions: readonly Condition[];
}

export interface InvariantCheck extends CheckBase {
  kind: 'invariant';
  tier: number;
  condition: Condition;
}

export interface HeartbeatCheck extends CheckBase {
  kind: 'heartbeat';
  /** Expected time between successful pings. */
  periodMs: number;
  /** Extra time after the period before it is down. */
  graceMs: number;
  /** A run started (/start) and not finished within this is too long; null: period + grace. */
  maxRuntimeMs: number | null;
}

/**
 * Which stored series an anomaly check reads: every series of `metric` whose labels match
 * (summed). With `collect`, the check itself records the series: each evaluation reads `value`
 * from the source and stores it as a point of `metric{source="<source>"}`.
 */
export interface SeriesSelector {
  metric: string;
  matchers: readonly Matcher[];
  /** counter (rates, reset-corrected) or gauge; null: as the stored series say. */
  type: 'counter' | 'gauge' | null;
  collect: { source: string; value: Condition } | null;
}

/** A rolling-baseline detector over live series (src/anomaly/); never a replacement for an invariant. */
export interface AnomalyCheck extends CheckBase {
  kind: 'anomaly';
  detector: DetectorSpec;
  /** The series judged (collapse, spike); for flow_mismatch, null. */
  series: SeriesSelector | null;
  /** flow_mismatch: the counter that advances and the one that should follow it. */
  upstream: SeriesSelector | null;
  downstream: SeriesSelector | null;
  display: Display;
}

export type CheckConfig = FreshnessCheck | ConditionCheck | InvariantCheck | HeartbeatCheck | AnomalyCheck;

/** Raises alerts from pushed events (POST /api/v1/events/ingest), as seed 001's "DAG failed". */
export interface EventRule {
  id: string;
  service: string;
  name: string;
  severity: Severity;
  /** Match the event's labels plus `type` (and `service` when given). */
  matchers: readonly Matcher[];
  /** An event matching these (with the same group_by values) resolves the alert. */
  resolveMatchers: readonly Matcher[];
  /** Event labels that tell alerts apart (one alert per distinct value set). */
  groupBy: readonly string[];
  /** Resolves an alert this long after the last matching event; null: only resolve_on resolves. */
  resolveAfterMs: number | null;
  runbook: string | null;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

export interface HealthOptions {
  defaultIntervalMs: number;
  /** Cycles kept for the dashboard. */
  cycleHistory: number;
  /** Commands the exec source may run. */
  execAllow: readonly string[];
  /** Sources collected at once in a cycle. */
  concurrency: number;
  /** Pushed events kept for GET /api/v1/events/ingested. */
  eventHistory: number;
  series: SeriesOptions;
}

/** Storage of series points (the anomaly layer's history). */
export interface SeriesOptions {
  /** Raw points are kept this long (rolling baselines read them). */
  rawRetentionMs: number;
  /** 1-minute rollups are kept this long (seasonal baselines read them). */
  rollupRetentionMs: number;
  /** A counter not reported for this long counts as not advancing ("no report is no progress"). */
  counterSilenceMs: number;
}

export interface HealthConfig {
  services: ReadonlyMap<string, ServiceConfig>;
  sources: ReadonlyMap<string, SourceConfig>;
  checks: ReadonlyMap<string, CheckConfig>;
  eventRules: ReadonlyMap<string, EventRule>;
  options: HealthOptions;
}

/** What one evaluation of a check found. */
export interface CheckResult {
  /** ok: holds; violation: a finding; unavailable: a source could not answer (skipped); error: the check could not be evaluated (e.g. a type error). */
  outcome: 'ok' | 'violation' | 'unavailable' | 'error';
  /** The finding's severity (freshness escalates from warning to critical). */
  severity: Severity;
  /** One plain sentence for the alert and the dashboard. */
  message: string;
  /** The values that decided it (the invariant's evidence). */
  observed: Record<string, unknown>;
  /** A human-readable statement of what was compared. */
  signalQuery: string;
  /** Age of the truth the check watches (freshness, heartbeats), when it has one. */
  truthAgeMs: number | null;
  unavailableSources: string[];
}
