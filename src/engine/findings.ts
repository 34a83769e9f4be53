import type { PreparedAlert } from '../alerts/model.js';
import { validateAlert, type ValidationContext } from '../alerts/validate.js';
import type { CheckConfig, CheckResult, ServiceConfig } from './model.js';

/*
 * Findings become alerts in the alert core, so routing, silences, incidents and the event log apply
 * to them like to any other alert. A check's alert is keyed by its labels (service, kind, check
 * id), so every evaluation of a finding updates the same alert, and a clear resolves it.
 */

export const HEALTH_SOURCE = 'sentinel-health';

/** Annotations carry the evidence (JSON) and how it was judged; values are capped to fit an alert. */
function evidence(result: CheckResult): Record<string, string> {
  const observed = JSON.stringify(result.observed);
  return {
    observed_state: observed.length > 8000 ? `${observed.slice(0, 7990)}…` : observed,
    signal_query: result.signalQuery.slice(0, 2000),
  };
}

/**
 * A finding is re-sent at every evaluation while it holds; its dedupe TTL must outlast the gap
 * between evaluations, or a check with a long interval would raise a new alert every time.
 */
function dedupeTtlMinutes(check: CheckConfig, ctx: ValidationContext): number {
  return Math.max(ctx.defaultDedupeTtlMinutes, Math.ceil((3 * check.intervalMs) / 60_000));
}

/** Text cut to fit a limit (an operator-written name or a long evaluation message must not stop a finding). */
function capped(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function prepared(input: Record<string, unknown>, ctx: ValidationContext): PreparedAlert {
  const r = validateAlert(input, ctx);
  // Findings are built from validated configuration; a failure here is a bug, not bad input.
  if (!r.ok) throw new Error(`finding does not validate: ${JSON.stringify(r.issues)}`);
  return r.alert;
}

export function findingAlert(
  check: CheckConfig,
  service: ServiceConfig | undefined,
  result: CheckResult,
  state: 'firing' | 'resolved',
  ctx: ValidationContext,
  extraAnnotations: Readonly<Record<string, string>> = {},
): PreparedAlert {
  const links = service?.links ?? {};
  return prepared(
    {
      source: HEALTH_SOURCE,
      service: check.service,
      kind: check.kind,
      dedupe_ttl_minutes: dedupeTtlMinutes(check, ctx),
      title: capped(check.name, ctx.limits.maxTitleLength),
      message: capped(result.message, ctx.limits.maxMessageLength),
      severity: result.severity,
      state,
      labels: {
        ...check.labels,
        check: check.id,
        scope: service?.scope.replace(/ /g, '_') ?? 'other',
        ...(check.kind === 'invariant' ? { tier: String(check.tier) } : {}),
      },
      annotations: {
        ...check.annotations,
        ...evidence(result),
        ...(check.runbook
          ? { runbook_url: check.runbook }
          : links.runbook
            ? { runbook_url: links.runbook }
            : {}),
        ...(links.dashboard ? { dashboard_url: links.dashboard } : {}),
        ...(check.kind === 'invariant' ? { invariant_id: check.id, friendly_name: check.name } : {}),
        ...extraAnnotations,
      },
    },
    ctx,
  );
}

/** The alert for a source that stayed unavailable longer than its policy (one per source and service). */
export function unavailableAlert(
  check: CheckConfig,
  sourceName: string,
  message: string,
  state: 'firing' | 'resolved',
  ctx: ValidationContext,
): PreparedAlert {
  return prepared(
    {
      source: HEALTH_SOURCE,
      service: check.service,
      kind: 'source_unavailable',
      dedupe_ttl_minutes: dedupeTtlMinutes(check, ctx),
      title: `Source ${sourceName} unavailable`,
      message,
      severity: 'warning',
      state,
      labels: { source_name: sourceName },
      annotations: { check: check.id },
    },
    ctx,
  );
}
