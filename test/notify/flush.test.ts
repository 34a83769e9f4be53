import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/model.js';
import { needsUpdate, planFlush } from '../../src/notify/flush.js';
import type { NflogEntry } from '../../src/notify/model.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;

function entry(firing: string[], resolved: string[], notifiedAt = T0): NflogEntry {
  return {
    groupKey: 'g',
    integration: 'r/webhook/0',
    firing: Object.fromEntries(firing.map((fp) => [fp, 1])),
    resolved,
    flapping: [],
    notifiedAt,
  };
}

const set = (...xs: string[]) => new Set(xs);

describe("needsUpdate (Alertmanager's DedupStage)", () => {
  it.each([
    // [case, entry, firing, resolved, sendResolved, minutes since last notification, expected]
    ['first notification with something firing', undefined, set('a'), set(), false, 0, true],
    ['first flush with only resolved alerts', undefined, set(), set('a'), true, 0, false],
    ['a new alert fires', entry(['a'], []), set('a', 'b'), set(), false, 0, true],
    ['nothing changed, before repeat_interval', entry(['a'], []), set('a'), set(), true, 59, false],
    ['nothing changed, repeat_interval passed', entry(['a'], []), set('a'), set(), false, 240, true],
    ['one of two resolved, send_resolved on', entry(['a', 'b'], []), set('a'), set('b'), true, 0, true],
    ['one of two resolved, send_resolved off', entry(['a', 'b'], []), set('a'), set('b'), false, 0, false],
    [
      'all resolved, send_resolved off: still clears the log',
      entry(['a'], []),
      set(),
      set('a'),
      false,
      0,
      true,
    ],
    ['all resolved and already told', entry([], ['a']), set(), set('a'), true, 0, false],
    ['fired and resolved between flushes, never announced', entry([], []), set(), set('x'), true, 0, false],
    ['resolved already known, send_resolved on', entry(['a'], ['b']), set('a'), set('b'), true, 0, false],
  ] as const)('%s', (_name, e, firing, resolved, sendResolved, minutes, expected) => {
    expect(needsUpdate(e, firing, resolved, sendResolved, 4 * HOUR, T0 + minutes * 60_000)).toBe(expected);
  });
});

function alert(fp: string, state: 'firing' | 'resolved', labels: Record<string, string> = {}): Alert {
  return {
    id: 0,
    ref: `alrt_${fp}`,
    fingerprint: fp,
    signature: 's',
    current: true,
    source: 'test',
    service: 'svc',
    kind: null,
    title: fp,
    message: '',
    severity: 'warning',
    labels: { alertname: fp, ...labels },
    annotations: {},
    generatorUrl: null,
    state,
    status: 'new',
    occurrences: 3,
    dedupeTtlMs: 0,
    resolveAfterMs: null,
    origin: 'alertmanager',
    startsAt: T0,
    lastSeenAt: T0,
    resolvedAt: state === 'resolved' ? T0 : null,
    createdAt: T0,
    updatedAt: T0,
    owner: null,
    lockUntil: null,
    retryAt: null,
    lastError: null,
    failCount: 0,
    ackNote: null,
    ackedBy: null,
    ackedAt: null,
    incidentRef: null,
  };
}

describe('planFlush', () => {
  const integrations = [
    { key: 'ops/webhook/0', sendResolved: true },
    { key: 'ops/slack/0', sendResolved: false },
  ];

  it('sends firing alerts to every integration and logs what each was told', () => {
    const plan = planFlush({
      groupKey: 'g',
      alerts: [
        { alert: alert('a', 'firing'), muted: false },
        { alert: alert('b', 'firing'), muted: false },
      ],
      timeMuted: false,
      integrations,
      nflog: new Map(),
      repeatIntervalMs: 4 * HOUR,
      now: T0,
    });
    expect(plan.notifications.map((n) => [n.integration, n.alerts.map((a) => a.fingerprint)])).toEqual([
      ['ops/webhook/0', ['a', 'b']],
      ['ops/slack/0', ['a', 'b']],
    ]);
    expect(plan.nflog.map((e) => [e.integration, e.firing])).toEqual([
      ['ops/webhook/0', { a: 3, b: 3 }],
      ['ops/slack/0', { a: 3, b: 3 }],
    ]);
  });

  it('leaves muted alerts out, and sends nothing when all are muted or the time interval mutes', () => {
    const base = {
      groupKey: 'g',
      integrations,
      nflog: new Map<string, NflogEntry>(),
      repeatIntervalMs: 4 * HOUR,
      now: T0,
    };
    const partly = planFlush({
      ...base,
      alerts: [
        { alert: alert('a', 'firing'), muted: true },
        { alert: alert('b', 'firing'), muted: false },
      ],
      timeMuted: false,
    });
    expect(partly.notifications[0]!.alerts.map((a) => a.fingerprint)).toEqual(['b']);
    const all = planFlush({
      ...base,
      alerts: [{ alert: alert('a', 'firing'), muted: true }],
      timeMuted: false,
    });
    expect(all.notifications).toEqual([]);
    expect(all.nflog).toEqual([]);
    const timed = planFlush({
      ...base,
      alerts: [{ alert: alert('a', 'firing'), muted: false }],
      timeMuted: true,
    });
    expect(timed.notifications).toEqual([]);
    expect(timed.nflog).toEqual([]);
  });

  it('sends resolved alerts only where send_resolved is on, and resolved alerts leave the group', () => {
    const nflog = new Map([
      ['ops/webhook/0', entry(['a', 'b'], [])],
      ['ops/slack/0', entry(['a', 'b'], [])],
    ]);
    const plan = planFlush({
      groupKey: 'g',
      alerts: [
        { alert: alert('a', 'firing'), muted: false },
        { alert: alert('b', 'resolved'), muted: false },
      ],
      timeMuted: false,
      integrations,
      nflog,
      repeatIntervalMs: 4 * HOUR,
      now: T0 + 60_000,
    });
    expect(plan.notifications.map((n) => n.integration)).toEqual(['ops/webhook/0']);
    expect(plan.notifications[0]!.alerts.map((a) => [a.fingerprint, a.state])).toEqual([
      ['a', 'firing'],
      ['b', 'resolved'],
    ]);
    expect(plan.resolved.map((a) => a.fingerprint)).toEqual(['b']);
  });

  it('records a resolution an integration will not send (send_resolved off) as skipped, with the reason', () => {
    const nflog = new Map([
      ['ops/webhook/0', entry(['a'], [])],
      ['ops/slack/0', entry(['a'], [])],
    ]);
    const plan = planFlush({
      groupKey: 'g',
      alerts: [{ alert: alert('a', 'resolved'), muted: false }],
      timeMuted: false,
      integrations,
      nflog,
      repeatIntervalMs: 4 * HOUR,
      now: T0 + 60_000,
    });
    expect(plan.notifications.map((n) => [n.integration, n.skipped])).toEqual([
      ['ops/webhook/0', undefined],
      ['ops/slack/0', 'send_resolved is off for this integration'],
    ]);
    // Both logs are cleared of the firing alert.
    expect(plan.nflog.map((e) => e.firing)).toEqual([{}, {}]);
  });

  it('orders alerts by job, then instance, then labels', () => {
    const plan = planFlush({
      groupKey: 'g',
      alerts: [
        { alert: alert('c', 'firing', { job: 'b', instance: '1' }), muted: false },
        { alert: alert('a', 'firing', { job: 'a', instance: '2' }), muted: false },
        { alert: alert('b', 'firing', { job: 'a', instance: '1' }), muted: false },
        { alert: alert('d', 'firing'), muted: false },
      ],
      timeMuted: false,
      integrations: [integrations[0]!],
      nflog: new Map(),
      repeatIntervalMs: HOUR,
      now: T0,
    });
    expect(plan.notifications[0]!.alerts.map((a) => a.fingerprint)).toEqual(['b', 'a', 'c', 'd']);
  });
});
