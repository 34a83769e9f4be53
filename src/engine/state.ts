import type { Severity } from '../alerts/model.js';
import type { HeartbeatState } from './heartbeat-state.js';
import type { CheckResult } from './model.js';

/** A check's stored state: its threshold counters, schedule, claim and last result. */
export interface CheckState {
  checkId: string;
  /** unknown: never evaluated; ok; failing: a finding (raised once failAfter is reached); unavailable: its sources did not answer; error: it could not be evaluated. */
  status: 'unknown' | 'ok' | 'failing' | 'unavailable' | 'error';
  severity: Severity | null;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** An alert is raised for it (failAfter reached) and not yet cleared (clearAfter not reached). */
  firing: boolean;
  alertRef: string | null;
  lastRunAt: number | null;
  nextRunAt: number;
  lastOkAt: number | null;
  /** Since when its sources have been unavailable without a break (null when they answer). */
  unavailableSince: number | null;
  result: CheckResult | null;
  heartbeat: HeartbeatState | null;
  /** Sources whose unavailability (beyond their policy) raised an alert that is not cleared yet. */
  unavailableAlerts: string[];
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** Evaluations so far (every replica counts here: the two-replica test reads it). */
  runs: number;
  updatedAt: number;
}

export function newCheckState(checkId: string, now: number): CheckState {
  return {
    checkId,
    status: 'unknown',
    severity: null,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    firing: false,
    alertRef: null,
    lastRunAt: null,
    nextRunAt: now,
    lastOkAt: null,
    unavailableSince: null,
    result: null,
    heartbeat: null,
    unavailableAlerts: [],
    leaseOwner: null,
    leaseUntil: null,
    runs: 0,
    updatedAt: now,
  };
}

/** What one cycle did, as POST /api/v1/cycles returns it and the cycle history stores it. */
export interface CycleSummary {
  started_at: string;
  replica: string;
  checks_run: number;
  /** Checks skipped because a source they need did not answer (counted in checks_run). */
  checks_skipped: number;
  sources_unavailable: string[];
  violations: Array<{ check: string; service: string; severity: Severity; message: string }>;
  transitions: { raised: string[]; cleared: string[] };
  cycle_duration_ms: number;
}
