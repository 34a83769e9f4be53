import type { CapturedRequest } from '../webhook-server.js';
import { FakeService, type Reply } from './common.js';

/*
 * A fake Telegram Bot API (POST /bot<token>/sendMessage) on loopback. It checks what Telegram
 * checks (https://core.telegram.org/bots/api#sendmessage, #formatting-options): the token in the
 * path, that the chat exists, the parse_mode, that the text parses in that mode (HTML: only
 * Telegram's tags, well nested, `<` only in tags; MarkdownV2: reserved characters escaped, entities
 * closed; Markdown: entities closed) and that what remains is 1..4096 characters. Errors come back
 * as Telegram sends them: {ok:false, error_code, description}.
 */

export interface TelegramMessage {
  chat_id: number | string;
  text: string;
  parse_mode?: string;
  disable_notification?: boolean;
  disable_web_page_preview?: boolean;
}

export type ParseResult = { ok: true; text: string } | { ok: false; error: string };

export const TELEGRAM_MAX_TEXT = 4096;
const HTML_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'tg-spoiler',
  'blockquote',
]);
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

const byteOffset = (s: string, i: number): number => Buffer.byteLength(s.slice(0, i));

/** Telegram's HTML style: what the chat would show, or Telegram's "can't parse entities" reason. */
export function parseTelegramHtml(s: string): ParseResult {
  const open: string[] = [];
  let out = '';
  let i = 0;
  const fail = (error: string): ParseResult => ({ ok: false, error });
  while (i < s.length) {
    const c = s[i]!;
    if (c === '&') {
      const m = /&(?:([a-z]+)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/y;
      m.lastIndex = i;
      const e = m.exec(s);
      const cp = e
        ? e[1] !== undefined
          ? NAMED_ENTITIES[e[1]]
          : String.fromCodePoint(Math.min(Number(e[2] !== undefined ? e[2] : `0x${e[3]}`), 0x10ffff))
        : undefined;
      if (e && cp !== undefined) {
        out += cp;
        i += e[0].length;
      } else {
        // Not an entity Telegram knows: the "&" stays as it is.
        out += c;
        i++;
      }
      continue;
    }
    if (c !== '<') {
      out += c;
      i++;
      continue;
    }
    const at = byteOffset(s, i);
    if (s[i + 1] === '/') {
      const end = /<\/([A-Za-z][A-Za-z0-9-]*)\s*>/y;
      end.lastIndex = i;
      const m = end.exec(s);
      if (!m) return fail(`Unclosed end tag at byte offset ${at}`);
      const name = m[1]!.toLowerCase();
      const top = open.pop();
      if (top === undefined) return fail(`Unexpected end tag at byte offset ${at}`);
      if (top !== name)
        return fail(`Unmatched end tag at byte offset ${at}, expected "</${top}>", found "</${name}>"`);
      i += m[0].length;
      continue;
    }
    const nameMatch = /<([A-Za-z][A-Za-z0-9-]*)/y;
    nameMatch.lastIndex = i;
    const n = nameMatch.exec(s);
    if (!n) return fail(`Unsupported start tag "" at byte offset ${at}`);
    const name = n[1]!.toLowerCase();
    if (!HTML_TAGS.has(name)) return fail(`Unsupported start tag "${name}" at byte offset ${at}`);
    const tag = /<[A-Za-z][A-Za-z0-9-]*((?:\s+[A-Za-z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?)*)\s*>/y;
    tag.lastIndex = i;
    const m = tag.exec(s);
    if (!m) return fail(`Unclosed start tag at byte offset ${at}`);
    open.push(name);
    i += m[0].length;
  }
  if (open.length > 0)
    return fail(`Can't find end tag corresponding to start tag "${open[open.length - 1]}"`);
  return { ok: true, text: out };
}

const V2_RESERVED = '_*[]()~`>#+-=|{}.!';

/** Telegram's MarkdownV2 style (reserved characters, entity markers), as far as alerts need it. */
export function parseTelegramMarkdownV2(s: string): ParseResult {
  const stack: Array<{ marker: string; at: number }> = [];
  let out = '';
  let code: '`' | '```' | null = null;
  let codeAt = 0;
  let i = 0;
  const fail = (error: string): ParseResult => ({ ok: false, error });
  const toggle = (marker: string): void => {
    const k = stack.findIndex((e) => e.marker === marker);
    if (k >= 0) stack.splice(k, 1);
    else stack.push({ marker, at: byteOffset(s, i) });
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s.codePointAt(i + 1);
      if (next === undefined || next < 1 || next > 126) {
        return fail(`Character '\\' is reserved and must be escaped with the preceding '\\'`);
      }
      out += s[i + 1];
      i += 2;
      continue;
    }
    if (code !== null) {
      if (s.startsWith(code, i)) {
        i += code.length;
        code = null;
      } else {
        out += c;
        i++;
      }
      continue;
    }
    if (s.startsWith('```', i) || c === '`') {
      code = s.startsWith('```', i) ? '```' : '`';
      codeAt = byteOffset(s, i);
      i += code.length;
      continue;
    }
    if (c === '*' || c === '~') {
      toggle(c);
      i++;
      continue;
    }
    if (c === '_') {
      const m = s[i + 1] === '_' ? '__' : '_';
      toggle(m);
      i += m.length;
      continue;
    }
    if (c === '|' && s[i + 1] === '|') {
      toggle('||');
      i += 2;
      continue;
    }
    if (c === '[') {
      stack.push({ marker: '[', at: byteOffset(s, i) });
      i++;
      continue;
    }
    if (c === ']' && stack[stack.length - 1]?.marker === '[') {
      if (s[i + 1] !== '(')
        return fail(`Character ']' is reserved and must be escaped with the preceding '\\'`);
      let j = i + 2;
      while (j < s.length && s[j] !== ')') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) return fail(`Can't find end of a URL at byte offset ${byteOffset(s, i + 1)}`);
      stack.pop();
      i = j + 1;
      continue;
    }
    if (c === '>' && (i === 0 || s[i - 1] === '\n')) {
      i++;
      continue;
    }
    if (V2_RESERVED.includes(c))
      return fail(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    out += c;
    i++;
  }
  if (code !== null) return fail(`Can't find end of Pre entity at byte offset ${codeAt}`);
  const top = stack[stack.length - 1];
  if (top) return fail(`Can't find end of the entity starting at byte offset ${top.at}`);
  return { ok: true, text: out };
}

/** Telegram's legacy Markdown style: *bold*, _italic_, `code`, ```pre```, [text](url); \ escapes _*`[. */
export function parseTelegramMarkdown(s: string): ParseResult {
  let out = '';
  let i = 0;
  const fail = (start: number): ParseResult => ({
    ok: false,
    error: `Can't find end of the entity starting at byte offset ${byteOffset(s, start)}`,
  });
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\\' && '_*`['.includes(s[i + 1] ?? '')) {
      out += s[i + 1];
      i += 2;
      continue;
    }
    const marker = s.startsWith('```', i) ? '```' : c === '*' || c === '_' || c === '`' ? c : null;
    if (marker !== null) {
      const end = s.indexOf(marker, i + marker.length);
      if (end < 0) return fail(i);
      out += s.slice(i + marker.length, end);
      i = end + marker.length;
      continue;
    }
    if (c === '[') {
      const close = s.indexOf(']', i + 1);
      if (close < 0) return fail(i);
      out += s.slice(i + 1, close);
      i = close + 1;
      if (s[i] === '(') {
        const paren = s.indexOf(')', i);
        if (paren < 0) return fail(i);
        i = paren + 1;
      }
      continue;
    }
    out += c;
    i++;
  }
  return { ok: true, text: out };
}

/** What Telegram would answer to a sendMessage body: the shown text, or its error. */
export function checkSendMessage(body: TelegramMessage, chats: ReadonlySet<string>): ParseResult {
  if (body.chat_id === undefined || !chats.has(String(body.chat_id)))
    return { ok: false, error: 'Bad Request: chat not found' };
  if (typeof body.text !== 'string') return { ok: false, error: 'Bad Request: message text is empty' };
  const mode = body.parse_mode ?? '';
  let parsed: ParseResult;
  if (mode === '') parsed = { ok: true, text: body.text };
  else if (mode === 'HTML') parsed = parseTelegramHtml(body.text);
  else if (mode === 'MarkdownV2') parsed = parseTelegramMarkdownV2(body.text);
  else if (mode === 'Markdown') parsed = parseTelegramMarkdown(body.text);
  else return { ok: false, error: 'Bad Request: unsupported parse_mode' };
  if (!parsed.ok) return { ok: false, error: `Bad Request: can't parse entities: ${parsed.error}` };
  if (parsed.text.trim() === '') return { ok: false, error: 'Bad Request: message text is empty' };
  if (parsed.text.length > TELEGRAM_MAX_TEXT) return { ok: false, error: 'Bad Request: message is too long' };
  return parsed;
}

/** The server's base URL is what a receiver is given as `api_url`. */
export class FakeTelegram extends FakeService {
  /** Messages accepted, with the text the chat shows (after parsing), in order. */
  readonly messages: Array<TelegramMessage & { shown: string }> = [];
  private readonly chats: Set<string>;

  constructor(
    readonly token: string,
    chats: Array<number | string>,
  ) {
    super();
    this.chats = new Set(chats.map(String));
  }

  override reset(): void {
    super.reset();
    this.messages.length = 0;
  }

  protected handle(req: CapturedRequest): Reply {
    const error = (code: number, description: string, extra: Record<string, unknown> = {}) => ({
      status: code,
      body: JSON.stringify({ ok: false, error_code: code, description, ...extra }),
    });
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.path);
    if (!m) return error(404, 'Not Found');
    if (decodeURIComponent(m[1]!) !== this.token) return error(401, 'Unauthorized');
    if (m[2] !== 'sendMessage') return error(404, 'Not Found');
    if (req.method !== 'POST') return error(400, 'Bad Request: method must be POST');
    let body: TelegramMessage;
    try {
      body = JSON.parse(req.body) as TelegramMessage;
    } catch {
      return error(400, 'Bad Request: message text is empty');
    }
    const checked = checkSendMessage(body, this.chats);
    if (!checked.ok) return error(400, checked.error);
    this.messages.push({ ...body, shown: checked.text });
    return {
      status: 200,
      body: JSON.stringify({
        ok: true,
        result: { message_id: this.messages.length, chat: { id: body.chat_id }, date: 0, text: checked.text },
      }),
    };
  }
}
