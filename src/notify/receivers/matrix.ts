import { SEVERITIES, type Severity } from '../../alerts/model.js';
import { templateData, type CompiledTemplate } from '../template/index.js';
import type { NotificationData } from '../types.js';
import { parseJsonObject, renderText, reportUnknownKeys, templateFailure, templateOption } from './common.js';
import {
  dashboardLink,
  forensicDetails,
  forensicText,
  messageSeverity,
  SEVERITY_RANK,
  truncate,
  withStatusEmoji,
} from './format.js';
import {
  checkUrl,
  delayMs,
  editError,
  failure,
  httpSender,
  isRetryableStatus,
  parseHttpConfig,
  type HttpSettings,
} from './http.js';
import type { ReceiverDefinition, SendResult } from './receiver.js';

/*
 * matrix_configs (Sentinel's own kind): one m.room.message event per message, sent with the
 * client-server API's PUT /rooms/{roomId}/send/m.room.message/{txnId}. The txnId is the
 * notification's ref, the same on every attempt, so the homeserver turns a retry (after a timeout,
 * or a crash between sending and recording) into the event it already has instead of a duplicate.
 * docs/receivers-chat.md is the user documentation.
 */

export type MatrixMsgtype = 'm.text' | 'm.notice';

export interface MatrixSettings {
  /** Without a trailing slash. */
  homeserver: string;
  accessToken: string;
  roomId: string;
  /** Rooms by message severity; others go to roomId. */
  severityRooms: Partial<Record<Severity, string>>;
  body: CompiledTemplate;
  html: CompiledTemplate;
  msgtype: MatrixMsgtype;
  http: HttpSettings;
}

export interface MatrixContent {
  msgtype: MatrixMsgtype;
  body: string;
  format?: 'org.matrix.custom.html';
  formatted_body?: string;
}

/** Matrix caps a whole event at 65,536 bytes; the content stays well below, leaving room for the envelope. */
const MAX_CONTENT_BYTES = 60_000;

const KNOWN_KEYS = new Set([
  'send_resolved',
  'homeserver',
  'access_token',
  'access_token_file',
  'access_token_env',
  'room_id',
  'severity_rooms',
  'body',
  'html',
  'msgtype',
  'http_config',
]);

/** A room ID ("!opaque:server", or "!opaque" from room version 12); aliases (#name:server) are not IDs. */
function isRoomId(v: unknown): v is string {
  return typeof v === 'string' && /^![^\s]+$/.test(v) && Buffer.byteLength(v) <= 255;
}

const ROOM_ID_HINT =
  'must be a room ID such as !abc:example.org (a room alias such as #ops:example.org is not one)';

/**
 * The severity that picks the room: the most severe firing alert (messageSeverity), and for a
 * resolved message the most severe of its alerts, so a resolution lands where its alert was raised.
 */
export function roomSeverity(data: NotificationData): Severity {
  if (data.alerts.some((a) => a.status === 'firing')) return messageSeverity(data);
  let best: Severity = 'info';
  for (const a of data.alerts) if (SEVERITY_RANK[a.severity] > SEVERITY_RANK[best]) best = a.severity;
  return best;
}

export function roomFor(settings: MatrixSettings, data: NotificationData): string {
  return settings.severityRooms[roomSeverity(data)] ?? settings.roomId;
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Cuts `s` to at most `maxBytes` UTF-8 bytes, never inside a character, ending in "…" when cut. */
function fitBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let end = Math.min(s.length, maxBytes);
  while (end > 0 && Buffer.byteLength(s.slice(0, end)) > maxBytes - 3) end--;
  const c = s.charCodeAt(end - 1);
  if (end > 0 && c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/** Alerts whose forensic details are added after the template's text; the rest are counted. */
export const MATRIX_MAX_DETAILED = 10;

/**
 * What Sentinel adds after the templates' output, as text and HTML: the forensic details
 * (observed_state, at most 5 values and "+N more") of each alert that has them, then a line naming
 * Sentinel with the dashboard link.
 */
function extras(data: NotificationData): { text: string; html: string } {
  const text: string[] = [];
  const html: string[] = [];
  const forensic = forensicText(data, MATRIX_MAX_DETAILED);
  if (forensic !== '') text.push(forensic);
  const { shown, notShown } = forensicDetails(data, MATRIX_MAX_DETAILED);
  for (const d of shown) {
    const items = d.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('\n');
    html.push(`<p>${escapeHtml(d.heading)}</p>\n<ul>\n${items}\n</ul>`);
  }
  if (notShown !== null) html.push(`<p>${escapeHtml(notShown)}</p>`);
  const link = dashboardLink(data);
  text.push(`— Sentinel${link ? ` · Dashboard: ${link}` : ''}`);
  html.push(`<p><em>— Sentinel</em>${link ? ` · <a href="${escapeHtml(link)}">Dashboard</a>` : ''}</p>`);
  return { text: text.join('\n\n'), html: html.join('\n') };
}

/**
 * The event content for one message: the body template's text, starting with the severity emoji,
 * and the html template's output as formatted_body, each followed by Sentinel's extras (forensic
 * details, the dashboard link). Throws TemplateError when a template fails.
 */
export function matrixContent(settings: MatrixSettings, data: NotificationData): MatrixContent {
  const dot = templateData(data);
  const added = extras(data);
  const body = `${withStatusEmoji(renderText(settings.body, dot), data)}\n\n${added.text}`;
  const html = settings.html.executeHtml(dot).trim().toWellFormed();
  const content: MatrixContent = { msgtype: settings.msgtype, body };
  if (html !== '') {
    content.format = 'org.matrix.custom.html';
    content.formatted_body = `${html}\n${added.html}`;
  }
  if (Buffer.byteLength(JSON.stringify(content)) > MAX_CONTENT_BYTES) {
    // HTML cannot be cut safely; the plain body can (JSON escapes may make it longer: cut until it fits).
    delete content.format;
    delete content.formatted_body;
    for (
      let budget = MAX_CONTENT_BYTES / 2;
      Buffer.byteLength(JSON.stringify(content)) > MAX_CONTENT_BYTES;
    ) {
      content.body = fitBytes(content.body, budget);
      budget = Math.floor(budget / 2);
    }
  }
  return content;
}

/**
 * The homeserver's answers: 200 {"event_id"} delivered; 429 M_LIMIT_EXCEEDED retryable after
 * retry_after_ms (else Retry-After, in the shared classification); 5xx retryable; other 4xx
 * (M_UNKNOWN_TOKEN, M_FORBIDDEN, M_NOT_FOUND, M_TOO_LARGE, ...) permanent.
 */
export function matrixCheck(status: number, body: string): SendResult | null {
  if (status >= 200 && status < 300) return { outcome: 'delivered', statusCode: status };
  // Not a Matrix error body (a proxy's page): judge by the status.
  const parsed = parseJsonObject(body) ?? {};
  const errcode = typeof parsed.errcode === 'string' ? parsed.errcode : null;
  const message = typeof parsed.error === 'string' ? truncate(parsed.error, 200) : null;
  const what = [errcode, message].filter((x) => x !== null).join(': ');
  const error = `Matrix answered HTTP ${status}${what === '' ? '' : ` ${what}`}`;
  const retryAfterMs = status === 429 ? delayMs(parsed.retry_after_ms, 'ms') : undefined;
  if (retryAfterMs !== undefined) return failure(status, error, retryAfterMs);
  // 429 without retry_after_ms (Retry-After, then), 408 and 5xx: the shared classification.
  if (isRetryableStatus(status)) return null;
  return failure(status, error);
}

export const matrixReceiver: ReceiverDefinition<MatrixSettings> = {
  configKey: 'matrix_configs',
  sendResolvedDefault: true,
  async parse(raw, ctx) {
    reportUnknownKeys(ctx, raw, KNOWN_KEYS, 'matrix_configs');

    let homeserver: string | null = null;
    const hsRaw = raw.homeserver ?? ctx.global.matrixHomeserver;
    if (hsRaw === undefined || hsRaw === null) {
      ctx.issue('homeserver', 'is required (or global.matrix_homeserver), e.g. https://matrix.example.org');
    } else {
      const checked = checkUrl(hsRaw, 'homeserver', ctx);
      if (checked !== null) {
        const u = new URL(checked);
        if (u.search !== '' || u.hash !== '') ctx.issue('homeserver', 'must not have a query or fragment');
        else if (u.username !== '' || u.password !== '')
          ctx.issue('homeserver', 'must not contain credentials');
        else homeserver = checked.replace(/\/+$/, '');
      }
    }

    const accessToken = (await ctx.secret(raw, 'access_token')) ?? ctx.global.matrixAccessToken;
    if (accessToken === null || accessToken === '') {
      ctx.issue(
        'access_token',
        'one of access_token, access_token_file or access_token_env (or global.matrix_access_token) is required',
      );
    }

    let roomId: string | null = null;
    if (raw.room_id === undefined || raw.room_id === null) ctx.issue('room_id', 'is required');
    else if (!isRoomId(raw.room_id)) ctx.issue('room_id', ROOM_ID_HINT);
    else roomId = raw.room_id;

    const severityRooms: Partial<Record<Severity, string>> = {};
    const sr = raw.severity_rooms;
    if (sr !== undefined && sr !== null) {
      if (typeof sr !== 'object' || Array.isArray(sr)) {
        ctx.issue('severity_rooms', 'must be a mapping of severity (critical, warning, info) to room ID');
      } else {
        for (const [severity, room] of Object.entries(sr as Record<string, unknown>)) {
          if (!(SEVERITIES as readonly string[]).includes(severity))
            ctx.issue(`severity_rooms.${severity}`, `unknown severity; use ${SEVERITIES.join(', ')}`);
          else if (!isRoomId(room)) ctx.issue(`severity_rooms.${severity}`, ROOM_ID_HINT);
          else severityRooms[severity as Severity] = room;
        }
      }
    }

    let msgtype: MatrixMsgtype = 'm.text';
    if (raw.msgtype !== undefined && raw.msgtype !== null) {
      if (raw.msgtype !== 'm.text' && raw.msgtype !== 'm.notice')
        ctx.issue('msgtype', 'must be m.text or m.notice');
      else msgtype = raw.msgtype;
    }

    const body = templateOption(ctx, raw, 'body', '{{ template "matrix.default.body" . }}');
    const html = templateOption(ctx, raw, 'html', '{{ template "matrix.default.html" . }}');
    const http = await parseHttpConfig(raw.http_config ?? ctx.global.httpConfig, ctx);
    if (homeserver === null || accessToken === null || accessToken === '' || roomId === null) return null;
    if (body === null || html === null) return null;
    return { homeserver, accessToken, roomId, severityRooms, body, html, msgtype, http };
  },
  create(settings, deps) {
    const put = httpSender(settings.http, deps, matrixCheck);
    return {
      async send(message, signal) {
        let content: MatrixContent;
        try {
          content = matrixContent(settings, message.data);
        } catch (err) {
          return templateFailure(err, '');
        }
        const room = roomFor(settings, message.data);
        const url =
          `${settings.homeserver}/_matrix/client/v3/rooms/${encodeURIComponent(room)}` +
          `/send/m.room.message/${encodeURIComponent(message.ref)}`;
        const result = await put(url, JSON.stringify(content), signal, {
          method: 'PUT',
          headers: { authorization: `Bearer ${settings.accessToken}` },
        });
        // Name the room (not secret) so an operator knows which one refused.
        return editError(result, (error) => `${error} (room ${room})`);
      },
    };
  },
};
