import type { BaselineSpec } from '../baseline.js';
import type { Point, SeriesType } from '../signal.js';

export type CollapseSpec = {
  kind: 'collapse';
  /** Every bucket of the current window below fraction x center. */
  fraction: number;
  /** Length of the current window: how long the condition must hold. */
  forMs: number;
  /** Significance: window mean below center - k x spread / sqrt(n). */
  k: number;
  /** Nothing is raised while the baseline is at or below this (signal units, per second for counters). */
  minBaseline: number;
  baseline: BaselineSpec;
};

export type SpikeSpec = {
  kind: 'spike';
  /** Every bucket of the current window above center + k x max(spread, minSpread, quantum). */
  k: number;
  forMs: number;
  /** Floor of the spread (signal units), for series whose baseline is flat. */
  minSpread: number;
  baseline: BaselineSpec;
};

export type FlowMismatchSpec = {
  kind: 'flow_mismatch';
  /** The trailing window over which both counters' increases are compared. */
  lagMs: number;
  /** Upstream must advance by more than this in the window for anything to be judged. */
  minUpstreamIncrease: number;
  /** Anomalous when downstream increase <= minRatio x upstream increase (0: did not advance). */
  minRatio: number;
};

export type DetectorSpec = CollapseSpec | SpikeSpec | FlowMismatchSpec;

/** One or more series of one metric, already selected. */
export interface SeriesInput {
  type: SeriesType;
  /** Raw points per series, ascending by `at`; may include points before the window. */
  series: ReadonlyArray<ReadonlyArray<Point>>;
  /** Seasonal only: the 1-minute signal, summed over the series, ascending by `start`. */
  minuteHistory?: ReadonlyArray<{ start: number; value: number | null }>;
}

export interface FlowInput {
  upstream: SeriesInput;
  downstream: SeriesInput;
}

/**
 * How values are shown: a signal value (per second for counters) is multiplied by `perSeconds`
 * and followed by `unit` ({name: 'reconnects', unit: '/min', perSeconds: 60}). For flow_mismatch
 * the name is "<upstream> -> <downstream>" (e.g. 'quotes_received_total -> quotes_written_total'),
 * and increases are plain counts (unit and perSeconds do not apply).
 */
export interface Display {
  name: string;
  unit: string;
  perSeconds: number;
}

export interface DetectOptions {
  /** Counters: how long after the last sample a series counts as "not reported yet". */
  zeroAfterMs: number;
  /**
   * Collapse and spike: the baseline window ends here at the latest. While an anomaly lasts, the
   * caller passes when it began, so its own buckets stay out of the baseline and a lasting collapse
   * does not become the new normal. Undefined: the window ends where the current one starts.
   */
  baselineEnd?: number;
}

export interface Detection {
  state: 'ok' | 'anomalous' | 'warming_up' | 'no_data';
  /** In display units (value x perSeconds); flow_mismatch: the downstream increase (a count). */
  current: number | null;
  baseline: number | null;
  lower: number | null;
  upper: number | null;
  /** Baseline buckets with data (seasonal: periods with data; flow_mismatch: sides with old enough data). */
  points: number;
  needed: number;
  /** How long the condition has held: consecutive violating buckets back from the judged end. */
  sinceMs: number | null;
  message: string;
  observed: Record<string, unknown>;
  signalQuery: string;
}

export interface TimelinePoint {
  at: number;
  current: number | null;
  baseline: number | null;
  lower: number | null;
  upper: number | null;
  anomalous: boolean;
}
