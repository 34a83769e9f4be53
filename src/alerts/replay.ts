import type { ApiAlert, ApiEvent } from './present.js';

/**
 * Rebuilds an alert from its events alone: each alert event records under `changes` every field
 * its transition set, so folding them in log order gives the alert as the API shows it. The event
 * log, not the alerts table, is the source of truth; this function is how a test (or an operator
 * recovering from a lost table) proves it.
 */
export function replayAlert(
  events: readonly Pick<ApiEvent, 'alert_ref' | 'data' | 'type'>[],
): Partial<ApiAlert> | null {
  let state: Partial<ApiAlert> | null = null;
  for (const e of events) {
    const changes = e.data.changes;
    if (typeof changes !== 'object' || changes === null) continue;
    if (e.type === 'raised') state = {};
    if (state === null) continue;
    Object.assign(state, changes);
  }
  return state;
}
