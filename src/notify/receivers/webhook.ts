import { createHmac } from 'node:crypto';
import { durationOrNull } from '../../config/duration.js';
import type { NotificationAlert, NotificationData } from '../types.js';
import { reportUnknownKeys } from './common.js';
import { checkUrl, httpSender, parseHttpConfig, type HttpSettings } from './http.js';
import type { ReceiverDefinition } from './receiver.js';

/*
 * webhook_configs: Alertmanager's webhook payload, version "4", with the same keys in the same
 * order and times rendered as Go renders them, so existing webhook consumers parse it unchanged.
 * Sentinel adds headers only: Idempotency-Key (the notification ref, the same on every retry) and,
 * when a secret is configured, X-Sentinel-Signature: sha256=<hex HMAC of the body>.
 */

const KNOWN_KEYS = new Set([
  'send_resolved',
  'url',
  'url_file',
  'url_env',
  'http_config',
  'max_alerts',
  'timeout',
  'hmac_secret',
  'hmac_secret_file',
  'hmac_secret_env',
]);

export interface WebhookSettings {
  url: string;
  maxAlerts: number;
  http: HttpSettings;
  hmacSecret: string | null;
}

/** Go's time.Time JSON form (RFC 3339 with nanoseconds, trailing zeros dropped). */
export function goTime(iso: string): string {
  return iso.replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}

function payloadAlert(a: NotificationAlert): Record<string, unknown> {
  return {
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: goTime(a.startsAt),
    endsAt: goTime(a.endsAt),
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint,
  };
}

/** The payload body; `maxAlerts` > 0 truncates the list and counts the rest in truncatedAlerts. */
export function webhookPayload(data: NotificationData, maxAlerts: number): string {
  const alerts = maxAlerts > 0 ? data.alerts.slice(0, maxAlerts) : data.alerts;
  return JSON.stringify({
    receiver: data.receiver,
    status: data.status,
    alerts: alerts.map(payloadAlert),
    groupLabels: data.groupLabels,
    commonLabels: data.commonLabels,
    commonAnnotations: data.commonAnnotations,
    externalURL: data.externalURL,
    version: '4',
    groupKey: data.groupKey,
    truncatedAlerts: data.truncatedAlerts + (data.alerts.length - alerts.length),
  });
}

export const webhookReceiver: ReceiverDefinition<WebhookSettings> = {
  configKey: 'webhook_configs',
  sendResolvedDefault: true,
  async parse(raw, ctx) {
    reportUnknownKeys(ctx, raw, KNOWN_KEYS, 'webhook_configs');
    const url = await ctx.secret(raw, 'url');
    if (url === null) ctx.issue('url', 'one of url, url_file or url_env is required');
    const checked = url === null ? null : checkUrl(url, 'url', ctx);
    let maxAlerts = 0;
    if (raw.max_alerts !== undefined) {
      if (typeof raw.max_alerts !== 'number' || !Number.isInteger(raw.max_alerts) || raw.max_alerts < 0)
        ctx.issue('max_alerts', 'must be a whole number, 0 for no limit');
      else maxAlerts = raw.max_alerts;
    }
    const http = await parseHttpConfig(raw.http_config ?? ctx.global.httpConfig, ctx);
    if (raw.timeout !== undefined) {
      const ms = typeof raw.timeout === 'string' ? durationOrNull(raw.timeout) : null;
      if (ms === null || ms <= 0) ctx.issue('timeout', 'must be a duration such as 10s');
      else http.timeoutMs = ms;
    }
    const hmacSecret = await ctx.secret(raw, 'hmac_secret');
    if (checked === null) return null;
    return { url: checked, maxAlerts, http, hmacSecret };
  },
  create(settings, deps) {
    const post = httpSender(settings.http, deps);
    return {
      async send(message, signal) {
        const body = webhookPayload(message.data, settings.maxAlerts);
        const headers: Record<string, string> = { 'idempotency-key': message.ref };
        if (settings.hmacSecret !== null) {
          headers['x-sentinel-signature'] =
            `sha256=${createHmac('sha256', settings.hmacSecret).update(body).digest('hex')}`;
        }
        return post(settings.url, body, signal, { headers });
      },
    };
  },
};
