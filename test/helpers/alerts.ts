import { DEFAULT_ALERT_LIMITS, validateAlert } from '../../src/alerts/validate.js';
import type { PreparedAlert } from '../../src/alerts/model.js';

export const validationContext = {
  limits: DEFAULT_ALERT_LIMITS,
  defaultDedupeTtlMinutes: 30,
  defaultSource: 'test',
};

/** A valid prepared alert built through the real validator. */
export function prepared(fields: Record<string, unknown> = {}): PreparedAlert {
  const r = validateAlert(
    { service: 'gateway', title: 'Gateway 5xx rate high', severity: 'critical', ...fields },
    validationContext,
  );
  if (!r.ok) throw new Error(`invalid test alert: ${JSON.stringify(r.issues)}`);
  return r.alert;
}
