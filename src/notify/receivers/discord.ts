import { templateData, type CompiledTemplate } from '../template/index.js';
import type { NotificationData } from '../types.js';
import {
  isGiven,
  isHttpUrl,
  isRecord,
  optionalTemplate,
  parseJsonObject,
  renderText,
  reportUnknownKeys,
  requiredSecret,
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
  withStatusEmoji,
} from './format.js';
import {
  checkUrl,
  delayMs,
  editError,
  failure,
  httpSender,
  parseHttpConfig,
  scrubSecret,
  type HttpSettings,
} from './http.js';
import type { ParseContext, ReceiverDefinition, SendResult } from './receiver.js';

/*
 * discord_configs: a Discord webhook (https://discord.com/developers/docs/resources/webhook), with
 * Alertmanager's options (webhook_url, title, message, and its later content, username and
 * avatar_url). One embed per message: the title (after the severity mark) and the message
 * templates, then the alerts' forensic details, coloured by severity (green when resolved) and
 * linked to the lead alert's page. Every text is cut to Discord's limits. The webhook URL holds the
 * webhook's token, so it is kept out of every error this receiver reports.
 */

export const DISCORD_TITLE_MAX = 256;
export const DISCORD_DESCRIPTION_MAX = 4096;
export const DISCORD_CONTENT_MAX = 2000;
export const DISCORD_USERNAME_MAX = 80;

/** Embed colours: by the message's severity, green when it is resolved. */
export const DISCORD_COLORS = {
  critical: 0xd32f2f,
  warning: 0xf57c00,
  info: 0x1976d2,
  resolved: 0x2e7d32,
} as const;

const DEFAULT_TITLE = '{{ template "discord.default.title" . }}';
const DEFAULT_MESSAGE = '{{ template "discord.default.message" . }}';

const KNOWN_KEYS = new Set([
  'send_resolved',
  'webhook_url',
  'webhook_url_file',
  'webhook_url_env',
  'title',
  'message',
  'content',
  'username',
  'avatar_url',
  'http_config',
]);

export interface DiscordSettings {
  webhookUrl: string;
  title: CompiledTemplate;
  message: CompiledTemplate;
  /** The text above the embed (where mentions notify); null for none. */
  content: CompiledTemplate | null;
  username: string | null;
  avatarUrl: string | null;
  http: HttpSettings;
}

/** Discord's rules for a webhook's username: 1 to 80 characters, none of the names it reserves. */
function checkUsername(raw: unknown, ctx: ParseContext): string | null | undefined {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string') {
    ctx.issue('username', 'must be a string');
    return undefined;
  }
  const name = raw.trim();
  if (name.length === 0 || name.length > DISCORD_USERNAME_MAX) {
    ctx.issue('username', `must be 1 to ${DISCORD_USERNAME_MAX} characters`);
    return undefined;
  }
  const lower = name.toLowerCase();
  if (lower.includes('discord') || lower.includes('clyde') || lower === 'everyone' || lower === 'here') {
    ctx.issue(
      'username',
      'Discord does not allow "discord", "clyde", "everyone" or "here" in a webhook username',
    );
    return undefined;
  }
  return name;
}

/** Alerts whose forensic details are shown; the rest are counted. */
export const DISCORD_MAX_DETAILED = 10;
/** Room kept in the description for the forensic details at most. */
export const DISCORD_EXTRAS_MAX = 1024;

/**
 * The webhook body for a message: one embed with the title (after the severity mark) and the
 * message, followed by the alerts' forensic details. Throws TemplateError when a template fails.
 */
export function discordPayload(settings: DiscordSettings, data: NotificationData): Record<string, unknown> {
  const dot = templateData(data);
  let title = renderText(settings.title, dot);
  const main = renderText(settings.message, dot);
  const content = settings.content ? truncate(renderText(settings.content, dot), DISCORD_CONTENT_MAX) : '';
  // Discord refuses an empty message: fall back to the headline.
  if (main === '' && content === '') title = orHeadline(title, data);
  if (title !== '') title = truncate(withStatusEmoji(title, data), DISCORD_TITLE_MAX);
  const extras = truncate(forensicText(data, DISCORD_MAX_DETAILED), DISCORD_EXTRAS_MAX);
  const description =
    extras === ''
      ? truncate(main, DISCORD_DESCRIPTION_MAX)
      : main === ''
        ? extras
        : `${truncate(main, DISCORD_DESCRIPTION_MAX - extras.length - 2)}\n\n${extras}`;
  const lead = leadAlert(data);
  const link = lead ? dashboardUrl(lead, data.externalURL) : '';
  const embed: Record<string, unknown> = {};
  if (title !== '') embed.title = title;
  if (description !== '') embed.description = description;
  embed.color = DISCORD_COLORS[messageLevel(data)];
  if (title !== '' && isHttpUrl(link)) embed.url = link;
  const body: Record<string, unknown> = {};
  if (content !== '') body.content = content;
  if (settings.username !== null) body.username = settings.username;
  if (settings.avatarUrl !== null) body.avatar_url = settings.avatarUrl;
  body.embeds = [embed];
  return body;
}

/** Discord's answer to a failed request: its message and code, or the start of the body. */
function classify(status: number, body: string): SendResult | null {
  if (status >= 200 && status < 300) return null;
  const parsed = parseJsonObject(body);
  const message = parsed && typeof parsed.message === 'string' ? parsed.message : null;
  const code = parsed && typeof parsed.code === 'number' ? ` (code ${parsed.code})` : '';
  const details =
    parsed && isRecord(parsed.errors) ? `: ${truncate(JSON.stringify(parsed.errors), 300)}` : '';
  const error =
    message !== null
      ? `Discord: ${message}${code}${details}`
      : `Discord: HTTP ${status}${body ? `: ${truncate(body, 300)}` : ''}`;
  const retryAfterMs = status === 429 ? delayMs(parsed?.retry_after, 's') : undefined;
  // Without Discord's own field, the default classification reads the Retry-After header.
  if (status === 429 && retryAfterMs === undefined) return null;
  return failure(status, error, retryAfterMs);
}

export const discordReceiver: ReceiverDefinition<DiscordSettings> = {
  configKey: 'discord_configs',
  sendResolvedDefault: true,
  async parse(raw, ctx) {
    reportUnknownKeys(ctx, raw, KNOWN_KEYS, 'discord_configs');
    const url = await requiredSecret(ctx, raw, 'webhook_url');
    // checkUrl never quotes the value, which holds the webhook's token.
    const webhookUrl = url === null ? null : checkUrl(url, 'webhook_url', ctx);
    const title = templateOption(ctx, raw, 'title', DEFAULT_TITLE);
    const message = templateOption(ctx, raw, 'message', DEFAULT_MESSAGE);
    // No default: no text above the embed unless configured.
    const content = optionalTemplate(ctx, raw, 'content');
    const username = checkUsername(raw.username, ctx);
    let avatarUrl: string | null | undefined = null;
    if (isGiven(raw.avatar_url)) {
      if (isHttpUrl(raw.avatar_url)) avatarUrl = raw.avatar_url;
      else {
        ctx.issue('avatar_url', 'must be an http:// or https:// URL');
        avatarUrl = undefined;
      }
    }
    const http = await parseHttpConfig(raw.http_config ?? ctx.global.httpConfig, ctx);
    if (
      webhookUrl === null ||
      !title ||
      !message ||
      (content === null && isGiven(raw.content)) ||
      username === undefined ||
      avatarUrl === undefined
    ) {
      return null;
    }
    return { webhookUrl, title, message, content, username, avatarUrl, http };
  },
  create(settings, deps) {
    const post = httpSender(settings.http, deps, classify);
    // redactUrl shows no path; the webhook's token (the path's last part) is scrubbed from whatever else an error may quote.
    const token =
      new URL(settings.webhookUrl).pathname
        .split('/')
        .filter((p) => p !== '')
        .pop() ?? '';
    const scrub = (s: string): string => (token.length >= 8 ? scrubSecret(s, token) : s);
    return {
      async send(message, signal): Promise<SendResult> {
        let body: string;
        try {
          body = JSON.stringify(discordPayload(settings, message.data));
        } catch (err) {
          return templateFailure(err);
        }
        return editError(await post(settings.webhookUrl, body, signal), scrub);
      },
    };
  },
};
