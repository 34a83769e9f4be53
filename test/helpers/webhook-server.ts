import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds (performance.now()) when the request finished arriving. */
  at: number;
}

/**
 * A real HTTP server on loopback that records what receivers send. `respond` decides each answer
 * (default 200); tests switch it to simulate outages.
 */
export class CaptureServer {
  readonly requests: CapturedRequest[] = [];
  respond: (req: CapturedRequest) => { status: number; body?: string; headers?: Record<string, string> } =
    () => ({
      status: 200,
    });
  private server: Server | null = null;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const captured: CapturedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: performance.now(),
        };
        const answer = this.respond(captured);
        if (answer.status >= 200 && answer.status < 300) this.requests.push(captured);
        else this.rejected.push(captured);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        res.end(answer.body ?? '{}');
        this.waiters = this.waiters.filter((w) => {
          if (this.requests.length >= w.n) {
            w.resolve();
            return false;
          }
          return true;
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Requests answered with a non-2xx status. */
  readonly rejected: CapturedRequest[] = [];

  /** JSON bodies of the accepted requests. */
  bodies<T = Record<string, unknown>>(): T[] {
    return this.requests.map((r) => JSON.parse(r.body) as T);
  }

  /** Resolves once `n` requests have been accepted. */
  waitFor(n: number): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
