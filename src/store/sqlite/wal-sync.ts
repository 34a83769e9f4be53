import { open, type FileHandle } from 'node:fs/promises';

/**
 * fsync of the WAL file on libuv's thread pool. SQLite's own synchronous=FULL fsyncs inside
 * COMMIT, which on better-sqlite3 blocks the event loop for the whole disk flush; here SQLite
 * commits with synchronous=NORMAL (no fsync) and the caller awaits this sync before it is answered.
 * The guarantee is the same (a transaction is reported committed only once its WAL frames are on
 * disk), but the next transaction can run while the disk flushes, and concurrent callers share one
 * fsync.
 */
export class WalSync {
  private handle: FileHandle | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly walPath: string) {}

  /** Resolves after an fsync that started after this call: it covers every write made before. */
  sync(): Promise<void> {
    if (this.next) return this.next;
    const after = this.running;
    const next = (async () => {
      if (after) await after.catch(() => undefined);
      this.next = null;
      const run = this.fsync();
      this.running = run;
      try {
        await run;
      } finally {
        if (this.running === run) this.running = null;
      }
    })();
    this.next = next;
    return next;
  }

  private async fsync(): Promise<void> {
    if (!this.handle) this.handle = await open(this.walPath, 'r');
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.handle?.close();
    this.handle = null;
  }
}
