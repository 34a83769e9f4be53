import { parseCondition } from '../../src/checks/expr/index.js';
import type {
  CheckBase,
  ConditionCheck,
  FreshnessCheck,
  HealthConfig,
  HeartbeatCheck,
  ServiceConfig,
  SourceConfig,
} from '../../src/engine/model.js';
import { DEFAULT_HEALTH_OPTIONS } from '../../src/engine/config.js';

/** Builders for health configurations in unit tests (the loader is tested on its own). */

export function base(id: string, service: string, sources: string[]): Omit<CheckBase, 'kind'> {
  return {
    id,
    service,
    name: id,
    severity: 'critical',
    intervalMs: 10_000,
    failAfter: 1,
    clearAfter: 1,
    sources,
    runbook: null,
    labels: {},
    annotations: {},
    pageWhenUpstreamFailing: false,
    raisesAlerts: true,
  };
}

export function conditionCheck(
  id: string,
  service: string,
  source: string,
  ...conditions: string[]
): ConditionCheck {
  return {
    ...base(id, service, [source]),
    kind: 'condition',
    conditions: conditions.map((c) => parseCondition(c)),
  };
}

export function freshnessCheck(
  id: string,
  service: string,
  source: string,
  timestamp: string,
  criticalAfterMs: number,
): FreshnessCheck {
  return {
    ...base(id, service, [source]),
    kind: 'freshness',
    timestamp: parseCondition(timestamp),
    warningAfterMs: null,
    criticalAfterMs,
  };
}

export function heartbeatCheck(
  id: string,
  service: string,
  periodMs: number,
  graceMs: number,
  maxRuntimeMs: number | null = null,
): HeartbeatCheck {
  return { ...base(id, service, []), kind: 'heartbeat', periodMs, graceMs, maxRuntimeMs };
}

export function service(
  name: string,
  dependsOn: string[] = [],
  extra: Partial<ServiceConfig> = {},
): ServiceConfig {
  return {
    name,
    scope: 'other',
    description: null,
    dependsOn,
    owner: {},
    links: {},
    actions: [],
    pipelines: [],
    ...extra,
  };
}

export function source(name: string, unavailableAfterMs = 30_000, timeoutMs = 1000): SourceConfig {
  return { name, kind: 'http', timeoutMs, unavailableAfterMs, settings: {} };
}

export function healthConfig(parts: {
  services: ServiceConfig[];
  sources?: SourceConfig[];
  checks: Array<HealthConfig['checks'] extends ReadonlyMap<string, infer C> ? C : never>;
}): HealthConfig {
  return {
    services: new Map(parts.services.map((s) => [s.name, s])),
    sources: new Map((parts.sources ?? []).map((s) => [s.name, s])),
    checks: new Map(parts.checks.map((c) => [c.id, c])),
    eventRules: new Map(),
    options: DEFAULT_HEALTH_OPTIONS,
  };
}
