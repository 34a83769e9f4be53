import { afterEach, describe, expect, it } from 'vitest';
import type { GroupRow, Notification } from '../../src/notify/model.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import type { Store } from '../../src/store/store.js';
import { BACKENDS, PG_URL, postgresTestStore, testStore, type TestStore } from '../helpers/stores.js';

/* The notification tables' contract, run against both backends. */

const T0 = Date.parse('2026-03-01T12:00:00Z');

function group(key: string, nextFlushAt: number): GroupRow {
  return {
    groupKey: key,
    routePath: '0',
    receiver: 'ops',
    groupLabels: { alertname: key },
    createdAt: T0,
    nextFlushAt,
    lastFlushAt: null,
  };
}

function notification(integration: string, n: number): Omit<Notification, 'id'> {
  return {
    ref: `ntf_${String(n).padStart(26, '0')}`,
    integration,
    receiver: 'ops',
    groupKey: 'g',
    status: 'queued',
    data: {
      receiver: 'ops',
      status: 'firing',
      alerts: [],
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://x',
      groupKey: 'g',
      truncatedAlerts: 0,
    },
    alertRefs: [`alrt_${n}`, `alrt_shared`],
    createdAt: T0 + n,
    nextAttemptAt: T0,
    attempts: 0,
    lastError: null,
    finishedAt: null,
    updatedAt: T0,
  };
}

for (const backend of BACKENDS) {
  describe(`notification tables (${backend})`, () => {
    let t: TestStore | null = null;
    afterEach(async () => {
      await t?.dispose();
      t = null;
    });
    const open = async (): Promise<Store> => {
      t = await testStore(backend);
      return t.store;
    };

    it('stores groups and members, finds due groups in order, and deletes them with their members', async () => {
      const store = await open();
      await store.transaction(async (tx) => {
        await tx.notify.insertGroups([group('b', T0 + 10), group('a', T0 + 5), group('c', T0 + 100)]);
        await tx.notify.upsertMembers([
          { groupKey: 'a', fingerprint: 'f1', alertRef: 'r1' },
          { groupKey: 'a', fingerprint: 'f2', alertRef: 'r2' },
        ]);
        // A newer alert with the same fingerprint takes the place of the old one.
        await tx.notify.upsertMembers([{ groupKey: 'a', fingerprint: 'f1', alertRef: 'r3' }]);
      });
      const due = await store.transaction((tx) => tx.notify.dueGroups(T0 + 10, 10));
      expect(due.map((g) => g.groupKey)).toEqual(['a', 'b']);
      expect(due[0]).toEqual(group('a', T0 + 5));
      expect(await store.notify.nextFlushAt()).toBe(T0 + 5);
      expect(await store.transaction((tx) => tx.notify.members('a'))).toEqual([
        { groupKey: 'a', fingerprint: 'f1', alertRef: 'r3' },
        { groupKey: 'a', fingerprint: 'f2', alertRef: 'r2' },
      ]);
      // Deleting a member only removes it while it still points at the alert named.
      await store.transaction((tx) =>
        tx.notify.deleteMembers([
          { groupKey: 'a', fingerprint: 'f1', alertRef: 'r1' },
          { groupKey: 'a', fingerprint: 'f2', alertRef: 'r2' },
        ]),
      );
      expect((await store.notify.allMembers()).map((m) => m.alertRef)).toEqual(['r3']);
      await store.transaction((tx) => tx.notify.deleteGroups(['a']));
      expect((await store.notify.allGroups()).map((g) => g.groupKey)).toEqual(['b', 'c']);
      expect(await store.notify.allMembers()).toEqual([]);
    });

    it('keeps the outbox in order per integration with alert links and attempts', async () => {
      const store = await open();
      const ids = await store.transaction((tx) =>
        tx.notify.insertNotifications([notification('x', 1), notification('y', 2), notification('x', 3)]),
      );
      expect(ids[0]! < ids[1]! && ids[1]! < ids[2]!).toBe(true);
      const head = await store.transaction((tx) => tx.notify.headNotification('x'));
      expect(head).toMatchObject({
        id: ids[0],
        ref: notification('x', 1).ref,
        alertRefs: ['alrt_1', 'alrt_shared'],
      });
      await store.transaction(async (tx) => {
        await tx.notify.updateNotification({
          ...head!,
          status: 'delivered',
          finishedAt: T0 + 9,
          attempts: 1,
        });
        await tx.notify.insertAttempt({
          notificationId: head!.id,
          at: T0 + 9,
          outcome: 'delivered',
          statusCode: 200,
          error: null,
          latencyMs: 1.5,
        });
      });
      expect((await store.transaction((tx) => tx.notify.headNotification('x')))!.id).toBe(ids[2]);
      expect(await store.notify.queueStats()).toEqual([
        { integration: 'x', pending: 1, oldestCreatedAt: T0 + 3, nextAttemptAt: T0 },
        { integration: 'y', pending: 1, oldestCreatedAt: T0 + 2, nextAttemptAt: T0 },
      ]);
      const byAlert = await store.notify.listNotifications({ alertRef: 'alrt_shared', limit: 10 });
      expect(byAlert.map((n) => n.id)).toEqual([ids[2], ids[1], ids[0]]);
      expect(await store.notify.listNotifications({ statusIn: ['delivered'], limit: 10 })).toHaveLength(1);
      expect((await store.notify.attempts([head!.id])).get(head!.id)).toEqual([
        {
          notificationId: head!.id,
          at: T0 + 9,
          outcome: 'delivered',
          statusCode: 200,
          error: null,
          latencyMs: 1.5,
        },
      ]);
      // Retention removes finished rows with their attempts and links.
      expect(await store.transaction((tx) => tx.notify.purge(T0 + 10, 100))).toBe(1);
      expect(await store.notify.notification(notification('x', 1).ref)).toBeNull();
    });

    it('grants an integration lease to one owner at a time until it expires', async () => {
      const store = await open();
      const lease = (owner: string, now: number) =>
        store.transaction((tx) => tx.notify.leaseIntegration('x', owner, now, now + 1000));
      expect(await lease('a', T0)).toBe(true);
      expect(await lease('b', T0 + 500)).toBe(false);
      expect(await lease('a', T0 + 500)).toBe(true);
      expect(await lease('b', T0 + 1600)).toBe(true);
      await store.transaction((tx) => tx.notify.releaseIntegration('x', 'b'));
      expect(await lease('a', T0 + 1601)).toBe(true);
    });

    it('stores silences and reports a new version whenever one changes', async () => {
      const store = await open();
      const v0 = await store.notify.silencesVersion();
      const s = {
        id: '5c5d4c3a-0000-4000-8000-000000000001',
        matchers: [{ name: 'job', type: '=~' as const, value: 'api|web' }],
        startsAt: T0,
        endsAt: T0 + 1000,
        createdBy: 'alice',
        comment: 'deploy',
        createdAt: T0,
        updatedAt: T0,
      };
      await store.transaction((tx) => tx.notify.saveSilence(s));
      const v1 = await store.notify.silencesVersion();
      expect(v1).not.toBe(v0);
      expect(await store.notify.silence(s.id)).toEqual(s);
      await store.transaction((tx) => tx.notify.saveSilence({ ...s, endsAt: T0 + 5, updatedAt: T0 + 5 }));
      expect(await store.notify.silencesVersion()).not.toBe(v1);
      expect(await store.transaction((tx) => tx.notify.purgeSilences(T0 + 6))).toBe(1);
      expect(await store.notify.silences()).toEqual([]);
    });

    it('indexes inhibit sources by rule and equal key, replaced per fingerprint', async () => {
      const store = await open();
      await store.transaction(async (tx) => {
        await tx.notify.setInhibitSources('f1', [
          { ruleId: 'r', equalKey: '["eu"]', fingerprint: 'f1', alsoTarget: false },
        ]);
        await tx.notify.setInhibitSources('f2', [
          { ruleId: 'r', equalKey: '["us"]', fingerprint: 'f2', alsoTarget: true },
        ]);
      });
      const found = await store.transaction((tx) =>
        tx.notify.inhibitSourcesFor([
          { ruleId: 'r', equalKey: '["eu"]' },
          { ruleId: 'r', equalKey: '["eu"]' },
          { ruleId: 'q', equalKey: '["us"]' },
        ]),
      );
      expect(found).toEqual([{ ruleId: 'r', equalKey: '["eu"]', fingerprint: 'f1', alsoTarget: false }]);
      await store.transaction((tx) => tx.notify.setInhibitSources('f1', []));
      expect(await store.notify.allInhibitSources()).toEqual([
        { ruleId: 'r', equalKey: '["us"]', fingerprint: 'f2', alsoTarget: true },
      ]);
    });
  });
}

describe('notification tables across replicas (postgres)', () => {
  let a: TestStore & { schema: string };
  let b: PostgresStore;
  afterEach(async () => {
    await b.close();
    await a.dispose();
  });

  it('never hands one due group to two replicas flushing at once', async () => {
    a = await postgresTestStore();
    b = await PostgresStore.open({ url: PG_URL, schema: a.schema, poolSize: 4 });
    await a.store.transaction((tx) =>
      tx.notify.insertGroups(
        Array.from({ length: 20 }, (_, i) => group(`g${String(i).padStart(2, '0')}`, T0)),
      ),
    );
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    let firstTook: string[] = [];
    let taken!: () => void;
    const tookThem = new Promise<void>((r) => (taken = r));
    // Replica A takes 10 due groups and keeps its transaction open while B looks.
    const first = a.store.transaction(async (tx) => {
      firstTook = (await tx.notify.dueGroups(T0, 10)).map((g) => g.groupKey);
      taken();
      await hold;
    });
    await tookThem;
    const secondTook = (await b.transaction((tx) => tx.notify.dueGroups(T0, 20))).map((g) => g.groupKey);
    release();
    await first;
    expect(firstTook).toHaveLength(10);
    expect(secondTook).toHaveLength(10);
    expect(firstTook.filter((k) => secondTook.includes(k))).toEqual([]);
  });
});
