import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { AttemptOutcome, IntegrationState, Notification } from './model.js';
import type { Receiver, SendResult } from './receivers/receiver.js';

/*
 * Delivery from the outbox. Each integration's messages go out one at a time in the order they were
 * queued: a worker takes the integration's lease (so one replica sends for it at a time), marks the
 * oldest unfinished message `sending` (committed before the send, so a crash mid-send is retried with
 * the same idempotency key), sends it, and records the attempt with the outcome. A failed message
 * holds back the ones behind it until it is delivered, fails permanently or is declared dead: that
 * is what keeps a receiver that was down from getting its backlog out of order.
 */

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
}

export interface DeliveryOptions {
  store: Store;
  clock: Clock;
  /** The receiver for an integration key, from the current configuration (null: no longer configured). */
  receiver: (integration: string) => Receiver | null;
  /** Identifies this process in integration leases. */
  owner: string;
  leaseMs?: number;
  /** Read at every retry, so a reload applies to messages already queued. */
  backoff?: () => Partial<BackoffOptions>;
  /** Messages not delivered within this age are declared dead (read at every attempt). */
  deadLetterAfterMs: () => number;
  /** Integrations sent to in parallel. */
  concurrency?: number;
  random?: () => number;
  onAttempt?: (n: Notification, outcome: AttemptOutcome, latencyMs: number) => void;
  /** Awaited, so what it writes (the dead-letter alert) is in the store when the pass ends. */
  onDead?: (n: Notification) => Promise<void>;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 10_000, jitter: 0.2 };

/** The delay before attempt `attempt + 1` after `attempt` failed attempts. */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, attempt - 1));
  const jittered = base * (1 - opts.jitter + 2 * opts.jitter * random());
  // A server that says when to come back is believed, within the maximum delay.
  const floor = retryAfterMs !== undefined ? Math.min(retryAfterMs, opts.maxMs) : 0;
  return Math.round(Math.max(jittered, floor));
}

export interface DeliveryPassResult {
  attempts: number;
  /** Milliseconds until the next message is due, or null when the outbox is empty. */
  nextInMs: number | null;
}

export class DeliveryWorker {
  private readonly leaseMs: number;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly abort = new AbortController();
  /** Integrations being drained in this process, and those asked for again meanwhile. */
  private readonly active = new Map<string, Promise<number>>();
  private readonly again = new Set<string>();

  constructor(private readonly opts: DeliveryOptions) {
    // Taken before every send and renewed while one runs (see drain): a replica that dies holds its
    // integrations back for at most this long.
    this.leaseMs = opts.leaseMs ?? 15_000;
    this.random = opts.random ?? Math.random;
    this.concurrency = opts.concurrency ?? 8;
  }

  /** Aborts sends in flight (shutdown); their messages stay `sending` and are retried on restart. */
  abortSends(): void {
    this.abort.abort();
  }

  /** Sends everything that is due now, integration by integration. */
  async deliverDue(): Promise<DeliveryPassResult> {
    const now = this.opts.clock.now();
    const stats = await this.opts.store.notify.queueStats();
    const due = stats
      .filter((s) => s.nextAttemptAt !== null && s.nextAttemptAt <= now)
      .map((s) => s.integration);
    let attempts = 0;
    let index = 0;
    const workers = Array.from({ length: Math.min(this.concurrency, due.length) }, async () => {
      while (index < due.length) {
        const integration = due[index++]!;
        attempts += await this.drainExclusive(integration);
      }
    });
    await Promise.all(workers);
    const after = await this.opts.store.notify.queueStats();
    let next: number | null = null;
    const later = this.opts.clock.now();
    for (const s of after) {
      if (s.nextAttemptAt === null) continue;
      const wait = Math.max(0, s.nextAttemptAt - later);
      next = next === null ? wait : Math.min(next, wait);
    }
    return { attempts, nextInMs: next };
  }

  /** Sends what is due for these integrations now (they just got messages), without a queue scan. */
  async deliverNow(integrations: readonly string[]): Promise<number> {
    let attempts = 0;
    for (const n of await Promise.all(integrations.map((i) => this.drainExclusive(i)))) attempts += n;
    return attempts;
  }

  /**
   * drain(), but never twice at once for one integration in this process (the lease only keeps
   * replicas apart): a request while it runs makes the running drain look again when it is done.
   */
  private drainExclusive(integration: string): Promise<number> {
    if (this.active.has(integration)) {
      this.again.add(integration);
      return Promise.resolve(0);
    }
    const run = (async () => {
      let total = 0;
      do {
        this.again.delete(integration);
        total += await this.drain(integration);
      } while (this.again.has(integration) && !this.abort.signal.aborted);
      return total;
    })().finally(() => this.active.delete(integration));
    this.active.set(integration, run);
    return run;
  }

  /** Sends one integration's due messages in order while they succeed. Returns the attempts made. */
  private async drain(integration: string): Promise<number> {
    const { store, clock, owner } = this.opts;
    let attempts = 0;
    for (;;) {
      if (this.abort.signal.aborted) return attempts;
      const now = clock.now();
      const head = await store.transaction(
        async (tx) => {
          if (!(await tx.notify.leaseIntegration(integration, owner, now, now + this.leaseMs))) return null;
          const n = await tx.notify.headNotification(integration);
          if (!n || n.nextAttemptAt > now) return null;
          if (now - n.createdAt >= this.opts.deadLetterAfterMs()) {
            const dead: Notification = {
              ...n,
              status: 'dead',
              finishedAt: now,
              updatedAt: now,
              lastError: n.lastError ?? 'not delivered within the dead-letter age',
            };
            await tx.notify.updateNotification(dead);
            return { kind: 'dead' as const, n: dead };
          }
          const sending: Notification = { ...n, status: 'sending', attempts: n.attempts + 1, updatedAt: now };
          await tx.notify.updateNotification(sending);
          return { kind: 'sending' as const, n: sending };
          // Not waited onto disk: losing the lease or the `sending` mark in a crash changes nothing
          // (the message is sent again, with the same idempotency key, either way).
        },
        { durable: false },
      );
      if (head === null) {
        await store.transaction((tx) => tx.notify.releaseIntegration(integration, owner), { durable: false });
        return attempts;
      }
      if (head.kind === 'dead') {
        await this.opts.onDead?.(head.n);
        continue;
      }
      const n = head.n;
      const receiver = this.opts.receiver(integration);
      const started = performance.now();
      // A send may outlast the lease (a receiver's timeout can be long): renew it while it runs, so
      // no other replica takes the integration over and sends the message a second time.
      const renew = setInterval(() => {
        const at = clock.now();
        store
          .transaction((tx) => tx.notify.leaseIntegration(integration, owner, at, at + this.leaseMs), {
            durable: false,
          })
          .catch(() => undefined);
      }, this.leaseMs / 3);
      renew.unref();
      const result: SendResult = receiver
        ? await receiver
            .send({ ref: n.ref, data: n.data }, this.abort.signal)
            .catch((err: unknown): SendResult => ({
              outcome: 'retryable',
              error: `receiver error: ${err instanceof Error ? err.message : String(err)}`,
            }))
            .finally(() => clearInterval(renew))
        : { outcome: 'permanent', error: `integration ${integration} is no longer configured` };
      clearInterval(renew);
      const latencyMs = performance.now() - started;
      if (this.abort.signal.aborted && result.outcome !== 'delivered') return attempts;
      attempts++;
      await this.record(n, result, latencyMs);
      this.opts.onAttempt?.(n, result.outcome, latencyMs);
      // Anything but success (or a permanent failure, which lets the queue move on) holds the queue.
      if (result.outcome === 'retryable') {
        await store.transaction((tx) => tx.notify.releaseIntegration(integration, owner), { durable: false });
        return attempts;
      }
    }
  }

  private async record(n: Notification, result: SendResult, latencyMs: number): Promise<void> {
    const now = this.opts.clock.now();
    await this.opts.store.transaction(async (tx) => {
      await tx.notify.insertAttempt({
        notificationId: n.id,
        at: now,
        outcome: result.outcome,
        statusCode: result.statusCode ?? null,
        error: result.outcome === 'delivered' ? null : result.error,
        latencyMs,
      });
      const next: Notification =
        result.outcome === 'delivered'
          ? { ...n, status: 'delivered', finishedAt: now, updatedAt: now, lastError: null }
          : result.outcome === 'permanent'
            ? { ...n, status: 'failed', finishedAt: now, updatedAt: now, lastError: result.error }
            : {
                ...n,
                status: 'retrying',
                updatedAt: now,
                lastError: result.error,
                nextAttemptAt:
                  now +
                  backoffDelay(
                    n.attempts,
                    { ...DEFAULT_BACKOFF, ...this.opts.backoff?.() },
                    this.random,
                    result.retryAfterMs,
                  ),
              };
      await tx.notify.updateNotification(next);
      const state: IntegrationState = (await tx.notify.integration(n.integration)) ?? {
        integration: n.integration,
        leaseOwner: null,
        leaseUntil: null,
        failingSince: null,
        lastSuccessAt: null,
        lastFailureAt: null,
        lastError: null,
      };
      // Only retryable failures make an integration "failing" (its queue is stuck behind them); a
      // permanent refusal concerns one message, which is set aside, and the queue moves on.
      await tx.notify.saveIntegration(
        result.outcome === 'delivered'
          ? { ...state, failingSince: null, lastSuccessAt: now }
          : result.outcome === 'retryable'
            ? {
                ...state,
                failingSince: state.failingSince ?? now,
                lastFailureAt: now,
                lastError: result.error,
              }
            : { ...state, lastFailureAt: now, lastError: result.error },
      );
    });
  }
}
