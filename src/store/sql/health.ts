import type { HeartbeatState, PingKind } from '../../engine/heartbeat-state.js';
import type { CheckResult } from '../../engine/model.js';
import type { CheckState, CycleSummary } from '../../engine/state.js';
import type { Severity } from '../../alerts/model.js';
import { int, intOrNull, placeholders, type SqlRunner, type SqlValue } from './runner.js';

type Num = string | number;

/** States written per statement (17 parameters each, well under both backends' limits). */
const SAVE_CHUNK = 500;

interface CheckStateRow {
  check_id: string;
  status: string;
  severity: string | null;
  consecutive_failures: Num;
  consecutive_successes: Num;
  firing: Num;
  alert_ref: string | null;
  last_run_at: Num | null;
  next_run_at: Num;
  last_ok_at: Num | null;
  unavailable_since: Num | null;
  result: string | null;
  heartbeat: string | null;
  unavailable_alerts: string;
  lease_owner: string | null;
  lease_until: Num | null;
  runs: Num;
  updated_at: Num;
}

function stateFromRow(r: CheckStateRow): CheckState {
  return {
    checkId: r.check_id,
    status: r.status as CheckState['status'],
    severity: r.severity as Severity | null,
    consecutiveFailures: int(r.consecutive_failures),
    consecutiveSuccesses: int(r.consecutive_successes),
    firing: int(r.firing) === 1,
    alertRef: r.alert_ref,
    lastRunAt: intOrNull(r.last_run_at),
    nextRunAt: int(r.next_run_at),
    lastOkAt: intOrNull(r.last_ok_at),
    unavailableSince: intOrNull(r.unavailable_since),
    result: r.result === null ? null : (JSON.parse(r.result) as CheckResult),
    heartbeat: r.heartbeat === null ? null : (JSON.parse(r.heartbeat) as HeartbeatState),
    unavailableAlerts: JSON.parse(r.unavailable_alerts) as string[],
    leaseOwner: r.lease_owner,
    leaseUntil: intOrNull(r.lease_until),
    runs: int(r.runs),
    updatedAt: int(r.updated_at),
  };
}

export interface PingRow {
  checkId: string;
  kind: PingKind;
  runId: string | null;
  exitStatus: number | null;
  at: number;
  body: string | null;
}

/** The health engine's tables, shared by both backends (see health-schema.ts). */
export class SqlHealth {
  constructor(private readonly db: SqlRunner) {}

  private get skipLocked(): string {
    return this.db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  }

  private get forUpdate(): string {
    return this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
  }

  /** Creates the rows of checks that have none (a new configuration), due now. */
  async ensureChecks(ids: readonly string[], now: number): Promise<void> {
    for (let i = 0; i < ids.length; i += 200) {
      const part = ids.slice(i, i + 200);
      const values: SqlValue[] = [];
      for (const id of part) values.push(id, now, now);
      await this.db.run(
        `INSERT INTO check_state (check_id, status, consecutive_failures, consecutive_successes, firing, next_run_at, runs,
           unavailable_alerts, updated_at)
         VALUES ${part.map(() => "(?, 'unknown', 0, 0, 0, ?, 0, '[]', ?)").join(', ')} ON CONFLICT (check_id) DO NOTHING`,
        values,
      );
    }
  }

  /**
   * Claims checks for `owner` until `leaseUntil`: the due ones (next_run_at <= now), or the listed
   * ones whatever their schedule. A check leased by a live claim elsewhere is skipped (PostgreSQL:
   * SKIP LOCKED, so two replicas claiming at once never get the same check).
   */
  async claim(opts: {
    now: number;
    owner: string;
    leaseUntil: number;
    limit: number;
    ids?: readonly string[];
  }): Promise<CheckState[]> {
    const params: SqlValue[] = [opts.now];
    let where = '(lease_until IS NULL OR lease_until <= ?)';
    if (opts.ids) {
      if (opts.ids.length === 0) return [];
      where += ` AND check_id IN (${placeholders(opts.ids.length)})`;
      params.push(...opts.ids);
    } else {
      where += ' AND next_run_at <= ?';
      params.push(opts.now);
    }
    params.push(opts.limit);
    const rows = await this.db.all<CheckStateRow>(
      `SELECT * FROM check_state WHERE ${where} ORDER BY next_run_at, check_id LIMIT ?${this.skipLocked}`,
      params,
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.check_id);
    await this.db.run(
      `UPDATE check_state SET lease_owner = ?, lease_until = ? WHERE check_id IN (${placeholders(ids.length)})`,
      [opts.owner, opts.leaseUntil, ...ids],
    );
    return rows.map((r) => ({ ...stateFromRow(r), leaseOwner: opts.owner, leaseUntil: opts.leaseUntil }));
  }

  /** Records that `id` is running cycles now; forgets replicas not seen for an hour. */
  async touchReplica(id: string, now: number): Promise<void> {
    await this.db.run(
      `INSERT INTO replicas (id, started_at, seen_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`,
      [id, now, now],
    );
    await this.db.run('DELETE FROM replicas WHERE seen_at < ?', [now - 3_600_000]);
  }

  /** Replicas seen at or after `since`, newest first. */
  async replicas(since: number): Promise<Array<{ id: string; startedAt: number; seenAt: number }>> {
    const rows = await this.db.all<{ id: string; started_at: Num; seen_at: Num }>(
      'SELECT id, started_at, seen_at FROM replicas WHERE seen_at >= ? ORDER BY seen_at DESC, id',
      [since],
    );
    return rows.map((r) => ({ id: r.id, startedAt: int(r.started_at), seenAt: int(r.seen_at) }));
  }

  /**
   * The checks due at `now`: `free` ones are not leased; `total` also counts those leased by a
   * replica that is running them in this pass (a claim leaves next_run_at alone until the save).
   */
  async dueCount(now: number): Promise<{ free: number; total: number }> {
    const rows = await this.db.all<{ free: Num | null; total: Num }>(
      `SELECT sum(CASE WHEN lease_until IS NULL OR lease_until <= ? THEN 1 ELSE 0 END) AS free, count(*) AS total
         FROM check_state WHERE next_run_at <= ?`,
      [now, now],
    );
    return { free: int(rows[0]?.free ?? 0), total: int(rows[0]?.total ?? 0) };
  }

  /**
   * Writes states after an evaluation (and releases their claims when the states say so), many
   * rows per statement: a cycle of 10,000 checks is one transaction of a few statements. The
   * heartbeat column is left alone: pings write it (saveHeartbeat) and may arrive during a cycle.
   */
  async save(states: readonly CheckState[]): Promise<void> {
    // PostgreSQL types a VALUES list by its first row, where NULL says nothing: cast every column.
    const pg = this.db.dialect === 'postgres';
    const columns: Array<[name: string, pgType: string]> = [
      ['check_id', 'text'],
      ['status', 'text'],
      ['severity', 'text'],
      ['consecutive_failures', 'integer'],
      ['consecutive_successes', 'integer'],
      ['firing', 'integer'],
      ['alert_ref', 'text'],
      ['last_run_at', 'bigint'],
      ['next_run_at', 'bigint'],
      ['last_ok_at', 'bigint'],
      ['unavailable_since', 'bigint'],
      ['result', 'text'],
      ['unavailable_alerts', 'text'],
      ['lease_owner', 'text'],
      ['lease_until', 'bigint'],
      ['runs', 'bigint'],
      ['updated_at', 'bigint'],
    ];
    const row = `(${columns.map(([, type]) => (pg ? `?::${type}` : '?')).join(', ')})`;
    const set = columns
      .slice(1)
      .map(([name]) => `${name} = v.${name}`)
      .join(', ');
    for (let i = 0; i < states.length; i += SAVE_CHUNK) {
      const part = states.slice(i, i + SAVE_CHUNK);
      const values: SqlValue[] = [];
      for (const s of part)
        values.push(
          s.checkId,
          s.status,
          s.severity,
          s.consecutiveFailures,
          s.consecutiveSuccesses,
          s.firing ? 1 : 0,
          s.alertRef,
          s.lastRunAt,
          s.nextRunAt,
          s.lastOkAt,
          s.unavailableSince,
          s.result === null ? null : JSON.stringify(s.result),
          JSON.stringify(s.unavailableAlerts),
          s.leaseOwner,
          s.leaseUntil,
          s.runs,
          s.updatedAt,
        );
      await this.db.run(
        `WITH v(${columns.map(([name]) => name).join(', ')}) AS (VALUES ${part.map(() => row).join(', ')})
         UPDATE check_state SET ${set} FROM v WHERE check_state.check_id = v.check_id`,
        values,
      );
    }
  }

  /**
   * Stores a heartbeat check's state after a ping and makes the check due now, so that a /fail
   * pages, and a ping after an outage clears, within a cycle rather than an interval.
   */
  async saveHeartbeat(checkId: string, heartbeat: HeartbeatState, now: number): Promise<void> {
    await this.db.run(
      `UPDATE check_state SET heartbeat = ?, next_run_at = CASE WHEN next_run_at > ? THEN ? ELSE next_run_at END, updated_at = ?
       WHERE check_id = ?`,
      [JSON.stringify(heartbeat), now, now, now, checkId],
    );
  }

  /** Extends this owner's claims on `ids` (a long cycle keeps them while it runs). */
  async renew(ids: readonly string[], owner: string, leaseUntil: number): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      await this.db.run(
        `UPDATE check_state SET lease_until = ? WHERE lease_owner = ? AND check_id IN (${placeholders(part.length)})`,
        [leaseUntil, owner, ...part],
      );
    }
  }

  async state(checkId: string): Promise<CheckState | null> {
    const rows = await this.db.all<CheckStateRow>(
      `SELECT * FROM check_state WHERE check_id = ?${this.forUpdate}`,
      [checkId],
    );
    return rows[0] ? stateFromRow(rows[0]) : null;
  }

  async states(): Promise<CheckState[]> {
    return (await this.db.all<CheckStateRow>('SELECT * FROM check_state ORDER BY check_id')).map(
      stateFromRow,
    );
  }

  /** Removes the states of checks no longer configured; returns them (their alerts are cleared). */
  async removeOthers(keep: readonly string[]): Promise<CheckState[]> {
    const all = await this.db.all<CheckStateRow>('SELECT * FROM check_state');
    const kept = new Set(keep);
    const gone = all.filter((r) => !kept.has(r.check_id)).map(stateFromRow);
    for (const s of gone) await this.db.run('DELETE FROM check_state WHERE check_id = ?', [s.checkId]);
    return gone;
  }

  async nextRunAt(): Promise<number | null> {
    const rows = await this.db.all<{ next: Num | null }>('SELECT min(next_run_at) AS next FROM check_state');
    return intOrNull(rows[0]?.next ?? null);
  }

  async recordCycle(c: CycleSummary, startedAt: number, keep: number): Promise<void> {
    await this.db.run('INSERT INTO cycles (started_at, duration_ms, replica, summary) VALUES (?, ?, ?, ?)', [
      startedAt,
      c.cycle_duration_ms,
      c.replica,
      JSON.stringify(c),
    ]);
    // Bounded history: drop what is older than the newest `keep`.
    await this.db.run(
      `DELETE FROM cycles WHERE id <= (SELECT id FROM cycles ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      [keep],
    );
  }

  async cycles(limit: number): Promise<CycleSummary[]> {
    const rows = await this.db.all<{ summary: string }>(
      'SELECT summary FROM cycles ORDER BY id DESC LIMIT ?',
      [limit],
    );
    return rows.map((r) => JSON.parse(r.summary) as CycleSummary);
  }

  async lastCycleAt(): Promise<number | null> {
    const rows = await this.db.all<{ at: Num | null }>('SELECT max(started_at) AS at FROM cycles');
    return intOrNull(rows[0]?.at ?? null);
  }

  async insertPing(p: PingRow): Promise<void> {
    await this.db.run(
      'INSERT INTO heartbeat_pings (check_id, kind, run_id, exit_status, at, body) VALUES (?, ?, ?, ?, ?, ?)',
      [p.checkId, p.kind, p.runId, p.exitStatus, p.at, p.body],
    );
  }

  async pings(checkId: string, limit: number): Promise<PingRow[]> {
    const rows = await this.db.all<{
      check_id: string;
      kind: string;
      run_id: string | null;
      exit_status: Num | null;
      at: Num;
      body: string | null;
    }>(
      'SELECT check_id, kind, run_id, exit_status, at, body FROM heartbeat_pings WHERE check_id = ? ORDER BY id DESC LIMIT ?',
      [checkId, limit],
    );
    return rows.map((r) => ({
      checkId: r.check_id,
      kind: r.kind as PingKind,
      runId: r.run_id,
      exitStatus: intOrNull(r.exit_status),
      at: int(r.at),
      body: r.body,
    }));
  }

  /** Keeps the newest `keep` pings of a check. */
  async trimPings(checkId: string, keep: number): Promise<void> {
    await this.db.run(
      `DELETE FROM heartbeat_pings WHERE check_id = ? AND id <= (SELECT id FROM heartbeat_pings WHERE check_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      [checkId, checkId, keep],
    );
  }

  /**
   * Records pushed samples. Per series the newest sample wins (an older one arriving late only
   * counts); `advanced_at` moves when a counter grows or a gauge changes, which is what a
   * freshness check on progress reads.
   */
  async upsertSamples(rows: readonly SampleRow[]): Promise<void> {
    for (const r of rows) {
      await this.db.run(
        `INSERT INTO samples (series, metric, labels, type, value, updated_at, advanced_at, previous_value, previous_at, sample_count)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, 1)
         ON CONFLICT (series) DO UPDATE SET
           advanced_at = CASE WHEN excluded.updated_at >= samples.updated_at AND (
               (excluded.type = 'counter' AND excluded.value > samples.value) OR
               (excluded.type = 'gauge' AND excluded.value <> samples.value))
             THEN excluded.updated_at ELSE samples.advanced_at END,
           previous_value = CASE WHEN excluded.updated_at > samples.updated_at THEN samples.value ELSE samples.previous_value END,
           previous_at = CASE WHEN excluded.updated_at > samples.updated_at THEN samples.updated_at ELSE samples.previous_at END,
           value = CASE WHEN excluded.updated_at >= samples.updated_at THEN excluded.value ELSE samples.value END,
           updated_at = CASE WHEN excluded.updated_at > samples.updated_at THEN excluded.updated_at ELSE samples.updated_at END,
           type = excluded.type,
           sample_count = samples.sample_count + 1`,
        [r.series, r.metric, JSON.stringify(r.labels), r.type, r.value, r.at, r.at],
      );
    }
  }

  /** Deletes the series last updated before `cutoff`; returns how many. */
  async purgeSamples(cutoff: number): Promise<number> {
    const before = await this.db.all<{ n: Num }>('SELECT count(*) AS n FROM samples WHERE updated_at < ?', [
      cutoff,
    ]);
    await this.db.run('DELETE FROM samples WHERE updated_at < ?', [cutoff]);
    return int(before[0]?.n ?? 0);
  }

  /** Every series of a metric. */
  async samples(metric: string): Promise<StoredSample[]> {
    const rows = await this.db.all<{
      metric: string;
      labels: string;
      type: string;
      value: Num;
      updated_at: Num;
      advanced_at: Num;
      previous_value: Num | null;
      previous_at: Num | null;
      sample_count: Num;
    }>(
      `SELECT metric, labels, type, value, updated_at, advanced_at, previous_value, previous_at, sample_count
       FROM samples WHERE metric = ? ORDER BY series`,
      [metric],
    );
    return rows.map((r) => ({
      metric: r.metric,
      labels: JSON.parse(r.labels) as Record<string, string>,
      type: r.type as SampleType,
      value: Number(r.value),
      updatedAt: int(r.updated_at),
      advancedAt: int(r.advanced_at),
      previousValue: r.previous_value === null ? null : Number(r.previous_value),
      previousAt: intOrNull(r.previous_at),
      count: int(r.sample_count),
    }));
  }

  async insertEvents(rows: readonly IngestedEventRow[], keep: number): Promise<void> {
    for (const r of rows) {
      await this.db.run(
        `INSERT INTO ingested_events (type, service, labels, message, occurred_at, received_at, matched) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          r.type,
          r.service,
          JSON.stringify(r.labels),
          r.message,
          r.occurredAt,
          r.receivedAt,
          JSON.stringify(r.matched),
        ],
      );
    }
    await this.db.run(
      `DELETE FROM ingested_events WHERE id <= (SELECT id FROM ingested_events ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      [keep],
    );
  }

  /** The newest events first; `beforeId` pages back. */
  async events(opts: {
    limit: number;
    type?: string;
    beforeId?: number;
  }): Promise<Array<IngestedEventRow & { id: number }>> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (opts.type !== undefined) {
      where.push('type = ?');
      params.push(opts.type);
    }
    if (opts.beforeId !== undefined) {
      where.push('id < ?');
      params.push(opts.beforeId);
    }
    params.push(opts.limit);
    const rows = await this.db.all<{
      id: Num;
      type: string;
      service: string | null;
      labels: string;
      message: string | null;
      occurred_at: Num;
      received_at: Num;
      matched: string;
    }>(
      `SELECT * FROM ingested_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => ({
      id: int(r.id),
      type: r.type,
      service: r.service,
      labels: JSON.parse(r.labels) as Record<string, string>,
      message: r.message,
      occurredAt: int(r.occurred_at),
      receivedAt: int(r.received_at),
      matched: JSON.parse(r.matched) as string[],
    }));
  }
}

export type SampleType = 'counter' | 'gauge';

export interface SampleRow {
  /** metric plus its labels in a canonical form: the series' identity. */
  series: string;
  metric: string;
  labels: Record<string, string>;
  type: SampleType;
  value: number;
  at: number;
}

export interface StoredSample {
  metric: string;
  labels: Record<string, string>;
  type: SampleType;
  value: number;
  updatedAt: number;
  advancedAt: number;
  previousValue: number | null;
  previousAt: number | null;
  count: number;
}

export interface IngestedEventRow {
  type: string;
  service: string | null;
  labels: Record<string, string>;
  message: string | null;
  occurredAt: number;
  receivedAt: number;
  /** Ids of the event rules that matched. */
  matched: string[];
}
