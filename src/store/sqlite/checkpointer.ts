import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/*
 * WAL checkpoints copy committed pages from the log into the database file. Left to SQLite, the
 * commit that crosses the threshold does it, on the event loop, and every request waits. This runs
 * them on a worker thread with its own connection instead: passive checkpoints never block the
 * writer, and the second core does the copying.
 *
 * The log only restarts from its beginning when a checkpoint has caught up at the moment a write
 * begins, which a checkpoint on another thread rarely hits under constant writes; so the writer
 * keeps a high auto-checkpoint threshold as well. When the log passes it, the writer's own (passive)
 * checkpoint finds nearly everything copied already, finishes quickly, and the log restarts.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export class Checkpointer {
  private worker: Worker | null = null;

  constructor(
    private readonly path: string,
    private readonly intervalMs: number,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    if (this.worker) return;
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, path: this.path, intervalMs: this.intervalMs },
    });
    this.worker.on('message', (m: { error?: string }) => {
      if (m.error) this.onError(m.error);
    });
    this.worker.on('error', (err) => this.onError(String(err)));
    this.worker.unref();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 5000);
      worker.on('message', (m: { stopped?: boolean }) => {
        if (!m.stopped) return;
        clearTimeout(timer);
        void worker.terminate().then(() => resolve());
      });
      worker.postMessage('stop');
    });
  }
}
