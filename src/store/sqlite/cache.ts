import { headOf } from '../../alerts/fingerprint.js';
import type { Alert, AlertHead } from '../../alerts/model.js';
import type { AlertTouch } from '../store.js';

/** A re-send not yet written to its alert row; its event is already durable. */
export interface PendingTouch extends AlertTouch {
  /** Newest event of the alert: its chain head. */
  lastEventId: number;
  /** Oldest event whose counters are not in the row yet: recovery must replay from before it. */
  firstEventId: number;
}

/**
 * In-memory state of the SQLite backend, all of it a cache of the database or of its event log:
 *
 * - heads: the current alert of every fingerprint (what ingest needs to dedupe), loaded in full
 *   at first use, so a fingerprint that is not here does not exist and ingest reads nothing;
 * - pending: re-sends whose counters are not yet written to the alert row. Their events are
 *   committed, so after a crash the counters are rebuilt from the log (SqliteStore.recover);
 * - lastEventIds: the newest event of alerts written since start, the head of each event chain
 *   (re-sent alerts keep theirs in `pending` until it is flushed, then here). Entries leave with
 *   their head; a miss falls back to the row's last_event_id, which is exact whenever the alert has
 *   no pending re-send.
 *
 * Only one process writes an SQLite database (the write connection holds its lock), so nothing
 * else can change the rows behind this cache. Changes are applied after a transaction commits.
 */
export class SqliteCache {
  heads: Map<string, AlertHead> | null = null;
  readonly headsByRef = new Map<string, AlertHead>();
  readonly pending = new Map<string, PendingTouch>();
  readonly lastEventIds = new Map<string, number>();

  loadHeads(alerts: Iterable<Alert>): void {
    this.heads = new Map();
    this.headsByRef.clear();
    for (const a of alerts) this.setHead(headOf(a));
  }

  setHead(head: AlertHead): void {
    if (!this.heads) return;
    const previous = this.heads.get(head.fingerprint);
    if (previous && previous.ref !== head.ref) this.headsByRef.delete(previous.ref);
    this.heads.set(head.fingerprint, head);
    this.headsByRef.set(head.ref, head);
  }

  /** The alert stopped being current for its fingerprint (superseded or deleted). */
  dropHead(ref: string): void {
    const head = this.headsByRef.get(ref);
    if (!head || !this.heads) return;
    this.headsByRef.delete(ref);
    this.lastEventIds.delete(ref);
    if (this.heads.get(head.fingerprint)?.ref === ref) this.heads.delete(head.fingerprint);
  }

  rememberLastEvents(ids: Map<string, number>): void {
    // Entries leave with their heads, so the size follows the number of current alerts; this cap
    // only bounds the alerts that stopped being current and were written again (acks, claims).
    if (this.lastEventIds.size > 2_000_000) this.lastEventIds.clear();
    for (const [ref, id] of ids) this.lastEventIds.set(ref, id);
  }

  /** Forget everything derived; it is rebuilt from the database on next use. */
  invalidate(): void {
    this.heads = null;
    this.headsByRef.clear();
    this.lastEventIds.clear();
  }

  /** The row as it really is: the stored one with any pending re-send counters on top. */
  overlay<T extends { ref: string; occurrences: number; lastSeenAt: number; updatedAt: number }>(
    alert: T,
  ): T {
    const p = this.pending.get(alert.ref);
    if (!p) return alert;
    return { ...alert, occurrences: p.occurrences, lastSeenAt: p.lastSeenAt, updatedAt: p.updatedAt };
  }
}
