import type { CapturedRequest } from '../webhook-server.js';
import { FakeService, isRecord, type Reply } from './common.js';

/*
 * A fake ntfy server (JSON publishing: POST / {topic, title, message, priority, tags, click}) on
 * loopback. It checks what ntfy checks (https://docs.ntfy.sh/publish/#publish-as-json): the body
 * is message JSON, the topic's name ([-_A-Za-z0-9]{1,64}, not a reserved one), the priority
 * (1..5), tags and click, the message's size (4096 bytes, ntfy's default limit, with attachments
 * disabled), and access to protected topics: 403 without credentials, 401 with wrong ones. Errors
 * come back as ntfy sends them: {code, http, error}.
 */

export interface NtfyMessage {
  topic: string;
  title?: string;
  message?: string;
  priority?: number;
  tags?: string[];
  click?: string;
}

/** What opens a protected topic: an access token (Bearer) or a user's name and password (Basic). */
export type NtfyCredentials = { token: string } | { username: string; password: string };

export const NTFY_MAX_MESSAGE_BYTES = 4096;
const RESERVED = new Set([
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
]);

/** ntfy's error for a message body ({code, http, error}), or null when it would publish it. */
export function ntfyMessageError(body: unknown): { code: number; http: number; error: string } | null {
  const bad = (code: number, error: string, http = 400) => ({ code, http, error });
  if (!isRecord(body)) return bad(40017, 'invalid request: request body must be message JSON');
  const { topic, title, message, priority, tags, click } = body;
  if (typeof topic !== 'string' || !/^[-_A-Za-z0-9]{1,64}$/.test(topic))
    return bad(40009, 'invalid request: topic invalid');
  if (RESERVED.has(topic)) return bad(40010, 'invalid request: topic name is disallowed');
  if (title !== undefined && typeof title !== 'string')
    return bad(40017, 'invalid request: request body must be message JSON');
  if (message !== undefined && typeof message !== 'string')
    return bad(40017, 'invalid request: request body must be message JSON');
  if (
    priority !== undefined &&
    (!Number.isInteger(priority) || (priority as number) < 1 || (priority as number) > 5)
  ) {
    return bad(40007, 'invalid priority parameter');
  }
  if (tags !== undefined && (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))) {
    return bad(40017, 'invalid request: request body must be message JSON');
  }
  if (click !== undefined && (typeof click !== 'string' || !URL.canParse(click))) {
    return bad(40017, 'invalid request: request body must be message JSON');
  }
  if (typeof message === 'string' && Buffer.byteLength(message) > NTFY_MAX_MESSAGE_BYTES) {
    return bad(40014, 'invalid request: attachments not allowed');
  }
  return null;
}

/** The server's base URL is what a receiver is given as `url`. */
export class FakeNtfy extends FakeService {
  /** `protectedTopics`: topics only these credentials may publish to. */
  constructor(readonly protectedTopics: Record<string, NtfyCredentials> = {}) {
    super();
  }

  /** Messages published, in order. */
  messages(): NtfyMessage[] {
    return this.server.bodies<NtfyMessage>();
  }

  protected handle(req: CapturedRequest): Reply {
    const answer = (e: { code: number; http: number; error: string }) => ({
      status: e.http,
      body: JSON.stringify(e),
    });
    if (req.path !== '/' || (req.method !== 'POST' && req.method !== 'PUT')) {
      return answer({ code: 40401, http: 404, error: 'page not found' });
    }
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return answer({ code: 40017, http: 400, error: 'invalid request: request body must be message JSON' });
    }
    const invalid = ntfyMessageError(body);
    if (invalid) return answer(invalid);
    const m = body as NtfyMessage;
    const auth = req.headers.authorization;
    const needed = this.protectedTopics[m.topic];
    if (needed) {
      if (auth === undefined) return answer({ code: 40301, http: 403, error: 'forbidden' });
      const expected =
        'token' in needed
          ? `Bearer ${needed.token}`
          : `Basic ${Buffer.from(`${needed.username}:${needed.password}`).toString('base64')}`;
      if (auth !== expected) return answer({ code: 40101, http: 401, error: 'unauthorized' });
    }
    return {
      status: 200,
      body: JSON.stringify({
        id: `msg${this.server.requests.length + 1}`,
        time: 0,
        event: 'message',
        topic: m.topic,
        ...(m.title !== undefined ? { title: m.title } : {}),
        message: m.message ?? 'triggered',
        ...(m.priority !== undefined ? { priority: m.priority } : {}),
        ...(m.tags !== undefined ? { tags: m.tags } : {}),
        ...(m.click !== undefined ? { click: m.click } : {}),
      }),
    };
  }
}
