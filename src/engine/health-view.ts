import { UPSTREAM_ANNOTATION, type Alert, type Severity } from '../alerts/model.js';
import type { CheckConfig, HealthConfig, ServiceConfig, ServiceScope } from './model.js';
import type { CheckState } from './state.js';

/*
 * Health truth: every service and pipeline as healthy / degraded / critical / stale / unknown,
 * computed from the stored check states (so every replica answers the same) and the time. The
 * rule that matters most: a service is healthy only when every one of its checks was evaluated
 * recently and holds. A check that has not been evaluated within its schedule, or whose sources
 * have not answered for longer than their policy, makes the service stale, never healthy, whatever
 * its endpoints answer.
 */

export type HealthStatus = 'healthy' | 'degraded' | 'critical' | 'stale' | 'unknown';

/** Worst first: the order in which a service's checks decide its status. */
const RANK: Readonly<Record<HealthStatus, number>> = {
  critical: 4,
  stale: 3,
  degraded: 2,
  unknown: 1,
  healthy: 0,
};

export function worse(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Statuses that count as "in trouble" for dependents (suppression, upstream marks). */
export function inTrouble(status: HealthStatus): boolean {
  return status === 'critical' || status === 'degraded' || status === 'stale';
}

export interface CheckHealth {
  id: string;
  name: string;
  kind: CheckConfig['kind'];
  status: HealthStatus;
  /** The stored state machine status: unknown, ok, failing, unavailable, error. */
  state: CheckState['status'];
  firing: boolean;
  severity: Severity;
  message: string | null;
  last_run_at: string | null;
  next_run_at: string | null;
  truth_age_ms: number | null;
  observed: Record<string, unknown> | null;
  signal_query: string | null;
  alert_ref: string | null;
}

export interface ActiveAlertSummary {
  ref: string;
  title: string;
  severity: Severity;
  status: Alert['status'];
  since: string;
  suppressed_by_upstream: string | null;
}

export type ProblemScope = 'service' | 'pipeline' | 'downstream_surface';

export interface ServiceHealth {
  name: string;
  scope: ServiceScope;
  description: string | null;
  status: HealthStatus;
  reason: string;
  /** Age of the evidence behind the status: the oldest truth a check reads, plus the time since it was read. */
  truth_age_ms: number | null;
  problem_scope: ProblemScope | null;
  depends_on: string[];
  /** Upstream services (depends_on, transitively) in trouble: this service's findings may be caused there. */
  upstream_trouble: Array<{ service: string; status: HealthStatus }>;
  /** Services that depend on this one (the blast radius of its trouble). */
  dependents: string[];
  pipelines: string[];
  owner: Record<string, string>;
  links: Record<string, string>;
  actions: string[];
  checks: CheckHealth[];
  active_alerts: ActiveAlertSummary[];
}

export interface PipelineHealth {
  name: string;
  status: HealthStatus;
  reason: string;
  /** Stages in dependency order (upstream first). */
  services: string[];
}

export interface HealthReport {
  status: HealthStatus;
  generated_at: string;
  last_cycle_at: string | null;
  /** The processes running cycles on this store recently (several on PostgreSQL). */
  replicas: Array<{ id: string; started_at: string; seen_at: string }>;
  services: ServiceHealth[];
  pipelines: PipelineHealth[];
}

export interface HealthInputs {
  config: HealthConfig;
  states: ReadonlyMap<string, CheckState>;
  now: number;
  lastCycleAt: number | null;
  /** Current firing alerts by service. */
  alerts?: ReadonlyMap<string, readonly Alert[]>;
  replicas?: ReadonlyArray<{ id: string; startedAt: number; seenAt: number }>;
}

/** Slack for a check's evaluation beyond its interval before its truth counts as stale. */
const OVERDUE_SLACK_MS = 15_000;

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** When a check's evaluation is overdue: two intervals plus its slowest source's timeout and a slack. */
export function overdueAfterMs(check: CheckConfig, cfg: HealthConfig): number {
  let timeout = 0;
  for (const name of check.sources) timeout = Math.max(timeout, cfg.sources.get(name)?.timeoutMs ?? 0);
  return 2 * check.intervalMs + timeout + OVERDUE_SLACK_MS;
}

function checkHealth(
  check: CheckConfig,
  state: CheckState | undefined,
  cfg: HealthConfig,
  now: number,
): CheckHealth {
  const result = state?.result ?? null;
  let status: HealthStatus;
  let message = result?.message ?? null;
  const lastRun = state?.lastRunAt ?? null;
  const since = lastRun ?? state?.updatedAt ?? now;
  const overdue = now - since > overdueAfterMs(check, cfg);
  if (state?.firing) {
    status = state.severity === 'critical' ? 'critical' : 'degraded';
  } else if (overdue) {
    status = 'stale';
    message =
      lastRun === null
        ? `${check.name}: never evaluated (Sentinel's cycles are not running)`
        : `${check.name}: not evaluated for ${Math.round((now - lastRun) / 1000)} s (interval ${Math.round(check.intervalMs / 1000)} s)`;
  } else if (state?.status === 'unavailable') {
    const policy = Math.min(...check.sources.map((s) => cfg.sources.get(s)?.unavailableAfterMs ?? Infinity));
    const since = state.unavailableSince ?? now;
    status = now - since >= policy ? 'stale' : lastKnown(state);
  } else if (state?.status === 'error' || state?.status === 'failing') {
    // Below fail_after, an error counts like a violation does: not yet a finding.
    status = lastKnown(state);
  } else if (!state || state.status === 'unknown') {
    status = 'unknown';
    message = message ?? `${check.name}: not evaluated yet`;
  } else {
    status = 'healthy';
  }
  let truthAge: number | null = null;
  // While sources do not answer, the evidence is as old as the outage (at least).
  if (state?.status === 'unavailable' && state.unavailableSince !== null)
    truthAge = now - state.unavailableSince;
  else if (lastRun !== null) truthAge = (result?.truthAgeMs ?? 0) + (now - lastRun);
  return {
    id: check.id,
    name: check.name,
    kind: check.kind,
    status,
    state: state?.status ?? 'unknown',
    firing: state?.firing ?? false,
    severity: state?.severity ?? check.severity,
    message,
    last_run_at: iso(lastRun),
    next_run_at: iso(state?.nextRunAt ?? null),
    truth_age_ms: truthAge,
    observed: result?.observed ?? null,
    signal_query: result?.signalQuery ?? null,
    alert_ref: state?.firing ? state.alertRef : null,
  };
}

/** While a source's outage is within its policy, a check keeps the status its last answer gave. */
function lastKnown(state: CheckState): HealthStatus {
  if (state.lastOkAt === null) return 'unknown';
  return 'healthy';
}

/** Every upstream service of `name` (depends_on, transitively), nearest first. */
export function upstreamsOf(name: string, services: ReadonlyMap<string, ServiceConfig>): string[] {
  const out: string[] = [];
  const queue = [...(services.get(name)?.dependsOn ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (out.includes(next) || next === name) continue;
    out.push(next);
    queue.push(...(services.get(next)?.dependsOn ?? []));
  }
  return out;
}

/** Each service's own status (from its checks alone), before upstream marks. */
export function serviceStatuses(
  inputs: HealthInputs,
): Map<string, { status: HealthStatus; checks: CheckHealth[] }> {
  const { config, states, now } = inputs;
  const byService = new Map<string, CheckHealth[]>();
  for (const check of config.checks.values()) {
    const list = byService.get(check.service) ?? [];
    list.push(checkHealth(check, states.get(check.id), config, now));
    byService.set(check.service, list);
  }
  const out = new Map<string, { status: HealthStatus; checks: CheckHealth[] }>();
  for (const name of config.services.keys()) {
    const checks = byService.get(name) ?? [];
    const status =
      checks.length === 0 ? 'unknown' : checks.reduce<HealthStatus>((s, c) => worse(s, c.status), 'healthy');
    out.set(name, { status, checks });
  }
  return out;
}

function reasonOf(
  status: HealthStatus,
  checks: readonly CheckHealth[],
  upstream: ServiceHealth['upstream_trouble'],
): string {
  if (checks.length === 0) return 'no checks configured for this service';
  const deciding = checks.filter((c) => c.status === status);
  const text = deciding
    .slice(0, 3)
    .map((c) => c.message ?? c.name)
    .join('; ');
  const more = deciding.length > 3 ? ` (and ${deciding.length - 3} more)` : '';
  const up =
    upstream.length > 0
      ? `; upstream in trouble: ${upstream.map((u) => `${u.service} (${u.status})`).join(', ')}`
      : '';
  if (status === 'healthy')
    return `${checks.length === 1 ? 'its check holds' : `all ${checks.length} checks hold`}${up}`;
  return `${text}${more}${up}`;
}

/** The whole report, as GET /api/v1/health returns it. */
export function healthReport(inputs: HealthInputs): HealthReport {
  const { config, now } = inputs;
  const own = serviceStatuses(inputs);
  const dependents = new Map<string, string[]>();
  for (const s of config.services.values())
    for (const d of s.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), s.name]);

  const services: ServiceHealth[] = [];
  for (const s of config.services.values()) {
    const { status, checks } = own.get(s.name)!;
    const upstream = upstreamsOf(s.name, config.services)
      .map((u) => ({ service: u, status: own.get(u)?.status ?? 'unknown' }))
      .filter((u) => inTrouble(u.status));
    const problem: ProblemScope | null =
      status === 'healthy' || status === 'unknown'
        ? null
        : upstream.length > 0
          ? 'pipeline'
          : s.scope === 'operator surface'
            ? 'downstream_surface'
            : 'service';
    const ages = checks.map((c) => c.truth_age_ms).filter((a): a is number => a !== null);
    const alerts = inputs.alerts?.get(s.name) ?? [];
    services.push({
      name: s.name,
      scope: s.scope,
      description: s.description,
      status,
      reason: reasonOf(status, checks, upstream),
      truth_age_ms: ages.length > 0 ? Math.max(...ages) : null,
      problem_scope: problem,
      depends_on: [...s.dependsOn],
      upstream_trouble: upstream,
      dependents: dependents.get(s.name) ?? [],
      pipelines: [...s.pipelines],
      owner: { ...s.owner },
      links: { ...s.links },
      actions: [...s.actions],
      checks,
      active_alerts: alerts.map((a) => ({
        ref: a.ref,
        title: a.title,
        severity: a.severity,
        status: a.status,
        since: new Date(a.startsAt).toISOString(),
        suppressed_by_upstream: a.annotations[UPSTREAM_ANNOTATION] ?? null,
      })),
    });
  }

  const pipelines = new Map<string, ServiceHealth[]>();
  for (const s of services) for (const p of s.pipelines) pipelines.set(p, [...(pipelines.get(p) ?? []), s]);
  const pipelineHealth: PipelineHealth[] = [...pipelines.entries()].map(([name, members]) => {
    const ordered = dependencyOrder(members, config.services);
    const status = ordered.reduce<HealthStatus>((acc, s) => worse(acc, s.status), 'healthy');
    // The first stage (upstream first) in trouble is where to look.
    const first = ordered.find((s) => s.status === status && status !== 'healthy');
    return {
      name,
      status,
      reason: first ? `${first.name}: ${first.reason}` : `all ${ordered.length} stages healthy`,
      services: ordered.map((s) => s.name),
    };
  });

  return {
    status: services.reduce<HealthStatus>((acc, s) => worse(acc, s.status), 'healthy'),
    generated_at: new Date(now).toISOString(),
    last_cycle_at: iso(inputs.lastCycleAt),
    replicas: (inputs.replicas ?? []).map((r) => ({
      id: r.id,
      started_at: new Date(r.startedAt).toISOString(),
      seen_at: new Date(r.seenAt).toISOString(),
    })),
    services,
    pipelines: pipelineHealth,
  };
}

/** Upstream stages first (a topological order of depends_on within the members; ties by name). */
function dependencyOrder(
  members: readonly ServiceHealth[],
  services: ReadonlyMap<string, ServiceConfig>,
): ServiceHealth[] {
  const names = new Set(members.map((m) => m.name));
  const depth = (name: string): number => upstreamsOf(name, services).filter((u) => names.has(u)).length;
  return [...members].sort((a, b) => depth(a.name) - depth(b.name) || a.name.localeCompare(b.name));
}
