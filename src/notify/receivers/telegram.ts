import { templateData, type CompiledTemplate } from '../template/index.js';
import type { NotificationData } from '../types.js';
import {
  isRecord,
  parseJsonObject,
  reportUnknownKeys,
  requiredSecret,
  templateFailure,
  templateOption,
} from './common.js';
import { dashboardLink, forensicText, headline, truncate, withStatusEmoji } from './format.js';
import {
  checkUrl,
  delayMs,
  editError,
  httpSender,
  parseHttpConfig,
  retryable,
  scrubSecret,
  type HttpSettings,
} from './http.js';
import type { ParseContext, ReceiverDefinition, SendResult } from './receiver.js';

/*
 * telegram_configs: the Bot API's sendMessage, with Alertmanager's options and defaults (HTML parse
 * mode, the telegram.default.message template). In HTML mode the template runs in HTML mode: what
 * its actions print (label values, annotations) is escaped, so an alert about `a < b` cannot break
 * the message, while the template's own text may use Telegram's tags. In the Markdown modes the
 * default template's output is escaped as a whole (it has no markup); a template of your own must
 * escape what it prints itself. As the other chat receivers, the text starts with the severity mark
 * and Sentinel adds the alerts' forensic details and the dashboard link after the template's
 * output, escaped for the mode; the whole is cut to 4096 characters without breaking the markup.
 * The bot token is part of every request's URL, so it is kept out of every error reported.
 */

/** Telegram's limit on a message's text (UTF-16 code units after entity parsing; here before, which is stricter). */
export const TELEGRAM_TEXT_MAX = 4096;

export const TELEGRAM_PARSE_MODES = ['HTML', 'MarkdownV2', 'Markdown', ''] as const;
export type TelegramParseMode = (typeof TELEGRAM_PARSE_MODES)[number];

const DEFAULT_MESSAGE = '{{ template "telegram.default.message" . }}';

const KNOWN_KEYS = new Set([
  'send_resolved',
  'api_url',
  'bot_token',
  'bot_token_file',
  'bot_token_env',
  'chat_id',
  'message',
  'parse_mode',
  'disable_notifications',
  'http_config',
]);

export interface TelegramSettings {
  apiUrl: string;
  botToken: string;
  chatId: number;
  message: CompiledTemplate;
  /** The message is Sentinel's default template, whose output Sentinel escapes in the Markdown modes. */
  defaultMessage: boolean;
  parseMode: TelegramParseMode;
  disableNotifications: boolean;
  http: HttpSettings;
}

/** Whether s[i] is the second half of a surrogate pair (cutting before it would split a character). */
function splitsPair(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return i > 0 && c >= 0xdc00 && c <= 0xdfff;
}

const HTML_TOKEN = /<\/?([A-Za-z][A-Za-z0-9-]*)\b[^<>]*>|&(?:[A-Za-z]+|#[0-9]+|#x[0-9A-Fa-f]+);/y;

/**
 * Telegram HTML cut to `max` UTF-16 units: never inside a tag, an entity or a character, "…" at the
 * cut, and the tags still open there closed, so the result stays well-formed if the input was.
 */
export function truncateHtml(s: string, max: number): string {
  if (s.length <= max) return s;
  const open: string[] = [];
  const closers = (): number => open.reduce((n, name) => n + name.length + 3, 0);
  let out = '';
  let i = 0;
  while (i < s.length) {
    HTML_TOKEN.lastIndex = i;
    const m = HTML_TOKEN.exec(s);
    let token: string;
    // How the end tags needed after this token change: +n when it opens a tag, -n when it closes one.
    let delta = 0;
    let effect: (() => void) | null = null;
    if (m) {
      token = m[0];
      const name = (m[1] ?? '').toLowerCase();
      if (name === '') {
        // An entity: one character, never cut.
      } else if (token.startsWith('</')) {
        if (open[open.length - 1] === name) {
          delta = -(name.length + 3);
          effect = () => open.pop();
        }
      } else if (!token.endsWith('/>')) {
        delta = name.length + 3;
        effect = () => open.push(name);
      }
    } else {
      token = s.slice(i, splitsPair(s, i + 1) ? i + 2 : i + 1);
    }
    // Room for this token, the "…" and the end tags needed afterwards.
    if (out.length + token.length + 1 + closers() + delta > max) break;
    out += token;
    effect?.();
    i += token.length;
  }
  return `${out}…${[...open]
    .reverse()
    .map((n) => `</${n}>`)
    .join('')}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const MARKDOWN_V2_SPECIAL = /[_*[\]()~`>#+\-=|{}.!\\]/g;
// Legacy Markdown escapes only these four; a backslash before anything else is shown as it is.
const MARKDOWN_SPECIAL = /[_*`[]/g;

/** Text escaped for a parse mode, so that Telegram shows it as it is. */
export function escapeTelegram(text: string, mode: TelegramParseMode): string {
  if (mode === 'MarkdownV2') return text.replace(MARKDOWN_V2_SPECIAL, (c) => `\\${c}`);
  if (mode === 'Markdown') return text.replace(MARKDOWN_SPECIAL, (c) => `\\${c}`);
  if (mode === 'HTML') return text.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]!);
  return text;
}

/** Escaped Markdown cut to `max` units, never between a backslash and what it escapes. */
function truncateEscaped(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  if (splitsPair(s, end)) end--;
  let slashes = 0;
  while (end - slashes - 1 >= 0 && s[end - slashes - 1] === '\\') slashes++;
  if (slashes % 2 === 1) end--;
  return `${s.slice(0, end)}…`;
}

/** Alerts whose forensic details are shown; the rest are counted. */
export const TELEGRAM_MAX_DETAILED = 10;
/** Room kept for Sentinel's additions (forensic details, dashboard link) at most. */
export const TELEGRAM_EXTRAS_MAX = 1500;

/**
 * What Sentinel adds after the template's output, written for the parse mode: the forensic details
 * (observed_state) of each alert that has them, then a line naming Sentinel with the dashboard link.
 */
function extras(data: NotificationData, mode: TelegramParseMode): string {
  const esc = (t: string): string => escapeTelegram(t, mode);
  const parts: string[] = [];
  // Every mode's escapes are per character, none of them for "\n": escaping the text escapes each line.
  const forensic = forensicText(data, TELEGRAM_MAX_DETAILED);
  if (forensic !== '') parts.push(esc(forensic));
  const link = dashboardLink(data);
  parts.push(
    mode === 'HTML'
      ? `<i>— Sentinel</i>${link ? ` · <a href="${esc(link)}">Dashboard</a>` : ''}`
      : esc(`— Sentinel${link ? ` · Dashboard: ${link}` : ''}`),
  );
  return parts.join('\n\n');
}

/** Cut to `max` in a way that keeps text of `mode` well-formed. */
function truncateFor(mode: TelegramParseMode, s: string, max: number): string {
  if (mode === 'HTML') return truncateHtml(s, max);
  if (mode === 'MarkdownV2' || mode === 'Markdown') return truncateEscaped(s, max);
  return truncate(s, max);
}

/**
 * The text to send for a message: the template's output (escaped as its mode needs), starting with
 * the severity mark, then Sentinel's extras, within Telegram's limit. Throws TemplateError when the
 * template fails.
 */
export function telegramText(settings: TelegramSettings, data: NotificationData): string {
  const dot = templateData(data);
  const mode = settings.parseMode;
  let main: string;
  if (mode === 'HTML') main = settings.message.executeHtml(dot);
  else {
    main = settings.message.execute(dot);
    if (mode !== '' && settings.defaultMessage) main = escapeTelegram(main, mode);
  }
  main = main.trim().toWellFormed();
  // Nothing to show (HTML tags alone show nothing either): the headline instead.
  if ((mode === 'HTML' ? main.replace(/<[^<>]*>/g, '') : main).trim() === '')
    main = escapeTelegram(headline(data), mode);
  main = withStatusEmoji(main, data);
  const added = truncateFor(mode, extras(data, mode), TELEGRAM_EXTRAS_MAX);
  return `${truncateFor(mode, main, TELEGRAM_TEXT_MAX - added.length - 2)}\n\n${added}`;
}

/** The Bot API's answer as a send result; null when the body is not the Bot API's JSON. */
function classify(status: number, body: string): SendResult | null {
  const parsed = parseJsonObject(body);
  if (parsed === null || typeof parsed.ok !== 'boolean') return null;
  if (parsed.ok && status >= 200 && status < 300) return { outcome: 'delivered', statusCode: status };
  const code = typeof parsed.error_code === 'number' ? parsed.error_code : status;
  const description = typeof parsed.description === 'string' ? parsed.description : `HTTP ${status}`;
  const parameters = isRecord(parsed.parameters) ? parsed.parameters : {};
  const error = `Telegram: ${description.length > 300 ? `${description.slice(0, 300)}…` : description}`;
  if (code === 429) return retryable(error, status, delayMs(parameters.retry_after, 's'));
  if (code >= 500 || status >= 500) return retryable(error, status);
  if (typeof parameters.migrate_to_chat_id === 'number') {
    return {
      outcome: 'permanent',
      error: `${error} (the group is now the supergroup with chat_id ${parameters.migrate_to_chat_id})`,
      statusCode: status,
    };
  }
  return { outcome: 'permanent', error, statusCode: status };
}

function parseChatId(raw: unknown, ctx: ParseContext): number | null {
  if (raw === undefined || raw === null || raw === '') {
    ctx.issue('chat_id', 'is required');
    return null;
  }
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n === 0) {
    ctx.issue('chat_id', 'must be the chat’s numeric id, e.g. -1001234567890');
    return null;
  }
  return n;
}

export const telegramReceiver: ReceiverDefinition<TelegramSettings> = {
  configKey: 'telegram_configs',
  sendResolvedDefault: true,
  async parse(raw, ctx) {
    reportUnknownKeys(ctx, raw, KNOWN_KEYS, 'telegram_configs');
    const apiUrl =
      raw.api_url === undefined ? ctx.global.telegramApiUrl : checkUrl(raw.api_url, 'api_url', ctx);
    const botToken = await requiredSecret(ctx, raw, 'bot_token');
    let tokenOk = botToken !== null;
    if (botToken !== null && !/^[0-9]+:[A-Za-z0-9_-]+$/.test(botToken)) {
      // Never quote the value: it is a secret.
      ctx.issue('bot_token', 'is not a Telegram bot token (<bot id>:<secret>, as BotFather gives it)');
      tokenOk = false;
    }
    const chatId = parseChatId(raw.chat_id, ctx);

    const message = templateOption(ctx, raw, 'message', DEFAULT_MESSAGE);

    let parseMode: TelegramParseMode | null = 'HTML';
    if (raw.parse_mode !== undefined && raw.parse_mode !== null) {
      if (
        typeof raw.parse_mode === 'string' &&
        (TELEGRAM_PARSE_MODES as readonly string[]).includes(raw.parse_mode)
      ) {
        parseMode = raw.parse_mode as TelegramParseMode;
      } else {
        ctx.issue('parse_mode', 'must be HTML, MarkdownV2, Markdown or "" (none)');
        parseMode = null;
      }
    }
    let disableNotifications = false;
    if (raw.disable_notifications !== undefined) {
      if (typeof raw.disable_notifications !== 'boolean')
        ctx.issue('disable_notifications', 'must be true or false');
      else disableNotifications = raw.disable_notifications;
    }
    const http = await parseHttpConfig(raw.http_config ?? ctx.global.httpConfig, ctx);
    if (
      apiUrl === null ||
      botToken === null ||
      !tokenOk ||
      chatId === null ||
      message === null ||
      parseMode === null
    ) {
      return null;
    }
    return {
      apiUrl,
      botToken,
      chatId,
      message,
      defaultMessage: typeof raw.message !== 'string',
      parseMode,
      disableNotifications,
      http,
    };
  },
  create(settings, deps) {
    const post = httpSender(settings.http, deps, classify);
    const url = `${settings.apiUrl.replace(/\/+$/, '')}/bot${settings.botToken}/sendMessage`;
    // redactUrl shows no path; the token is scrubbed from whatever else an error may quote.
    const scrub = (s: string): string => scrubSecret(s, settings.botToken);
    return {
      async send(message, signal): Promise<SendResult> {
        let text: string;
        try {
          text = telegramText(settings, message.data);
        } catch (err) {
          return templateFailure(err);
        }
        const body = JSON.stringify({
          chat_id: settings.chatId,
          text,
          ...(settings.parseMode !== '' ? { parse_mode: settings.parseMode } : {}),
          disable_notification: settings.disableNotifications,
          disable_web_page_preview: true,
        });
        return editError(await post(url, body, signal), scrub);
      },
    };
  },
};
