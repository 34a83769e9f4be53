import type { Alert, Labels } from '../alerts/model.js';
import { routingLabels } from './labels.js';
import { GO_ZERO_TIME, type NotificationAlert, type NotificationData } from './types.js';

/** Labels (or annotations) every alert has with the same value. */
export function commonPairs(maps: readonly Labels[]): Labels {
  if (maps.length === 0) return {};
  const [first, ...rest] = maps;
  const out: Labels = {};
  for (const [k, v] of Object.entries(first!)) {
    if (rest.every((m) => m[k] === v)) out[k] = v;
  }
  return out;
}

export function notificationAlert(
  a: Alert,
  previousOccurrences: number | undefined,
  flapping = false,
): NotificationAlert {
  const firing = a.state === 'firing';
  // Counted since the last message to this receiver; a re-raised alert starts counting afresh.
  const newOccurrences =
    previousOccurrences !== undefined && previousOccurrences < a.occurrences
      ? a.occurrences - previousOccurrences
      : a.occurrences;
  return {
    status: firing ? 'firing' : 'resolved',
    labels: routingLabels(a),
    annotations: a.annotations,
    startsAt: new Date(a.startsAt).toISOString(),
    // As Alertmanager: a firing alert in a notification has no end yet.
    endsAt: firing || a.resolvedAt === null ? GO_ZERO_TIME : new Date(a.resolvedAt).toISOString(),
    generatorURL: a.generatorUrl ?? '',
    fingerprint: a.fingerprint,
    ref: a.ref,
    severity: a.severity,
    service: a.service,
    title: a.title,
    message: a.message,
    occurrences: a.occurrences,
    // Re-sends of an Alertmanager-style alert are refreshes (Prometheus re-sends every evaluation),
    // not new occurrences: only native alerts get a burst count.
    newOccurrences: !firing ? 0 : a.origin === 'native' ? newOccurrences : 1,
    flapping,
  };
}

export function buildNotificationData(opts: {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  alerts: readonly Alert[];
  previousOccurrences: Readonly<Record<string, number>>;
  externalUrl: string;
  flapping?: ReadonlySet<string>;
}): NotificationData {
  const alerts = opts.alerts.map((a) =>
    notificationAlert(a, opts.previousOccurrences[a.fingerprint], opts.flapping?.has(a.fingerprint) ?? false),
  );
  return {
    receiver: opts.receiver,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: opts.groupLabels,
    commonLabels: commonPairs(alerts.map((a) => a.labels)),
    commonAnnotations: commonPairs(alerts.map((a) => a.annotations)),
    externalURL: opts.externalUrl,
    groupKey: opts.groupKey,
    truncatedAlerts: 0,
  };
}
