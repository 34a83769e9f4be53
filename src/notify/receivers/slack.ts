import { templateData, type CompiledTemplate } from '../template/index.js';
import type { NotificationAlert, NotificationData } from '../types.js';
import { parseJsonObject, renderText, reportUnknownKeys, templateFailure, templateOption } from './common.js';
import { alertDetails, alertLine, orHeadline, truncate, withStatusEmoji } from './format.js';
import {
  checkUrl,
  editError,
  httpSender,
  isRetryableStatus,
  parseHttpConfig,
  redactUrl,
  type HttpSettings,
} from './http.js';
import type { ReceiverDefinition, SendResult } from './receiver.js';

/*
 * slack_configs: Alertmanager's keys (an incoming webhook URL, or chat.postMessage with a bearer
 * token in http_config), but the message is Block Kit instead of a legacy attachment: a header with
 * the severity emoji and the title, the rendered text, then one section per alert (friendly name,
 * burst count, forensic details) with its runbook and dashboard links. Every Block Kit limit is
 * respected by construction, whatever the labels and annotations contain. docs/receivers-chat.md
 * is the user documentation.
 */

/** Slack's Block Kit limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  contextElements: 10,
  /** Slack truncates longer message text; it recommends at most 4,000 characters. */
  messageText: 4000,
} as const;

/** Alerts shown with their own blocks; the rest are counted in a "+N more alerts" line. */
export const SLACK_MAX_ALERTS = 10;

export interface SlackTemplates {
  title: CompiledTemplate;
  titleLink: CompiledTemplate;
  pretext: CompiledTemplate;
  text: CompiledTemplate;
  fallback: CompiledTemplate;
  footer: CompiledTemplate;
  channel: CompiledTemplate;
  username: CompiledTemplate;
  iconEmoji: CompiledTemplate;
  iconUrl: CompiledTemplate;
}

export interface SlackSettings {
  apiUrl: string;
  http: HttpSettings;
  templates: SlackTemplates;
  linkNames: boolean;
  /** Whether pretext and text are rendered as mrkdwn (mrkdwn_in), else as plain_text. */
  mrkdwn: { pretext: boolean; text: boolean };
}

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text: SlackText }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  channel?: string;
  username?: string;
  icon_emoji?: string;
  icon_url?: string;
  link_names?: boolean;
  blocks: SlackBlock[];
}

/** Template options and their defaults, as Alertmanager's DefaultSlackConfig. */
const TEMPLATE_DEFAULTS: Record<keyof SlackTemplates, [key: string, text: string]> = {
  title: ['title', '{{ template "slack.default.title" . }}'],
  titleLink: ['title_link', '{{ template "slack.default.titlelink" . }}'],
  pretext: ['pretext', '{{ template "slack.default.pretext" . }}'],
  text: ['text', '{{ template "slack.default.text" . }}'],
  fallback: ['fallback', '{{ template "slack.default.fallback" . }}'],
  footer: ['footer', '{{ template "slack.default.footer" . }}'],
  channel: ['channel', ''],
  username: ['username', '{{ template "slack.default.username" . }}'],
  iconEmoji: ['icon_emoji', '{{ template "slack.default.iconemoji" . }}'],
  iconUrl: ['icon_url', '{{ template "slack.default.iconurl" . }}'],
};

/** Alertmanager options Block Kit messages have no place for: accepted, with a warning. */
const IGNORED_KEYS: Record<string, string> = {
  color: 'Block Kit messages have no colour bar',
  callback_id: 'Sentinel sends no interactive attachments',
  fields: 'Sentinel renders its own per-alert sections instead of attachment fields',
  short_fields: 'Sentinel renders its own per-alert sections instead of attachment fields',
  actions: 'Sentinel sends no interactive buttons',
  image_url: 'Sentinel sends no images',
  thumb_url: 'Sentinel sends no images',
};

const KNOWN_KEYS = new Set([
  'send_resolved',
  'api_url',
  'api_url_file',
  'api_url_env',
  'http_config',
  'link_names',
  'mrkdwn_in',
  ...Object.values(TEMPLATE_DEFAULTS).map(([key]) => key),
  ...Object.keys(IGNORED_KEYS),
]);

// ---- text helpers ---------------------------------------------------------------------------------

/** Escapes the three characters mrkdwn gives a meaning to (links, mentions). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `s` in at most `max` UTF-16 code units, ending in "…" when cut; never cut inside a surrogate pair
 * (a lone surrogate is not valid text), nor, when `entities`, inside an &amp;-style escape.
 */
export function fit(text: string, max: number, entities = false): string {
  const s = text.toWellFormed();
  if (s.length <= max) return s;
  let cut = Math.max(0, max - 1);
  const before = s.charCodeAt(cut - 1);
  if (cut > 0 && before >= 0xd800 && before <= 0xdbff) cut--;
  if (entities) {
    const amp = s.lastIndexOf('&', cut - 1);
    if (amp >= 0 && amp >= cut - 4 && s.indexOf(';', amp) >= cut) cut = amp;
  }
  return `${s.slice(0, cut)}…`;
}

/** A mrkdwn link for an http(s) URL, else the label and the escaped text. */
function link(url: string, label: string): string {
  if (/^https?:\/\/\S+$/i.test(url) && url.length <= 2000) {
    const safe = url.replace(/[<>|]/g, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');
    return `<${safe}|${label}>`;
  }
  return `${label}: ${escapeMrkdwn(truncate(url, 300))}`;
}

function mrkdwn(text: string): SlackText {
  return { type: 'mrkdwn', text: fit(text, SLACK_LIMITS.sectionText, true) };
}

function textObject(text: string, asMrkdwn: boolean): SlackText {
  return asMrkdwn
    ? mrkdwn(text)
    : { type: 'plain_text', text: fit(text, SLACK_LIMITS.sectionText), emoji: true };
}

// ---- the message ----------------------------------------------------------------------------------

function alertBlocks(a: NotificationAlert, data: NotificationData): SlackBlock[] {
  const { summary, observed, runbook, dashboard } = alertDetails(a, data.externalURL);
  const lines = [`*${escapeMrkdwn(truncate(alertLine(a), 300))}*`];
  if (summary !== null) lines.push(escapeMrkdwn(truncate(summary, 500)));
  for (const line of observed) lines.push(`• ${escapeMrkdwn(line)}`);
  const blocks: SlackBlock[] = [{ type: 'section', text: mrkdwn(lines.join('\n')) }];
  const links: SlackText[] = [];
  if (runbook !== null) links.push(mrkdwn(`📖 ${link(runbook, 'Runbook')}`));
  if (dashboard !== null) links.push(mrkdwn(`📊 ${link(dashboard, 'Dashboard')}`));
  if (links.length > 0) blocks.push({ type: 'context', elements: links });
  return blocks;
}

/** The JSON body Sentinel posts for one message. Throws TemplateError when a template fails. */
export function slackMessage(settings: SlackSettings, data: NotificationData): SlackMessage {
  const dot = templateData(data);
  const t = settings.templates;
  const render = (tpl: CompiledTemplate): string => renderText(tpl, dot);

  const blocks: SlackBlock[] = [];
  const pretext = render(t.pretext);
  if (pretext !== '') blocks.push({ type: 'section', text: textObject(pretext, settings.mrkdwn.pretext) });

  const title = withStatusEmoji(orHeadline(render(t.title).replace(/\s+/g, ' '), data), data);
  blocks.push({
    type: 'header',
    text: { type: 'plain_text', text: fit(title, SLACK_LIMITS.headerText), emoji: true },
  });

  const text = render(t.text);
  if (text !== '') blocks.push({ type: 'section', text: textObject(text, settings.mrkdwn.text) });

  const shown = data.alerts.slice(0, SLACK_MAX_ALERTS);
  if (shown.length > 0) blocks.push({ type: 'divider' });
  for (const a of shown) blocks.push(...alertBlocks(a, data));
  const hidden = data.alerts.length - shown.length + data.truncatedAlerts;
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`+${hidden} more alert${hidden === 1 ? '' : 's'}`)],
    });
  }

  const footer: SlackText[] = [];
  const footerText = render(t.footer);
  if (footerText !== '') footer.push(mrkdwn(footerText));
  const titleLink = render(t.titleLink);
  if (/^https?:\/\//i.test(titleLink)) footer.push(mrkdwn(`🔗 ${link(titleLink, 'Details')}`));
  if (footer.length > 0) blocks.push({ type: 'context', elements: footer });

  const fallback = orHeadline(render(t.fallback), data);
  const message: SlackMessage = { text: fit(fallback, SLACK_LIMITS.messageText), blocks: [] };
  const channel = render(t.channel);
  if (channel !== '') message.channel = channel;
  const username = render(t.username);
  if (username !== '') message.username = username;
  const iconEmoji = render(t.iconEmoji);
  if (iconEmoji !== '') message.icon_emoji = iconEmoji;
  const iconUrl = render(t.iconUrl);
  if (iconUrl !== '') message.icon_url = iconUrl;
  if (settings.linkNames) message.link_names = true;
  // Fewer than 50 blocks by construction (at most 26), but keep the promise explicit.
  message.blocks = blocks.slice(0, SLACK_LIMITS.blocks);
  return message;
}

// ---- responses ------------------------------------------------------------------------------------

/** Errors of Slack's Web API (chat.postMessage answers 200 {"ok": false}) worth trying again. */
const RETRYABLE_API_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * Slack's answers: incoming webhooks say "ok" (200) or an error code as plain text with a 4xx
 * (invalid_payload, channel_not_found, ...); the Web API says {"ok": false, "error": "..."} with a 200.
 * 429, 408 and 5xx are left to the shared classification (retryable, with Retry-After).
 */
export function slackCheck(status: number, body: string): SendResult | null {
  const trimmed = body.trim();
  // Not JSON (a webhook's plain text): judge by the status.
  const parsed = parseJsonObject(trimmed);
  let apiError: string | null = null;
  if (parsed?.ok === false) apiError = typeof parsed.error === 'string' ? parsed.error : 'unknown_error';
  if (status >= 200 && status < 300) {
    if (apiError === null) return { outcome: 'delivered', statusCode: status };
    const error = `Slack answered ${apiError}`;
    return RETRYABLE_API_ERRORS.has(apiError)
      ? { outcome: 'retryable', error, statusCode: status }
      : { outcome: 'permanent', error, statusCode: status };
  }
  if (isRetryableStatus(status)) return null;
  const reason = apiError ?? (trimmed === '' ? 'no error text' : truncate(trimmed, 200));
  return { outcome: 'permanent', error: `Slack answered HTTP ${status}: ${reason}`, statusCode: status };
}

// ---- the definition -------------------------------------------------------------------------------

export const slackReceiver: ReceiverDefinition<SlackSettings> = {
  configKey: 'slack_configs',
  sendResolvedDefault: false,
  async parse(raw, ctx) {
    reportUnknownKeys(ctx, raw, KNOWN_KEYS, 'slack_configs');
    for (const [key, why] of Object.entries(IGNORED_KEYS)) {
      if (raw[key] !== undefined && raw[key] !== null) ctx.warn(key, `is ignored: ${why}`);
    }
    for (const key of ['fields', 'actions']) {
      if (raw[key] !== undefined && raw[key] !== null && !Array.isArray(raw[key]))
        ctx.issue(key, 'must be a list');
    }
    for (const key of ['short_fields', 'link_names']) {
      if (raw[key] !== undefined && raw[key] !== null && typeof raw[key] !== 'boolean')
        ctx.issue(key, 'must be true or false');
    }

    const fromEntry = await ctx.secret(raw, 'api_url');
    const apiUrlRaw = fromEntry ?? ctx.global.slackApiUrl;
    let apiUrl: string | null = null;
    if (apiUrlRaw === null) {
      ctx.issue(
        'api_url',
        'one of api_url, api_url_file or api_url_env (or global.slack_api_url) is required',
      );
    } else if (fromEntry !== null) {
      apiUrl = checkUrl(apiUrlRaw, 'api_url', ctx);
    } else if (URL.canParse(apiUrlRaw) && /^https?:$/.test(new URL(apiUrlRaw).protocol)) {
      apiUrl = apiUrlRaw;
    } else {
      ctx.issue('api_url', 'not given, and global.slack_api_url is not an http:// or https:// URL');
    }

    const mrkdwnIn = raw.mrkdwn_in;
    let mrkdwn = { pretext: true, text: true };
    if (mrkdwnIn !== undefined && mrkdwnIn !== null) {
      if (!Array.isArray(mrkdwnIn) || mrkdwnIn.some((x) => typeof x !== 'string')) {
        ctx.issue('mrkdwn_in', 'must be a list of field names such as text or pretext');
      } else if (mrkdwnIn.length > 0) {
        mrkdwn = { pretext: mrkdwnIn.includes('pretext'), text: mrkdwnIn.includes('text') };
      }
    }

    const templates: Partial<SlackTemplates> = {};
    let templatesOk = true;
    for (const [name, [key, fallback]] of Object.entries(TEMPLATE_DEFAULTS) as Array<
      [keyof SlackTemplates, [string, string]]
    >) {
      const compiled = templateOption(ctx, raw, key, fallback);
      if (compiled === null) templatesOk = false;
      else templates[name] = compiled;
    }

    const http = await parseHttpConfig(raw.http_config ?? ctx.global.httpConfig, ctx);
    if (apiUrl === null || !templatesOk) return null;
    return {
      apiUrl,
      http,
      templates: templates as SlackTemplates,
      linkNames: raw.link_names === true,
      mrkdwn,
    };
  },
  create(settings, deps) {
    const post = httpSender(settings.http, deps, slackCheck);
    const redacted = redactUrl(settings.apiUrl);
    // A webhook URL's path is its credential: name Slack instead of even the redacted URL.
    const unnamed = (error: string): string =>
      error.startsWith(redacted) ? `Slack${error.slice(redacted.length)}` : error;
    return {
      async send(message, signal) {
        let body: string;
        try {
          body = JSON.stringify(slackMessage(settings, message.data));
        } catch (err) {
          return templateFailure(err, '');
        }
        const result = await post(settings.apiUrl, body, signal, {
          headers: { 'content-type': 'application/json; charset=utf-8' },
        });
        return editError(result, unnamed);
      },
    };
  },
};
