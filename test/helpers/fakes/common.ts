import type { IncomingHttpHeaders } from 'node:http';
import { CaptureServer, type CapturedRequest } from '../webhook-server.js';

/*
 * What the fake services have in common: a real HTTP server on loopback (CaptureServer), answers
 * a test queues ahead of what the service would say (a 429, a 500), and a reset between tests.
 * Each fake says what its service checks and answers; see its own file.
 */

/** An answer queued with answerNext; its body is sent as JSON. */
export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An answer as CaptureServer sends it. */
export type Reply = ReturnType<CaptureServer['respond']>;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The request's media type (`application/json`), without parameters, lower case. */
export function mediaType(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * A fake service whose answers come from `handle` (what the real service would answer), unless a
 * test queued some with answerNext. What arrives is in `server.requests` (answered 2xx) and
 * `server.rejected` (the others).
 */
export abstract class FakeService {
  readonly server = new CaptureServer();
  /** The server's base URL once started, e.g. http://127.0.0.1:40123. */
  protected base = '';
  private queued: FakeAnswer[] = [];

  constructor() {
    this.server.respond = (req) => {
      const next = this.queued.shift();
      if (next) {
        return { status: next.status, body: JSON.stringify(next.body ?? {}), headers: next.headers ?? {} };
      }
      return this.handle(req);
    };
  }

  /** What a receiver is configured with: the server's base URL, unless the service says otherwise. */
  get url(): string {
    return this.base;
  }

  /** Starts the server; returns `url`. */
  async start(): Promise<string> {
    this.base = await this.server.start();
    return this.url;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** The next requests get these answers, in order, whatever they contain (e.g. 429, 500). */
  answerNext(...answers: FakeAnswer[]): void {
    this.queued.push(...answers);
  }

  /** Forgets what arrived and what was queued, so that each test starts afresh. */
  reset(): void {
    this.server.requests.length = 0;
    this.server.rejected.length = 0;
    this.queued = [];
  }

  /** The service's answer to a request. */
  protected abstract handle(req: CapturedRequest): Reply;
}
