import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { readSecret } from '../../src/config/secrets.js';
import type {
  GlobalSettings,
  ParseContext,
  Receiver,
  ReceiverDefinition,
  SendResult,
} from '../../src/notify/receivers/receiver.js';
import { createTemplateSet, type TemplateSet } from '../../src/notify/template/index.js';
import { GO_ZERO_TIME, type NotificationAlert, type NotificationData } from '../../src/notify/types.js';

/*
 * Helpers for testing one receiver kind without the whole configuration loader: parsing an entry,
 * sending to a fake service, the sample messages every receiver's tests use, and alert text for
 * property tests.
 */

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

/** A signal that never aborts, for sends that are not meant to be cancelled. */
export const signal = new AbortController().signal;

/** Parses a valid entry, creates its receiver and sends it the sample message once. */
export async function sendOnce<S>(
  def: ReceiverDefinition<S>,
  raw: Record<string, unknown>,
): Promise<SendResult> {
  const receiver = await receiverFor(def, raw);
  return receiver.send({ ref: 'n', data: sampleData() }, signal);
}

/** The error of a failed send, checking that it shows none of `secrets` (tokens, pieces of them). */
export function errorWithout(res: SendResult, ...secrets: string[]): string {
  expect(res.outcome).not.toBe('delivered');
  const error = (res as { error: string }).error;
  for (const secret of secrets) expect(error).not.toContain(secret);
  return error;
}

/**
 * Runs a fake service for the tests of the file (or describe block) that calls it: started before
 * them (`onStart` gets the URL to configure), reset after each, stopped after all.
 */
export function useFake<F extends { start(): Promise<string>; stop(): Promise<void>; reset(): void }>(
  fake: F,
  onStart: (url: string) => void = () => {},
): F {
  beforeAll(async () => onStart(await fake.start()));
  afterEach(() => fake.reset());
  afterAll(() => fake.stop());
  return fake;
}

/** A scratch directory (for secret files) that lives as long as the tests of the file. */
export function useTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
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

/** Another firing alert of the same service: a warning, which arrived once. */
export function secondAlert(fields: Partial<NotificationAlert> = {}): NotificationAlert {
  return sampleAlert({
    severity: 'warning',
    labels: { alertname: 'IngestLag', service: 'quote-ingest', severity: 'warning', instance: 'ingest-2' },
    annotations: { summary: 'Ingest lag above 30 s' },
    fingerprint: 'b2c3d4e5f6071829',
    ref: 'alrt_01JNKX0000000000000000000B',
    title: 'Ingest lag above 30 s',
    message: 'Lag is 42 s.',
    startsAt: '2026-03-01T11:50:00.000Z',
    newOccurrences: 1,
    occurrences: 1,
    ...fields,
  });
}

/** An observed_state with seven values: more than a message shows (five, then "+2 more"). */
export const SEVEN_KEYS = JSON.stringify({
  last_quote_age_s: 312,
  ws_connected: false,
  quotes_per_min: 0,
  feed: 'binance',
  reconnects: 4,
  last_error: 'socket hang up',
  lag_ms: 1200,
});

/**
 * A firing message with two alerts: the sample alert with seven observed values, and a warning
 * with a dashboard of its own. `overrides` apply to both.
 */
export function twoAlerts(overrides: Partial<NotificationAlert> = {}): NotificationData {
  return sampleData([
    sampleAlert({ annotations: { ...sampleAlert().annotations, observed_state: SEVEN_KEYS }, ...overrides }),
    sampleAlert({
      labels: { alertname: 'FeedLag', service: 'quote-ingest', severity: 'warning' },
      annotations: { summary: 'Feed lag above 30 s', dashboard_url: 'https://grafana.example.org/d/feed' },
      severity: 'warning',
      title: 'Feed lag above 30 s',
      message: 'Lag is 42 s.',
      newOccurrences: 1,
      occurrences: 1,
      ref: 'alrt_01JNKX0000000000000000000B',
      fingerprint: 'b1b2c3d4e5f60718',
      ...overrides,
    }),
  ]);
}

/**
 * Alert text for property tests: any character (`anyWeight` times as likely as each of the others),
 * and `specials`, the strings the service's markup or limits care about; short strings, and long ones
 * up to `maxLength` (fast-check keeps strings short unless told) to reach the limits.
 */
export function alertText(specials: string[], maxLength: number, anyWeight = 3): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: anyWeight, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    fc.constantFrom(...specials),
  );
  return fc.oneof(
    fc.string({ unit, maxLength: 40 }),
    fc.string({ unit, minLength: 200, maxLength, size: 'max' }),
  );
}

/** Label sets (or annotations) of up to four entries, with `text` values. */
export function labelSets(
  text: fc.Arbitrary<string>,
  maxKeyLength = 12,
): fc.Arbitrary<Record<string, string>> {
  return fc.dictionary(fc.string({ minLength: 1, maxLength: maxKeyLength }), text, { maxKeys: 4 });
}
