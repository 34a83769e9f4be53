import type { Severity } from '../../alerts/model.js';
import type { NotificationAlert, NotificationData } from '../types.js';

/*
 * Formatting shared by the chat receivers (Slack, Matrix, Discord, Telegram, ntfy), and by e-mail
 * and PagerDuty where they show the same things: the same severity marks, the same friendly names
 * and the same forensic details everywhere, so an on-call engineer reads one language whichever
 * channel the message arrives in.
 */

export const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

/** How a message or an alert is marked: its severity, or resolved. */
export type Level = Severity | 'resolved';

export const SEVERITY_EMOJI: Record<Level, string> = {
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

/**
 * What a message is marked with (emoji, colour, priority, tag): resolved, else the severity of its
 * most severe firing alert.
 */
export function messageLevel(data: NotificationData): Level {
  return data.status === 'resolved' ? 'resolved' : messageSeverity(data);
}

export function statusEmoji(data: NotificationData): string {
  return SEVERITY_EMOJI[messageLevel(data)];
}

/** A rendered text with the message's severity mark in front, unless the template put it there. */
export function withStatusEmoji(text: string, data: NotificationData): string {
  const emoji = statusEmoji(data);
  return text.startsWith(emoji) ? text : `${emoji} ${text}`;
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

/**
 * `text`, or the headline when a template rendered nothing: an empty message would show nothing, and
 * some services refuse it.
 */
export function orHeadline(text: string, data: NotificationData): string {
  return text === '' ? headline(data) : text;
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

/**
 * The forensic details of a message's alerts, at most `maxAlerts` of them (the alerts that have
 * some), each under a heading naming its alert, and a note counting those not shown, or null.
 * Every chat receiver adds them after its template's output, in its own markup.
 */
export function forensicDetails(
  data: NotificationData,
  maxAlerts: number,
): { shown: Array<{ heading: string; lines: string[] }>; notShown: string | null } {
  const detailed = data.alerts
    .map((a) => ({ heading: `Observed state of ${alertLine(a)}:`, lines: observedState(a) }))
    .filter((d) => d.lines.length > 0);
  const hidden = detailed.length - maxAlerts;
  return {
    shown: detailed.slice(0, maxAlerts),
    notShown: hidden > 0 ? `(observed state of ${hidden} more alerts not shown)` : null,
  };
}

/** forensicDetails as plain text: a heading and "• " lines per alert, a blank line between; '' for none. */
export function forensicText(data: NotificationData, maxAlerts: number): string {
  const { shown, notShown } = forensicDetails(data, maxAlerts);
  const parts = shown.map((d) => `${d.heading}\n${d.lines.map((l) => `• ${l}`).join('\n')}`);
  if (notShown !== null) parts.push(notShown);
  return parts.join('\n\n');
}

/** The alert's runbook as a link: only http(s) URLs (Sentinel's own alerts name a docs page in `runbook`). */
export function runbookUrl(a: NotificationAlert): string | null {
  const url = a.annotations.runbook_url ?? a.annotations.runbook ?? null;
  return url !== null && /^https?:\/\//i.test(url) ? url : null;
}

/**
 * Where an operator looks at the alert: its dashboard_url annotation, else the alert in Sentinel's
 * API (its events, routing and deliveries), the same link the default templates give.
 */
export function dashboardUrl(a: NotificationAlert, externalUrl: string): string {
  return a.annotations.dashboard_url ?? `${externalUrl.replace(/\/+$/, '')}/api/v1/alerts/${a.ref}`;
}

/** The alert a message is about, for its links: the first firing one, else the first. */
export function leadAlert(data: NotificationData): NotificationAlert | undefined {
  return data.alerts.find((a) => a.status === 'firing') ?? data.alerts[0];
}

/** The lead alert's dashboard, when it is an absolute http(s) URL (a link a chat can show). */
export function dashboardLink(data: NotificationData): string | null {
  const lead = leadAlert(data);
  if (!lead) return null;
  const url = dashboardUrl(lead, data.externalURL);
  return /^https?:\/\/\S+$/i.test(url) ? url : null;
}

/**
 * What the Slack and e-mail receivers show of one alert besides its line: its summary (unless it
 * only repeats the name), its forensic details, and its runbook and dashboard links, each null
 * when there is nothing worth showing.
 */
export function alertDetails(
  a: NotificationAlert,
  externalUrl: string,
): { summary: string | null; observed: string[]; runbook: string | null; dashboard: string | null } {
  const summary = summaryText(a);
  const runbook = runbookUrl(a);
  const dashboard = dashboardUrl(a, externalUrl);
  return {
    summary: summary !== '' && summary !== friendlyName(a) ? summary : null,
    observed: observedState(a),
    runbook: runbook !== null && runbook !== '' ? runbook : null,
    dashboard: /^https?:\/\//i.test(dashboard) ? dashboard : null,
  };
}

/** At most `max` UTF-16 units, with "…" when cut; never splits a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = Math.max(0, max - 1);
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${s.slice(0, cut)}…`;
}

/** The text of a summary line for an alert: its summary or description, else its message. */
export function summaryText(a: NotificationAlert): string {
  return a.annotations.description ?? a.annotations.summary ?? a.message;
}
