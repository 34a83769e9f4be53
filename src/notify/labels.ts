import { UPSTREAM_ANNOTATION, type Alert, type Labels } from '../alerts/model.js';
import { HEALTH_SOURCE } from '../engine/findings.js';

/**
 * The label set an alert is routed, silenced, inhibited and grouped by, and that receivers show.
 * Alerts from the Alertmanager API or webhook carry their labels as sent, unchanged. Native alerts keep their own labels
 * (which include `service` and `kind`) and gain `severity` and `alertname` when they lack them, so
 * that routes like `severity="critical"` and `group_by: [alertname]` work for every alert alike.
 * The fingerprint is not affected: it was computed from the labels as received.
 */
export function routingLabels(
  alert: Pick<Alert, 'labels' | 'severity' | 'kind' | 'title' | 'origin'>,
): Labels {
  const labels = alert.labels;
  if (alert.origin !== 'native') return labels;
  if (labels.severity !== undefined && labels.alertname !== undefined) return labels;
  return {
    ...labels,
    ...(labels.severity === undefined ? { severity: alert.severity } : {}),
    ...(labels.alertname === undefined ? { alertname: alert.kind ?? alert.title } : {}),
  };
}

/**
 * The upstream services a firing health finding is blamed on (dependency-aware suppression), or
 * null. Such an alert is muted like an inhibited one: recorded, shown, cleared, but not paged.
 */
export function upstreamSuppression(
  alert: Pick<Alert, 'annotations' | 'state' | 'origin' | 'source'>,
): string | null {
  // Only the health engine's own findings: an alert posted to the API cannot mute itself this way.
  if (alert.state !== 'firing' || alert.origin !== 'native' || alert.source !== HEALTH_SOURCE) return null;
  return alert.annotations[UPSTREAM_ANNOTATION] ?? null;
}
