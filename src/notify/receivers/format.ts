import type { Severity } from '../../alerts/model.js';
import type { NotificationAlert, NotificationData } from '../types.js';

/*
 * Formatting shared by the chat receivers (Slack, Matrix, Discord, Telegram, ntfy): the same
 * severity marks, the same friendly names and the same forensic details everywhere, so an on-call
 * engineer reads one language whichever channel the message arrives in.
 */

export const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

export const SEVERITY_EMOJI: Record<Severity | 'resolved', string> = {
  critical: '🔴',
  warning: '🟠',
  info: '🔵',
  resolved: '✅',
};

/** The most severe severity among the message's firing alerts (info when none fire). */
export function messageSeverity(data: NotificationData): Severity {
  let best: Severity = 'info';
  for (const a of data.alerts) {
    if (a.status === 'firing' && SEVERITY_RANK[a.severity] > SEVERITY_RANK[best]) best = a.severity;
  }
  return best;
}

export function statusEmoji(data: NotificationData): string {
  return data.status === 'resolved' ? SEVERITY_EMOJI.resolved : SEVERITY_EMOJI[messageSeverity(data)];
}

/** What to call an alert in a message: a friendly name annotation, else its summary, title or alertname. */
export function friendlyName(a: NotificationAlert): string {
  return (
    a.annotations.friendly_name ??
    a.annotations.summary ??
    (a.title !== '' ? a.title : undefined) ??
    a.labels.alertname ??
    a.fingerprint
  );
}

/** " x10" when the alert arrived more than once since the last message, else "". */
export function burstSuffix(a: NotificationAlert): string {
  return a.status === 'firing' && a.newOccurrences > 1 ? ` x${a.newOccurrences}` : '';
}

/** One line per alert: emoji, name, burst count, flapping mark. */
export function alertLine(a: NotificationAlert): string {
  const emoji = a.status === 'resolved' ? SEVERITY_EMOJI.resolved : SEVERITY_EMOJI[a.severity];
  return `${emoji} ${friendlyName(a)}${burstSuffix(a)}${a.flapping ? ' (flapping)' : ''}`;
}

/** The message headline, e.g. "🔴 [FIRING:2] quote-ingest: No quotes for 5 minutes". */
export function headline(data: NotificationData): string {
  const firing = data.alerts.filter((a) => a.status === 'firing').length;
  const label = data.status === 'resolved' ? 'RESOLVED' : `FIRING:${firing}`;
  const first = data.alerts[0];
  const name = first ? friendlyName(first) : (data.groupLabels.alertname ?? data.receiver);
  const service = first?.service ?? data.commonLabels.service;
  const more = data.alerts.length > 1 ? ` (+${data.alerts.length - 1} more)` : '';
  return `${statusEmoji(data)} [${label}] ${service ? `${service}: ` : ''}${name}${first ? burstSuffix(first) : ''}${more}`;
}

/**
 * The forensic details of an alert: its `observed_state` annotation (a JSON object of the values
 * that broke an invariant, or plain text), at most `max` entries with "+N more" for the rest.
 */
export function observedState(a: NotificationAlert, max = 5): string[] {
  const raw = a.annotations.observed_state;
  if (raw === undefined || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [truncate(raw, 300)];
  }
  if (typeof parsed !== 'object' || parsed === null) return [truncate(String(parsed), 300)];
  const entries = Array.isArray(parsed)
    ? parsed.map((v, i) => [String(i), v] as const)
    : Object.entries(parsed as Record<string, unknown>);
  const lines = entries
    .slice(0, max)
    .map(([k, v]) => `${k}: ${truncate(typeof v === 'string' ? v : JSON.stringify(v), 200)}`);
  if (entries.length > max) lines.push(`+${entries.length - max} more`);
  return lines;
}

export function runbookUrl(a: NotificationAlert): string | null {
  return a.annotations.runbook_url ?? a.annotations.runbook ?? null;
}

/** Where an operator looks at the alert: its dashboard_url annotation, else Sentinel's page for it. */
export function dashboardUrl(a: NotificationAlert, externalUrl: string): string {
  return a.annotations.dashboard_url ?? `${externalUrl.replace(/\/$/, '')}/alerts/${a.ref}`;
}

export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}

/** The text of a summary line for an alert: its summary or description, else its message. */
export function summaryText(a: NotificationAlert): string {
  return a.annotations.description ?? a.annotations.summary ?? a.message;
}
