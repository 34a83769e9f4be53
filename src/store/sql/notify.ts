import type { Labels } from '../../alerts/model.js';
import type {
  DeliveryAttempt,
  EscalationState,
  FlapState,
  GroupMember,
  GroupRow,
  InhibitSource,
  IntegrationState,
  NflogEntry,
  Notification,
  NotificationQuery,
  NotificationStatus,
  QueueStat,
  Silence,
  StoredMatcher,
} from '../../notify/model.js';
import type { NotificationData } from '../../notify/types.js';
import { int, intOrNull, placeholders, type SqlRunner, type SqlValue } from './runner.js';

/*
 * The notification tables' statements, shared by both backends (see notify-schema.ts). A backend
 * hands in a runner bound to its current transaction, or to a read connection for API reads.
 */

type Num = string | number;

interface GroupSqlRow {
  group_key: string;
  route_path: string;
  receiver: string;
  group_labels: string;
  created_at: Num;
  next_flush_at: Num;
  last_flush_at: Num | null;
}

function groupFromRow(r: GroupSqlRow): GroupRow {
  return {
    groupKey: r.group_key,
    routePath: r.route_path,
    receiver: r.receiver,
    groupLabels: JSON.parse(r.group_labels) as Labels,
    createdAt: int(r.created_at),
    nextFlushAt: int(r.next_flush_at),
    lastFlushAt: intOrNull(r.last_flush_at),
  };
}

interface NotificationSqlRow {
  id: Num;
  ref: string;
  integration: string;
  receiver: string;
  group_key: string;
  status: string;
  data: string;
  created_at: Num;
  next_attempt_at: Num;
  attempts: Num;
  last_error: string | null;
  finished_at: Num | null;
  updated_at: Num;
}

const NOTIFICATION_COLUMNS =
  'id, ref, integration, receiver, group_key, status, data, created_at, next_attempt_at, attempts, last_error, finished_at, updated_at';

function notificationFromRow(r: NotificationSqlRow, alertRefs: string[]): Notification {
  return {
    id: int(r.id),
    ref: r.ref,
    integration: r.integration,
    receiver: r.receiver,
    groupKey: r.group_key,
    status: r.status as NotificationStatus,
    data: JSON.parse(r.data) as NotificationData,
    alertRefs,
    createdAt: int(r.created_at),
    nextAttemptAt: int(r.next_attempt_at),
    attempts: int(r.attempts),
    lastError: r.last_error,
    finishedAt: intOrNull(r.finished_at),
    updatedAt: int(r.updated_at),
  };
}

interface SilenceSqlRow {
  id: string;
  matchers: string;
  starts_at: Num;
  ends_at: Num;
  created_by: string;
  comment: string;
  created_at: Num;
  updated_at: Num;
}

function silenceFromRow(r: SilenceSqlRow): Silence {
  return {
    id: r.id,
    matchers: JSON.parse(r.matchers) as StoredMatcher[],
    startsAt: int(r.starts_at),
    endsAt: int(r.ends_at),
    createdBy: r.created_by,
    comment: r.comment,
    createdAt: int(r.created_at),
    updatedAt: int(r.updated_at),
  };
}

interface IntegrationSqlRow {
  integration: string;
  lease_owner: string | null;
  lease_until: Num | null;
  failing_since: Num | null;
  last_success_at: Num | null;
  last_failure_at: Num | null;
  last_error: string | null;
}

function integrationFromRow(r: IntegrationSqlRow): IntegrationState {
  return {
    integration: r.integration,
    leaseOwner: r.lease_owner,
    leaseUntil: intOrNull(r.lease_until),
    failingSince: intOrNull(r.failing_since),
    lastSuccessAt: intOrNull(r.last_success_at),
    lastFailureAt: intOrNull(r.last_failure_at),
    lastError: r.last_error,
  };
}

function inhibitFromRow(r: {
  rule_id: string;
  equal_key: string;
  fingerprint: string;
  also_target: Num;
}): InhibitSource {
  return {
    ruleId: r.rule_id,
    equalKey: r.equal_key,
    fingerprint: r.fingerprint,
    alsoTarget: int(r.also_target) === 1,
  };
}

/** Rows per multi-row statement: well under SQLite's 32,766 parameters and PostgreSQL's 65,535. */
const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class SqlNotify {
  constructor(private readonly db: SqlRunner) {}

  /** Row locks for a transaction that will update what it read (PostgreSQL; SQLite has one writer). */
  private get forUpdate(): string {
    return this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
  }

  private get skipLocked(): string {
    return this.db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  }

  // ---- groups ---------------------------------------------------------------------------------

  /** The groups with these keys, locked for update in key order (so concurrent flushes cannot deadlock). */
  async groups(keys: readonly string[]): Promise<Map<string, GroupRow>> {
    const out = new Map<string, GroupRow>();
    for (const part of chunks([...new Set(keys)].sort())) {
      const rows = await this.db.all<GroupSqlRow>(
        `SELECT * FROM notify_groups WHERE group_key IN (${placeholders(part.length)}) ORDER BY group_key${this.forUpdate}`,
        part,
      );
      for (const r of rows) out.set(r.group_key, groupFromRow(r));
    }
    return out;
  }

  async insertGroups(rows: readonly GroupRow[]): Promise<void> {
    for (const part of chunks(rows)) {
      const values: SqlValue[] = [];
      for (const g of part) {
        values.push(
          g.groupKey,
          g.routePath,
          g.receiver,
          JSON.stringify(g.groupLabels),
          g.createdAt,
          g.nextFlushAt,
          g.lastFlushAt,
        );
      }
      await this.db.run(
        `INSERT INTO notify_groups (group_key, route_path, receiver, group_labels, created_at, next_flush_at, last_flush_at)
         VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        values,
      );
    }
  }

  async updateGroup(g: GroupRow): Promise<void> {
    await this.db.run(
      `UPDATE notify_groups SET route_path = ?, receiver = ?, next_flush_at = ?, last_flush_at = ? WHERE group_key = ?`,
      [g.routePath, g.receiver, g.nextFlushAt, g.lastFlushAt, g.groupKey],
    );
  }

  /** Deletes groups and their members. */
  async deleteGroups(keys: readonly string[]): Promise<void> {
    for (const part of chunks(keys)) {
      const ph = placeholders(part.length);
      await this.db.run(`DELETE FROM notify_group_alerts WHERE group_key IN (${ph})`, part);
      await this.db.run(`DELETE FROM notify_groups WHERE group_key IN (${ph})`, part);
    }
  }

  async upsertMembers(members: readonly GroupMember[]): Promise<void> {
    for (const part of chunks(members)) {
      const values: SqlValue[] = [];
      for (const m of part) values.push(m.groupKey, m.fingerprint, m.alertRef);
      await this.db.run(
        `INSERT INTO notify_group_alerts (group_key, fingerprint, alert_ref)
         VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
         ON CONFLICT (group_key, fingerprint) DO UPDATE SET alert_ref = excluded.alert_ref`,
        values,
      );
    }
  }

  /** Removes members, but only while they still point at the alert given (a newer alert may have taken their place). */
  async deleteMembers(members: readonly GroupMember[]): Promise<void> {
    for (const m of members) {
      await this.db.run(
        'DELETE FROM notify_group_alerts WHERE group_key = ? AND fingerprint = ? AND alert_ref = ?',
        [m.groupKey, m.fingerprint, m.alertRef],
      );
    }
  }

  async members(groupKey: string): Promise<GroupMember[]> {
    const rows = await this.db.all<{ fingerprint: string; alert_ref: string }>(
      'SELECT fingerprint, alert_ref FROM notify_group_alerts WHERE group_key = ? ORDER BY fingerprint',
      [groupKey],
    );
    return rows.map((r) => ({ groupKey, fingerprint: r.fingerprint, alertRef: r.alert_ref }));
  }

  /** Groups due for a flush, oldest due first; on PostgreSQL skipping those another replica is flushing. */
  async dueGroups(now: number, limit: number): Promise<GroupRow[]> {
    const rows = await this.db.all<GroupSqlRow>(
      `SELECT * FROM notify_groups WHERE next_flush_at <= ? ORDER BY next_flush_at, group_key LIMIT ?${this.skipLocked}`,
      [now, limit],
    );
    return rows.map(groupFromRow);
  }

  async nextFlushAt(): Promise<number | null> {
    const rows = await this.db.all<{ next: Num | null }>(
      'SELECT min(next_flush_at) AS next FROM notify_groups',
    );
    return intOrNull(rows[0]?.next ?? null);
  }

  async allGroups(): Promise<GroupRow[]> {
    return (await this.db.all<GroupSqlRow>('SELECT * FROM notify_groups ORDER BY group_key')).map(
      groupFromRow,
    );
  }

  async allMembers(): Promise<GroupMember[]> {
    const rows = await this.db.all<{ group_key: string; fingerprint: string; alert_ref: string }>(
      'SELECT group_key, fingerprint, alert_ref FROM notify_group_alerts ORDER BY group_key, fingerprint',
    );
    return rows.map((r) => ({ groupKey: r.group_key, fingerprint: r.fingerprint, alertRef: r.alert_ref }));
  }

  // ---- notification log -----------------------------------------------------------------------

  async nflog(groupKey: string): Promise<Map<string, NflogEntry>> {
    const rows = await this.db.all<{
      integration: string;
      firing: string;
      resolved: string;
      flapping: string;
      notified_at: Num;
    }>('SELECT integration, firing, resolved, flapping, notified_at FROM notify_log WHERE group_key = ?', [
      groupKey,
    ]);
    const out = new Map<string, NflogEntry>();
    for (const r of rows) {
      out.set(r.integration, {
        groupKey,
        integration: r.integration,
        firing: JSON.parse(r.firing) as Record<string, number>,
        resolved: JSON.parse(r.resolved) as string[],
        flapping: JSON.parse(r.flapping) as string[],
        notifiedAt: int(r.notified_at),
      });
    }
    return out;
  }

  async saveNflog(entries: readonly NflogEntry[]): Promise<void> {
    for (const e of entries) {
      await this.db.run(
        `INSERT INTO notify_log (group_key, integration, firing, resolved, flapping, notified_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (group_key, integration) DO UPDATE
           SET firing = excluded.firing, resolved = excluded.resolved, flapping = excluded.flapping,
             notified_at = excluded.notified_at`,
        [
          e.groupKey,
          e.integration,
          JSON.stringify(e.firing),
          JSON.stringify(e.resolved),
          JSON.stringify(e.flapping),
          e.notifiedAt,
        ],
      );
    }
  }

  // ---- outbox ---------------------------------------------------------------------------------

  /** Inserts notifications in the order given (their ids follow that order) and returns the ids. */
  async insertNotifications(rows: readonly Omit<Notification, 'id'>[]): Promise<number[]> {
    const ids: number[] = [];
    for (const n of rows) {
      const [inserted] = await this.db.all<{ id: Num }>(
        `INSERT INTO notifications (ref, integration, receiver, group_key, status, data, created_at,
           next_attempt_at, attempts, last_error, finished_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [
          n.ref,
          n.integration,
          n.receiver,
          n.groupKey,
          n.status,
          JSON.stringify(n.data),
          n.createdAt,
          n.nextAttemptAt,
          n.attempts,
          n.lastError,
          n.finishedAt,
          n.updatedAt,
        ],
      );
      const id = int(inserted!.id);
      ids.push(id);
      const refs = [...new Set(n.alertRefs)];
      for (const part of chunks(refs)) {
        const values: SqlValue[] = [];
        for (const ref of part) values.push(ref, id);
        await this.db.run(
          `INSERT INTO notification_alerts (alert_ref, notification_id) VALUES ${part.map(() => '(?, ?)').join(', ')}`,
          values,
        );
      }
    }
    return ids;
  }

  private async withAlertRefs(rows: NotificationSqlRow[]): Promise<Notification[]> {
    const refs = new Map<number, string[]>();
    const ids = rows.map((r) => int(r.id));
    for (const part of chunks(ids)) {
      const links = await this.db.all<{ notification_id: Num; alert_ref: string }>(
        `SELECT notification_id, alert_ref FROM notification_alerts WHERE notification_id IN (${placeholders(part.length)})
         ORDER BY alert_ref`,
        part,
      );
      for (const l of links) {
        const id = int(l.notification_id);
        let list = refs.get(id);
        if (!list) refs.set(id, (list = []));
        list.push(l.alert_ref);
      }
    }
    return rows.map((r) => notificationFromRow(r, refs.get(int(r.id)) ?? []));
  }

  /** The oldest unfinished message of an integration: the only one that may be sent now. */
  async headNotification(integration: string): Promise<Notification | null> {
    const rows = await this.db.all<NotificationSqlRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications
       WHERE integration = ? AND status IN ('queued', 'sending', 'retrying') ORDER BY id LIMIT 1${this.forUpdate}`,
      [integration],
    );
    return (await this.withAlertRefs(rows))[0] ?? null;
  }

  async updateNotification(n: Notification): Promise<void> {
    await this.db.run(
      `UPDATE notifications SET status = ?, next_attempt_at = ?, attempts = ?, last_error = ?, finished_at = ?,
         updated_at = ? WHERE id = ?`,
      [n.status, n.nextAttemptAt, n.attempts, n.lastError, n.finishedAt, n.updatedAt, n.id],
    );
  }

  async insertAttempt(a: DeliveryAttempt): Promise<void> {
    await this.db.run(
      `INSERT INTO delivery_attempts (notification_id, at, outcome, status_code, error, latency_ms)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [a.notificationId, a.at, a.outcome, a.statusCode, a.error, a.latencyMs],
    );
  }

  async attempts(notificationIds: readonly number[]): Promise<Map<number, DeliveryAttempt[]>> {
    const out = new Map<number, DeliveryAttempt[]>();
    for (const part of chunks(notificationIds)) {
      const rows = await this.db.all<{
        notification_id: Num;
        at: Num;
        outcome: string;
        status_code: Num | null;
        error: string | null;
        latency_ms: Num;
      }>(
        `SELECT notification_id, at, outcome, status_code, error, latency_ms FROM delivery_attempts
         WHERE notification_id IN (${placeholders(part.length)}) ORDER BY id`,
        part,
      );
      for (const r of rows) {
        const id = int(r.notification_id);
        let list = out.get(id);
        if (!list) out.set(id, (list = []));
        list.push({
          notificationId: id,
          at: int(r.at),
          outcome: r.outcome as DeliveryAttempt['outcome'],
          statusCode: intOrNull(r.status_code),
          error: r.error,
          latencyMs: int(r.latency_ms),
        });
      }
    }
    return out;
  }

  async notification(ref: string): Promise<Notification | null> {
    const rows = await this.db.all<NotificationSqlRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE ref = ?`,
      [ref],
    );
    return (await this.withAlertRefs(rows))[0] ?? null;
  }

  /** Newest first. */
  async listNotifications(q: NotificationQuery): Promise<Notification[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.receiver !== undefined) {
      where.push('n.receiver = ?');
      params.push(q.receiver);
    }
    if (q.integration !== undefined) {
      where.push('n.integration = ?');
      params.push(q.integration);
    }
    if (q.statusIn && q.statusIn.length > 0) {
      where.push(`n.status IN (${placeholders(q.statusIn.length)})`);
      params.push(...q.statusIn);
    }
    if (q.alertRef !== undefined) {
      where.push('n.id IN (SELECT notification_id FROM notification_alerts WHERE alert_ref = ?)');
      params.push(q.alertRef);
    }
    if (q.beforeId !== undefined) {
      where.push('n.id < ?');
      params.push(q.beforeId);
    }
    params.push(q.limit);
    const rows = await this.db.all<NotificationSqlRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications n ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY n.id DESC LIMIT ?`,
      params,
    );
    return this.withAlertRefs(rows);
  }

  /** Every integration with unfinished messages. */
  async queueStats(): Promise<QueueStat[]> {
    const rows = await this.db.all<{
      integration: string;
      pending: Num;
      oldest: Num | null;
      next: Num | null;
    }>(
      `SELECT integration, count(*) AS pending, min(created_at) AS oldest, min(next_attempt_at) AS next
       FROM notifications WHERE status IN ('queued', 'sending', 'retrying') GROUP BY integration ORDER BY integration`,
    );
    return rows.map((r) => ({
      integration: r.integration,
      pending: int(r.pending),
      oldestCreatedAt: intOrNull(r.oldest),
      nextAttemptAt: intOrNull(r.next),
    }));
  }

  async countByStatus(): Promise<Array<{ integration: string; status: NotificationStatus; count: number }>> {
    const rows = await this.db.all<{ integration: string; status: string; count: Num }>(
      'SELECT integration, status, count(*) AS count FROM notifications GROUP BY integration, status',
    );
    return rows.map((r) => ({
      integration: r.integration,
      status: r.status as NotificationStatus,
      count: int(r.count),
    }));
  }

  // ---- integrations ---------------------------------------------------------------------------

  async integration(integration: string): Promise<IntegrationState | null> {
    const rows = await this.db.all<IntegrationSqlRow>(
      `SELECT * FROM integrations WHERE integration = ?${this.forUpdate}`,
      [integration],
    );
    return rows[0] ? integrationFromRow(rows[0]) : null;
  }

  async allIntegrations(): Promise<IntegrationState[]> {
    const rows = await this.db.all<IntegrationSqlRow>('SELECT * FROM integrations ORDER BY integration');
    return rows.map(integrationFromRow);
  }

  async saveIntegration(s: IntegrationState): Promise<void> {
    await this.db.run(
      `INSERT INTO integrations (integration, lease_owner, lease_until, failing_since, last_success_at, last_failure_at, last_error)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (integration) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until,
         failing_since = excluded.failing_since, last_success_at = excluded.last_success_at,
         last_failure_at = excluded.last_failure_at, last_error = excluded.last_error`,
      [
        s.integration,
        s.leaseOwner,
        s.leaseUntil,
        s.failingSince,
        s.lastSuccessAt,
        s.lastFailureAt,
        s.lastError,
      ],
    );
  }

  /**
   * Takes the integration's send lease for `owner` until `until`, if nobody else holds an unexpired
   * one. Only the lease holder sends, so an integration's messages go out one at a time, in order,
   * across replicas.
   */
  async leaseIntegration(integration: string, owner: string, now: number, until: number): Promise<boolean> {
    await this.db.run(
      'INSERT INTO integrations (integration) VALUES (?) ON CONFLICT (integration) DO NOTHING',
      [integration],
    );
    const changed = await this.db.run(
      `UPDATE integrations SET lease_owner = ?, lease_until = ?
       WHERE integration = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)`,
      [owner, until, integration, owner, now],
    );
    return changed === 1;
  }

  async releaseAllLeases(): Promise<void> {
    await this.db.run(
      'UPDATE integrations SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL',
    );
  }

  async releaseIntegration(integration: string, owner: string): Promise<void> {
    await this.db.run(
      'UPDATE integrations SET lease_owner = NULL, lease_until = NULL WHERE integration = ? AND lease_owner = ?',
      [integration, owner],
    );
  }

  // ---- silences -------------------------------------------------------------------------------

  async silences(): Promise<Silence[]> {
    return (await this.db.all<SilenceSqlRow>('SELECT * FROM silences ORDER BY created_at, id')).map(
      silenceFromRow,
    );
  }

  async silence(id: string): Promise<Silence | null> {
    const rows = await this.db.all<SilenceSqlRow>(`SELECT * FROM silences WHERE id = ?${this.forUpdate}`, [
      id,
    ]);
    return rows[0] ? silenceFromRow(rows[0]) : null;
  }

  async saveSilence(s: Silence): Promise<void> {
    await this.db.run(
      `INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at,
         ends_at = excluded.ends_at, created_by = excluded.created_by, comment = excluded.comment,
         updated_at = excluded.updated_at`,
      [
        s.id,
        JSON.stringify(s.matchers),
        s.startsAt,
        s.endsAt,
        s.createdBy,
        s.comment,
        s.createdAt,
        s.updatedAt,
      ],
    );
  }

  /** Changes whenever a silence is created, changed or deleted: lets a cache notice other replicas' writes. */
  async silencesVersion(): Promise<string> {
    const rows = await this.db.all<{ n: Num; latest: Num | null }>(
      'SELECT count(*) AS n, max(updated_at) AS latest FROM silences',
    );
    return `${int(rows[0]?.n ?? 0)}:${intOrNull(rows[0]?.latest ?? null) ?? 0}`;
  }

  /** Deletes silences that expired before `cutoff`. */
  async purgeSilences(cutoff: number): Promise<number> {
    return this.db.run('DELETE FROM silences WHERE ends_at < ?', [cutoff]);
  }

  // ---- inhibition -----------------------------------------------------------------------------

  /** Replaces the inhibit-source rows of one alert fingerprint (none when it stopped firing). */
  async setInhibitSources(fingerprint: string, sources: readonly InhibitSource[]): Promise<void> {
    await this.db.run('DELETE FROM inhibit_sources WHERE fingerprint = ?', [fingerprint]);
    for (const part of chunks(sources)) {
      const values: SqlValue[] = [];
      for (const s of part) values.push(s.ruleId, s.equalKey, s.fingerprint, s.alsoTarget ? 1 : 0);
      await this.db.run(
        `INSERT INTO inhibit_sources (rule_id, equal_key, fingerprint, also_target)
         VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
        values,
      );
    }
  }

  /** The source rows under these (rule, equal key) pairs. */
  async inhibitSourcesFor(
    pairs: ReadonlyArray<{ ruleId: string; equalKey: string }>,
  ): Promise<InhibitSource[]> {
    const unique = [...new Map(pairs.map((p) => [`${p.ruleId}\u0000${p.equalKey}`, p])).values()];
    const out: InhibitSource[] = [];
    for (const part of chunks(unique, 200)) {
      const values: SqlValue[] = [];
      for (const p of part) values.push(p.ruleId, p.equalKey);
      const rows = await this.db.all<{
        rule_id: string;
        equal_key: string;
        fingerprint: string;
        also_target: Num;
      }>(
        `SELECT rule_id, equal_key, fingerprint, also_target FROM inhibit_sources
         WHERE ${part.map(() => '(rule_id = ? AND equal_key = ?)').join(' OR ')}`,
        values,
      );
      for (const r of rows) out.push(inhibitFromRow(r));
    }
    return out;
  }

  async allInhibitSources(): Promise<InhibitSource[]> {
    const rows = await this.db.all<{
      rule_id: string;
      equal_key: string;
      fingerprint: string;
      also_target: Num;
    }>('SELECT rule_id, equal_key, fingerprint, also_target FROM inhibit_sources');
    return rows.map(inhibitFromRow);
  }

  async clearInhibitSources(): Promise<void> {
    await this.db.run('DELETE FROM inhibit_sources');
  }

  /** Refs of every current firing alert (for reconciling groups after a configuration change). */
  async currentFiringAlertRefs(): Promise<string[]> {
    const current = this.db.dialect === 'postgres' ? 'is_current' : 'is_current = 1';
    const rows = await this.db.all<{ ref: string }>(
      `SELECT ref FROM alerts WHERE ${current} AND state = 'firing' ORDER BY id`,
    );
    return rows.map((r) => r.ref);
  }

  // ---- throttle, flapping, escalation ---------------------------------------------------------

  async throttle(integration: string, origin: string): Promise<number | null> {
    const rows = await this.db.all<{ last_sent_at: Num }>(
      `SELECT last_sent_at FROM notify_throttle WHERE integration = ? AND origin = ?${this.forUpdate}`,
      [integration, origin],
    );
    return rows[0] ? int(rows[0].last_sent_at) : null;
  }

  async setThrottle(integration: string, origin: string, lastSentAt: number): Promise<void> {
    await this.db.run(
      `INSERT INTO notify_throttle (integration, origin, last_sent_at) VALUES (?, ?, ?)
       ON CONFLICT (integration, origin) DO UPDATE SET last_sent_at = excluded.last_sent_at`,
      [integration, origin, lastSentAt],
    );
  }

  async flaps(fingerprints: readonly string[]): Promise<Map<string, FlapState>> {
    const out = new Map<string, FlapState>();
    for (const part of chunks([...new Set(fingerprints)].sort())) {
      const rows = await this.db.all<{
        fingerprint: string;
        flips: string;
        flapping_since: Num | null;
        updated_at: Num;
      }>(
        `SELECT fingerprint, flips, flapping_since, updated_at FROM notify_flaps
         WHERE fingerprint IN (${placeholders(part.length)}) ORDER BY fingerprint${this.forUpdate}`,
        part,
      );
      for (const r of rows) {
        out.set(r.fingerprint, {
          fingerprint: r.fingerprint,
          flips: JSON.parse(r.flips) as number[],
          flappingSince: intOrNull(r.flapping_since),
          updatedAt: int(r.updated_at),
        });
      }
    }
    return out;
  }

  async saveFlap(s: FlapState): Promise<void> {
    await this.db.run(
      `INSERT INTO notify_flaps (fingerprint, flips, flapping_since, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (fingerprint) DO UPDATE SET flips = excluded.flips, flapping_since = excluded.flapping_since,
         updated_at = excluded.updated_at`,
      [s.fingerprint, JSON.stringify(s.flips), s.flappingSince, s.updatedAt],
    );
  }

  /** Deletes flap records not changed since `cutoff` (no flip within the window: nothing to remember). */
  async purgeFlaps(cutoff: number): Promise<number> {
    return this.db.run('DELETE FROM notify_flaps WHERE updated_at < ? AND flapping_since IS NULL', [cutoff]);
  }

  async insertEscalations(rows: readonly EscalationState[]): Promise<void> {
    for (const e of rows) {
      await this.db.run(
        `INSERT INTO notify_escalations (alert_ref, policy, started_at, next_step, next_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (alert_ref, policy) DO NOTHING`,
        [e.alertRef, e.policy, e.startedAt, e.nextStep, e.nextAt],
      );
    }
  }

  async dueEscalations(now: number, limit: number): Promise<EscalationState[]> {
    const rows = await this.db.all<{
      alert_ref: string;
      policy: string;
      started_at: Num;
      next_step: Num;
      next_at: Num | null;
    }>(
      `SELECT alert_ref, policy, started_at, next_step, next_at FROM notify_escalations
       WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at LIMIT ?${this.skipLocked}`,
      [now, limit],
    );
    return rows.map((r) => ({
      alertRef: r.alert_ref,
      policy: r.policy,
      startedAt: int(r.started_at),
      nextStep: int(r.next_step),
      nextAt: intOrNull(r.next_at),
    }));
  }

  async updateEscalation(e: EscalationState): Promise<void> {
    await this.db.run(
      'UPDATE notify_escalations SET next_step = ?, next_at = ? WHERE alert_ref = ? AND policy = ?',
      [e.nextStep, e.nextAt, e.alertRef, e.policy],
    );
  }

  async escalationsOf(alertRef: string): Promise<EscalationState[]> {
    const rows = await this.db.all<{
      alert_ref: string;
      policy: string;
      started_at: Num;
      next_step: Num;
      next_at: Num | null;
    }>(
      'SELECT alert_ref, policy, started_at, next_step, next_at FROM notify_escalations WHERE alert_ref = ? ORDER BY policy',
      [alertRef],
    );
    return rows.map((r) => ({
      alertRef: r.alert_ref,
      policy: r.policy,
      startedAt: int(r.started_at),
      nextStep: int(r.next_step),
      nextAt: intOrNull(r.next_at),
    }));
  }

  async nextEscalationAt(): Promise<number | null> {
    const rows = await this.db.all<{ next: Num | null }>(
      'SELECT min(next_at) AS next FROM notify_escalations',
    );
    return intOrNull(rows[0]?.next ?? null);
  }

  // ---- meta -----------------------------------------------------------------------------------

  async meta(key: string): Promise<string | null> {
    const rows = await this.db.all<{ value: string }>(
      `SELECT value FROM notify_meta WHERE key = ?${this.forUpdate}`,
      [key],
    );
    return rows[0]?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db.run(
      'INSERT INTO notify_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }

  // ---- retention ------------------------------------------------------------------------------

  /**
   * Deletes notification state nobody needs any more: at most `batchSize` finished notifications
   * older than `cutoff` (with their attempts and links), notification-log entries older than
   * `cutoff`, silences that expired before `silenceCutoff`, and throttle and flap records untouched
   * since `stateCutoff`. Returns how many notifications it deleted.
   */
  async purgeState(
    cutoffs: { cutoff: number; silenceCutoff: number; stateCutoff: number },
    batchSize: number,
  ): Promise<number> {
    const n = await this.purge(cutoffs.cutoff, batchSize);
    await this.purgeSilences(cutoffs.silenceCutoff);
    await this.purgeFlaps(cutoffs.stateCutoff);
    await this.db.run('DELETE FROM notify_throttle WHERE last_sent_at < ?', [cutoffs.stateCutoff]);
    return n;
  }

  /** Deletes finished notifications (with their attempts and links) and notification-log entries older than cutoff. */
  async purge(cutoff: number, batchSize: number): Promise<number> {
    const ids = (
      await this.db.all<{ id: Num }>(
        'SELECT id FROM notifications WHERE finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?',
        [cutoff, batchSize],
      )
    ).map((r) => int(r.id));
    for (const part of chunks(ids)) {
      const ph = placeholders(part.length);
      await this.db.run(`DELETE FROM delivery_attempts WHERE notification_id IN (${ph})`, part);
      await this.db.run(`DELETE FROM notification_alerts WHERE notification_id IN (${ph})`, part);
      await this.db.run(`DELETE FROM notifications WHERE id IN (${ph})`, part);
    }
    await this.db.run('DELETE FROM notify_log WHERE notified_at < ?', [cutoff]);
    return ids.length;
  }
}
