import { templateData, type CompiledTemplate } from '../template/index.js';
import type { NotificationData } from '../types.js';
import {
  isGiven,
  isHttpUrl,
  isRecord,
  parseJsonObject,
  renderText,
  reportUnknownKeys,
  secretGiven,
  templateFailure,
  templateOption,
} from './common.js';
import {
  dashboardUrl,
  forensicText,
  leadAlert,
  messageLevel,
  orHeadline,
  truncate,
  type Level,
} from './format.js';
import { checkUrl, failure, httpSender, parseHttpConfig, type HttpSettings } from './http.js';
import type { ParseContext, ReceiverDefinition, SendResult } from './receiver.js';

/*
 * ntfy_configs (Sentinel's own; Alertmanager has no ntfy integration): publishes to an ntfy topic
 * with ntfy's JSON API (POST <server> {topic, title, message, priority, tags, click};
 * https://docs.ntfy.sh/publish/#publish-as-json). Priority and tag (the severity mark as an emoji
 * shortcode) follow the message's severity, resolved messages are quiet, the click action opens the
 * lead alert's page, and the alerts' forensic details follow the message template's output, all
 * within ntfy's 4096-byte message limit (above it ntfy would make an attachment of it, or refuse it).
 */

export const NTFY_DEFAULT_URL = 'https://ntfy.sh';
/** ntfy's default message-size-limit, in UTF-8 bytes. */
export const NTFY_MESSAGE_MAX_BYTES = 4096;
/** Titles are kept to one notification line or so (ntfy has no limit of its own below the message's). */
export const NTFY_TITLE_MAX = 256;
export const NTFY_TOPIC = /^[-_A-Za-z0-9]{1,64}$/;
/** Topic names ntfy reserves for its own pages (its default disallowed-topics). */
export const NTFY_RESERVED_TOPICS = [
  'docs',
  'static',
  'file',
  'app',
  'metrics',
  'account',
  'settings',
  'signup',
  'login',
  'v1',
];

export type NtfyLevel = Level;

export const NTFY_DEFAULT_PRIORITIES: Readonly<Record<NtfyLevel, number>> = {
  critical: 5,
  warning: 4,
  info: 3,
  resolved: 2,
};

/** Emoji shortcodes ntfy shows in front of the title: Sentinel's severity marks 🔴 🟠 🔵 ✅. */
export const NTFY_TAGS: Readonly<Record<NtfyLevel, string>> = {
  critical: 'red_circle',
  warning: 'orange_circle',
  info: 'large_blue_circle',
  resolved: 'white_check_mark',
};

/** Alerts whose forensic details are shown; the rest are counted. */
export const NTFY_MAX_DETAILED = 10;
/** Room kept in the message for the forensic details at most, in bytes. */
export const NTFY_EXTRAS_MAX_BYTES = 1024;

const PRIORITY_NAMES: Record<string, number> = { min: 1, low: 2, default: 3, high: 4, max: 5, urgent: 5 };

const DEFAULT_TITLE = '{{ template "ntfy.default.title" . }}';
const DEFAULT_MESSAGE = '{{ template "ntfy.default.message" . }}';

const KNOWN_KEYS = new Set([
  'send_resolved',
  'url',
  'topic',
  'token',
  'token_file',
  'token_env',
  'title',
  'message',
  'priorities',
  'tags',
  'http_config',
]);

export interface NtfySettings {
  /** The server's base URL; messages are POSTed to it. */
  url: string;
  topic: string;
  title: CompiledTemplate;
  message: CompiledTemplate;
  priorities: Record<NtfyLevel, number>;
  /** Tags added after the severity's. */
  tags: string[];
  /** http_config, with `Authorization: Bearer <token>` when a token is given. */
  http: HttpSettings;
}

/** Cut to `max` UTF-8 bytes with "…", never inside a character. */
export function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  const budget = max - Buffer.byteLength('…');
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > budget) break;
    bytes += n;
    end += ch.length;
  }
  return `${s.slice(0, end)}…`;
}

function parsePriorities(raw: unknown, ctx: ParseContext): Record<NtfyLevel, number> | null {
  const out = { ...NTFY_DEFAULT_PRIORITIES };
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) {
    ctx.issue('priorities', 'must be a mapping of critical, warning, info and resolved to priorities 1..5');
    return null;
  }
  let ok = true;
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in out)) {
      ctx.issue(`priorities.${k}`, 'unknown level: use critical, warning, info or resolved');
      ok = false;
      continue;
    }
    const n =
      typeof v === 'number'
        ? v
        : typeof v === 'string'
          ? (PRIORITY_NAMES[v.toLowerCase()] ?? Number(v))
          : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 5) {
      ctx.issue(`priorities.${k}`, 'must be 1..5 (or min, low, default, high, max)');
      ok = false;
      continue;
    }
    out[k as NtfyLevel] = n;
  }
  return ok ? out : null;
}

function parseTags(raw: unknown, ctx: ParseContext): string[] | null {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((t) => typeof t !== 'string' || t.trim() === '' || t.includes(','))) {
    ctx.issue('tags', 'must be a list of tags (emoji shortcodes or words, without commas)');
    return null;
  }
  return raw.map((t: string) => t.trim());
}

/** The JSON body for a message. Throws TemplateError when a template fails. */
export function ntfyPayload(settings: NtfySettings, data: NotificationData): Record<string, unknown> {
  const dot = templateData(data);
  const level = messageLevel(data);
  const title = truncate(renderText(settings.title, dot), NTFY_TITLE_MAX);
  // ntfy would publish "triggered" for an empty message.
  const main = orHeadline(renderText(settings.message, dot), data);
  const extras = truncateBytes(forensicText(data, NTFY_MAX_DETAILED), NTFY_EXTRAS_MAX_BYTES);
  const message =
    extras === ''
      ? truncateBytes(main, NTFY_MESSAGE_MAX_BYTES)
      : `${truncateBytes(main, NTFY_MESSAGE_MAX_BYTES - Buffer.byteLength(extras) - 2)}\n\n${extras}`;
  const lead = leadAlert(data);
  const click = lead ? dashboardUrl(lead, data.externalURL) : '';
  return {
    topic: settings.topic,
    ...(title !== '' ? { title } : {}),
    message,
    priority: settings.priorities[level],
    tags: [NTFY_TAGS[level], ...settings.tags],
    ...(isHttpUrl(click) ? { click } : {}),
  };
}

/** ntfy's error body {code, http, error}, as a result; null for the default classification. */
function classify(status: number, body: string): SendResult | null {
  if (status >= 200 && status < 300) return null;
  const parsed = parseJsonObject(body);
  // 429: the default classification, which reads Retry-After.
  if (parsed === null || typeof parsed.error !== 'string' || status === 429) return null;
  const error = `ntfy: ${truncate(parsed.error, 300)}${typeof parsed.code === 'number' ? ` (code ${parsed.code})` : ''}`;
  return failure(status, error);
}

export const ntfyReceiver: ReceiverDefinition<NtfySettings> = {
  configKey: 'ntfy_configs',
  sendResolvedDefault: true,
  async parse(raw, ctx) {
    reportUnknownKeys(ctx, raw, KNOWN_KEYS, 'ntfy_configs');
    const url = raw.url === undefined ? NTFY_DEFAULT_URL : checkUrl(raw.url, 'url', ctx);
    let topic: string | null = null;
    if (!isGiven(raw.topic)) ctx.issue('topic', 'is required');
    else if (typeof raw.topic !== 'string' || !NTFY_TOPIC.test(raw.topic)) {
      ctx.issue('topic', 'must be 1 to 64 letters, digits, - or _');
    } else if (NTFY_RESERVED_TOPICS.includes(raw.topic)) {
      ctx.issue('topic', `"${raw.topic}" is reserved by ntfy`);
    } else topic = raw.topic;
    const token = await ctx.secret(raw, 'token');
    const ownHttp = isRecord(raw.http_config) ? raw.http_config : null;
    const authInHttp =
      ownHttp !== null &&
      ['basic_auth', 'authorization', 'bearer_token', 'bearer_token_file'].some(
        (k) => ownHttp[k] !== undefined,
      );
    if (token !== null && authInHttp)
      ctx.issue('token', 'give either token or authentication in http_config, not both');
    const title = templateOption(ctx, raw, 'title', DEFAULT_TITLE);
    const message = templateOption(ctx, raw, 'message', DEFAULT_MESSAGE);
    const priorities = parsePriorities(raw.priorities, ctx);
    const tags = parseTags(raw.tags, ctx);
    const http = await parseHttpConfig(raw.http_config ?? ctx.global.httpConfig, ctx);
    if (token !== null) http.headers.authorization = `Bearer ${token}`;
    const tokenGiven = secretGiven(raw, 'token');
    if (
      url === null ||
      topic === null ||
      title === null ||
      message === null ||
      priorities === null ||
      tags === null
    )
      return null;
    if ((tokenGiven && token === null) || (token !== null && authInHttp)) return null;
    return { url, topic, title, message, priorities, tags, http };
  },
  create(settings, deps) {
    const post = httpSender(settings.http, deps, classify);
    return {
      async send(message, signal): Promise<SendResult> {
        let body: string;
        try {
          body = JSON.stringify(ntfyPayload(settings, message.data));
        } catch (err) {
          return templateFailure(err);
        }
        return post(settings.url, body, signal);
      },
    };
  },
};
