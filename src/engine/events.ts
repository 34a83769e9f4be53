import type { PreparedAlert } from '../alerts/model.js';
import { validateAlert, type ValidationContext } from '../alerts/validate.js';
import { allMatch } from '../routing/matchers.js';
import type { EventRule, HealthConfig } from './model.js';

/*
 * Pushed events ("pipeline run failed", "DAG failed": seed 001) raise alerts by rule. A rule
 * matches the event's labels plus `type` (and `service` when the event names one) with
 * Alertmanager matchers; its `group_by` labels tell alerts apart (one per DAG, say). An event that
 * matches a rule's `resolve_matchers` resolves the alert with the same group values; otherwise
 * `resolve_after` ends it that long after the last matching event.
 */

export const EVENTS_SOURCE = 'sentinel-events';

export interface IngestedEvent {
  type: string;
  service: string | null;
  labels: Record<string, string>;
  message: string | null;
  occurredAt: number;
}

export interface RuleMatch {
  rule: EventRule;
  state: 'firing' | 'resolved';
}

/** What `matchers` see: the event's labels, with `type` and `service` as labels too. */
export function matchLabels(e: IngestedEvent): Record<string, string> {
  return { ...e.labels, type: e.type, ...(e.service !== null ? { service: e.service } : {}) };
}

/** The rules an event fires or resolves (a rule that matches both ways fires). */
export function matchRules(rules: Iterable<EventRule>, e: IngestedEvent): RuleMatch[] {
  const labels = matchLabels(e);
  const out: RuleMatch[] = [];
  for (const rule of rules) {
    if (allMatch(rule.matchers, labels)) out.push({ rule, state: 'firing' });
    else if (rule.resolveMatchers.length > 0 && allMatch(rule.resolveMatchers, labels))
      out.push({ rule, state: 'resolved' });
  }
  return out;
}

/** The alert an event raises or resolves under a rule; its identity is the rule and the group_by values. */
export function eventAlert(
  rule: EventRule,
  e: IngestedEvent,
  state: 'firing' | 'resolved',
  ctx: ValidationContext,
): PreparedAlert {
  const group: Record<string, string> = {};
  for (const name of rule.groupBy) group[name] = e.labels[name] ?? '';
  const detail = Object.entries(group)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const r = validateAlert(
    {
      source: EVENTS_SOURCE,
      service: rule.service,
      kind: 'event',
      title: detail === '' ? rule.name : `${rule.name} (${detail})`,
      message: e.message ?? `${e.type} at ${new Date(e.occurredAt).toISOString()}`,
      severity: rule.severity,
      state,
      labels: { ...rule.labels, rule: rule.id, ...group },
      annotations: {
        ...rule.annotations,
        event_type: e.type,
        event_labels: JSON.stringify(e.labels).slice(0, 4000),
        occurred_at: new Date(e.occurredAt).toISOString(),
        ...(rule.runbook ? { runbook_url: rule.runbook } : {}),
      },
    },
    ctx,
  );
  // Built from validated configuration and validated event fields; a failure here is a bug.
  if (!r.ok) throw new Error(`event alert does not validate: ${JSON.stringify(r.issues)}`);
  return { ...r.alert, resolveAfterMs: state === 'firing' ? rule.resolveAfterMs : null };
}

/** Every alert change a batch of events makes under the configured rules, and each event's matched rule ids. */
export function alertsForEvents(
  cfg: HealthConfig,
  events: readonly IngestedEvent[],
  ctx: ValidationContext,
): { alerts: PreparedAlert[]; matched: string[][] } {
  const alerts: PreparedAlert[] = [];
  const matched = events.map((e) =>
    matchRules(cfg.eventRules.values(), e).map((m) => {
      alerts.push(eventAlert(m.rule, e, m.state, ctx));
      return m.state === 'firing' ? m.rule.id : `${m.rule.id}:resolved`;
    }),
  );
  return { alerts, matched };
}
