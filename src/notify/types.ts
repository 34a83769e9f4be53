import type { Labels, Severity } from '../alerts/model.js';

/*
 * What one notification says: the data a receiver renders into its message. It is stored in the
 * outbox row as JSON when the notification is queued, so a retry after a restart sends what was
 * decided then. The AM-named fields are Alertmanager's webhook payload (version "4") and template
 * data; the rest are Sentinel's additions, which receivers other than the webhook may show.
 */

export type NotificationStatus = 'firing' | 'resolved';

export interface NotificationAlert {
  status: NotificationStatus;
  labels: Labels;
  annotations: Labels;
  /** RFC 3339. */
  startsAt: string;
  /** RFC 3339; Go's zero time "0001-01-01T00:00:00Z" while the alert has no known end. */
  endsAt: string;
  generatorURL: string;
  fingerprint: string;

  // Sentinel's additions.
  /** The durable alert (alrt_...). */
  ref: string;
  severity: Severity;
  service: string;
  title: string;
  message: string;
  /** Times the alert was received in all. */
  occurrences: number;
  /** Times it was received since this receiver was last told about it (the "x10" of a burst). */
  newOccurrences: number;
  /** Held as flapping: it changed state more often than the flap threshold allows. */
  flapping: boolean;
}

export interface NotificationData {
  receiver: string;
  /** firing if any alert in `alerts` is firing. */
  status: NotificationStatus;
  alerts: NotificationAlert[];
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  groupKey: string;
  truncatedAlerts: number;
}

/** Go's zero time, which Alertmanager sends for "no end". */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
