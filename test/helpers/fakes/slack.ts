import type { IncomingHttpHeaders } from 'node:http';
import { CaptureServer } from '../webhook-server.js';
import { isRecord, mediaType } from './common.js';

/*
 * A fake Slack incoming-webhook endpoint on loopback, real HTTP. It answers as Slack documents
 * (https://api.slack.com/messaging/webhooks#handling_errors): "ok" with 200, otherwise a plain-text
 * error code with a 4xx (invalid_payload, invalid_blocks, no_text, no_service, channel_not_found,
 * channel_is_archived, invalid_token) or a 429/5xx. Payloads are checked against Block Kit's rules
 * and limits the way Slack rejects them.
 */

export interface SlackRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  answer: string;
}

export interface SlackAccepted {
  path: string;
  /** The channel it went to: the payload's channel override, else the webhook's default. */
  channel: string;
  payload: Record<string, unknown>;
}

export interface SlackFailure {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export const BLOCK_KIT_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  blockId: 255,
  messageText: 40_000,
} as const;

type Json = Record<string, unknown>;

/** Whether a string holds an unpaired UTF-16 surrogate (Slack rejects invalid UTF-8). */
function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Checks a text object; returns the problem or null. */
function checkText(t: unknown, where: string, max: number, types: readonly string[]): string | null {
  if (!isRecord(t)) return `${where}: must be a text object`;
  if (!types.includes(t.type as string)) return `${where}.type: must be one of ${types.join(', ')}`;
  for (const k of Object.keys(t)) {
    if (!['type', 'text', 'emoji', 'verbatim'].includes(k)) return `${where}.${k}: unknown field`;
  }
  if (typeof t.text !== 'string') return `${where}.text: must be a string`;
  if (t.text.trim().length === 0) return `${where}.text: must be more than 0 characters`;
  if (t.text.length > max) return `${where}.text: must be less than ${max + 1} characters`;
  if (hasLoneSurrogate(t.text)) return `${where}.text: invalid characters`;
  if (t.emoji !== undefined && (t.type !== 'plain_text' || typeof t.emoji !== 'boolean'))
    return `${where}.emoji: only a boolean, only on plain_text`;
  if (t.verbatim !== undefined && (t.type !== 'mrkdwn' || typeof t.verbatim !== 'boolean'))
    return `${where}.verbatim: only a boolean, only on mrkdwn`;
  return null;
}

function only(block: Json, keys: string[], where: string): string | null {
  for (const k of Object.keys(block)) if (!keys.includes(k)) return `${where}.${k}: unknown field`;
  return null;
}

/** Block Kit validation of a `blocks` array; the problem, or null when Slack would accept it. */
export function validateBlocks(blocks: unknown): string | null {
  if (!Array.isArray(blocks)) return 'blocks: must be an array';
  if (blocks.length > BLOCK_KIT_LIMITS.blocks)
    return `blocks: no more than ${BLOCK_KIT_LIMITS.blocks} items allowed`;
  const ids = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    const at = `blocks[${i}]`;
    if (!isRecord(block)) return `${at}: must be an object`;
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== 'string' || block.block_id.length > BLOCK_KIT_LIMITS.blockId)
        return `${at}.block_id: must be a string of at most ${BLOCK_KIT_LIMITS.blockId} characters`;
      if (ids.has(block.block_id)) return `${at}.block_id: duplicate`;
      ids.add(block.block_id);
    }
    let problem: string | null;
    switch (block.type) {
      case 'header':
        problem =
          only(block, ['type', 'text', 'block_id'], at) ??
          checkText(block.text, `${at}.text`, BLOCK_KIT_LIMITS.headerText, ['plain_text']);
        break;
      case 'section': {
        problem = only(block, ['type', 'text', 'fields', 'block_id', 'accessory', 'expand'], at);
        if (problem) break;
        if (block.text === undefined && block.fields === undefined) {
          problem = `${at}: must have text or fields`;
          break;
        }
        if (block.text !== undefined)
          problem = checkText(block.text, `${at}.text`, BLOCK_KIT_LIMITS.sectionText, [
            'plain_text',
            'mrkdwn',
          ]);
        if (problem || block.fields === undefined) break;
        if (
          !Array.isArray(block.fields) ||
          block.fields.length === 0 ||
          block.fields.length > BLOCK_KIT_LIMITS.sectionFields
        ) {
          problem = `${at}.fields: must be 1 to ${BLOCK_KIT_LIMITS.sectionFields} text objects`;
          break;
        }
        for (const [j, f] of block.fields.entries()) {
          problem = checkText(f, `${at}.fields[${j}]`, BLOCK_KIT_LIMITS.fieldText, ['plain_text', 'mrkdwn']);
          if (problem) break;
        }
        break;
      }
      case 'context': {
        problem = only(block, ['type', 'elements', 'block_id'], at);
        if (problem) break;
        if (!Array.isArray(block.elements) || block.elements.length === 0) {
          problem = `${at}.elements: must be a non-empty array`;
          break;
        }
        if (block.elements.length > BLOCK_KIT_LIMITS.contextElements) {
          problem = `${at}.elements: no more than ${BLOCK_KIT_LIMITS.contextElements} items allowed`;
          break;
        }
        for (const [j, el] of block.elements.entries()) {
          if (isRecord(el) && el.type === 'image') {
            if (typeof el.image_url !== 'string' || typeof el.alt_text !== 'string')
              problem = `${at}.elements[${j}]: an image needs image_url and alt_text`;
          } else {
            problem = checkText(el, `${at}.elements[${j}]`, BLOCK_KIT_LIMITS.contextText, [
              'plain_text',
              'mrkdwn',
            ]);
          }
          if (problem) break;
        }
        break;
      }
      case 'divider':
        problem = only(block, ['type', 'block_id'], at);
        break;
      default:
        problem = `${at}.type: unsupported block type ${JSON.stringify(block.type)}`;
    }
    if (problem) return problem;
  }
  return null;
}

/**
 * The whole incoming-webhook payload: the error code Slack would answer with 400 and the reason, or
 * null when it would post it.
 */
export function validateSlackPayload(payload: unknown): { error: string; reason: string } | null {
  if (!isRecord(payload)) return { error: 'invalid_payload', reason: 'not a JSON object' };
  for (const k of ['text', 'channel', 'username', 'icon_emoji', 'icon_url'] as const) {
    if (payload[k] !== undefined && typeof payload[k] !== 'string')
      return { error: 'invalid_payload', reason: `${k}: must be a string` };
  }
  if (payload.link_names !== undefined && typeof payload.link_names !== 'boolean' && payload.link_names !== 1)
    return { error: 'invalid_payload', reason: 'link_names: must be a boolean' };
  const text = payload.text as string | undefined;
  if (text !== undefined && (text.length > BLOCK_KIT_LIMITS.messageText || hasLoneSurrogate(text)))
    return { error: 'invalid_payload', reason: 'text: too long or invalid characters' };
  if (payload.blocks === undefined && payload.attachments === undefined && (text ?? '').trim() === '')
    return { error: 'no_text', reason: 'no text, blocks or attachments' };
  if (payload.blocks !== undefined) {
    const problem = validateBlocks(payload.blocks);
    if (problem) return { error: 'invalid_blocks', reason: problem };
  }
  return null;
}

/**
 * One webhook per registered path (`addWebhook`), each posting to its default channel. `failNext`
 * queues answers (429 with Retry-After, 500, ...) for the next requests; `channels` lists the
 * channels that exist (any name when null), `archived` those that are archived.
 */
export class FakeSlack {
  readonly requests: SlackRequest[] = [];
  readonly accepted: SlackAccepted[] = [];
  readonly failures: SlackFailure[] = [];
  channels: Set<string> | null = null;
  readonly archived = new Set<string>();
  private readonly webhooks = new Map<string, { channel: string; revoked: boolean }>();
  private readonly server = new CaptureServer();
  private base = '';

  constructor() {
    this.server.respond = ({ method, path, headers, body }) => {
      const answer = this.handle(method, path, headers, body);
      this.requests.push({ method, path, headers, body, status: answer.status, answer: answer.body });
      return { ...answer, headers: { 'content-type': 'text/html', ...(answer.headers ?? {}) } };
    };
  }

  /** Starts the server; returns its base URL. */
  async start(): Promise<string> {
    this.base = await this.server.start();
    return this.base;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Registers an incoming webhook; returns its full URL. */
  addWebhook(path = '/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX', channel = '#alerts'): string {
    if (!/^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/.test(path))
      throw new Error(`not a webhook path: ${path}`);
    this.webhooks.set(path, { channel, revoked: false });
    return `${this.base}${path}`;
  }

  /** Revokes a webhook: Slack then answers 403 invalid_token. */
  revoke(path: string): void {
    const hook = this.webhooks.get(path);
    if (hook) hook.revoked = true;
  }

  /** Queues an answer for the next request (before any validation). */
  failNext(failure: SlackFailure): void {
    this.failures.push(failure);
  }

  private handle(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: string,
  ): { status: number; body: string; headers?: Record<string, string> } {
    const queued = this.failures.shift();
    if (queued) return queued;
    const path = url.split('?')[0]!;
    const hook = this.webhooks.get(path);
    if (!hook) return { status: 404, body: 'no_service' };
    if (hook.revoked) return { status: 403, body: 'invalid_token' };
    if (method !== 'POST') return { status: 405, body: 'invalid_request' };
    if (mediaType(headers) !== 'application/json') return { status: 400, body: 'invalid_payload' };
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return { status: 400, body: 'invalid_payload' };
    }
    const problem = validateSlackPayload(payload);
    if (problem) return { status: 400, body: problem.error };
    const p = payload as Json;
    const channel = typeof p.channel === 'string' && p.channel !== '' ? p.channel : hook.channel;
    if (this.channels !== null && !this.channels.has(channel))
      return { status: 404, body: 'channel_not_found' };
    if (this.archived.has(channel)) return { status: 410, body: 'channel_is_archived' };
    this.accepted.push({ path, channel, payload: p });
    return { status: 200, body: 'ok' };
  }
}
