/**
 * A background loop for long-lived workers (dispatcher, delivery, expiry): runs one pass, then
 * sleeps for the delay the pass asked for (capped by `idleMs`, so work other replicas create is
 * noticed), or until wake(). Passes never overlap; stop() waits for the one in progress. Tests call
 * the pass function directly with a manual clock instead of starting the loop.
 */
export class Loop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private wakeRequested = false;

  constructor(
    /** Returns how long to sleep before the next pass (ms), or null for "until woken or idleMs". */
    private readonly pass: () => Promise<number | null>,
    private readonly idleMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    while (this.running) await this.running;
  }

  /** Makes sure a pass starts within `delayMs` (sooner if already planned so). */
  wakeBy(delayMs: number): void {
    if (this.stopped || this.running || this.immediate) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (this.timer && this.timerAt <= at) return;
    this.schedule(delayMs);
  }

  private timerAt = Infinity;

  /** Runs a pass as soon as possible (after the current one, if any). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (delayMs <= 0) {
      // setTimeout(0) waits at least a millisecond; work that is due now (a message just queued)
      // should not.
      if (!this.immediate)
        this.immediate = setImmediate(() => {
          this.immediate = null;
          this.run();
        });
      return;
    }
    const wait = Math.min(delayMs, this.idleMs);
    this.timerAt = Date.now() + wait;
    this.timer = setTimeout(() => this.run(), wait);
    this.timer.unref();
  }

  private immediate: NodeJS.Immediate | null = null;

  private run(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running || this.stopped) return;
    this.wakeRequested = false;
    let next: number | null = null;
    this.running = this.pass()
      .then((delay) => {
        next = delay;
      })
      .catch((err: unknown) => {
        this.onError(err);
        // After a failure, wait a little before trying again rather than spinning.
        next = Math.min(1000, this.idleMs);
      })
      .finally(() => {
        this.running = null;
        this.schedule(this.wakeRequested ? 0 : (next ?? this.idleMs));
      });
  }
}
