import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newAlert } from '../../src/alerts/lifecycle.js';
import { AlertService } from '../../src/alerts/service.js';
import { alertToApi, eventToApi } from '../../src/alerts/present.js';
import { replayAlert } from '../../src/alerts/replay.js';
import { ManualClock } from '../../src/clock.js';
import { IncidentService } from '../../src/incidents/service.js';
import type { Store } from '../../src/store/store.js';
import { prepared } from '../helpers/alerts.js';
import { BACKENDS, testStore, type TestStore } from '../helpers/stores.js';

const MIN = 60_000;

/**
 * The store contract: every backend must behave identically through the shared business logic.
 * Each test gets a fresh SQLite file or PostgreSQL schema.
 */
describe.each(BACKENDS)('store contract: %s', (backend) => {
  let t: TestStore;
  let store: Store;
  let clock: ManualClock;
  let alerts: AlertService;
  let incidents: IncidentService;

  beforeEach(async () => {
    t = await testStore(backend);
    store = t.store;
    clock = new ManualClock('2026-03-01T12:00:00.123Z');
    alerts = new AlertService(store, clock);
    incidents = new IncidentService(store, clock, {
      triageCooldownMs: 15 * MIN,
      defaultDedupeWindowMs: 60 * MIN,
      defaultSeverityCap: 'P0',
    });
  });
  afterEach(async () => {
    await t.dispose();
  });

  async function eventsOf(ref: string) {
    return (await store.listEvents({ after: 0, limit: 1000, alertRef: ref })).map(eventToApi);
  }

  it('migrations are idempotent', async () => {
    const again = await store.migrate();
    expect(again.applied).toEqual([]);
    expect(again.current).toBeGreaterThan(0);
  });

  it('creates an alert with every field stored exactly, and a raised event', async () => {
    const [r] = await alerts.ingest([
      prepared({
        labels: { env: 'prod', region: 'eu' },
        annotations: { runbook: 'https://x/rb' },
        message: 'é ☃ 𝄞',
      }),
    ]);
    expect(r).toMatchObject({ accepted: true, deduped: false, occurrences: 1, state: 'firing' });
    expect(r!.alert_ref).toMatch(/^alrt_[0-9A-Z]{26}$/);
    const a = await store.getAlert(r!.alert_ref);
    expect(a).not.toBeNull();
    expect(a!.labels).toEqual({ env: 'prod', region: 'eu', service: 'gateway' });
    expect(a!.annotations).toEqual({ runbook: 'https://x/rb' });
    expect(a!.message).toBe('é ☃ 𝄞');
    expect(a!.createdAt).toBe(clock.now());
    expect(a!.status).toBe('new');
    const ev = await eventsOf(a!.ref);
    expect(ev.map((e) => e.type)).toEqual(['raised']);
  });

  it('dedupes within the TTL, updates on changed content, and starts a new alert after the TTL', async () => {
    const [first] = await alerts.ingest([prepared({ dedupe_ttl_minutes: 30 })]);
    clock.advance(10 * MIN);
    const [second] = await alerts.ingest([prepared({ dedupe_ttl_minutes: 30 })]);
    expect(second).toMatchObject({ deduped: true, alert_ref: first!.alert_ref, occurrences: 2 });
    clock.advance(10 * MIN);
    const [third] = await alerts.ingest([prepared({ dedupe_ttl_minutes: 30, message: 'now worse' })]);
    expect(third).toMatchObject({ deduped: true, alert_ref: first!.alert_ref, occurrences: 3 });
    expect((await store.getAlert(first!.alert_ref))!.message).toBe('now worse');
    expect((await eventsOf(first!.alert_ref)).map((e) => e.type)).toEqual(['raised', 'deduped', 'updated']);
    clock.advance(31 * MIN);
    const [fourth] = await alerts.ingest([prepared({ dedupe_ttl_minutes: 30 })]);
    expect(fourth!.deduped).toBe(false);
    expect(fourth!.alert_ref).not.toBe(first!.alert_ref);
    expect(fourth!.fingerprint).toBe(first!.fingerprint);
    expect((await store.getAlert(first!.alert_ref))!.current).toBe(false);
    expect((await store.getAlert(fourth!.alert_ref))!.current).toBe(true);
  });

  it('with a sender-chosen fingerprint, changed labels are an update, unchanged ones a dedupe', async () => {
    const [a] = await alerts.ingest([prepared({ fingerprint: 'gw-5xx', labels: { pod: 'a' } })]);
    const [b] = await alerts.ingest([prepared({ fingerprint: 'gw-5xx', labels: { pod: 'a' } })]);
    const [c] = await alerts.ingest([prepared({ fingerprint: 'gw-5xx', labels: { pod: 'b' } })]);
    expect([a!.alert_ref, b!.alert_ref, c!.alert_ref]).toEqual([a!.alert_ref, a!.alert_ref, a!.alert_ref]);
    expect((await eventsOf(a!.alert_ref)).map((e) => e.type)).toEqual(['raised', 'deduped', 'updated']);
    expect((await store.getAlert(a!.alert_ref))!.labels).toEqual({ pod: 'b', service: 'gateway' });
  });

  it('applies a batch in order: repeated fingerprints in one batch dedupe against each other', async () => {
    const batch = [
      prepared(),
      prepared(),
      prepared({ labels: { alertname: 'Other' }, title: 'Other' }),
      prepared(),
    ];
    const results = await alerts.ingest(batch);
    expect(results.map((r) => r.occurrences)).toEqual([1, 2, 1, 3]);
    expect(new Set(results.map((r) => r.alert_ref)).size).toBe(2);
    const stored = await store.getAlert(results[0]!.alert_ref);
    expect(stored!.occurrences).toBe(3);
  });

  it('a resolve by ingest clears the alert; a later firing raises a new alert', async () => {
    const [a] = await alerts.ingest([prepared()]);
    clock.advance(MIN);
    const [r] = await alerts.ingest([prepared({ state: 'resolved' })]);
    expect(r).toMatchObject({ alert_ref: a!.alert_ref, state: 'resolved' });
    clock.advance(MIN);
    const [b] = await alerts.ingest([prepared()]);
    expect(b!.alert_ref).not.toBe(a!.alert_ref);
    expect(b!.state).toBe('firing');
  });

  it('claims new alerts oldest first, never twice, and requeues expired locks', async () => {
    const results = await alerts.ingest(
      [1, 2, 3, 4, 5].map((i) => prepared({ labels: { alertname: `t${i}` }, title: `t${i}` })),
    );
    const first = await alerts.claim({ owner: 'w1', limit: 3, lockTtlMs: 10 * MIN, statusIn: ['new'] });
    expect(first.map((a) => a.ref)).toEqual(results.slice(0, 3).map((r) => r.alert_ref));
    expect(first.every((a) => a.status === 'processing' && a.owner === 'w1')).toBe(true);
    const second = await alerts.claim({ owner: 'w2', limit: 10, lockTtlMs: 10 * MIN, statusIn: ['new'] });
    expect(second.map((a) => a.ref)).toEqual(results.slice(3).map((r) => r.alert_ref));
    expect(await alerts.claim({ owner: 'w3', limit: 10, lockTtlMs: MIN, statusIn: ['new'] })).toEqual([]);
    clock.advance(10 * MIN);
    const third = await alerts.claim({ owner: 'w3', limit: 10, lockTtlMs: MIN, statusIn: ['new'] });
    expect(third).toHaveLength(5);
    const ev = await eventsOf(results[0]!.alert_ref);
    expect(ev.map((e) => e.type)).toEqual(['raised', 'claimed', 'requeued', 'claimed']);
    expect(ev[2]!.data.reason).toBe('lock_expired');
  });

  it('claims only alerts seen inside the window', async () => {
    const [old] = await alerts.ingest([prepared({ labels: { alertname: 'old' }, title: 'old' })]);
    clock.advance(120 * MIN);
    const [recent] = await alerts.ingest([prepared({ labels: { alertname: 'recent' }, title: 'recent' })]);
    const claimed = await alerts.claim({
      owner: 'w',
      limit: 10,
      lockTtlMs: MIN,
      statusIn: ['new'],
      windowMs: 60 * MIN,
    });
    expect(claimed.map((a) => a.ref)).toEqual([recent!.alert_ref]);
    expect(old!.alert_ref).not.toBe(recent!.alert_ref);
  });

  it('ack, fail and retry follow the state machine', async () => {
    const [a, b] = await alerts.ingest([
      prepared({ labels: { alertname: 'a' }, title: 'a' }),
      prepared({ labels: { alertname: 'b' }, title: 'b' }),
    ]);
    await alerts.claim({ owner: 'w', limit: 2, lockTtlMs: 10 * MIN, statusIn: ['new'] });
    const acked = await alerts.ack(a!.alert_ref, { note: 'false positive', actor: 'alice' });
    expect(acked).toMatchObject({ status: 'acked', ackNote: 'false positive', ackedBy: 'alice' });
    await expect(alerts.ack(a!.alert_ref, { note: null, actor: 'alice' })).rejects.toMatchObject({
      code: 'invalid_transition',
    });
    await expect(
      alerts.fail(b!.alert_ref, { error: 'x', retryAfterMs: 0, actor: null, owner: 'other' }),
    ).rejects.toMatchObject({
      code: 'lock_not_held',
    });
    const failed = await alerts.fail(b!.alert_ref, {
      error: 'gateway timeout',
      retryAfterMs: 5 * MIN,
      actor: 'w',
      owner: 'w',
    });
    expect(failed).toMatchObject({ status: 'failed', lastError: 'gateway timeout', failCount: 1 });
    await expect(
      alerts.fail(b!.alert_ref, { error: 'x', retryAfterMs: 0, actor: null }),
    ).rejects.toMatchObject({
      code: 'invalid_transition',
    });
    clock.advance(4 * MIN);
    expect(await alerts.claim({ owner: 'w', limit: 5, lockTtlMs: MIN, statusIn: ['new'] })).toEqual([]);
    clock.advance(2 * MIN);
    const retried = await alerts.claim({ owner: 'w', limit: 5, lockTtlMs: MIN, statusIn: ['new'] });
    expect(retried.map((x) => x.ref)).toEqual([b!.alert_ref]);
    const resolved = await alerts.resolve(b!.alert_ref, { actor: 'w', note: null });
    expect(resolved.state).toBe('resolved');
    await expect(alerts.resolve(b!.alert_ref, { actor: 'w', note: null })).rejects.toMatchObject({
      code: 'invalid_transition',
    });
    await expect(
      alerts.ack('alrt_00000000000000000000000000', { note: null, actor: null }),
    ).rejects.toMatchObject({
      code: 'alert_not_found',
    });
  });

  it("rebuilds every alert's current state from its events alone", async () => {
    const [a, b, c] = await alerts.ingest([
      prepared({ labels: { alertname: 'a' }, title: 'a' }),
      prepared({ labels: { alertname: 'b' }, title: 'b' }),
      prepared({ labels: { alertname: 'c' }, title: 'c' }),
    ]);
    clock.advance(MIN);
    await alerts.ingest([
      prepared({ labels: { alertname: 'a' }, title: 'a' }),
      prepared({ labels: { alertname: 'b' }, title: 'b', severity: 'warning', annotations: { x: 'y' } }),
    ]);
    await alerts.claim({ owner: 'w', limit: 3, lockTtlMs: MIN, statusIn: ['new'] });
    clock.advance(2 * MIN);
    await alerts.claim({ owner: 'w2', limit: 1, lockTtlMs: MIN, statusIn: ['new'] });
    await alerts.fail(a!.alert_ref, { error: 'boom', retryAfterMs: MIN, actor: 'w2' });
    await alerts.ack(b!.alert_ref, { note: 'done', actor: 'alice' });
    await alerts.resolve(c!.alert_ref, { actor: 'bob', note: 'fixed' });
    await incidents.fromAlert(b!.alert_ref, { actor: 'alice' });
    for (const r of [a, b, c]) {
      const stored = alertToApi((await store.getAlert(r!.alert_ref))!);
      expect(replayAlert(await eventsOf(r!.alert_ref))).toEqual(stored);
    }
  });

  it('returns the event log in order with a cursor that neither skips nor repeats', async () => {
    for (let i = 0; i < 5; i++)
      await alerts.ingest([
        prepared({ labels: { alertname: `e${i}` }, title: `e${i}` }),
        prepared({ labels: { alertname: `e${i}` }, title: `e${i}` }),
      ]);
    const all = await store.listEvents({ after: 0, limit: 1000 });
    expect(all).toHaveLength(10);
    const ids = all.map((e) => e.id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await store.listEvents({ after, limit: 3 });
      if (page.length === 0) break;
      seen.push(...page.map((e) => e.id));
      after = page[page.length - 1]!.id;
    }
    expect(seen).toEqual(ids);
    const newest = await store.listEvents({ after: 0, limit: 3, newest: true });
    expect(newest.map((e) => e.id)).toEqual(ids.slice(-3));
    const [alertRef] = all.map((e) => e.alertRef);
    const mine = await store.listEvents({ after: 0, limit: 1, newest: true, alertRef: alertRef! });
    expect(mine.map((e) => e.type)).toEqual(['deduped']);
  });

  it('lists with filters, text search and keyset pagination', async () => {
    await alerts.ingest([
      prepared({
        labels: { alertname: 'Gateway latency' },
        service: 'gateway',
        title: 'Gateway latency',
        severity: 'warning',
        source: 'monitor@node1',
      }),
      prepared({
        labels: { alertname: 'Gateway 5xx 100%_done' },
        service: 'gateway',
        title: 'Gateway 5xx 100%_done',
        severity: 'critical',
      }),
      prepared({
        labels: { alertname: 'Replication lag' },
        service: 'db',
        title: 'Replication lag',
        severity: 'critical',
      }),
    ]);
    clock.advance(MIN);
    await alerts.claim({ owner: 'w', limit: 1, lockTtlMs: MIN, statusIn: ['new'] });
    expect((await store.listAlerts({ service: 'gateway', limit: 10 })).map((a) => a.title)).toEqual([
      'Gateway 5xx 100%_done',
      'Gateway latency',
    ]);
    expect((await store.listAlerts({ severity: 'critical', limit: 10 })).length).toBe(2);
    expect((await store.listAlerts({ source: 'monitor@node1', limit: 10 })).length).toBe(1);
    expect((await store.listAlerts({ statusIn: ['processing'], limit: 10 })).map((a) => a.title)).toEqual([
      'Gateway latency',
    ]);
    expect((await store.listAlerts({ text: 'REPLICATION', limit: 10 })).map((a) => a.service)).toEqual([
      'db',
    ]);
    expect((await store.listAlerts({ text: '100%_', limit: 10 })).length).toBe(1);
    expect((await store.listAlerts({ text: '%', limit: 10 })).length).toBe(1);
    const page1 = await store.listAlerts({ limit: 2 });
    const page2 = await store.listAlerts({ limit: 2, beforeId: page1[1]!.id });
    expect([...page1, ...page2].map((a) => a.title)).toEqual([
      'Replication lag',
      'Gateway 5xx 100%_done',
      'Gateway latency',
    ]);
    expect((await store.listAlerts({ seenSince: clock.now(), limit: 10 })).length).toBe(0);
  });

  it('counts by state, status and severity and ranks top signatures', async () => {
    await alerts.ingest([
      prepared({ title: 'A', labels: { i: '1' } }),
      prepared({ title: 'A', labels: { i: '2' } }),
    ]);
    await alerts.ingest([
      prepared({ title: 'A', labels: { i: '1' } }),
      prepared({ labels: { alertname: 'B' }, title: 'B', severity: 'info' }),
    ]);
    const counts = await store.countAlerts();
    const total = counts.reduce((s, r) => s + r.count, 0);
    expect(total).toBe(3);
    expect(counts.find((r) => r.severity === 'info')!.count).toBe(1);
    const top = await store.topSignatures(0, 10);
    expect(top[0]).toMatchObject({ title: 'A', service: 'gateway' });
    expect(Number(top[0]!.alerts)).toBe(2);
    expect(Number(top[0]!.occurrences)).toBe(3);
    expect(Number(top[0]!.lastSeenAt)).toBe(clock.now());
  });

  it('opens an incident, attaches same-signature alerts inside the window, and honours the triage cooldown', async () => {
    const [a1, a2] = await alerts.ingest([
      prepared({ labels: { i: '1' } }),
      prepared({ labels: { i: '2' } }),
    ]);
    const r1 = await incidents.fromAlert(a1!.alert_ref, { actor: 'oncall', severityCap: 'P2' });
    expect(r1).toMatchObject({ created: true, attached: true, triage: 'requested' });
    expect(r1.incident.severity).toBe('P2');
    expect(r1.incident.ref).toMatch(/^inc_/);
    clock.advance(5 * MIN);
    const r2 = await incidents.fromAlert(a2!.alert_ref, { actor: 'oncall' });
    expect(r2).toMatchObject({ created: false, attached: true, triage: 'cooldown' });
    expect(r2.incident.ref).toBe(r1.incident.ref);
    expect(r2.incident.alertCount).toBe(2);
    expect(r2.incident.severity).toBe('P1');
    const again = await incidents.fromAlert(a2!.alert_ref, { actor: 'oncall' });
    expect(again).toMatchObject({ created: false, attached: false });
    clock.advance(11 * MIN);
    const [a3] = await alerts.ingest([prepared({ labels: { i: '3' } })]);
    const r3 = await incidents.fromAlert(a3!.alert_ref, { actor: 'oncall' });
    expect(r3).toMatchObject({ created: false, triage: 'requested' });
    clock.advance(61 * MIN);
    const [a4] = await alerts.ingest([prepared({ labels: { i: '4' } })]);
    const r4 = await incidents.fromAlert(a4!.alert_ref, { actor: 'oncall', dedupeWindowMs: 60 * MIN });
    expect(r4.created).toBe(true);
    expect(r4.incident.ref).not.toBe(r1.incident.ref);
    expect(await store.incidentAlertRefs(r1.incident.ref)).toEqual([
      a1!.alert_ref,
      a2!.alert_ref,
      a3!.alert_ref,
    ]);
    const timeline = await store.listEvents({ after: 0, limit: 100, incidentRef: r1.incident.ref });
    expect(timeline.map((e) => e.type)).toEqual([
      'incident_opened',
      'incident_alert_attached',
      'incident_triage_requested',
      'incident_alert_attached',
      'incident_note',
      'incident_alert_attached',
      'incident_triage_requested',
    ]);
    expect((await store.getAlert(a1!.alert_ref))!.incidentRef).toBe(r1.incident.ref);
  });

  it('moves incidents forward only and lists them by status and service', async () => {
    const [a] = await alerts.ingest([prepared()]);
    const { incident } = await incidents.fromAlert(a!.alert_ref, { actor: 'x' });
    await incidents.addNote(incident.ref, { text: 'looking', actor: 'alice' });
    const m = await incidents.setStatus(incident.ref, 'mitigating', { actor: 'alice', note: 'rolled back' });
    expect(m.status).toBe('mitigating');
    await expect(incidents.setStatus(incident.ref, 'open', { actor: 'a', note: null })).rejects.toMatchObject(
      {
        code: 'invalid_transition',
      },
    );
    expect(
      (await store.listIncidents({ statusIn: ['open', 'mitigating'], service: 'gateway', limit: 10 })).length,
    ).toBe(1);
    expect((await store.listIncidents({ statusIn: ['open'], limit: 10 })).length).toBe(0);
    clock.advance(MIN);
    const closed = await incidents.setStatus(incident.ref, 'closed', {
      actor: 'alice',
      note: 'postmortem filed',
    });
    expect(closed).toMatchObject({ status: 'closed', closedAt: clock.now(), resolvedAt: clock.now() });
    const stored = await store.getIncident(incident.ref);
    expect(stored).toMatchObject({ status: 'closed', closedAt: clock.now() });
    await expect(
      incidents.addNote('inc_00000000000000000000000000', { text: 'x', actor: null }),
    ).rejects.toMatchObject({
      code: 'incident_not_found',
    });
  });

  it('purges expired resolved/acked alerts with their events in bounded batches, keeping live ones', async () => {
    const old = await alerts.ingest(
      [1, 2, 3].map((i) => prepared({ labels: { alertname: `old${i}` }, title: `old${i}` })),
    );
    const [live] = await alerts.ingest([prepared({ labels: { alertname: 'live' }, title: 'live' })]);
    for (const r of old) await alerts.resolve(r.alert_ref, { actor: null, note: null });
    clock.advance(31 * 24 * 60 * MIN);
    const [fresh] = await alerts.ingest([prepared({ labels: { alertname: 'fresh' }, title: 'fresh' })]);
    await alerts.resolve(fresh!.alert_ref, { actor: null, note: null });
    const cutoff = clock.now() - 30 * 24 * 60 * MIN;
    const first = await store.purgeExpired(cutoff, 2);
    expect(first.alerts).toBe(2);
    const second = await store.purgeExpired(cutoff, 2);
    expect(second.alerts).toBe(1);
    expect((await store.purgeExpired(cutoff, 2)).alerts).toBe(0);
    for (const r of old) {
      expect(await store.getAlert(r.alert_ref)).toBeNull();
      expect(await store.listEvents({ after: 0, limit: 10, alertRef: r.alert_ref })).toEqual([]);
    }
    expect(await store.getAlert(live!.alert_ref)).not.toBeNull();
    expect((await store.listEvents({ after: 0, limit: 10, alertRef: live!.alert_ref })).length).toBe(1);
    expect(await store.getAlert(fresh!.alert_ref)).not.toBeNull();
  });

  it('never reuses an event id, even after retention deleted the newest events', async () => {
    const [a] = await alerts.ingest([prepared({ labels: { n: 'reuse' } })]);
    await alerts.resolve(a!.alert_ref, { actor: null, note: null });
    const before = await store.listEvents({ after: 0, limit: 100 });
    const maxBefore = Math.max(...before.map((e) => e.id));
    clock.advance(40 * 24 * 60 * MIN);
    expect((await store.purgeExpired(clock.now() - 30 * 24 * 60 * MIN, 100)).alerts).toBe(1);
    expect(await store.listEvents({ after: 0, limit: 100 })).toEqual([]);
    await alerts.ingest([prepared({ labels: { n: 'after' } })]);
    const after = await store.listEvents({ after: 0, limit: 100 });
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBeGreaterThan(maxBefore);
  });

  it('rolls back everything a failed transaction wrote', async () => {
    const alert = newAlert(
      prepared({ labels: { alertname: 'rolled back' }, title: 'rolled back' }),
      'alrt_0000000000000000000000ROLL',
      clock.now(),
    );
    await expect(
      store.transaction(async (tx) => {
        await tx.insertAlerts([alert]);
        tx.appendEvents([
          { type: 'raised', at: 1, alertRef: alert.ref, incidentRef: null, actor: null, data: {} },
        ]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.getAlert(alert.ref)).toBeNull();
    expect(await store.listEvents({ after: 0, limit: 100 })).toEqual([]);
    // The store is usable after a rollback.
    const [r] = await alerts.ingest([prepared({ labels: { alertname: 'after' }, title: 'after' })]);
    expect(await store.getAlert(r!.alert_ref)).not.toBeNull();
  });
});
