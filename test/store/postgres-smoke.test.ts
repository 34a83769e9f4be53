import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/alerts/fingerprint.js';
import { newAlert } from '../../src/alerts/lifecycle.js';
import type { Alert, EventDraft } from '../../src/alerts/model.js';
import { prepared } from '../helpers/alerts.js';
import type { Incident } from '../../src/incidents/model.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { LATEST_VERSION, MIGRATIONS } from '../../src/store/postgres/migrations.js';

/*
 * A smoke test of the PostgreSQL backend against a real server, in a fresh random schema that is
 * dropped afterwards. The cross-backend behaviour is the contract suite's job; this checks what is
 * specific to PostgreSQL: schema placement, migrations, exact millisecond round trips, one-statement
 * batches, SKIP LOCKED claims, retries and purging.
 */

const PG_URL = process.env.SENTINEL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// Odd milliseconds on purpose: a float or Date conversion that loses precision shows up here.
const T0 = 1_741_234_567_891;
const T_END_OF_YEAR = 1_767_225_599_999; // 2025-12-31T23:59:59.999Z
const MIN = 60_000;

let seq = 0;
function alert(fields: Partial<Alert> = {}): Alert {
  seq++;
  const input = prepared({
    source: 'smoke',
    title: `Alert ${seq}`,
    message: 'something is wrong',
    severity: 'warning',
    labels: { n: String(seq), quote: 'a "b" \\ c' },
    annotations: { summary: 'ünïcødé ✓' },
    fingerprint: fields.fingerprint ?? `fp-${seq}`,
  });
  const ref = `alrt_smoke_${String(seq).padStart(4, '0')}`;
  return { ...newAlert(input, ref, T0), signature: 'sig-default', ...fields };
}

function event(fields: Partial<EventDraft> = {}): EventDraft {
  return { type: 'raised', at: T0, alertRef: null, incidentRef: null, actor: null, data: {}, ...fields };
}

function incident(fields: Partial<Incident> = {}): Incident {
  seq++;
  return {
    id: 0,
    ref: `inc_smoke_${String(seq).padStart(4, '0')}`,
    signature: 'sig-default',
    service: 'gateway',
    title: 'Gateway is down',
    severity: 'P2',
    status: 'open',
    alertCount: 1,
    createdAt: T0,
    updatedAt: T0,
    resolvedAt: null,
    closedAt: null,
    ...fields,
  };
}

const withoutId = <T extends { id: number }>(x: T): Omit<T, 'id'> => {
  const { id: _id, ...rest } = x;
  return rest;
};

describe('PostgreSQL store (smoke)', () => {
  const schema = `smoke_${randomBytes(6).toString('hex')}`;
  const schemas = [schema];
  let store: PostgresStore;
  let admin: pg.Client;

  async function insert(...alerts: Alert[]): Promise<Alert[]> {
    await store.transaction((tx) => tx.insertAlerts(alerts));
    return Promise.all(alerts.map(async (a) => (await store.getAlert(a.ref))!));
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    store = await PostgresStore.open({ url: PG_URL, schema, poolSize: 4 });
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    for (const s of schemas) await admin?.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await admin?.end();
  });

  it('rejects schema names that are not plain identifiers', async () => {
    for (const bad of ['Public', 'a-b', 'x;drop', '1abc', 'a'.repeat(64), '']) {
      await expect(PostgresStore.open({ url: PG_URL, schema: bad })).rejects.toThrow(/invalid schema/);
    }
  });

  it('migrates into its own schema, concurrently safe, and applies nothing the second time', async () => {
    const fresh = `smoke_${randomBytes(6).toString('hex')}`;
    schemas.push(fresh);
    // Two replicas starting at once: the advisory lock makes one apply everything, the other nothing.
    const [one, two] = await Promise.all([
      PostgresStore.open({ url: PG_URL, schema: fresh, poolSize: 2 }),
      PostgresStore.open({ url: PG_URL, schema: fresh, poolSize: 2 }),
    ]);
    try {
      const [a, b] = await Promise.all([one.migrate(), two.migrate()]);
      expect([...a.applied, ...b.applied]).toEqual(MIGRATIONS.map((m) => `${m.version}_${m.name}`));
      expect(a.current).toBe(LATEST_VERSION);
      expect(b.current).toBe(LATEST_VERSION);
      expect(await one.migrate()).toEqual({ applied: [], current: LATEST_VERSION });
    } finally {
      await one.close();
      await two.close();
    }

    const { rows: recorded } = await admin.query(
      `SELECT version, name FROM "${fresh}".schema_migrations ORDER BY version`,
    );
    expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    const { rows: tables } = await admin.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [fresh],
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'alerts',
      'check_state',
      'cycles',
      'delivery_attempts',
      'events',
      'heartbeat_pings',
      'incident_alerts',
      'incidents',
      'ingested_events',
      'inhibit_sources',
      'integrations',
      'notification_alerts',
      'notifications',
      'notify_escalations',
      'notify_flaps',
      'notify_group_alerts',
      'notify_groups',
      'notify_log',
      'notify_meta',
      'notify_throttle',
      'replicas',
      'samples',
      'schema_migrations',
      'series',
      'series_points',
      'series_rollups',
      'signature_state',
      'silences',
    ]);
    // Nothing leaked into the default schema.
    const { rows: leaked } = await admin.query(
      `SELECT count(*)::int AS n FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name IN ('alerts', 'events', 'schema_migrations')`,
    );
    expect(leaked[0]).toEqual({ n: 0 });
  });

  it('keeps its schema when the URL carries its own options', async () => {
    const other = `smoke_${randomBytes(6).toString('hex')}`;
    schemas.push(other);
    const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c statement_timeout=5000')}`;
    const s = await PostgresStore.open({ url, schema: other, poolSize: 1 });
    try {
      await s.migrate();
      await s.ping();
    } finally {
      await s.close();
    }
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'alerts'`,
      [other],
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('round-trips alerts exactly, milliseconds, nulls, jsonb and bigints included', async () => {
    const full = alert({
      kind: 'node_down',
      generatorUrl: 'http://prom/graph?g0.expr=up%3D%3D0',
      startsAt: T0 - 1,
      lastSeenAt: T_END_OF_YEAR,
      resolvedAt: T0 + 3,
      createdAt: T0 + 5,
      updatedAt: T0 + 7,
      owner: 'worker-1',
      lockUntil: T0 + 11,
      retryAt: T0 + 13,
      lastError: 'boom',
      failCount: 2,
      ackNote: 'seen',
      ackedBy: 'alice',
      ackedAt: T0 + 17,
      incidentRef: 'inc_x',
      dedupeTtlMs: 2 ** 40 + 1,
      resolveAfterMs: 2 ** 40 + 3,
      occurrences: 42,
    });
    const bare = alert();
    const [a, b] = await insert(full, bare);
    expect(withoutId(a!)).toEqual(withoutId(full));
    expect(withoutId(b!)).toEqual(withoutId(bare));
    expect(typeof a!.id).toBe('number');
    expect(b!.id).toBeGreaterThan(a!.id);
  });

  it('updates every mutable field and touches counters, one statement per batch', async () => {
    const [a, b] = await insert(alert(), alert());
    const changedA: Alert = {
      ...a!,
      title: 'changed',
      labels: { changed: 'yes' },
      status: 'processing',
      owner: 'w1',
      lockUntil: T0 + 999,
      current: false,
      updatedAt: T0 + 1,
    };
    const changedB: Alert = { ...b!, state: 'resolved', resolvedAt: T0 + 2, updatedAt: T0 + 2 };
    await store.transaction((tx) => tx.updateAlerts([changedA, changedB]));
    expect(await store.getAlert(a!.ref)).toEqual(changedA);
    expect(await store.getAlert(b!.ref)).toEqual(changedB);

    await store.transaction((tx) =>
      tx.touchAlerts([
        { ref: a!.ref, occurrences: 7, lastSeenAt: T0 + 123, updatedAt: T0 + 125 },
        { ref: b!.ref, occurrences: 3, lastSeenAt: T0 + 321, updatedAt: T0 + 323 },
      ]),
    );
    expect(await store.getAlert(a!.ref)).toEqual({
      ...changedA,
      occurrences: 7,
      lastSeenAt: T0 + 123,
      updatedAt: T0 + 125,
    });
    expect((await store.getAlert(b!.ref))!.occurrences).toBe(3);
  });

  it('serves current heads by fingerprint, with content hashes, also for rows without a stored hash', async () => {
    const old = alert({ fingerprint: 'fp-head', current: false, title: 'old' });
    const cur = alert({ fingerprint: 'fp-head', title: 'current', occurrences: 5, lastSeenAt: T0 + 5 });
    const other = alert({ fingerprint: 'fp-head-2' });
    await insert(old, cur, other);
    const heads = await store.transaction((tx) =>
      tx.currentAlertsByFingerprint(['fp-head', 'fp-head-2', 'fp-missing']),
    );
    expect([...heads.keys()]).toEqual(['fp-head', 'fp-head-2']);
    expect(heads.get('fp-head')).toEqual({
      ref: cur.ref,
      fingerprint: 'fp-head',
      state: 'firing',
      occurrences: 5,
      lastSeenAt: T0 + 5,
      updatedAt: T0,
      contentHash: contentHash(cur),
      resolveAfterMs: null,
    });

    // A row written before migration 2 has no hash, and one written by a version with another hash
    // function has a foreign tag: either way the hash is computed from the row and stored.
    for (const stale of [null, 'ffffffff:0123456789abcd']) {
      await admin.query(`UPDATE "${schema}".alerts SET content_hash = $2 WHERE ref = $1`, [other.ref, stale]);
      const again = await store.transaction((tx) => tx.currentAlertsByFingerprint(['fp-head-2']));
      expect(again.get('fp-head-2')?.contentHash).toBe(contentHash(other));
      const { rows } = await admin.query<{ content_hash: string }>(
        `SELECT content_hash FROM "${schema}".alerts WHERE ref = $1`,
        [other.ref],
      );
      expect(rows[0]!.content_hash).toMatch(new RegExp(`^[0-9a-f]{8}:${contentHash(other)}$`));
      expect(rows[0]!.content_hash).not.toBe(stale);
    }
  });

  it('allows one current alert per fingerprint and reruns the transaction on the collision', async () => {
    const first = alert({ fingerprint: 'fp-unique' });
    await insert(first);
    let attempts = 0;
    const err = await store
      .transaction(async (tx) => {
        attempts++;
        await tx.insertAlerts([alert({ fingerprint: 'fp-unique' })]);
      })
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('23505');
    expect(attempts).toBe(5);
    // A non-current copy of the fingerprint is fine.
    await insert(alert({ fingerprint: 'fp-unique', current: false }));
  });

  it('makes a second transaction creating the same new fingerprint wait and find it, not collide', async () => {
    const created = alert({ fingerprint: 'fp-race' });
    let firstHasInserted!: () => void;
    const inserted = new Promise<void>((r) => (firstHasInserted = r));
    let secondAttempts = 0;
    let secondStarted = 0;
    const first = store.transaction(async (tx) => {
      expect((await tx.currentAlertsByFingerprint(['fp-race'])).size).toBe(0);
      await tx.insertAlerts([created]);
      firstHasInserted();
      // Give the second transaction time to reach its lock and wait there.
      await new Promise((r) => setTimeout(r, 200));
      return Date.now();
    });
    const second = (async () => {
      await inserted;
      return store.transaction(async (tx) => {
        secondAttempts++;
        secondStarted = Date.now();
        const heads = await tx.currentAlertsByFingerprint(['fp-race']);
        return { heads, at: Date.now() };
      });
    })();
    const [firstCommitted, { heads, at }] = await Promise.all([first, second]);
    expect(secondAttempts).toBe(1);
    expect(at).toBeGreaterThanOrEqual(firstCommitted);
    expect(at - secondStarted).toBeGreaterThanOrEqual(100);
    expect(heads.get('fp-race')?.ref).toBe(created.ref);
  });

  it('rolls back and rethrows a non-database error unchanged, without retrying', async () => {
    const boom = new Error('not a database problem');
    const doomed = alert();
    let attempts = 0;
    const err = await store
      .transaction(async (tx) => {
        attempts++;
        await tx.insertAlerts([doomed]);
        tx.appendEvents([event({ alertRef: doomed.ref })]);
        throw boom;
      })
      .catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(attempts).toBe(1);
    expect(await store.getAlert(doomed.ref)).toBeNull();
    expect(await store.listEvents({ after: 0, limit: 10, alertRef: doomed.ref })).toEqual([]);
  });

  it('lists alerts with filters, escaped text search and keyset pagination', async () => {
    const svc = `svc-${seq}`;
    const [pct, plain, other] = await insert(
      alert({ service: svc, title: 'Disk 100% full', severity: 'critical' }),
      alert({ service: svc, title: 'Disk 1000 full', message: 'under_score' }),
      alert({ service: svc, title: 'cpu', state: 'resolved', status: 'acked', lastSeenAt: T0 + 60 * MIN }),
    );
    const refs = (list: Alert[]): string[] => list.map((a) => a.ref);
    expect(refs(await store.listAlerts({ service: svc, limit: 10 }))).toEqual([
      other!.ref,
      plain!.ref,
      pct!.ref,
    ]);
    // % and _ are literal, and matching is case-insensitive.
    expect(refs(await store.listAlerts({ service: svc, text: '0%', limit: 10 }))).toEqual([pct!.ref]);
    expect(refs(await store.listAlerts({ service: svc, text: 'R_S', limit: 10 }))).toEqual([plain!.ref]);
    expect(refs(await store.listAlerts({ text: svc.toUpperCase(), limit: 10 }))).toHaveLength(3);
    expect(refs(await store.listAlerts({ service: svc, severity: 'critical', limit: 10 }))).toEqual([
      pct!.ref,
    ]);
    expect(
      refs(await store.listAlerts({ service: svc, state: 'resolved', statusIn: ['acked'], limit: 10 })),
    ).toEqual([other!.ref]);
    expect(refs(await store.listAlerts({ service: svc, seenSince: T0 + 1, limit: 10 }))).toEqual([
      other!.ref,
    ]);
    const page1 = await store.listAlerts({ service: svc, limit: 2 });
    const page2 = await store.listAlerts({ service: svc, limit: 2, beforeId: page1[1]!.id });
    expect(refs([...page1, ...page2])).toEqual([other!.ref, plain!.ref, pct!.ref]);
  });

  it('counts alerts and ranks signatures', async () => {
    // After every lastSeenAt used elsewhere in this file.
    const since = T_END_OF_YEAR + MIN;
    await insert(
      alert({ signature: 'sig-a', title: 'a old', lastSeenAt: since + 1, occurrences: 1 }),
      alert({ signature: 'sig-a', title: 'a new', service: 'api', lastSeenAt: since + 5, occurrences: 2 }),
      alert({ signature: 'sig-b', title: 'b', lastSeenAt: since + 3, occurrences: 10, severity: 'critical' }),
      alert({ signature: 'sig-c', title: 'c too old', lastSeenAt: since - 1 }),
    );
    expect(await store.topSignatures(since, 10)).toEqual([
      {
        signature: 'sig-a',
        service: 'api',
        title: 'a new',
        alerts: 2,
        occurrences: 3,
        lastSeenAt: since + 5,
      },
      {
        signature: 'sig-b',
        service: 'gateway',
        title: 'b',
        alerts: 1,
        occurrences: 10,
        lastSeenAt: since + 3,
      },
    ]);
    expect(await store.topSignatures(since, 1)).toHaveLength(1);
    const recent = await store.countAlerts(since);
    expect(recent.sort((x, y) => x.severity.localeCompare(y.severity))).toEqual([
      { state: 'firing', status: 'new', severity: 'critical', count: 1 },
      { state: 'firing', status: 'new', severity: 'warning', count: 2 },
    ]);
    const all = await store.countAlerts();
    expect(all.reduce((n, r) => n + r.count, 0)).toBe(
      Number((await admin.query(`SELECT count(*) FROM "${schema}".alerts`)).rows[0].count),
    );
  });

  it('stores incidents, attachments in attach order, and signature state', async () => {
    const inc = incident({ signature: 'sig-inc', createdAt: T0 + 1, updatedAt: T0 + 1 });
    const [a1, a2] = await insert(alert(), alert());
    await store.transaction(async (tx) => {
      await tx.insertIncident(inc);
      expect(await tx.attachAlertToIncident(inc.ref, a2!.ref, T0 + 1)).toBe(true);
      expect(await tx.attachAlertToIncident(inc.ref, a1!.ref, T0 + 1)).toBe(true);
      expect(await tx.attachAlertToIncident(inc.ref, a2!.ref, T0 + 2)).toBe(false);
    });
    expect(await store.incidentAlertRefs(inc.ref)).toEqual([a2!.ref, a1!.ref]);

    const stored = (await store.getIncident(inc.ref))!;
    expect(withoutId(stored)).toEqual(withoutId(inc));
    const found = await store.transaction((tx) => tx.openIncidentForSignature('sig-inc', T0));
    expect(found?.ref).toBe(inc.ref);
    expect(await store.transaction((tx) => tx.openIncidentForSignature('sig-inc', T0 + 2))).toBeNull();

    const resolved: Incident = { ...stored, status: 'resolved', resolvedAt: T0 + 77, updatedAt: T0 + 77 };
    await store.transaction(async (tx) => {
      expect((await tx.incidentForUpdate(inc.ref))?.ref).toBe(inc.ref);
      await tx.updateIncident(resolved);
    });
    expect(await store.getIncident(inc.ref)).toEqual(resolved);
    expect(await store.transaction((tx) => tx.openIncidentForSignature('sig-inc', T0))).toBeNull();

    const later = incident({ service: 'other-svc' });
    await store.transaction((tx) => tx.insertIncident(later));
    const newestFirst = await store.listIncidents({ limit: 10 });
    expect(newestFirst.map((i) => i.ref).slice(0, 2)).toEqual([later.ref, inc.ref]);
    expect((await store.listIncidents({ limit: 10, beforeId: newestFirst[0]!.id }))[0]?.ref).toBe(inc.ref);
    expect((await store.listIncidents({ limit: 10, statusIn: ['resolved'] })).map((i) => i.ref)).toEqual([
      inc.ref,
    ]);
    expect((await store.listIncidents({ limit: 10, service: 'other-svc' })).map((i) => i.ref)).toEqual([
      later.ref,
    ]);

    const fresh = await store.transaction((tx) => tx.lockSignature('sig-inc'));
    expect(fresh).toEqual({ signature: 'sig-inc', lastTriageAt: null, lastIncidentRef: null });
    await store.transaction(async (tx) => {
      const s = await tx.lockSignature('sig-inc');
      await tx.saveSignature({ ...s, lastTriageAt: T_END_OF_YEAR, lastIncidentRef: inc.ref });
    });
    expect(await store.transaction((tx) => tx.lockSignature('sig-inc'))).toEqual({
      signature: 'sig-inc',
      lastTriageAt: T_END_OF_YEAR,
      lastIncidentRef: inc.ref,
    });
  });

  it('appends events in order at commit and pages them with the after cursor', async () => {
    const before = await store.listEvents({ after: 0, limit: 100_000 });
    const start = before.length > 0 ? before[before.length - 1]!.id : 0;
    const drafts: EventDraft[] = [
      event({ type: 'raised', at: T0 + 1, alertRef: 'alrt_ev1', data: { n: 1 } }),
      event({ type: 'deduped', at: T0 + 3, alertRef: 'alrt_ev1', dataJson: '{"n":2,"pre":"serialised"}' }),
      event({ type: 'incident_opened', at: T0 + 5, incidentRef: 'inc_ev', actor: 'bob', data: { n: 3 } }),
      event({
        type: 'acked',
        at: T_END_OF_YEAR,
        alertRef: 'alrt_ev1',
        incidentRef: 'inc_ev',
        data: { n: 4 },
      }),
    ];
    await store.transaction(async (tx) => {
      tx.appendEvents(drafts.slice(0, 2));
      tx.appendEvents(drafts.slice(2));
      // Buffered: not in the table until commit, not even for this transaction.
      expect((await store.listEvents({ after: start, limit: 10 })).length).toBe(0);
    });
    const all = await store.listEvents({ after: start, limit: 10 });
    expect(all.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2, pre: 'serialised' }, { n: 3 }, { n: 4 }]);
    expect(all.map((e) => e.at)).toEqual([T0 + 1, T0 + 3, T0 + 5, T_END_OF_YEAR]);
    expect(all[2]).toMatchObject({
      type: 'incident_opened',
      actor: 'bob',
      incidentRef: 'inc_ev',
      alertRef: null,
    });
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(ids[0]).toBeGreaterThan(start);

    const page1 = await store.listEvents({ after: start, limit: 2 });
    const page2 = await store.listEvents({ after: page1[1]!.id, limit: 2 });
    expect([...page1, ...page2]).toEqual(all);
    expect(await store.listEvents({ after: ids[3]!, limit: 10 })).toEqual([]);
    expect((await store.listEvents({ after: 0, limit: 10, alertRef: 'alrt_ev1' })).map((e) => e.id)).toEqual([
      ids[0],
      ids[1],
      ids[3],
    ]);
    expect((await store.listEvents({ after: 0, limit: 10, incidentRef: 'inc_ev' })).map((e) => e.id)).toEqual(
      [ids[2], ids[3]],
    );
    const newest = await store.listEvents({ after: 0, limit: 2, alertRef: 'alrt_ev1', newest: true });
    expect(newest.map((e) => e.id)).toEqual([ids[1], ids[3]]);
  });

  it('hands parallel claimers disjoint rows (SKIP LOCKED), oldest first', async () => {
    // Everything earlier tests left as new is claimable too; take the full picture first.
    await insert(...Array.from({ length: 6 }, () => alert({ status: 'new' })));
    const claimable = (await store.listAlerts({ statusIn: ['new'], limit: 1000 }))
      .map((a) => a.ref)
      .reverse();

    let firstHasClaimed!: () => void;
    const claimedByFirst = new Promise<void>((r) => (firstHasClaimed = r));
    let secondIsDone!: () => void;
    const secondDone = new Promise<void>((r) => (secondIsDone = r));
    const first = store.transaction(async (tx) => {
      const got = await tx.claimCandidates({ statusIn: ['new'], limit: 3 });
      firstHasClaimed();
      // Keep the row locks until the second claimer has finished its own claim.
      await secondDone;
      return got.map((a) => a.ref);
    });
    const second = store.transaction(async (tx) => {
      await claimedByFirst;
      const got = await tx.claimCandidates({ statusIn: ['new'], limit: 1000 });
      secondIsDone();
      return got.map((a) => a.ref);
    });
    const [a, b] = await Promise.all([first, second]);
    expect(a).toEqual(claimable.slice(0, 3));
    expect(b).toEqual(claimable.slice(3));
    expect(a.filter((ref) => b.includes(ref))).toEqual([]);

    // The window filter and the status filter.
    const windowStart = T_END_OF_YEAR + MIN;
    await insert(alert({ lastSeenAt: windowStart }));
    const recent = await store.transaction((tx) =>
      tx.claimCandidates({ statusIn: ['new'], seenSince: windowStart, limit: 1000 }),
    );
    // The three 'new' alerts of the signature test (one before the window) and this one, by id.
    expect(recent.map((x) => x.lastSeenAt)).toEqual([
      windowStart + 1,
      windowStart + 5,
      windowStart + 3,
      windowStart,
    ]);
    expect(await store.transaction((tx) => tx.claimCandidates({ statusIn: [], limit: 10 }))).toEqual([]);
  });

  it('finds expired claim locks and due retries for requeueing', async () => {
    const now = T0 + 10 * MIN;
    const [expired, held, due, notDue] = await insert(
      alert({ status: 'processing', owner: 'w', lockUntil: now - 1 }),
      alert({ status: 'processing', owner: 'w', lockUntil: now + 1 }),
      alert({ status: 'failed', retryAt: now }),
      alert({ status: 'failed', retryAt: now + 1 }),
    );
    const refs = (await store.transaction((tx) => tx.requeueCandidates(now, 1000))).map((a) => a.ref);
    expect(refs).toContain(expired!.ref);
    expect(refs).toContain(due!.ref);
    expect(refs).not.toContain(held!.ref);
    expect(refs).not.toContain(notDue!.ref);
  });

  it('purges expired alerts, closed incidents and orphan events in bounded batches', async () => {
    // A separate time range far in the future, so the rows of earlier tests are never expired here.
    const base = T0 + 10 * 365 * 24 * 60 * MIN;
    const cutoff = base + 1000;
    await admin.query(`DELETE FROM "${schema}".alerts`);
    await admin.query(`DELETE FROM "${schema}".events`);
    await admin.query(`DELETE FROM "${schema}".incidents`);
    await admin.query(`DELETE FROM "${schema}".incident_alerts`);

    const openInc = incident({ status: 'open', updatedAt: base });
    const closedOld = incident({ status: 'closed', closedAt: base, updatedAt: base });
    const closedNew = incident({ status: 'closed', closedAt: cutoff + 1, updatedAt: cutoff + 1 });
    const expired = [1, 2, 3].map(() => alert({ state: 'resolved', resolvedAt: base, updatedAt: base }));
    const ackedOld = alert({ status: 'acked', ackedAt: base, updatedAt: base, incidentRef: closedOld.ref });
    const inOpenIncident = alert({ state: 'resolved', updatedAt: base, incidentRef: openInc.ref });
    const firingOld = alert({ updatedAt: base });
    const resolvedNew = alert({ state: 'resolved', updatedAt: cutoff + 1 });
    await insert(...expired, ackedOld, inOpenIncident, firingOld, resolvedNew);
    await store.transaction(async (tx) => {
      for (const i of [openInc, closedOld, closedNew]) await tx.insertIncident(i);
      await tx.attachAlertToIncident(closedOld.ref, ackedOld.ref, base);
      await tx.attachAlertToIncident(openInc.ref, inOpenIncident.ref, base);
      tx.appendEvents([
        ...expired.map((a) => event({ alertRef: a.ref, at: base })),
        event({ alertRef: expired[0]!.ref, type: 'resolved', at: cutoff + 5 }),
        event({ alertRef: inOpenIncident.ref, at: base }),
        event({ incidentRef: closedOld.ref, type: 'incident_opened', at: base }),
        event({ incidentRef: openInc.ref, type: 'incident_opened', at: base }),
        event({ type: 'incident_note', at: base }), // belongs to nothing: an orphan
        event({ type: 'incident_note', at: cutoff + 1 }), // belongs to nothing but is recent
      ]);
    });

    // Batch of 2: two of the four expired alerts (oldest first) with their 3 events, the old closed
    // incident with its event, and the old orphan.
    const first = await store.purgeExpired(cutoff, 2);
    expect(first).toEqual({ alerts: 2, incidents: 1, events: 3 + 1 + 1 });
    expect(await store.getAlert(expired[0]!.ref)).toBeNull();
    expect(await store.getAlert(expired[1]!.ref)).toBeNull();
    expect(await store.listEvents({ after: 0, limit: 10, alertRef: expired[0]!.ref })).toEqual([]);
    expect(await store.getIncident(closedOld.ref)).toBeNull();
    expect(await store.incidentAlertRefs(closedOld.ref)).toEqual([]);

    const second = await store.purgeExpired(cutoff, 2);
    expect(second).toEqual({ alerts: 2, incidents: 0, events: 1 });
    expect(await store.getAlert(ackedOld.ref)).toBeNull();
    const { rows: links } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".incident_alerts`);
    expect(links[0]).toEqual({ n: 1 });

    expect(await store.purgeExpired(cutoff, 2)).toEqual({ alerts: 0, incidents: 0, events: 0 });
    for (const kept of [inOpenIncident, firingOld, resolvedNew]) {
      expect(await store.getAlert(kept.ref)).not.toBeNull();
    }
    expect(await store.getIncident(openInc.ref)).not.toBeNull();
    expect(await store.getIncident(closedNew.ref)).not.toBeNull();
    expect((await store.listEvents({ after: 0, limit: 100 })).map((e) => e.type)).toEqual([
      'raised',
      'incident_opened',
      'incident_note',
    ]);
  });

  it('survives its connection dying in the middle of a transaction', async () => {
    let reachedMiddle!: () => void;
    const inMiddle = new Promise<void>((r) => (reachedMiddle = r));
    const doomed = store.transaction(async (tx) => {
      await tx.lockSignature('sig-terminated');
      reachedMiddle();
      // Between statements: the connection is idle when it dies.
      await new Promise((r) => setTimeout(r, 300));
      await tx.lockSignature('sig-terminated');
    });
    await inMiddle;
    const { rows } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM (
         SELECT DISTINCT pid FROM pg_locks
         WHERE relation = $1::regclass AND granted AND pid <> pg_backend_pid()) AS holders`,
      [`"${schema}".signature_state`],
    );
    expect(rows.length).toBe(1);
    await expect(doomed).rejects.toThrow();
    await store.ping();
    expect(await store.transaction((tx) => tx.lockSignature('sig-terminated'))).toEqual({
      signature: 'sig-terminated',
      lastTriageAt: null,
      lastIncidentRef: null,
    });
  });

  it('answers ping and closes idempotently', async () => {
    await store.ping();
    const s = await PostgresStore.open({ url: PG_URL, schema, poolSize: 1 });
    await s.close();
    await s.close();
  });
});
