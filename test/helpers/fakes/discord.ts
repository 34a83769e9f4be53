import type { CapturedRequest } from '../webhook-server.js';
import { FakeService, isRecord, type Reply } from './common.js';

/*
 * A fake Discord webhook (POST /api/webhooks/<id>/<token>) on loopback. It checks what Discord
 * checks (https://discord.com/developers/docs/resources/message#embed-object-embed-limits): the
 * webhook's id and token, JSON, a non-empty message, content <= 2000, at most 10 embeds, title
 * <= 256, description <= 4096, all embeds together <= 6000, colour 0..0xFFFFFF, http(s) URLs,
 * the username's rules; 400 {code: 50035, message: 'Invalid Form Body', errors} when exceeded,
 * 204 (or 200 with ?wait=true) when accepted.
 */

export interface DiscordEmbed {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  footer?: { text: string };
  author?: { name: string };
  fields?: Array<{ name: string; value: string }>;
}

export interface DiscordWebhookBody {
  content?: string;
  username?: string;
  avatar_url?: string;
  embeds?: DiscordEmbed[];
}

const chars = (s: string): number => [...s].length;

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string' || !URL.canParse(v)) return false;
  const p = new URL(v).protocol;
  return p === 'http:' || p === 'https:';
}

/** Discord's form errors for a webhook body: {path: [message]}; {} when Discord would accept it. */
export function discordBodyErrors(body: unknown): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const add = (path: string, message: string): void => {
    (errors[path] ??= []).push(message);
  };
  if (!isRecord(body)) {
    add('_', 'Body must be a JSON object.');
    return errors;
  }
  const { content, username, avatar_url: avatarUrl, embeds } = body;
  if (content !== undefined && content !== null) {
    if (typeof content !== 'string') add('content', 'Must be a string.');
    else if (chars(content) > 2000) add('content', 'Must be 2000 or fewer in length.');
  }
  if (username !== undefined && username !== null) {
    if (typeof username !== 'string' || chars(username) < 1 || chars(username) > 80) {
      add('username', 'Must be between 1 and 80 in length.');
    } else if (/discord|clyde/i.test(username) || /^(everyone|here)$/i.test(username)) {
      add('username', 'Username cannot contain "discord", "clyde", "everyone" or "here".');
    }
  }
  if (avatarUrl !== undefined && avatarUrl !== null && !isHttpUrl(avatarUrl))
    add('avatar_url', 'Not a well formed URL.');
  let total = 0;
  if (embeds !== undefined && embeds !== null) {
    if (!Array.isArray(embeds)) add('embeds', 'Must be an array.');
    else {
      if (embeds.length > 10) add('embeds', 'Must be 10 or fewer in length.');
      embeds.forEach((e: unknown, i) => {
        if (!isRecord(e)) return add(`embeds.${i}`, 'Must be an object.');
        const text = (key: string, max: number): void => {
          const v = e[key];
          if (v === undefined || v === null) return;
          if (typeof v !== 'string') return add(`embeds.${i}.${key}`, 'Must be a string.');
          if (chars(v) > max) add(`embeds.${i}.${key}`, `Must be ${max} or fewer in length.`);
          total += chars(v);
        };
        text('title', 256);
        text('description', 4096);
        if (e.url !== undefined && !isHttpUrl(e.url))
          add(`embeds.${i}.url`, 'Scheme must be one of (http, https).');
        if (
          e.color !== undefined &&
          (!Number.isInteger(e.color) || (e.color as number) < 0 || (e.color as number) > 0xffffff)
        ) {
          add(`embeds.${i}.color`, 'Int value should be less than or equal to 16777215.');
        }
        if (isRecord(e.footer) && typeof e.footer.text === 'string') total += chars(e.footer.text);
        if (isRecord(e.author) && typeof e.author.name === 'string') total += chars(e.author.name);
        if (Array.isArray(e.fields)) {
          for (const f of e.fields as unknown[]) {
            if (isRecord(f)) total += chars(String(f.name ?? '')) + chars(String(f.value ?? ''));
          }
        }
      });
      if (total > 6000) add('embeds', 'Embed size exceeds maximum size of 6000');
    }
  }
  return errors;
}

/** Whether Discord would call the message empty (nothing to show). */
function isEmpty(body: DiscordWebhookBody): boolean {
  const hasContent = typeof body.content === 'string' && body.content.trim() !== '';
  const hasEmbed = (body.embeds ?? []).some(
    (e) =>
      (e.title ?? '').trim() !== '' || (e.description ?? '').trim() !== '' || (e.fields ?? []).length > 0,
  );
  return !hasContent && !hasEmbed;
}

export class FakeDiscord extends FakeService {
  constructor(
    readonly id = '1234567890123456789',
    readonly token = 'wH-Token_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV',
  ) {
    super();
  }

  /** The webhook's URL (give it as `webhook_url`). */
  override get url(): string {
    return `${this.base}/api/webhooks/${this.id}/${this.token}`;
  }

  /** Bodies accepted, in order. */
  messages(): DiscordWebhookBody[] {
    return this.server.bodies<DiscordWebhookBody>();
  }

  protected handle(req: CapturedRequest): Reply {
    const answer = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });
    const u = new URL(req.path, 'http://x');
    const m = /^\/api\/webhooks\/([^/]+)\/([^/]+)$/.exec(u.pathname);
    if (!m || m[1] !== this.id) return answer(404, { message: 'Unknown Webhook', code: 10015 });
    if (m[2] !== this.token) return answer(401, { message: 'Invalid Webhook Token', code: 50027 });
    if (req.method !== 'POST') return answer(405, { message: '405: Method Not Allowed', code: 0 });
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return answer(400, { message: 'Cannot send an empty message', code: 50006 });
    }
    let body: DiscordWebhookBody;
    try {
      body = JSON.parse(req.body) as DiscordWebhookBody;
    } catch {
      return answer(400, { message: 'The request body contains invalid JSON.', code: 50109 });
    }
    const errors = discordBodyErrors(body);
    if (Object.keys(errors).length > 0) {
      const nested: Record<string, unknown> = {};
      for (const [path, messages] of Object.entries(errors)) {
        nested[path] = { _errors: messages.map((message) => ({ code: 'BASE_TYPE_INVALID', message })) };
      }
      return answer(400, { code: 50035, message: 'Invalid Form Body', errors: nested });
    }
    if (isEmpty(body)) return answer(400, { message: 'Cannot send an empty message', code: 50006 });
    if (u.searchParams.get('wait') === 'true') {
      return answer(200, {
        id: String(this.server.requests.length + 1),
        content: body.content ?? '',
        embeds: body.embeds ?? [],
      });
    }
    return { status: 204, body: '' };
  }
}
