// Defaults for anomaly checks, for the configuration to fill in what a check leaves out. Chosen for
// a signal sampled every few seconds (a rate of tens of events per second, or a gauge), evaluated
// every 15 s; `npm run bench:anomaly` measures them (no false warnings in 30 simulated days of
// stationary noise, a 90% collapse found in under 2 minutes).

import type { BaselineSpec } from './baseline.js';
import type { CollapseSpec, FlowMismatchSpec, SpikeSpec } from './detectors/types.js';

export const DEFAULT_BASELINE: BaselineSpec = {
  method: 'median',
  /** An hour of 10 s buckets: long enough for a stable median, short enough to follow the day. */
  windowMs: 3_600_000,
  stepMs: 10_000,
  /** 15 minutes of data before anything is raised. */
  minPoints: 90,
  halfLifeMs: 900_000,
  seasonality: 'none',
  seasonalMinPeriods: 3,
  /** Covers day-to-day jitter of nightly jobs of about +-15 min, with room to spare. */
  seasonalToleranceMs: 1_800_000,
};

/** Below half the baseline for a minute, and significantly so. */
export const DEFAULT_COLLAPSE: Omit<CollapseSpec, 'baseline'> = {
  kind: 'collapse',
  fraction: 0.5,
  forMs: 60_000,
  k: 4,
  minBaseline: 0,
};

/**
 * Above baseline + 5 spreads (more than 5 events per bucket for counters when the baseline is
 * quiet) for a minute. k 5 rather than 4: a median/MAD baseline underestimates the tails of traffic
 * whose level wanders over minutes (the bench's drifting-rate stream raises about one warning a
 * day at k 4, one or two a month at k 5); a doubled rate is still found in about a minute.
 */
export const DEFAULT_SPIKE: Omit<SpikeSpec, 'baseline'> = {
  kind: 'spike',
  k: 5,
  forMs: 60_000,
  minSpread: 0,
};

/** Upstream advanced by more than one event in 2 minutes and downstream not at all. */
export const DEFAULT_FLOW_MISMATCH: FlowMismatchSpec = {
  kind: 'flow_mismatch',
  lagMs: 120_000,
  minUpstreamIncrease: 1,
  minRatio: 0,
};

/**
 * Counters: after the last sample, how long a series counts as "not reported yet" before its
 * silence counts as zero increase. Should exceed the sampling interval by a margin (a few intervals).
 */
export const DEFAULT_ZERO_AFTER_MS = 60_000;
