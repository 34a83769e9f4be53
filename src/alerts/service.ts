import type { Clock } from '../clock.js';
import { SentinelError } from '../errors.js';
import { refs } from '../ids.js';
import type { AlertTouch, Store, StoreTx } from '../store/store.js';
import { contentHash, headOf, shareContentHash } from './fingerprint.js';
import * as lifecycle from './lifecycle.js';
import type { Alert, AlertHead, EventDraft, IngestResult, PreparedAlert, ProcessingStatus } from './model.js';

export interface ClaimOptions {
  owner: string;
  limit: number;
  lockTtlMs: number;
  windowMs?: number;
  statusIn: ProcessingStatus[];
}

/**
 * Told about alerts that were raised or resolved: inside the transaction that changed them (so what
 * it writes commits with the change), and again after the commit.
 */
export interface AlertChangeListener {
  inTransaction(tx: StoreTx, changes: readonly AlertChange[], now: number): Promise<void>;
  committed(changes: readonly AlertChange[]): void;
}

export interface AlertChange {
  alert: Alert;
  /** updated: its content changed while firing, which can change where it is routed (severity). */
  kind: 'raised' | 'resolved' | 'updated';
}

/** Wraps a store operation for timing (metrics); the default runs it as is. */
export type Timer = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;
export const untimed: Timer = (_operation, fn) => fn();

/** The alert operations that change state. Every one runs in a single store transaction. */
export class AlertService {
  private listener: AlertChangeListener | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly time: Timer = untimed,
  ) {}

  /** The notification pipeline registers here (one listener). */
  setChangeListener(listener: AlertChangeListener | null): void {
    this.listener = listener;
  }

  /** Runs fn in a transaction, hands the alert changes it reports to the listener, and returns its result. */
  private async changing<T>(
    fn: (tx: StoreTx, changes: AlertChange[], now: number) => Promise<T>,
  ): Promise<T> {
    let changes: AlertChange[] = [];
    const result = await this.store.transaction(async (tx) => {
      changes = [];
      const now = this.clock.now();
      const r = await fn(tx, changes, now);
      if (changes.length > 0 && this.listener) await this.listener.inTransaction(tx, changes, now);
      return r;
    });
    if (changes.length > 0) this.listener?.committed(changes);
    return result;
  }

  /**
   * Stores a batch (possibly many requests' worth, from group commit) in one transaction. Alerts are
   * applied in order, so a fingerprint repeated in the batch dedupes against its earlier copy.
   */
  async ingest(inputs: readonly PreparedAlert[]): Promise<IngestResult[]> {
    return this.time('ingest', () => this.ingestTx(inputs));
  }

  private ingestTx(inputs: readonly PreparedAlert[]): Promise<IngestResult[]> {
    return this.changing(async (tx, changes, now) => {
      const nowIso = new Date(now).toISOString();
      const heads = await tx.currentAlertsByFingerprint([...new Set(inputs.map((a) => a.fingerprint))]);
      // What this batch writes, each alert in its final version: new rows, whole-row updates of
      // existing rows, and counter-only touches of existing rows (the common re-send).
      const inserted = new Map<string, Alert>();
      const updated = new Map<string, Alert>();
      const touches = new Map<string, AlertTouch>();
      const events: EventDraft[] = [];
      const results: IngestResult[] = [];

      /** The whole alert behind a head, with the counters this batch already gave it. */
      const loadFull = async (head: AlertHead): Promise<Alert> => {
        const known = inserted.get(head.ref) ?? updated.get(head.ref);
        if (known) return known;
        const row = await tx.alertForUpdate(head.ref);
        if (!row) throw new Error(`current alert ${head.ref} vanished inside its transaction`);
        touches.delete(head.ref);
        return {
          ...row,
          occurrences: head.occurrences,
          lastSeenAt: head.lastSeenAt,
          updatedAt: head.updatedAt,
        };
      };
      const keep = (alert: Alert): void => {
        if (inserted.has(alert.ref)) inserted.set(alert.ref, alert);
        else updated.set(alert.ref, alert);
      };

      for (const input of inputs) {
        const head = heads.get(input.fingerprint);
        const decision = lifecycle.decideIngest(head, input, now, () => contentHash(input));
        if (decision === 'dedupe' && head) {
          const occurrences = head.occurrences + 1;
          const next: AlertHead = { ...head, occurrences, lastSeenAt: now, updatedAt: now };
          heads.set(input.fingerprint, next);
          const full = inserted.get(head.ref) ?? updated.get(head.ref);
          if (full) keep({ ...full, occurrences, lastSeenAt: now, updatedAt: now });
          else touches.set(head.ref, { ref: head.ref, occurrences, lastSeenAt: now, updatedAt: now });
          events.push(lifecycle.dedupeEvent(head.ref, occurrences, now, nowIso, input.source));
          results.push(lifecycle.resultOf(next, true));
          continue;
        }
        if ((decision === 'update' || decision === 'resolve') && head) {
          const current = await loadFull(head);
          const t =
            decision === 'update'
              ? lifecycle.updateByIngest(current, input, now)
              : lifecycle.resolveByIngest(current, input, now);
          // An update takes all its content from the input, so both hash alike.
          if (decision === 'update') shareContentHash(input, t.alert);
          keep(t.alert);
          heads.set(input.fingerprint, headOf(t.alert));
          events.push(t.event);
          results.push(lifecycle.resultOf(t.alert, true));
          changes.push({ alert: t.alert, kind: decision === 'resolve' ? 'resolved' : 'updated' });
          continue;
        }
        // A new alert; the previous current alert of this fingerprint, if any, stops being current.
        let supersedes: string | null = null;
        if (head) {
          keep({ ...(await loadFull(head)), current: false });
          supersedes = head.ref;
        }
        const alert = lifecycle.newAlert(input, refs.next('alrt_', now), now);
        // Same content as its input: hash once (cheaply, with the input's flag) for both.
        contentHash(input);
        shareContentHash(input, alert);
        inserted.set(alert.ref, alert);
        heads.set(input.fingerprint, headOf(alert));
        events.push(lifecycle.raiseEvent(alert, supersedes, now));
        results.push(lifecycle.resultOf(alert, false));
        changes.push({ alert, kind: alert.state === 'firing' ? 'raised' : 'resolved' });
      }

      // Existing rows first: superseding clears their `current` flag before new rows claim it.
      if (updated.size > 0) await tx.updateAlerts([...updated.values()]);
      if (touches.size > 0) await tx.touchAlerts([...touches.values()]);
      if (inserted.size > 0) await tx.insertAlerts([...inserted.values()]);
      tx.appendEvents(events);
      return results;
    });
  }

  async claim(opts: ClaimOptions): Promise<Alert[]> {
    return this.time('claim', () => this.claimTx(opts));
  }

  private claimTx(opts: ClaimOptions): Promise<Alert[]> {
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const events: EventDraft[] = [];
      // Requeue first so expired locks and due retries are claimable in this same pass.
      const stale = await tx.requeueCandidates(now, 1000);
      if (stale.length > 0) {
        const requeued = stale.map((a) => lifecycle.requeue(a, now));
        await tx.updateAlerts(requeued.map((t) => t.alert));
        for (const t of requeued) events.push(t.event);
      }
      const candidates = await tx.claimCandidates({
        statusIn: opts.statusIn,
        limit: opts.limit,
        ...(opts.windowMs !== undefined ? { seenSince: now - opts.windowMs } : {}),
      });
      const claimed = candidates.map((a) => lifecycle.claim(a, opts.owner, opts.lockTtlMs, now));
      if (claimed.length > 0) await tx.updateAlerts(claimed.map((t) => t.alert));
      for (const t of claimed) events.push(t.event);
      tx.appendEvents(events);
      return claimed.map((t) => t.alert);
    });
  }

  ack(ref: string, opts: { note: string | null; actor: string | null; owner?: string }): Promise<Alert> {
    return this.transition(ref, (alert, now) => lifecycle.ack(alert, opts, now));
  }

  fail(
    ref: string,
    opts: { error: string; retryAfterMs: number; actor: string | null; owner?: string },
  ): Promise<Alert> {
    return this.transition(ref, (alert, now) => lifecycle.fail(alert, opts, now));
  }

  resolve(ref: string, opts: { actor: string | null; note: string | null }): Promise<Alert> {
    return this.time('transition', () =>
      this.changing(async (tx, changes, now) => {
        const alert = await tx.alertForUpdate(ref);
        if (!alert) throw new SentinelError('alert_not_found', `no alert ${ref}`);
        const t = lifecycle.resolve(alert, opts, now);
        await tx.updateAlerts([t.alert]);
        tx.appendEvents([t.event]);
        changes.push({ alert: t.alert, kind: 'resolved' });
        return t.alert;
      }),
    );
  }

  /**
   * Resolves alerts from the Alertmanager API whose end passed without a re-send (up to `limit` per
   * call). Returns how many it resolved.
   */
  expireDue(limit = 1000): Promise<number> {
    return this.time('expire', () =>
      this.changing(async (tx, changes, now) => {
        const due = await tx.expiredAlerts(now, limit);
        if (due.length === 0) return 0;
        const transitions = due.map((a) => lifecycle.expire(a, now));
        await tx.updateAlerts(transitions.map((t) => t.alert));
        tx.appendEvents(transitions.map((t) => t.event));
        for (const t of transitions) changes.push({ alert: t.alert, kind: 'resolved' });
        return due.length;
      }),
    );
  }

  private transition(ref: string, step: (alert: Alert, now: number) => lifecycle.Transition): Promise<Alert> {
    return this.time('transition', () => this.transitionTx(ref, step));
  }

  private transitionTx(
    ref: string,
    step: (alert: Alert, now: number) => lifecycle.Transition,
  ): Promise<Alert> {
    return this.store.transaction(async (tx: StoreTx) => {
      const alert = await tx.alertForUpdate(ref);
      if (!alert) throw new SentinelError('alert_not_found', `no alert ${ref}`);
      const t = step(alert, this.clock.now());
      await tx.updateAlerts([t.alert]);
      tx.appendEvents([t.event]);
      return t.alert;
    });
  }
}
