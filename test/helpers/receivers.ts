import { ManualClock } from '../../src/clock.js';
import { readSecret } from '../../src/config/secrets.js';
import type {
  GlobalSettings,
  ParseContext,
  Receiver,
  ReceiverDefinition,
} from '../../src/notify/receivers/receiver.js';
import { createTemplateSet, type TemplateSet } from '../../src/notify/template/index.js';
import { GO_ZERO_TIME, type NotificationAlert, type NotificationData } from '../../src/notify/types.js';

/* Helpers for testing one receiver kind without the whole configuration loader. */

export const DEFAULT_GLOBAL: GlobalSettings = {
  resolveTimeoutMs: 300_000,
  smtp: {
    from: null,
    hello: 'localhost',
    smarthost: null,
    authUsername: null,
    authPassword: null,
    authIdentity: null,
    authSecret: null,
    requireTls: true,
  },
  slackApiUrl: null,
  pagerdutyUrl: 'https://events.pagerduty.com/v2/enqueue',
  telegramApiUrl: 'https://api.telegram.org',
  matrixHomeserver: null,
  matrixAccessToken: null,
  httpConfig: null,
};

export interface Parsed<S> {
  settings: S | null;
  issues: string[];
  warnings: string[];
}

/**
 * Runs a receiver's parser on one `<kind>_configs` entry, as the loader would, and collects what it
 * reported as `key: message` strings. Secrets: `<key>` inline, `<key>_file`, `<key>_env` (from `env`).
 */
export async function parseEntry<S>(
  def: ReceiverDefinition<S>,
  raw: Record<string, unknown>,
  opts: { global?: Partial<GlobalSettings>; env?: NodeJS.ProcessEnv; templates?: TemplateSet } = {},
): Promise<Parsed<S>> {
  const issues: string[] = [];
  const warnings: string[] = [];
  const ctx: ParseContext = {
    path: 'receivers[0].test_configs[0]',
    global: { ...DEFAULT_GLOBAL, ...opts.global },
    templates: opts.templates ?? createTemplateSet(),
    issue: (key, message) => issues.push(`${key}: ${message}`),
    warn: (key, message) => warnings.push(`${key}: ${message}`),
    async secret(obj, key, within) {
      const at = within ? `${within}.` : '';
      const forms = [key, `${key}_file`, `${key}_env`].filter((k) => obj[k] !== undefined && obj[k] !== null);
      if (forms.length === 0) return null;
      if (forms.length > 1) {
        issues.push(`${at}${forms[1]}: give only one of ${key}, ${key}_file or ${key}_env`);
        return null;
      }
      const form = forms[0]!;
      const value = obj[form];
      if (typeof value !== 'string') {
        issues.push(`${at}${form}: must be a string`);
        return null;
      }
      if (form === key) return value;
      const r = await readSecret(
        form.endsWith('_file') ? { env: null, file: value } : { env: value, file: null },
        opts.env ?? {},
        process.cwd(),
      );
      if (!r.ok) {
        issues.push(`${at}${form}: ${r.message}`);
        return null;
      }
      return r.value.trim();
    },
  };
  const settings = await def.parse(raw, ctx);
  return { settings, issues, warnings };
}

/** Parses an entry that must be valid and creates its receiver. */
export async function receiverFor<S>(
  def: ReceiverDefinition<S>,
  raw: Record<string, unknown>,
  opts: Parameters<typeof parseEntry>[2] & { clock?: ManualClock } = {},
): Promise<Receiver> {
  const parsed = await parseEntry(def, raw, opts);
  if (parsed.settings === null || parsed.issues.length > 0) {
    throw new Error(`invalid test entry: ${parsed.issues.join('; ')}`);
  }
  return def.create(parsed.settings, {
    clock: opts.clock ?? new ManualClock('2026-03-01T12:00:00Z'),
    version: '0.1.0',
  });
}

export function sampleAlert(fields: Partial<NotificationAlert> = {}): NotificationAlert {
  return {
    status: 'firing',
    labels: { alertname: 'QuotesStale', service: 'quote-ingest', severity: 'critical', instance: 'ingest-1' },
    annotations: {
      summary: 'No quotes for 5 minutes',
      description: 'The quote flow stopped advancing: last quote 312 s ago.',
      runbook_url: 'https://runbooks.example.org/quotes-stale',
      observed_state: JSON.stringify({ last_quote_age_s: 312, ws_connected: false, quotes_per_min: 0 }),
    },
    startsAt: '2026-03-01T11:55:00.000Z',
    endsAt: GO_ZERO_TIME,
    generatorURL: 'http://prometheus.example.org/graph?g0.expr=up',
    fingerprint: 'a1b2c3d4e5f60718',
    ref: 'alrt_01JNKX0000000000000000000A',
    severity: 'critical',
    service: 'quote-ingest',
    title: 'No quotes for 5 minutes',
    message: 'The quote flow stopped advancing.',
    occurrences: 10,
    newOccurrences: 10,
    flapping: false,
    ...fields,
  };
}

export function sampleData(
  alerts: NotificationAlert[] = [sampleAlert()],
  fields: Partial<NotificationData> = {},
): NotificationData {
  return {
    receiver: 'ops',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: { alertname: alerts[0]?.labels.alertname ?? 'QuotesStale' },
    commonLabels: { alertname: 'QuotesStale', service: 'quote-ingest' },
    commonAnnotations: {},
    externalURL: 'http://sentinel.example.org:9097',
    groupKey: '{}:{alertname="QuotesStale"}',
    truncatedAlerts: 0,
    ...fields,
  };
}
