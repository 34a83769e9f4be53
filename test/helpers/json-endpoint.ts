import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP endpoint on loopback answering 200 with whatever JSON `body` the test currently sets. */
export class JsonEndpoint {
  body: unknown = {};
  requests = 0;
  private server: Server | null = null;

  /** Starts listening; returns the base URL (http://127.0.0.1:PORT). */
  async start(): Promise<string> {
    this.server = createServer((_req, res) => {
      this.requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
