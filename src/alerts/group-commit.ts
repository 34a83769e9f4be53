/**
 * Group commit: concurrent requests queue their writes and one transaction commits them together,
 * then every request is answered. A commit per request costs one fsync each; batching makes the
 * durable path fast under load while adding no wait when idle (a lone request is flushed on the next
 * turn of the event loop, not after a timer).
 *
 * While a batch is being committed, new work accumulates and becomes the next batch, so batch size
 * adapts to load by itself. Up to `maxInFlight` batches may be committing at once: a store whose
 * commit ends with a wait for the disk (fsync) lets the next batch write meanwhile. A failed commit
 * fails every request in that batch and nothing of it is stored (one transaction), so a caller
 * never sees a 2xx for data that is not committed.
 */
export class GroupCommitter<TItem, TResult> {
  private queue: Array<{
    items: readonly TItem[];
    resolve: (r: TResult[]) => void;
    reject: (e: unknown) => void;
  }> = [];
  private queuedItems = 0;
  private inFlight = 0;
  private scheduled = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};
  private isIdle = true;

  constructor(
    private readonly commit: (items: TItem[]) => Promise<TResult[]>,
    private readonly maxBatch: number,
    private readonly maxInFlight = 1,
  ) {}

  submit(items: readonly TItem[]): Promise<TResult[]> {
    if (this.stopped) return Promise.reject(new Error('group committer is stopped'));
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<TResult[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queuedItems += items.length;
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far has been committed or failed; then refuses new work. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.inFlight > 0 || this.queue.length > 0 || this.scheduled) await this.idle;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    if (this.isIdle) {
      this.isIdle = false;
      this.idle = new Promise((r) => (this.markIdle = r));
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      // Take whole requests up to maxBatch items (a single larger request still goes alone).
      const batch: typeof this.queue = [];
      let count = 0;
      while (this.queue.length > 0 && (count === 0 || count + this.queue[0]!.items.length <= this.maxBatch)) {
        const next = this.queue.shift()!;
        batch.push(next);
        count += next.items.length;
      }
      this.queuedItems -= count;
      const items: TItem[] = [];
      for (const b of batch) for (const it of b.items) items.push(it);
      this.inFlight++;
      this.commit(items)
        .then(
          (results) => {
            let offset = 0;
            for (const b of batch) {
              b.resolve(results.slice(offset, offset + b.items.length));
              offset += b.items.length;
            }
          },
          (err: unknown) => {
            for (const b of batch) b.reject(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          if (this.queue.length > 0) this.schedule();
          else if (this.inFlight === 0 && !this.scheduled) {
            this.isIdle = true;
            this.markIdle();
          }
        });
    }
  }

  /** Items waiting for a commit (for metrics). */
  get pending(): number {
    return this.queuedItems;
  }
}
