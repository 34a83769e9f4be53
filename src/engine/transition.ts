import type { CheckConfig, CheckResult, SourceConfig } from './model.js';
import type { CheckState } from './state.js';

/*
 * A check's state machine, as a pure function: one evaluation result in, the next state and the
 * alert changes out. Thresholds keep a flapping signal from paging: a finding raises an alert
 * after `failAfter` consecutive failing evaluations and clears after `clearAfter` passing ones. An
 * evaluation skipped because a source did not answer changes neither counter; a source that stays
 * unavailable longer than its policy becomes a finding of its own.
 */

export interface Transition {
  next: CheckState;
  /** Raise (or refresh) the check's alert with this result. */
  raise: CheckResult | null;
  /** Resolve the check's alert. */
  clear: boolean;
  /** Sources whose unavailability is (or stays) an alert, and those whose alert clears. */
  raiseUnavailable: string[];
  clearUnavailable: string[];
}

export function transition(
  check: CheckConfig,
  sources: ReadonlyMap<string, SourceConfig>,
  state: CheckState,
  result: CheckResult,
  now: number,
): Transition {
  const next: CheckState = {
    ...state,
    lastRunAt: now,
    nextRunAt: now + check.intervalMs,
    result,
    runs: state.runs + 1,
    updatedAt: now,
    leaseOwner: null,
    leaseUntil: null,
  };
  const t: Transition = { next, raise: null, clear: false, raiseUnavailable: [], clearUnavailable: [] };

  if (result.outcome === 'unavailable') {
    next.status = 'unavailable';
    next.unavailableSince = state.unavailableSince ?? now;
    // A source unavailable beyond its policy is a finding of its own, raised once and kept.
    // Raised once the outage outlasts the policy, then refreshed every evaluation while it lasts
    // (like a finding), so the alert stays current whatever its dedupe TTL.
    for (const name of result.unavailableSources) {
      const policy = sources.get(name)?.unavailableAfterMs ?? Infinity;
      if (state.unavailableAlerts.includes(name) || now - next.unavailableSince >= policy)
        t.raiseUnavailable.push(name);
    }
    next.unavailableAlerts = [...new Set([...state.unavailableAlerts, ...t.raiseUnavailable])];
    return t;
  }

  // The sources answered: any unavailability alert of this check clears.
  next.unavailableSince = null;
  t.clearUnavailable = [...state.unavailableAlerts];
  next.unavailableAlerts = [];

  if (result.outcome === 'ok') {
    next.status = 'ok';
    next.severity = null;
    next.lastOkAt = now;
    next.consecutiveSuccesses = state.consecutiveSuccesses + 1;
    next.consecutiveFailures = 0;
    if (state.firing && next.consecutiveSuccesses >= check.clearAfter) {
      next.firing = false;
      t.clear = true;
    }
    return t;
  }

  // violation or error: a finding.
  next.status = result.outcome === 'error' ? 'error' : 'failing';
  next.severity = result.severity;
  next.consecutiveFailures = state.consecutiveFailures + 1;
  next.consecutiveSuccesses = 0;
  if (state.firing || next.consecutiveFailures >= check.failAfter) {
    // Refreshed on every failing evaluation while firing: the alert carries the newest evidence.
    next.firing = true;
    t.raise = result;
  }
  return t;
}
