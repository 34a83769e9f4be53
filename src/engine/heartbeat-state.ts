/**
 * A heartbeat check's stored state (Healthchecks' model): when it last succeeded, failed or
 * started, which runs are open (by run id), and whether it is paused. Pings update it; evaluation
 * reads it with the time.
 */
export interface HeartbeatState {
  /** Never pinged yet: Healthchecks' "new" (no alert until the first ping). */
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  /** Exit status of the last failure reported as /{exit_status}, if any. */
  lastExitStatus: number | null;
  /** The last run ended in a failure (/fail or a non-zero status): ping order decides, not times. */
  failed: boolean;
  /** Open runs: run id ("" for pings without one) -> start time. */
  openRuns: Record<string, number>;
  paused: boolean;
  /** The last ping's body (log excerpt), truncated. */
  lastBody: string | null;
  lastPingAt: number | null;
}

export const EMPTY_HEARTBEAT: HeartbeatState = {
  lastSuccessAt: null,
  lastFailureAt: null,
  lastExitStatus: null,
  failed: false,
  openRuns: {},
  paused: false,
  lastBody: null,
  lastPingAt: null,
};

export type PingKind = 'success' | 'start' | 'fail' | 'log';

/** Largest body kept from a ping (a log excerpt). */
export const MAX_PING_BODY = 10_000;

/** The state after a ping. `exitStatus` (from /{code}) 0 is a success, anything else a failure. */
export function applyPing(
  state: HeartbeatState,
  ping: { kind: PingKind; at: number; runId: string | null; exitStatus: number | null; body: string | null },
): HeartbeatState {
  const body = ping.body === null ? state.lastBody : ping.body.slice(0, MAX_PING_BODY);
  const rid = ping.runId ?? '';
  const openRuns = { ...state.openRuns };
  // Any ping unpauses, as in Healthchecks.
  const base = { ...state, paused: false, lastPingAt: ping.at, lastBody: body };
  switch (ping.kind) {
    case 'start':
      openRuns[rid] = ping.at;
      return { ...base, openRuns };
    case 'success':
      delete openRuns[rid];
      return { ...base, openRuns, lastSuccessAt: ping.at, failed: false };
    case 'fail':
      delete openRuns[rid];
      return { ...base, openRuns, lastFailureAt: ping.at, lastExitStatus: ping.exitStatus, failed: true };
    case 'log':
      return base;
  }
}

export type HeartbeatStatus = 'new' | 'up' | 'late' | 'down' | 'paused' | 'started';
