import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Alert, StoredEvent } from '../../alerts/model.js';
import type { Incident } from '../../incidents/model.js';
import type {
  AlertQuery,
  CountRow,
  EventQuery,
  IncidentQuery,
  MigrationReport,
  PurgeResult,
  SignatureCount,
  Store,
  StoreTx,
  TransactionOptions,
} from '../store.js';
import { SqlHealth } from '../sql/health.js';
import { SqlSeries } from '../sql/series.js';
import { SqlNotify } from '../sql/notify.js';
import { SqliteCache } from './cache.js';
import { sqliteRunner } from './runner.js';
import { Checkpointer } from './checkpointer.js';
import { WalSync } from './wal-sync.js';
import { SqliteTx } from './tx.js';
import { MIGRATIONS } from './migrations.js';
import {
  alertFromRow,
  eventFromRow,
  incidentFromRow,
  type AlertRow,
  type EventRow,
  type IncidentRow,
} from './rows.js';

export type SqliteSynchronous = 'full' | 'normal';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for a private in-memory database (tests). */
  path: string;
  /**
   * full (default): with WAL, every commit fsyncs the log before it returns, so a committed write
   * survives a process kill and a power loss or OS crash. normal: commits are not fsynced; they
   * survive a process kill (the WAL is in the OS page cache) but the last commits can be lost on
   * power loss.
   */
  synchronous?: SqliteSynchronous;
  /**
   * Failures of background work (re-send flushes, WAL checkpoints). Nothing acknowledged is lost by
   * them (the events are durable and recovery replays them), but the operator must see them.
   */
  onBackgroundError?: (message: string) => void;
  /** How often pending re-send counters are written to their rows (default 5000 ms). */
  touchFlushIntervalMs?: number;
  /** Pending re-sends that trigger an early write (default 50,000). */
  touchFlushThreshold?: number;
}

/** Rows written per transaction when pending re-sends are flushed, so no flush holds the lock for long. */
const FLUSH_CHUNK = 5000;

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * SQLite via better-sqlite3 in WAL mode. All writes go through one connection, serialised by an
 * in-process lock so an async transaction body never interleaves with another; reads use a second
 * connection and so see only committed data and never wait for a writer.
 *
 * Re-sends of a known alert (the bulk of ingest) append their event, which is durable at commit,
 * and leave the alert row's counters to a periodic flush that writes each row once however many
 * re-sends it had (see SqliteCache). Reads overlay the pending counters, and queries that filter or
 * aggregate on them flush first, so no reader sees the difference. After a crash, recover() rebuilds
 * the counters from the events the flush had not covered.
 */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly cache = new SqliteCache();
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly readStatements = new Map<string, Database.Statement>();
  private lock: Promise<void> = Promise.resolve();
  private closed = false;
  /** Highest event id ever assigned (AUTOINCREMENT's sequence): new ids start above it. */
  lastCommittedEventId = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly flushIntervalMs: number;
  private readonly flushThreshold: number;
  private readonly reportError: (message: string) => void;
  private readonly checkpointer: Checkpointer | null = null;
  private readonly walSync: WalSync | null = null;
  /** Notification tables on the read connection: API reads that never wait for the writer. */
  readonly notify: SqlNotify;
  readonly health: SqlHealth;
  readonly series: SqlSeries;

  constructor(opts: SqliteStoreOptions) {
    const memory = opts.path === ':memory:';
    // Without a handler the failure still reaches stderr: a silent background failure would hide a
    // growing WAL or a stuck counter flush from the operator.
    this.reportError =
      opts.onBackgroundError ?? ((message) => process.emitWarning(message, 'SentinelStoreWarning'));
    if (!memory) mkdirSync(dirname(opts.path), { recursive: true });
    this.writer = new Database(opts.path);
    if (!memory) this.writer.pragma('journal_mode = WAL');
    // NORMAL: SQLite itself never fsyncs inside COMMIT; with `full` durability WalSync does it off
    // the event loop before a transaction is reported committed.
    this.writer.pragma(memory ? 'synchronous = FULL' : 'synchronous = NORMAL');
    if (!memory && opts.synchronous !== 'normal') this.walSync = new WalSync(`${opts.path}-wal`);
    this.writer.pragma('busy_timeout = 5000');
    // Ingest reads no rows (the current-alert index is in memory), so a modest page cache serves
    // the index pages that inserts and re-send flushes touch.
    this.writer.pragma('cache_size = -16384');
    this.reader = memory ? this.writer : new Database(opts.path);
    if (!memory) {
      this.reader.pragma('busy_timeout = 5000');
      this.reader.pragma('cache_size = -8192');
      // Checkpoints run on a worker thread (see Checkpointer); the writer never does them itself.
      this.checkpointer = new Checkpointer(opts.path, 250, (message) =>
        this.reportError(`WAL checkpoint failed: ${message}`),
      );
      this.writer.pragma('wal_autocheckpoint = 32768');
      // After the log restarts, shrink its file back to 64 MiB rather than keep its peak size.
      this.writer.pragma('journal_size_limit = 67108864');
    }
    this.notify = new SqlNotify(sqliteRunner((sql) => this.read(sql)));
    this.health = new SqlHealth(sqliteRunner((sql) => this.read(sql)));
    this.series = new SqlSeries(sqliteRunner((sql) => this.read(sql)));
    this.flushIntervalMs = opts.touchFlushIntervalMs ?? 5000;
    this.flushThreshold = opts.touchFlushThreshold ?? 50_000;
  }

  /** Rows changed on the write connection since it opened (SQLite's total_changes()). */
  private totalChanges(): number {
    return (this.stmt('SELECT total_changes() AS n').get() as { n: number }).n;
  }

  /** Statement on the write connection, prepared once. */
  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.writer.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private read(sql: string): Database.Statement {
    let s = this.readStatements.get(sql);
    if (!s) {
      s = this.reader.prepare(sql);
      this.readStatements.set(sql, s);
    }
    return s;
  }

  async migrate(): Promise<MigrationReport> {
    this.writer.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const applied: string[] = [];
    const run = this.writer.transaction(() => {
      const done = new Set(
        (
          this.writer.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>
        ).map((r) => r.version),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        this.writer.exec(m.sql);
        this.writer
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(m.version, m.name, Date.now());
        applied.push(`${m.version}_${m.name}`);
      }
    });
    run.immediate();
    this.recover();
    this.startFlushTimer();
    this.checkpointer?.start();
    return { applied, current: MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0 };
  }

  /**
   * Applies the counters of every event after the watermark to its alert row. Counters only grow
   * and times only advance, so applying an event twice, or after a newer write, changes nothing.
   */
  private recover(): void {
    const run = this.writer.transaction(() => {
      const watermark =
        (
          this.writer.prepare("SELECT value FROM store_meta WHERE key = 'touch_watermark'").get() as
            { value: number } | undefined
        )?.value ?? 0;
      const apply = this.writer.prepare(
        `UPDATE alerts SET occurrences = max(occurrences, ?), last_seen_at = max(last_seen_at, ?),
         updated_at = max(updated_at, ?), last_event_id = max(ifnull(last_event_id, 0), ?) WHERE ref = ?`,
      );
      let last = watermark;
      const page = this.writer.prepare(
        'SELECT id, alert_ref, data FROM events WHERE id > ? AND alert_ref IS NOT NULL ORDER BY id LIMIT 10000',
      );
      const time = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : 0);
      for (;;) {
        // Pages, because a statement cannot write while another one is still iterating.
        const rows = page.all(last) as Array<{ id: number; alert_ref: string; data: string }>;
        if (rows.length === 0) break;
        for (const row of rows) {
          const changes = (JSON.parse(row.data) as { changes?: Record<string, unknown> }).changes ?? {};
          apply.run(
            typeof changes.occurrences === 'number' ? changes.occurrences : 0,
            time(changes.last_seen_at),
            time(changes.updated_at),
            row.id,
            row.alert_ref,
          );
          last = row.id;
        }
      }
      const max =
        (this.writer.prepare('SELECT max(id) AS id FROM events').get() as { id: number | null }).id ?? 0;
      const seq =
        (
          this.writer.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as
            { seq: number } | undefined
        )?.seq ?? 0;
      this.lastCommittedEventId = Math.max(last, max, seq);
      this.setWatermark(this.lastCommittedEventId);
    });
    run.immediate();
  }

  private setWatermark(id: number): void {
    this.stmt(
      "INSERT INTO store_meta (key, value) VALUES ('touch_watermark', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(id);
  }

  private startFlushTimer(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setInterval(
      () =>
        void this.flushTouches().catch((err: unknown) =>
          this.reportError(`re-send flush failed: ${String(err)}`),
        ),
      this.flushIntervalMs,
    );
    this.flushTimer.unref();
  }

  /** The full current-alert index, loaded from the database on first use. */
  ensureHeads() {
    if (!this.cache.heads) {
      const rows = this.stmt('SELECT * FROM alerts WHERE is_current = 1').all() as AlertRow[];
      this.cache.loadHeads(rows.map((r) => this.cache.overlay(alertFromRow(r))));
    }
    return this.cache.heads!;
  }

  /** Newest event id of an alert, or null if it has none. */
  lastEventIdOf(ref: string): number | null {
    // Event ids only grow, so the larger of the two cached heads is the newest.
    const cached = Math.max(
      this.cache.lastEventIds.get(ref) ?? 0,
      this.cache.pending.get(ref)?.lastEventId ?? 0,
    );
    if (cached > 0) return cached;
    const row = this.stmt('SELECT last_event_id FROM alerts WHERE ref = ?').get(ref) as
      { last_event_id: number | null } | undefined;
    return row?.last_event_id ?? null;
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise<void>((r) => (release = r));
    await previous;
    let result: T;
    let wrote = true;
    try {
      if (this.closed) throw new Error('store is closed');
      const changesBefore = this.totalChanges();
      this.stmt('BEGIN IMMEDIATE').run();
      const tx = new SqliteTx(this);
      let firstEventId = 0;
      try {
        result = await fn(tx);
        firstEventId = this.lastCommittedEventId + 1;
        const last = tx.flushEvents();
        wrote = this.totalChanges() !== changesBefore;
        this.stmt('COMMIT').run();
        if (last > 0) this.lastCommittedEventId = last;
      } catch (err) {
        if (this.writer.inTransaction) this.stmt('ROLLBACK').run();
        throw err;
      }
      tx.afterCommit(firstEventId);
      if (this.cache.pending.size >= this.flushThreshold)
        setImmediate(
          () =>
            void this.flushTouches().catch((err: unknown) =>
              this.reportError(`re-send flush failed: ${String(err)}`),
            ),
        );
    } finally {
      release();
    }
    // The next transaction may already run while this one waits for the disk. A transaction that
    // changed nothing has nothing to wait for (e.g. a flush pass that found no group due).
    if (this.walSync && wrote && opts?.durable !== false) await this.walSync.sync();
    return result;
  }

  /**
   * Writes pending re-send counters to their rows, a chunk per transaction, and moves the recovery
   * watermark to just before the oldest event still pending.
   */
  async flushTouches(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      while (this.cache.pending.size > 0 && !this.closed) {
        await this.transaction(async (tx) => {
          (tx as SqliteTx).writePending(FLUSH_CHUNK);
        });
        await new Promise((r) => setImmediate(r));
      }
      if (this.closed) return;
      await this.transaction(async () => {
        let oldest = this.lastCommittedEventId + 1;
        for (const p of this.cache.pending.values()) oldest = Math.min(oldest, p.firstEventId);
        this.setWatermark(oldest - 1);
      });
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushIfPending(): Promise<void> {
    if (this.cache.pending.size > 0) await this.flushTouches();
  }

  async getAlert(ref: string): Promise<Alert | null> {
    const row = this.read('SELECT * FROM alerts WHERE ref = ?').get(ref) as AlertRow | undefined;
    return row ? this.cache.overlay(alertFromRow(row)) : null;
  }

  async listAlerts(q: AlertQuery): Promise<Alert[]> {
    if (q.seenSince !== undefined) await this.flushIfPending();
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (q.service !== undefined) {
      where.push('service = ?');
      params.push(q.service);
    }
    if (q.severity !== undefined) {
      where.push('severity = ?');
      params.push(q.severity);
    }
    if (q.state !== undefined) {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.source !== undefined) {
      where.push('source = ?');
      params.push(q.source);
    }
    if (q.current !== undefined) where.push(q.current ? 'is_current = 1' : 'is_current = 0');
    if (q.statusIn && q.statusIn.length > 0) {
      where.push(`status IN (${q.statusIn.map(() => '?').join(', ')})`);
      params.push(...q.statusIn);
    }
    if (q.seenSince !== undefined) {
      where.push('last_seen_at >= ?');
      params.push(q.seenSince);
    }
    if (q.beforeId !== undefined) {
      where.push('id < ?');
      params.push(q.beforeId);
    }
    if (q.text !== undefined && q.text !== '') {
      const like = `%${escapeLike(q.text)}%`;
      where.push("(title LIKE ? ESCAPE '\\' OR message LIKE ? ESCAPE '\\' OR service LIKE ? ESCAPE '\\')");
      params.push(like, like, like);
    }
    const sql = `SELECT * FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    params.push(q.limit);
    return (this.read(sql).all(...params) as AlertRow[]).map((r) => this.cache.overlay(alertFromRow(r)));
  }

  /** The ids of an alert's events after `after`, oldest first, found by walking its chain back. */
  private alertEventIds(ref: string, after: number): number[] {
    const ids: number[] = [];
    const prevOf = this.read('SELECT prev_id FROM events WHERE id = ?');
    let id = this.lastEventIdOf(ref);
    while (id !== null && id > after) {
      ids.push(id);
      id = (prevOf.get(id) as { prev_id: number | null } | undefined)?.prev_id ?? null;
    }
    return ids.reverse();
  }

  async listEvents(q: EventQuery): Promise<StoredEvent[]> {
    if (q.alertRef !== undefined) {
      const all = this.alertEventIds(q.alertRef, q.after);
      const ids = q.newest ? all.slice(Math.max(0, all.length - q.limit)) : all.slice(0, q.limit);
      const byId = this.read('SELECT * FROM events WHERE id = ?');
      const rows = ids
        .map((id) => byId.get(id) as EventRow | undefined)
        .filter((r): r is EventRow => r !== undefined);
      return rows
        .filter((r) => q.incidentRef === undefined || r.incident_ref === q.incidentRef)
        .map(eventFromRow);
    }
    let sql = 'SELECT * FROM events WHERE id > ?';
    const params: Array<string | number> = [q.after];
    if (q.incidentRef !== undefined) {
      sql += ' AND incident_ref = ?';
      params.push(q.incidentRef);
    }
    sql += q.newest ? ' ORDER BY id DESC LIMIT ?' : ' ORDER BY id LIMIT ?';
    params.push(q.limit);
    const rows = (this.read(sql).all(...params) as EventRow[]).map(eventFromRow);
    return q.newest ? rows.reverse() : rows;
  }

  async countAlerts(seenSince?: number): Promise<CountRow[]> {
    if (seenSince !== undefined) await this.flushIfPending();
    const sql =
      seenSince === undefined
        ? 'SELECT state, status, severity, count(*) AS count FROM alerts GROUP BY state, status, severity'
        : 'SELECT state, status, severity, count(*) AS count FROM alerts WHERE last_seen_at >= ? GROUP BY state, status, severity';
    const rows = (
      seenSince === undefined ? this.read(sql).all() : this.read(sql).all(seenSince)
    ) as CountRow[];
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  async topSignatures(seenSince: number, limit: number): Promise<SignatureCount[]> {
    await this.flushIfPending();
    // SQLite takes bare columns (service, title) from the row holding max(last_seen_at): the newest alert.
    return this.read(
      `SELECT signature, service, title, count(*) AS alerts, sum(occurrences) AS occurrences, max(last_seen_at) AS lastSeenAt
       FROM alerts WHERE last_seen_at >= ? GROUP BY signature ORDER BY alerts DESC, occurrences DESC, signature LIMIT ?`,
    ).all(seenSince, limit) as SignatureCount[];
  }

  async getIncident(ref: string): Promise<Incident | null> {
    const row = this.read('SELECT * FROM incidents WHERE ref = ?').get(ref) as IncidentRow | undefined;
    return row ? incidentFromRow(row) : null;
  }

  async listIncidents(q: IncidentQuery): Promise<Incident[]> {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (q.statusIn && q.statusIn.length > 0) {
      where.push(`status IN (${q.statusIn.map(() => '?').join(', ')})`);
      params.push(...q.statusIn);
    }
    if (q.service !== undefined) {
      where.push('service = ?');
      params.push(q.service);
    }
    if (q.beforeId !== undefined) {
      where.push('id < ?');
      params.push(q.beforeId);
    }
    const sql = `SELECT * FROM incidents ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    params.push(q.limit);
    return (this.read(sql).all(...params) as IncidentRow[]).map(incidentFromRow);
  }

  async incidentAlertRefs(ref: string): Promise<string[]> {
    const rows = this.read(
      'SELECT alert_ref FROM incident_alerts WHERE incident_ref = ? ORDER BY attached_at, rowid',
    ).all(ref) as Array<{ alert_ref: string }>;
    return rows.map((r) => r.alert_ref);
  }

  async purgeExpired(cutoff: number, batchSize: number): Promise<PurgeResult> {
    await this.flushIfPending();
    const result = await this.transaction(async () => {
      const alertRefs = (
        this.stmt(
          // Alerts of an incident that is not closed stay: they are part of its record.
          `SELECT ref FROM alerts WHERE (state = 'resolved' OR status = 'acked') AND updated_at < ?
             AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.ref = alerts.incident_ref AND i.status <> 'closed')
           ORDER BY id LIMIT ?`,
        ).all(cutoff, batchSize) as Array<{ ref: string }>
      ).map((r) => r.ref);
      let events = 0;
      const prevOf = this.stmt('SELECT prev_id FROM events WHERE id = ?');
      const deleteEvent = this.stmt('DELETE FROM events WHERE id = ?');
      for (const ref of alertRefs) {
        let id = this.lastEventIdOf(ref);
        while (id !== null) {
          const prev = (prevOf.get(id) as { prev_id: number | null } | undefined)?.prev_id ?? null;
          events += deleteEvent.run(id).changes;
          id = prev;
        }
        this.stmt('DELETE FROM incident_alerts WHERE alert_ref = ?').run(ref);
        this.stmt('DELETE FROM alerts WHERE ref = ?').run(ref);
      }
      const incidentRefs = (
        this.stmt(
          `SELECT ref FROM incidents WHERE status = 'closed' AND updated_at < ? ORDER BY id LIMIT ?`,
        ).all(cutoff, batchSize) as Array<{ ref: string }>
      ).map((r) => r.ref);
      for (const ref of incidentRefs) {
        events += this.stmt('DELETE FROM events WHERE incident_ref = ?').run(ref).changes;
        this.stmt('DELETE FROM incident_alerts WHERE incident_ref = ?').run(ref);
        this.stmt('DELETE FROM incidents WHERE ref = ?').run(ref);
      }
      events += this.stmt(
        `DELETE FROM events WHERE id IN (
           SELECT e.id FROM events e WHERE e.at < ?
             AND (e.alert_ref IS NULL OR NOT EXISTS (SELECT 1 FROM alerts a WHERE a.ref = e.alert_ref))
             AND (e.incident_ref IS NULL OR NOT EXISTS (SELECT 1 FROM incidents i WHERE i.ref = e.incident_ref))
           ORDER BY e.id LIMIT ?)`,
      ).run(cutoff, batchSize).changes;
      return { alertRefs, events, incidents: incidentRefs.length };
    });
    // Deleted alerts leave the caches (a resolved or acked alert can still be a current head).
    for (const ref of result.alertRefs) {
      this.cache.dropHead(ref);
      this.cache.pending.delete(ref);
      this.cache.lastEventIds.delete(ref);
    }
    return { alerts: result.alertRefs.length, events: result.events, incidents: result.incidents };
  }

  async ping(): Promise<void> {
    this.read('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    // Write pending counters so a clean shutdown leaves nothing for recovery.
    await this.flushTouches().catch(() => undefined);
    await this.transaction(async () => undefined).catch(() => undefined);
    this.closed = true;
    await this.walSync?.close();
    await this.checkpointer?.stop();
    if (this.reader !== this.writer) this.reader.close();
    this.writer.close();
  }
}
