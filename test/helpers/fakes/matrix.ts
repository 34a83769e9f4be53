import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { CaptureServer } from '../webhook-server.js';
import { isRecord, mediaType } from './common.js';

/*
 * A fake Matrix homeserver on loopback, real HTTP, implementing what the client-server API says
 * about PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}: bearer-token
 * authentication (401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN), room membership (403 M_FORBIDDEN), the
 * m.room.message content schema (400 M_BAD_JSON / M_NOT_JSON), the event size limit (413
 * M_TOO_LARGE), and transaction idempotency: a PUT repeating the (access token, txnId) of an earlier
 * one answers that request's event_id and stores nothing new.
 */

export interface MatrixEvent {
  eventId: string;
  roomId: string;
  sender: string;
  type: string;
  txnId: string;
  content: Record<string, unknown>;
}

export interface MatrixRequest {
  method: string;
  /** The raw request target, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  answer: Record<string, unknown>;
}

export interface MatrixFailure {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /**
   * Handle the request first (storing its event) and answer the failure instead of its result, as
   * when a proxy times out after the homeserver did the work: the client cannot tell it succeeded.
   */
  afterProcessing?: boolean;
}

/** RFC 3986 pchar: what may appear unencoded in a path segment. */
const PCHARS = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/;
const MAX_EVENT_BYTES = 65_536;

type Answer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

function error(
  status: number,
  errcode: string,
  message: string,
  extra: Record<string, unknown> = {},
): Answer {
  return { status, body: { errcode, error: message, ...extra } };
}

export class FakeMatrix {
  readonly requests: MatrixRequest[] = [];
  readonly failures: MatrixFailure[] = [];
  private readonly users = new Map<string, string>(); // token -> user id
  private readonly members = new Map<string, Set<string>>(); // room id -> user ids
  private readonly events = new Map<string, MatrixEvent[]>(); // room id -> events
  private readonly transactions = new Map<string, string>(); // token \0 txnId -> event id
  private readonly server = new CaptureServer();

  constructor() {
    this.server.respond = ({ method, path, headers, body }) => {
      const answer = this.handle(method, path, headers, body);
      this.requests.push({ method, path, headers, body, status: answer.status, answer: answer.body });
      return { status: answer.status, body: JSON.stringify(answer.body), headers: answer.headers ?? {} };
    };
  }

  /** Starts the homeserver; returns its base URL. */
  start(): Promise<string> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Registers a user with an access token. */
  addUser(userId: string, token: string): void {
    this.users.set(token, userId);
  }

  /** Creates the room if needed and joins the user to it. */
  join(roomId: string, userId: string): void {
    const set = this.members.get(roomId) ?? new Set<string>();
    set.add(userId);
    this.members.set(roomId, set);
    if (!this.events.has(roomId)) this.events.set(roomId, []);
  }

  /** The events stored in a room, oldest first. */
  eventsIn(roomId: string): MatrixEvent[] {
    return [...(this.events.get(roomId) ?? [])];
  }

  /** Queues an answer (429 with retry_after_ms, 500, ...) for the next request, before any check (see afterProcessing). */
  failNext(failure: MatrixFailure): void {
    this.failures.push(failure);
  }

  private handle(method: string, target: string, headers: IncomingHttpHeaders, body: string): Answer {
    const queued = this.failures.shift();
    if (queued) {
      if (queued.afterProcessing) this.process(method, target, headers, body);
      return {
        status: queued.status,
        body: queued.body,
        ...(queued.headers ? { headers: queued.headers } : {}),
      };
    }
    return this.process(method, target, headers, body);
  }

  private process(method: string, target: string, headers: IncomingHttpHeaders, body: string): Answer {
    const [rawPath, query = ''] = target.split('?', 2) as [string, string?];
    const segments = rawPath!.split('/');
    // ['', '_matrix', 'client', 'v3', 'rooms', roomId, 'send', eventType, txnId]
    if (
      segments.length !== 9 ||
      segments[1] !== '_matrix' ||
      segments[2] !== 'client' ||
      segments[3] !== 'v3' ||
      segments[4] !== 'rooms' ||
      segments[6] !== 'send'
    ) {
      return error(404, 'M_UNRECOGNIZED', 'Unrecognized request');
    }
    if (method !== 'PUT') return error(405, 'M_UNRECOGNIZED', 'Unrecognized request');
    const [, , , , , rawRoom, , rawType, rawTxn] = segments as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (![rawRoom, rawType, rawTxn].every((s) => PCHARS.test(s)))
      return error(400, 'M_INVALID_PARAM', 'Path parameters must be percent-encoded');
    let roomId: string;
    let eventType: string;
    let txnId: string;
    try {
      roomId = decodeURIComponent(rawRoom);
      eventType = decodeURIComponent(rawType);
      txnId = decodeURIComponent(rawTxn);
    } catch {
      return error(400, 'M_INVALID_PARAM', 'Malformed percent-encoding');
    }
    if (!/^![^\s]+$/.test(roomId)) return error(400, 'M_INVALID_PARAM', `${roomId} is not a valid room ID`);

    const auth = headers.authorization;
    const fromQuery = new URLSearchParams(query).get('access_token');
    let token: string | null = null;
    if (typeof auth === 'string' && /^Bearer /.test(auth)) token = auth.slice('Bearer '.length);
    else if (fromQuery !== null) token = fromQuery;
    if (token === null || token === '') return error(401, 'M_MISSING_TOKEN', 'Missing access token');
    const user = this.users.get(token);
    if (user === undefined)
      return error(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.', { soft_logout: false });

    const txnKey = `${token}\u0000${txnId}`;
    const earlier = this.transactions.get(txnKey);
    if (earlier !== undefined) return { status: 200, body: { event_id: earlier } };

    if (!this.members.get(roomId)?.has(user))
      return error(403, 'M_FORBIDDEN', `User ${user} not in room ${roomId}`);

    if (mediaType(headers) !== 'application/json') return error(400, 'M_NOT_JSON', 'Content not JSON.');
    let content: unknown;
    try {
      content = JSON.parse(body);
    } catch {
      return error(400, 'M_NOT_JSON', 'Content not JSON.');
    }
    if (!isRecord(content)) return error(400, 'M_BAD_JSON', 'Content must be a JSON object.');
    const c = content;
    if (eventType === 'm.room.message') {
      if (typeof c.msgtype !== 'string')
        return error(400, 'M_BAD_JSON', "'msgtype' not in content or not a string");
      if (typeof c.body !== 'string')
        return error(400, 'M_BAD_JSON', "'body' not in content or not a string");
      if (c.format !== undefined || c.formatted_body !== undefined) {
        if (c.format !== 'org.matrix.custom.html')
          return error(400, 'M_BAD_JSON', "'format' must be org.matrix.custom.html");
        if (typeof c.formatted_body !== 'string')
          return error(400, 'M_BAD_JSON', "'formatted_body' must be a string when 'format' is given");
      }
    }
    const eventId = `$${randomBytes(16).toString('base64url')}`;
    const event: MatrixEvent = { eventId, roomId, sender: user, type: eventType, txnId, content: c };
    // The event as the homeserver would store it (content, plus the envelope it adds).
    const size = Buffer.byteLength(
      JSON.stringify({ ...event, origin_server_ts: Date.now(), unsigned: {}, signatures: {}, hashes: {} }),
    );
    if (size > MAX_EVENT_BYTES) return error(413, 'M_TOO_LARGE', 'Event too large');
    this.transactions.set(txnKey, eventId);
    this.events.get(roomId)!.push(event);
    return { status: 200, body: { event_id: eventId } };
  }
}
