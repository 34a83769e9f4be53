import type { AlertChange, AlertChangeListener, AlertService } from '../alerts/service.js';
import type { Clock } from '../clock.js';
import { replicaId } from '../ids.js';
import { Loop } from '../loop.js';
import { SilenceService } from '../routing/silences.js';
import type { Store, StoreTx } from '../store/store.js';
import type { BuiltNotifyConfig } from './config.js';
import type { NotifyConfig } from './config-types.js';
import { DeliveryWorker, type BackoffOptions } from './delivery.js';
import { Dispatcher } from './dispatcher.js';
import { MetaAlerts } from './meta.js';
import type { AttemptOutcome, Notification } from './model.js';
import { RECEIVER_KINDS, type ReceiverKind } from './receivers/index.js';
import type { Receiver } from './receivers/receiver.js';

/*
 * The notification pipeline as one long-lived part: it listens to alert changes (routing them in
 * their transaction), runs the flush loop (groups -> outbox), the delivery loop (outbox ->
 * receivers) and the expiry loop (Alertmanager-style alerts whose end passed), and swaps its
 * configuration atomically on reload.
 */

export interface NotifierOptions {
  store: Store;
  clock: Clock;
  alerts: AlertService;
  config: BuiltNotifyConfig;
  version: string;
  deadLetterAfterMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** How often to look for work other replicas created (and expired alerts). */
  pollMs?: number;
  log?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  onAttempt?: (n: Notification, outcome: AttemptOutcome, latencyMs: number) => void;
  onDead?: (n: Notification) => void;
  random?: () => number;
}

/** A receiver for an Alertmanager integration Sentinel does not implement: fails with the reason. */
const unsupported = (kind: string): Receiver => ({
  async send() {
    return { outcome: 'permanent', error: `Sentinel does not send to ${kind} integrations` };
  },
});

/** An integration held at load (an unreadable secret file): its messages wait, retrying, for a reload. */
const unavailable = (reason: string): Receiver => ({
  async send() {
    return { outcome: 'retryable', error: `integration unavailable: ${reason}` };
  },
});

export class Notifier implements AlertChangeListener {
  readonly silences: SilenceService;
  readonly dispatcher: Dispatcher;
  readonly delivery: DeliveryWorker;
  readonly meta: MetaAlerts;
  private built: BuiltNotifyConfig;
  private receivers = new Map<string, Receiver>();
  private readonly flushLoop: Loop;
  private readonly deliveryLoop: Loop;
  private readonly expiryLoop: Loop;

  constructor(private readonly opts: NotifierOptions) {
    this.built = opts.config;
    this.receivers = this.buildReceivers(opts.config.config);
    this.silences = new SilenceService(opts.store, opts.clock);
    this.dispatcher = new Dispatcher({
      store: opts.store,
      clock: opts.clock,
      silences: this.silences,
      config: () => this.built.config,
      onQueued: () => this.deliveryLoop.wake(),
    });
    this.meta = new MetaAlerts({
      store: opts.store,
      clock: opts.clock,
      alerts: opts.alerts,
      config: () => this.built.config,
      onQueued: () => this.deliveryLoop.wake(),
    });
    const report = (what: string) => (err: unknown) => opts.log?.error({ err }, `${what} failed`);
    this.delivery = new DeliveryWorker({
      store: opts.store,
      clock: opts.clock,
      receiver: (key) => this.receivers.get(key) ?? null,
      owner: replicaId(),
      deadLetterAfterMs: () => opts.deadLetterAfterMs ?? this.built.config.options.delivery.deadLetterAfterMs,
      backoff: () => ({
        initialMs: this.built.config.options.delivery.initialBackoffMs,
        maxMs: this.built.config.options.delivery.maxBackoffMs,
        ...opts.backoff,
      }),
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.onAttempt ? { onAttempt: opts.onAttempt } : {}),
      onDead: async (n) => {
        opts.onDead?.(n);
        await this.meta.deadLettered(n).catch(report('dead-letter alert'));
      },
    });
    const poll = opts.pollMs ?? 1000;
    this.flushLoop = new Loop(
      async () => {
        await this.dispatcher.flushDue();
        while ((await this.dispatcher.escalateDue()) >= 100);
        const nextFlush = await this.dispatcher.nextFlushAt();
        const nextStep = await opts.store.notify.nextEscalationAt();
        const next = Math.min(nextFlush ?? Infinity, nextStep ?? Infinity);
        return next === Infinity ? null : next - opts.clock.now();
      },
      poll,
      report('notification flush'),
    );
    this.deliveryLoop = new Loop(
      async () => {
        const r = await this.delivery.deliverDue();
        await this.meta.checkReceivers();
        return r.nextInMs;
      },
      poll,
      report('delivery'),
    );
    this.expiryLoop = new Loop(
      async () => {
        while ((await opts.alerts.expireDue(1000)) >= 1000);
        await this.meta.watchdog();
        await this.meta.selfTest();
        return null;
      },
      poll,
      report('alert expiry and self-checks'),
    );
  }

  config(): NotifyConfig {
    return this.built.config;
  }

  hashes(): BuiltNotifyConfig['hashes'] {
    return this.built.hashes;
  }

  private buildReceivers(config: NotifyConfig): Map<string, Receiver> {
    const out = new Map<string, Receiver>();
    for (const receiver of config.receivers.values()) {
      for (const i of receiver.integrations) {
        const def = RECEIVER_KINDS[i.kind as ReceiverKind] as
          (typeof RECEIVER_KINDS)[ReceiverKind] | undefined;
        out.set(
          i.key,
          i.unavailable !== null
            ? unavailable(i.unavailable)
            : def && i.settings !== null
              ? def.create(i.settings, { clock: this.opts.clock, version: this.opts.version })
              : unsupported(i.kind),
        );
      }
    }
    return out;
  }

  /** Groups stored alerts under the current configuration if it changed since the last run, then starts the loops. */
  private started = false;

  async start(): Promise<void> {
    await this.dispatcher.reconcile(this.built.hashes);
    // An SQLite database has one Sentinel process: leases left by a previous run of it (killed
    // mid-send) belong to nobody now. On PostgreSQL another replica may hold them; they expire.
    if (this.opts.store.backend === 'sqlite')
      await this.opts.store.transaction((tx) => tx.notify.releaseAllLeases());
    this.started = true;
    this.flushLoop.start();
    this.deliveryLoop.start();
    this.expiryLoop.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.delivery.abortSends();
    await Promise.all([this.flushLoop.stop(), this.deliveryLoop.stop(), this.expiryLoop.stop()]);
  }

  /** Applies a new, already validated configuration. */
  async reload(next: BuiltNotifyConfig): Promise<void> {
    this.receivers = this.buildReceivers(next.config);
    this.built = next;
    await this.dispatcher.reconcile(next.hashes);
    this.flushLoop.wake();
    this.deliveryLoop.wake();
  }

  // AlertChangeListener

  async inTransaction(tx: StoreTx, changes: readonly AlertChange[], now: number): Promise<void> {
    const r = await this.dispatcher.onAlertChanges(tx, changes, now);
    for (const key of r.queued) this.queuedInTransaction.add(key);
    if (r.nextFlushAt !== null && r.nextFlushAt > now)
      this.nextFlushAfterCommit = Math.min(this.nextFlushAfterCommit, r.nextFlushAt);
  }

  /** Integrations a transaction queued messages for; sent to as soon as it has committed. */
  private readonly queuedInTransaction = new Set<string>();
  private nextFlushAfterCommit = Infinity;

  committed(): void {
    if (this.nextFlushAfterCommit !== Infinity) {
      // A new group is due later: make sure the flush loop does not sleep past it.
      this.flushLoop.wakeBy(this.nextFlushAfterCommit - this.opts.clock.now());
      this.nextFlushAfterCommit = Infinity;
    }
    if (this.queuedInTransaction.size > 0) {
      const keys = [...this.queuedInTransaction];
      this.queuedInTransaction.clear();
      // After the current turn: the ingest request that caused it is answered first.
      if (this.started)
        setImmediate(() => {
          this.delivery
            .deliverNow(keys)
            .catch((err: unknown) => this.opts.log?.error({ err }, 'delivery failed'));
        });
    }
  }
}
