import { createHash } from 'node:crypto';
import { templateData, type CompiledTemplate, type TemplateData } from '../template/index.js';
import type { NotificationAlert, NotificationData } from '../types.js';
import {
  compileTemplate,
  isGiven,
  isHttpUrl,
  isRecord,
  optionalTemplate,
  parseJsonObject,
  reportUnknownKeys,
  secretGiven,
  templateFailure,
  templateOption,
} from './common.js';
import {
  dashboardUrl,
  friendlyName,
  leadAlert,
  messageSeverity,
  observedState,
  orHeadline,
  runbookUrl,
  truncate,
} from './format.js';
import { checkUrl, httpSender, isRetryableStatus, parseHttpConfig, type HttpSettings } from './http.js';
import type { ParseContext, ReceiverDefinition, SendResult } from './receiver.js';

/*
 * pagerduty_configs: PagerDuty Events API v2, with Alertmanager's options and its semantics: one
 * PagerDuty alert per notification group (dedup_key is the SHA-256 of the group key, so a resolved
 * message closes what the firing one opened), the summary from the `description` template, and
 * custom_details from `details` merged over Alertmanager's defaults. Sentinel adds the alerts'
 * forensic details (observed_state) and a link to the alert. Events API v1 (`service_key`) is not
 * spoken: such an entry loads, with a warning, and every send fails permanently saying why.
 */

/** PagerDuty's limit on payload.summary (characters). */
export const PAGERDUTY_SUMMARY_MAX = 1024;
/** PagerDuty's limit on dedup_key (characters). */
export const PAGERDUTY_DEDUP_KEY_MAX = 255;
/** PagerDuty's limit on a whole event; Alertmanager's reading of "512 KB", the stricter one. */
export const PAGERDUTY_EVENT_MAX_BYTES = 512_000;

export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PagerdutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];

export const PAGERDUTY_V1_UNSUPPORTED =
  'PagerDuty Events API v1 (service_key) is not supported; use routing_key';

const DEFAULT_DESCRIPTION = '{{ template "pagerduty.default.description" . }}';
const DEFAULT_CLIENT = '{{ template "pagerduty.default.client" . }}';
const DEFAULT_CLIENT_URL = '{{ template "pagerduty.default.clientURL" . }}';
/** Alertmanager's default custom details; entries of `details` with the same key replace them. */
const DEFAULT_DETAILS: ReadonlyArray<readonly [string, string]> = [
  ['firing', '{{ template "pagerduty.default.instances" .Alerts.Firing }}'],
  ['resolved', '{{ template "pagerduty.default.instances" .Alerts.Resolved }}'],
  ['num_firing', '{{ .Alerts.Firing | len }}'],
  ['num_resolved', '{{ .Alerts.Resolved | len }}'],
];

const KNOWN_KEYS = new Set([
  'send_resolved',
  'routing_key',
  'routing_key_file',
  'routing_key_env',
  'service_key',
  'service_key_file',
  'service_key_env',
  'url',
  'client',
  'client_url',
  'description',
  'details',
  'images',
  'links',
  'severity',
  'class',
  'component',
  'group',
  'source',
  'http_config',
]);

export interface PagerdutyImage {
  src: CompiledTemplate;
  alt: CompiledTemplate;
  href: CompiledTemplate;
}

export interface PagerdutyLink {
  href: CompiledTemplate;
  text: CompiledTemplate;
}

export interface PagerdutySettings {
  /**
   * Events API v2 integration key: the literal key, or a template when it contains `{{` (as
   * Alertmanager allows). Null when the entry has only an Events API v1 service_key.
   */
  routingKey: string | CompiledTemplate | null;
  /** Why this entry can never send (it is an Events API v1 entry), or null. */
  unsupported: string | null;
  url: string;
  description: CompiledTemplate;
  client: CompiledTemplate;
  clientUrl: CompiledTemplate;
  source: CompiledTemplate;
  /** Null: from the message's severity (critical, warning or info). */
  severity: CompiledTemplate | null;
  class: CompiledTemplate | null;
  component: CompiledTemplate | null;
  group: CompiledTemplate | null;
  /** custom_details, in order: Alertmanager's defaults, then the entry's own. */
  details: Array<{ key: string; template: CompiledTemplate }>;
  images: PagerdutyImage[];
  /** Null when the entry has no `links`: the lead alert's runbook and dashboard are linked. */
  links: PagerdutyLink[] | null;
  http: HttpSettings;
}

function parseList<T>(
  ctx: ParseContext,
  raw: Record<string, unknown>,
  key: string,
  fields: readonly string[],
  build: (t: Record<string, CompiledTemplate>) => T,
): T[] {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    ctx.issue(key, `must be a list of mappings with ${fields.join(', ')}`);
    return [];
  }
  const out: T[] = [];
  for (const [i, item] of v.entries()) {
    const at = `${key}[${i}]`;
    if (!isRecord(item)) {
      ctx.issue(at, `must be a mapping with ${fields.join(', ')}`);
      continue;
    }
    reportUnknownKeys(ctx, item, new Set(fields), key, at);
    const compiled: Record<string, CompiledTemplate> = {};
    let ok = true;
    for (const f of fields) {
      const t = templateOption(ctx, item, f, '', `${at}.${f}`);
      if (t === null) ok = false;
      else compiled[f] = t;
    }
    if (ok) out.push(build(compiled));
  }
  return out;
}

function parseDetails(ctx: ParseContext, raw: unknown): Array<{ key: string; template: CompiledTemplate }> {
  const own = new Map<string, CompiledTemplate>();
  if (raw !== undefined && raw !== null) {
    if (!isRecord(raw)) ctx.issue('details', 'must be a mapping of names to templates');
    else {
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          ctx.issue(`details.${k}`, 'must be a string (a template)');
          continue;
        }
        const t = compileTemplate(ctx, `details.${k}`, String(v));
        if (t !== null) own.set(k, t);
      }
    }
  }
  const out: Array<{ key: string; template: CompiledTemplate }> = [];
  for (const [k, text] of DEFAULT_DETAILS) {
    if (own.has(k)) continue;
    const t = compileTemplate(ctx, `details.${k}`, text);
    if (t !== null) out.push({ key: k, template: t });
  }
  for (const [k, t] of own) out.push({ key: k, template: t });
  return out;
}

/** Alertmanager's dedup key for a group: the hex SHA-256 of the group key (64 characters). */
export function pagerdutyDedupKey(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

/** The forensic details of the firing alerts, one block per alert when there are several. */
function observedStateDetail(firing: NotificationAlert[]): string {
  const withState = firing.map((a) => [a, observedState(a)] as const).filter(([, lines]) => lines.length > 0);
  if (withState.length === 1 && firing.length === 1) return withState[0]![1].join('\n');
  return withState
    .map(([a, lines]) => `${friendlyName(a)}:\n${lines.map((l) => `  ${l}`).join('\n')}`)
    .join('\n');
}

/** Without `links` in the entry: the lead alert's runbook and Sentinel's page for it. */
function defaultLinks(
  lead: NotificationAlert | undefined,
  externalUrl: string,
): Array<{ href: string; text: string }> {
  if (!lead) return [];
  const out: Array<{ href: string; text: string }> = [];
  const runbook = runbookUrl(lead);
  if (runbook !== null && isHttpUrl(runbook)) out.push({ href: runbook, text: 'Runbook' });
  const dashboard = dashboardUrl(lead, externalUrl);
  if (isHttpUrl(dashboard)) out.push({ href: dashboard, text: 'Dashboard' });
  return out;
}

function severityOf(rendered: string | null, data: NotificationData): PagerdutySeverity {
  const v = rendered?.trim().toLowerCase();
  if (v !== undefined && (PAGERDUTY_SEVERITIES as readonly string[]).includes(v))
    return v as PagerdutySeverity;
  // Sentinel's severities are PagerDuty's names too.
  return messageSeverity(data);
}

/**
 * The Events API v2 event for a message, as the JSON body to send, and the routing key in it.
 * Resolved messages resolve the group's PagerDuty alert and carry nothing else. Throws
 * TemplateError when a template fails.
 */
export function pagerdutyEvent(
  settings: PagerdutySettings,
  data: NotificationData,
  now: number,
): { routingKey: string; body: string } {
  const dot: TemplateData = templateData(data);
  const render = (t: CompiledTemplate): string => t.execute(dot);
  const routingKey =
    typeof settings.routingKey === 'string'
      ? settings.routingKey
      : settings.routingKey === null
        ? ''
        : render(settings.routingKey).trim();
  const dedupKey = pagerdutyDedupKey(data.groupKey);
  if (data.status === 'resolved') {
    return {
      routingKey,
      body: JSON.stringify({ routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey }),
    };
  }
  const firing = data.alerts.filter((a) => a.status === 'firing');
  const lead = leadAlert(data);
  const starts = firing.map((a) => Date.parse(a.startsAt)).filter((t) => Number.isFinite(t));
  const timestamp = new Date(starts.length > 0 ? Math.min(...starts) : now).toISOString();

  const customDetails: Record<string, string> = {};
  for (const d of settings.details) customDetails[d.key] = render(d.template);
  const observed = observedStateDetail(firing);
  if (observed !== '' && customDetails.observed_state === undefined) customDetails.observed_state = observed;

  const summary = render(settings.description).trim();
  const source = render(settings.source).trim();
  const payload: Record<string, unknown> = {
    summary: truncate(orHeadline(summary, data), PAGERDUTY_SUMMARY_MAX),
    source: source !== '' ? source : 'Sentinel',
    severity: severityOf(settings.severity ? render(settings.severity) : null, data),
    timestamp,
  };
  for (const key of ['component', 'group', 'class'] as const) {
    const t = settings[key];
    const v = t ? render(t) : '';
    if (v !== '') payload[key] = v;
  }
  payload.custom_details = customDetails;

  const event: Record<string, unknown> = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload,
  };
  const client = render(settings.client);
  if (client !== '') event.client = client;
  const clientUrl = render(settings.clientUrl);
  if (clientUrl !== '') event.client_url = clientUrl;
  const links =
    settings.links === null
      ? defaultLinks(lead, data.externalURL)
      : settings.links
          .map((l) => ({ href: render(l.href), text: render(l.text) }))
          .filter((l) => l.href !== '');
  if (links.length > 0) event.links = links;
  const images = settings.images
    .map((i) => ({ src: render(i.src), alt: render(i.alt), href: render(i.href) }))
    .filter((i) => i.src !== '')
    .map((i) => ({
      src: i.src,
      ...(i.alt !== '' ? { alt: i.alt } : {}),
      ...(i.href !== '' ? { href: i.href } : {}),
    }));
  if (images.length > 0) event.images = images;

  let body = JSON.stringify(event);
  if (Buffer.byteLength(body) > PAGERDUTY_EVENT_MAX_BYTES) {
    payload.custom_details = {
      error: `custom details removed: the event was larger than PagerDuty's limit of ${PAGERDUTY_EVENT_MAX_BYTES} bytes`,
    };
    body = JSON.stringify(event);
  }
  return { routingKey, body };
}

/** PagerDuty's answer to a rejected event: `message: error; error`. */
function describeRejection(status: number, body: string): string {
  const parsed = parseJsonObject(body);
  if (parsed !== null) {
    const message = typeof parsed.message === 'string' ? parsed.message : String(parsed.status ?? '');
    const errors = Array.isArray(parsed.errors) ? parsed.errors.map(String).join('; ') : '';
    const text = [message, errors].filter((s) => s !== '').join(': ');
    if (text !== '') return `PagerDuty rejected the event (HTTP ${status}): ${truncate(text, 500)}`;
  }
  // Not JSON, or nothing in it: say what came back.
  return `PagerDuty rejected the event (HTTP ${status})${body ? `: ${truncate(body, 300)}` : ''}`;
}

export const pagerdutyReceiver: ReceiverDefinition<PagerdutySettings> = {
  configKey: 'pagerduty_configs',
  sendResolvedDefault: true,
  async parse(raw, ctx) {
    reportUnknownKeys(ctx, raw, KNOWN_KEYS, 'pagerduty_configs');
    const routingKeyText = await ctx.secret(raw, 'routing_key');
    const serviceKey = await ctx.secret(raw, 'service_key');
    let routingKey: string | CompiledTemplate | null = null;
    let unsupported: string | null = null;
    let ok = true;
    if (routingKeyText !== null && routingKeyText !== '') {
      if (routingKeyText.includes('{{')) {
        routingKey = compileTemplate(ctx, 'routing_key', routingKeyText);
        if (routingKey === null) ok = false;
      } else {
        routingKey = routingKeyText;
        if (routingKeyText.length !== 32) {
          ctx.warn('routing_key', 'is not 32 characters long, as PagerDuty integration keys are');
        }
      }
      if (secretGiven(raw, 'service_key')) {
        ctx.warn('service_key', 'is ignored: Sentinel sends to Events API v2 with routing_key');
      }
    } else if (serviceKey !== null && serviceKey !== '') {
      unsupported = PAGERDUTY_V1_UNSUPPORTED;
      ctx.warn(
        'service_key',
        'PagerDuty Events API v1 is not supported: the entry loads, but every notification to it fails; use routing_key',
      );
    } else {
      ok = false;
      if (routingKeyText === '' || serviceKey === '') {
        ctx.issue(routingKeyText === '' ? 'routing_key' : 'service_key', 'must not be empty');
      } else if (!secretGiven(raw, 'routing_key') && !secretGiven(raw, 'service_key')) {
        ctx.issue('routing_key', 'one of routing_key, routing_key_file or routing_key_env is required');
      }
      // Otherwise a form was given but could not be read, which ctx.secret has reported.
    }

    let url: string | null = ctx.global.pagerdutyUrl;
    if (raw.url !== undefined) url = checkUrl(raw.url, 'url', ctx);
    if (url === null) ok = false;

    if (typeof raw.severity === 'string' && raw.severity !== '' && !raw.severity.includes('{{')) {
      if (!(PAGERDUTY_SEVERITIES as readonly string[]).includes(raw.severity.trim().toLowerCase())) {
        ctx.issue('severity', `must be one of ${PAGERDUTY_SEVERITIES.join(', ')} (or a template giving one)`);
        ok = false;
      }
    }

    const description = templateOption(ctx, raw, 'description', DEFAULT_DESCRIPTION);
    const client = templateOption(ctx, raw, 'client', DEFAULT_CLIENT);
    const clientUrl = templateOption(ctx, raw, 'client_url', DEFAULT_CLIENT_URL);
    // As Alertmanager: source defaults to the client template.
    const source = isGiven(raw.source) ? templateOption(ctx, raw, 'source', '') : client;
    if (source === null && client !== null) ok = false;
    const severity = optionalTemplate(ctx, raw, 'severity');
    const klass = optionalTemplate(ctx, raw, 'class');
    const component = optionalTemplate(ctx, raw, 'component');
    const group = optionalTemplate(ctx, raw, 'group');
    for (const [k, v] of [
      ['severity', severity],
      ['class', klass],
      ['component', component],
      ['group', group],
    ] as const) {
      if (v === null && isGiven(raw[k])) ok = false;
    }
    const details = parseDetails(ctx, raw.details);
    const images = parseList(ctx, raw, 'images', ['src', 'alt', 'href'], (t) => ({
      src: t.src!,
      alt: t.alt!,
      href: t.href!,
    }));
    const links =
      raw.links === undefined || raw.links === null
        ? null
        : parseList(ctx, raw, 'links', ['href', 'text'], (t) => ({ href: t.href!, text: t.text! }));
    const http = await parseHttpConfig(raw.http_config ?? ctx.global.httpConfig, ctx);

    if (
      !ok ||
      url === null ||
      description === null ||
      client === null ||
      clientUrl === null ||
      source === null
    ) {
      return null;
    }
    return {
      routingKey,
      unsupported,
      url,
      description,
      client,
      clientUrl,
      source,
      severity,
      class: klass,
      component,
      group,
      details,
      images,
      links,
      http,
    };
  },
  create(settings, deps) {
    const post = httpSender(settings.http, deps, (status, text) =>
      status >= 400 && !isRetryableStatus(status)
        ? { outcome: 'permanent', error: describeRejection(status, text), statusCode: status }
        : null,
    );
    return {
      async send(message, signal): Promise<SendResult> {
        if (settings.unsupported !== null) return { outcome: 'permanent', error: settings.unsupported };
        let event: { routingKey: string; body: string };
        try {
          event = pagerdutyEvent(settings, message.data, deps.clock.now());
        } catch (err) {
          return templateFailure(err);
        }
        const body = event.body;
        if (Buffer.byteLength(body) > PAGERDUTY_EVENT_MAX_BYTES) {
          return {
            outcome: 'permanent',
            error: `the PagerDuty event is larger than ${PAGERDUTY_EVENT_MAX_BYTES} bytes even without custom details`,
          };
        }
        if (event.routingKey === '') {
          return { outcome: 'permanent', error: 'the routing_key template rendered an empty key' };
        }
        return post(settings.url, body, signal);
      },
    };
  },
};
