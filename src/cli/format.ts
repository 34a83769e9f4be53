import type { AlertSummary } from './client.js';

/** Plain-text tables for the terminal. */

const TITLE_MAX = 80;

/**
 * Alert titles and labels come from whoever can post alerts; escape control characters so a title
 * cannot move the cursor, clear the screen or forge extra table rows.
 */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return ' ';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  return sanitize(typeof value === 'string' ? value : String(value));
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Epoch milliseconds or an ISO string, shown to the second in UTC. */
export function formatTime(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return cell(value);
}

export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function formatAlerts(alerts: readonly AlertSummary[]): string {
  const rows = alerts.map((a) => [
    cell(a.ref),
    cell(a.severity),
    cell(a.state),
    cell(a.status),
    cell(a.service),
    cell(a.occurrences),
    formatTime(a.last_seen_at),
    truncate(cell(a.title), TITLE_MAX),
  ]);
  return formatTable(['REF', 'SEVERITY', 'STATE', 'STATUS', 'SERVICE', 'OCC', 'LAST SEEN', 'TITLE'], rows);
}
