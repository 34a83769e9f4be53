import type { Matcher } from '../routing/matchers.js';
import type { Route } from '../routing/route.js';
import type { TimeIntervalSet } from '../routing/time-intervals.js';
import type { TemplateSet } from './template/index.js';

/** The notification part of the configuration, validated and resolved (secrets read, templates compiled). */

export interface IntegrationConfig {
  /** `<receiver>/<kind>/<index>`: names its queue, its notification-log entries and its metrics. */
  key: string;
  receiver: string;
  /** The receiver kind, e.g. `webhook` for `webhook_configs`. */
  kind: string;
  index: number;
  sendResolved: boolean;
  /** Kind-specific settings as the receiver's own parser produced them (null if unavailable or unsupported). */
  settings: unknown;
  /** Why this integration cannot send now (a secret file it needs is unreadable); null when it can. */
  unavailable: string | null;
}

export interface ReceiverConfig {
  name: string;
  integrations: readonly IntegrationConfig[];
}

export interface InhibitRule {
  /** A hash of the rule's definition: stored with its sources, so an unchanged rule survives a reload. */
  id: string;
  sourceMatchers: readonly Matcher[];
  targetMatchers: readonly Matcher[];
  equal: readonly string[];
}

export interface EscalationPolicy {
  name: string;
  /** Alerts this policy applies to (all must match the alert's labels). */
  matchers: readonly Matcher[];
  /** Ordered by `afterMs`: each step notifies its receiver that long after the alert started firing. */
  steps: ReadonlyArray<{ afterMs: number; receiver: string }>;
}

/** Sentinel's own notification options (the `notifications:` section). */
export interface NotifyOptions {
  /** At most one message per this interval per integration and alert source; 0 disables. */
  throttleMs: number;
  flapping: { maxFlips: number; windowMs: number };
  escalations: readonly EscalationPolicy[];
  selfTest: { receiver: string; schedule: string; timezone: string } | null;
  watchdog: { enabled: boolean; intervalMs: number };
  receiverFailingAfterMs: number;
  delivery: { deadLetterAfterMs: number; initialBackoffMs: number; maxBackoffMs: number };
}

export const DEFAULT_NOTIFY_OPTIONS: NotifyOptions = {
  throttleMs: 60_000,
  flapping: { maxFlips: 4, windowMs: 10 * 60_000 },
  escalations: [],
  selfTest: null,
  watchdog: { enabled: false, intervalMs: 60_000 },
  receiverFailingAfterMs: 10 * 60_000,
  delivery: { deadLetterAfterMs: 24 * 3_600_000, initialBackoffMs: 1000, maxBackoffMs: 10_000 },
};

export interface NotifyConfig {
  /** null when the configuration has no `route`: nothing is routed or sent. */
  route: Route | null;
  receivers: ReadonlyMap<string, ReceiverConfig>;
  inhibitRules: readonly InhibitRule[];
  timeIntervals: TimeIntervalSet;
  /** global.resolve_timeout. */
  resolveTimeoutMs: number;
  /** Links in messages point here (server.external_url, else the listen address). */
  externalUrl: string;
  templates: TemplateSet;
  options: NotifyOptions;
}
