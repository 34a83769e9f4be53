import { request, type Dispatcher } from 'undici';

/**
 * A small client of a running Sentinel's native API (/api/v1), used by the `sentinel alerts ...`
 * commands. Failures come back as two error types the CLI can word differently: the server answered
 * with an error (ApiError) or could not be reached at all (ConnectionError).
 */

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:9097';
const DEFAULT_TIMEOUT_MS = 30_000;

export interface ClientOptions {
  /** Base URL of the server; may include a path prefix when behind a proxy. */
  url: string;
  token?: string;
  timeoutMs?: number;
  /** For tests and custom agents; undici's global dispatcher otherwise. */
  dispatcher?: Dispatcher;
}

/** The fields the CLI shows; the server may send more, which --json prints unchanged. */
export interface AlertSummary {
  ref: string;
  service: string;
  severity: string;
  state: string;
  status: string;
  title: string;
  occurrences: number;
  last_seen_at: string | number | null;
  [field: string]: unknown;
}

export interface ListAlertsQuery {
  service?: string;
  severity?: string;
  state?: string;
  statusIn?: readonly string[];
  windowMinutes?: number;
  limit?: number;
  cursor?: string;
}

export interface ListAlertsResult {
  alerts: AlertSummary[];
  next_cursor: string | null;
}

export interface ClaimRequest {
  owner: string;
  limit?: number;
  lockTtlSeconds?: number;
  windowMinutes?: number;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Array<{ field?: string; code?: string; message?: string }>;

  constructor(status: number, code: string, message: string, details: ApiError['details'] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export class ConnectionError extends Error {
  readonly url: string;

  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot reach Sentinel at ${url}: ${reason}`, options);
    this.name = 'ConnectionError';
    this.url = url;
  }
}

const CONNECTION_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is `sentinel serve` running there? set --url or SENTINEL_URL)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'the server did not answer in time',
  UND_ERR_BODY_TIMEOUT: 'the server did not finish its answer in time',
  UND_ERR_SOCKET: 'the connection failed',
};

export class SentinelClient {
  private readonly base: URL;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher | undefined;

  constructor(opts: ClientOptions) {
    if (!URL.canParse(opts.url) || !/^https?:$/.test(new URL(opts.url).protocol)) {
      throw new ConnectionError(opts.url, 'not an http:// or https:// URL');
    }
    // A trailing slash makes relative paths resolve under a path prefix instead of replacing its last segment.
    this.base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
    this.token = opts.token === '' ? undefined : opts.token;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.dispatcher = opts.dispatcher;
  }

  get url(): string {
    return this.base.toString().replace(/\/$/, '');
  }

  get hasToken(): boolean {
    return this.token !== undefined;
  }

  async listAlerts(q: ListAlertsQuery = {}): Promise<ListAlertsResult> {
    const query: Record<string, string | undefined> = {
      service: q.service,
      severity: q.severity,
      state: q.state,
      status_in: q.statusIn && q.statusIn.length > 0 ? q.statusIn.join(',') : undefined,
      window_minutes: q.windowMinutes?.toString(),
      limit: q.limit?.toString(),
      cursor: q.cursor,
    };
    const body = await this.call('GET', 'api/v1/alerts', query);
    const obj = asObject(body);
    return {
      alerts: asAlerts(obj.alerts),
      next_cursor: typeof obj.next_cursor === 'string' ? obj.next_cursor : null,
    };
  }

  async ackAlert(ref: string, note?: string): Promise<unknown> {
    return this.call('POST', `api/v1/alerts/${encodeURIComponent(ref)}/ack`, {}, { note });
  }

  async claimAlerts(req: ClaimRequest): Promise<{ alerts: AlertSummary[] }> {
    const body = await this.call(
      'POST',
      'api/v1/alerts/claim',
      {},
      {
        owner: req.owner,
        limit: req.limit,
        lock_ttl_seconds: req.lockTtlSeconds,
        window_minutes: req.windowMinutes,
      },
    );
    return { alerts: asAlerts(asObject(body).alerts) };
  }

  /** Runs one evaluation cycle over every check (POST /api/v1/cycles). */
  async runCycle(): Promise<unknown> {
    return asObject(await this.call('POST', 'api/v1/cycles', {}, {})).cycle;
  }

  /** The health report (GET /api/v1/health). */
  async health(): Promise<unknown> {
    return this.call('GET', 'api/v1/health', {});
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string | undefined>,
    body?: Record<string, unknown>,
  ): Promise<unknown> {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';

    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        dispatcher: this.dispatcher,
      });
      text = await res.body.text();
    } catch (err) {
      const code = errorCode(err);
      const reason = CONNECTION_REASONS[code] ?? (err instanceof Error ? err.message : String(err));
      throw new ConnectionError(this.url, reason, { cause: err });
    }

    const parsed = parseJson(text);
    if (res.statusCode >= 200 && res.statusCode < 300) return parsed.ok ? parsed.value : null;
    const error = parsed.ok ? asObject(asObject(parsed.value).error) : {};
    if (typeof error.code === 'string' && typeof error.message === 'string') {
      const details = Array.isArray(error.details) ? (error.details as ApiError['details']) : [];
      throw new ApiError(res.statusCode, error.code, error.message, details);
    }
    // Not our error shape: a proxy in between, or not a Sentinel server at all.
    const snippet = text.trim().slice(0, 200);
    throw new ApiError(res.statusCode, `http_${res.statusCode}`, snippet === '' ? 'no error body' : snippet);
  }
}

function errorCode(err: unknown): string {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string')
    return err.code;
  return '';
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function asAlerts(v: unknown): AlertSummary[] {
  if (!Array.isArray(v))
    throw new ApiError(200, 'invalid_response', 'the server answered without an alerts list');
  return v.filter((a): a is AlertSummary => a !== null && typeof a === 'object');
}
