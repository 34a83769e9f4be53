import { parseCondition } from '../checks/expr/index.js';
import type { CheckBase, CheckConfig, HealthConfig, ServiceConfig, SourceConfig } from './model.js';

/*
 * Sentinel watches itself with checks like any other (seed 000: "sentinel_stale", "alerting
 * subsystem failing"), so its own trouble shows in /api/v1/health and raises alerts through the
 * same path: a built-in service `sentinel`, a built-in source `sentinel` (kind `sentinel`, read
 * from the store and this process) and three checks. They are added to every configuration; their
 * names are reserved.
 */

export const SELF_SERVICE = 'sentinel';
export const SELF_SOURCE = 'sentinel';
export const SELF_CHECKS = {
  cycleLag: 'sentinel-cycle-lag',
  store: 'sentinel-store',
  alerting: 'sentinel-alerting',
} as const;

/** A cycle older than this makes Sentinel's own truth stale (several replicas share the cycles). */
export const CYCLE_LAG_CRITICAL_MS = 60_000;
export const CYCLE_LAG_WARNING_MS = 30_000;

const SELF_INTERVAL_MS = 15_000;

/** alertname gives Sentinel's own findings names like its other alerts (SentinelReceiverFailing), for routes such as alertname=~"Sentinel.*". */
function selfCheck(id: string, alertname: string, name: string, runbook: string): Omit<CheckBase, 'kind'> {
  return {
    id,
    service: SELF_SERVICE,
    name,
    severity: 'critical',
    intervalMs: SELF_INTERVAL_MS,
    failAfter: 1,
    clearAfter: 1,
    sources: [SELF_SOURCE],
    runbook,
    labels: { alertname },
    annotations: {},
    pageWhenUpstreamFailing: true,
    raisesAlerts: true,
  };
}

/** `config` plus the built-in service, source and checks. */
export function withSelfWatchdog(config: HealthConfig): HealthConfig {
  const service: ServiceConfig = {
    name: SELF_SERVICE,
    scope: 'self',
    description: 'Sentinel itself: its evaluation cycles, its store and its alerting',
    dependsOn: [],
    owner: {},
    links: { runbook: 'docs/runbooks.md#sentinel-self-watchdog' },
    actions: [],
    pipelines: [],
  };
  const source: SourceConfig = {
    name: SELF_SOURCE,
    kind: 'sentinel',
    // Local reads: short, so that it does not lengthen every claim's lease (see Engine).
    timeoutMs: 2000,
    unavailableAfterMs: 3 * SELF_INTERVAL_MS,
    settings: {},
  };
  const checks: CheckConfig[] = [
    {
      ...selfCheck(
        SELF_CHECKS.cycleLag,
        'SentinelCycleLag',
        'Sentinel evaluation cycles are running',
        'docs/runbooks.md#sentinel-cycle-lag',
      ),
      // The first evaluation after a restart sees the downtime as lag: two in a row must see it.
      failAfter: 2,
      kind: 'freshness',
      timestamp: parseCondition('[LAST_CYCLE_AT]'),
      warningAfterMs: CYCLE_LAG_WARNING_MS,
      criticalAfterMs: CYCLE_LAG_CRITICAL_MS,
    },
    {
      ...selfCheck(
        SELF_CHECKS.store,
        'SentinelStoreErrors',
        'Sentinel store answers without errors',
        'docs/runbooks.md#sentinel-store',
      ),
      kind: 'condition',
      failAfter: 2,
      conditions: [parseCondition('[STORE_OK] == true'), parseCondition('[RECENT_STORE_ERRORS] == 0')],
    },
    {
      ...selfCheck(
        SELF_CHECKS.alerting,
        'SentinelAlertingFailing',
        'Sentinel alerting delivers',
        'docs/runbooks.md#sentinel-alerting',
      ),
      kind: 'condition',
      severity: 'warning',
      // SentinelReceiverFailing already pages per integration; this check is the health view of it.
      raisesAlerts: false,
      conditions: [parseCondition('len([FAILING_RECEIVERS]) == 0')],
    },
  ];
  return {
    ...config,
    services: new Map([...config.services, [SELF_SERVICE, service]]),
    sources: new Map([...config.sources, [SELF_SOURCE, source]]),
    checks: new Map([...config.checks, ...checks.map((c): [string, CheckConfig] => [c.id, c])]),
  };
}
