/**
 * DDL of the notification tables, written once for both backends. These tables keep times as epoch
 * milliseconds (bigint) and JSON as text on PostgreSQL too, unlike the alert tables: nothing queries
 * inside them, and one set of statements (src/store/sql/notify.ts) then serves both databases.
 */
export type Dialect = 'sqlite' | 'postgres';

export function notifySchemaSql(dialect: Dialect): string {
  const serial = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'bigserial PRIMARY KEY';
  const int8 = dialect === 'sqlite' ? 'INTEGER' : 'bigint';
  const ifNotExists = dialect === 'postgres' ? 'IF NOT EXISTS ' : '';
  return `
    -- Alertmanager-style alerts (API v2) resolve by themselves when not re-sent for this long.
    ALTER TABLE alerts ADD COLUMN ${ifNotExists}resolve_after_ms ${int8};
    -- native or alertmanager (see AlertOrigin): whether routing may add labels derived from fields.
    ALTER TABLE alerts ADD COLUMN ${ifNotExists}origin TEXT NOT NULL DEFAULT 'native';
    -- Alerts stored before this migration by the Alertmanager API (no kind, its default source).
    UPDATE alerts SET origin = 'alertmanager' WHERE kind IS NULL AND source = 'alertmanager-api';
    ${
      dialect === 'postgres'
        ? `-- The expiry sweep's candidates. Keyed by id, not last_seen_at, so re-sends stay HOT updates.
    CREATE INDEX IF NOT EXISTS alerts_expiring ON alerts (id)
      WHERE is_current AND state = 'firing' AND resolve_after_ms IS NOT NULL;`
        : '-- SQLite finds expired alerts in its in-memory current-alert index.'
    }

    CREATE TABLE ${ifNotExists}silences (
      id TEXT PRIMARY KEY,
      matchers TEXT NOT NULL,
      starts_at ${int8} NOT NULL,
      ends_at ${int8} NOT NULL,
      created_by TEXT NOT NULL,
      comment TEXT NOT NULL,
      created_at ${int8} NOT NULL,
      updated_at ${int8} NOT NULL
    );
    CREATE INDEX ${ifNotExists}silences_updated ON silences (updated_at);

    CREATE TABLE ${ifNotExists}notify_groups (
      group_key TEXT PRIMARY KEY,
      route_path TEXT NOT NULL,
      receiver TEXT NOT NULL,
      group_labels TEXT NOT NULL,
      created_at ${int8} NOT NULL,
      next_flush_at ${int8} NOT NULL,
      last_flush_at ${int8}
    );
    CREATE INDEX ${ifNotExists}notify_groups_due ON notify_groups (next_flush_at);

    CREATE TABLE ${ifNotExists}notify_group_alerts (
      group_key TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      alert_ref TEXT NOT NULL,
      PRIMARY KEY (group_key, fingerprint)
    );

    -- Alertmanager's notification log: what each integration of each group was last told.
    CREATE TABLE ${ifNotExists}notify_log (
      group_key TEXT NOT NULL,
      integration TEXT NOT NULL,
      firing TEXT NOT NULL,
      resolved TEXT NOT NULL,
      flapping TEXT NOT NULL,
      notified_at ${int8} NOT NULL,
      PRIMARY KEY (group_key, integration)
    );
    CREATE INDEX ${ifNotExists}notify_log_notified ON notify_log (notified_at);

    -- The outbox. id orders the messages of one integration: they are sent in that order.
    CREATE TABLE ${ifNotExists}notifications (
      id ${serial},
      ref TEXT NOT NULL UNIQUE,
      integration TEXT NOT NULL,
      receiver TEXT NOT NULL,
      group_key TEXT NOT NULL,
      status TEXT NOT NULL,
      data TEXT NOT NULL,
      created_at ${int8} NOT NULL,
      next_attempt_at ${int8} NOT NULL,
      attempts INTEGER NOT NULL,
      last_error TEXT,
      finished_at ${int8},
      updated_at ${int8} NOT NULL
    );
    CREATE INDEX ${ifNotExists}notifications_pending ON notifications (integration, id)
      WHERE status IN ('queued', 'sending', 'retrying');
    CREATE INDEX ${ifNotExists}notifications_receiver ON notifications (receiver, id);
    CREATE INDEX ${ifNotExists}notifications_finished ON notifications (finished_at) WHERE finished_at IS NOT NULL;

    CREATE TABLE ${ifNotExists}notification_alerts (
      alert_ref TEXT NOT NULL,
      notification_id ${int8} NOT NULL,
      PRIMARY KEY (alert_ref, notification_id)
    );
    CREATE INDEX ${ifNotExists}notification_alerts_notification ON notification_alerts (notification_id);

    CREATE TABLE ${ifNotExists}delivery_attempts (
      id ${serial},
      notification_id ${int8} NOT NULL,
      at ${int8} NOT NULL,
      outcome TEXT NOT NULL,
      status_code INTEGER,
      error TEXT,
      latency_ms DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX ${ifNotExists}delivery_attempts_notification ON delivery_attempts (notification_id, id);

    CREATE TABLE ${ifNotExists}integrations (
      integration TEXT PRIMARY KEY,
      lease_owner TEXT,
      lease_until ${int8},
      failing_since ${int8},
      last_success_at ${int8},
      last_failure_at ${int8},
      last_error TEXT
    );

    CREATE TABLE ${ifNotExists}inhibit_sources (
      rule_id TEXT NOT NULL,
      equal_key TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      also_target INTEGER NOT NULL,
      PRIMARY KEY (rule_id, equal_key, fingerprint)
    );
    CREATE INDEX ${ifNotExists}inhibit_sources_fingerprint ON inhibit_sources (fingerprint);

    -- Per-source throttle: when each integration last got a message about alerts from each source.
    CREATE TABLE ${ifNotExists}notify_throttle (
      integration TEXT NOT NULL,
      origin TEXT NOT NULL,
      last_sent_at ${int8} NOT NULL,
      PRIMARY KEY (integration, origin)
    );

    -- Flap detection: recent state changes of each fingerprint, and since when it is held as flapping.
    CREATE TABLE ${ifNotExists}notify_flaps (
      fingerprint TEXT PRIMARY KEY,
      flips TEXT NOT NULL,
      flapping_since ${int8},
      updated_at ${int8} NOT NULL
    );

    -- Escalation: where each firing alert is in each policy that applies to it.
    CREATE TABLE ${ifNotExists}notify_escalations (
      alert_ref TEXT NOT NULL,
      policy TEXT NOT NULL,
      started_at ${int8} NOT NULL,
      next_step INTEGER NOT NULL,
      next_at ${int8},
      PRIMARY KEY (alert_ref, policy)
    );
    CREATE INDEX ${ifNotExists}notify_escalations_due ON notify_escalations (next_at) WHERE next_at IS NOT NULL;

    -- Small named values the notification pipeline keeps (e.g. the inhibit rules' hash).
    CREATE TABLE ${ifNotExists}notify_meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `;
}
