import { describe, expect, it } from 'vitest';
import { evaluateHeartbeat, heartbeatStatus } from '../../src/checks/heartbeat.js';
import {
  applyPing,
  EMPTY_HEARTBEAT,
  MAX_PING_BODY,
  type HeartbeatState,
  type PingKind,
} from '../../src/engine/heartbeat-state.js';
import { heartbeatCheck } from './fixtures.js';

/*
 * Healthchecks' semantics: new until the first ping; up within the period; late within the grace;
 * down after period + grace, on /fail or a non-zero exit status, or when a started run outlives its
 * maximum runtime; paused until the next ping.
 */

const T0 = Date.parse('2026-11-23T00:00:00Z');
const MIN = 60_000;
const check = heartbeatCheck('backup', 'db', 60 * MIN, 10 * MIN, 30 * MIN);

type Ping = [
  kind: PingKind,
  at: number,
  runId?: string | null,
  exitStatus?: number | null,
  body?: string | null,
];

function pings(list: Ping[]): HeartbeatState {
  return list.reduce(
    (s, [kind, at, runId, exitStatus, body]) =>
      applyPing(s, {
        kind,
        at: T0 + at,
        runId: runId ?? null,
        exitStatus: exitStatus ?? null,
        body: body ?? null,
      }),
    EMPTY_HEARTBEAT,
  );
}

const status = (s: HeartbeatState, at: number) =>
  heartbeatStatus(check, { now: T0 + at, source: () => undefined, heartbeat: s }).status;

describe('heartbeat status', () => {
  it('is new before the first ping and never alerts then', () => {
    expect(status(EMPTY_HEARTBEAT, 10 * 24 * 60 * MIN)).toBe('new');
    expect(evaluateHeartbeat(check, { now: T0, source: () => undefined }).outcome).toBe('ok');
  });

  it('goes up, late after the period and down after period + grace', () => {
    const s = pings([['success', 0]]);
    expect(status(s, 60 * MIN)).toBe('up');
    expect(status(s, 60 * MIN + 1)).toBe('late');
    expect(status(s, 70 * MIN)).toBe('late');
    expect(status(s, 70 * MIN + 1)).toBe('down');
    const r = evaluateHeartbeat(check, { now: T0 + 71 * MIN, source: () => undefined, heartbeat: s });
    expect(r).toMatchObject({ outcome: 'violation', truthAgeMs: 71 * MIN });
    expect(r.message).toContain('no ping for 1 h 11 min');
  });

  it('is down at once on /fail and on a non-zero exit status, and up again on the next success', () => {
    expect(
      status(
        pings([
          ['success', 0],
          ['fail', MIN],
        ]),
        2 * MIN,
      ),
    ).toBe('down');
    const s = pings([
      ['success', 0],
      ['fail', MIN, null, 3],
    ]);
    expect(
      heartbeatStatus(check, { now: T0 + 2 * MIN, source: () => undefined, heartbeat: s }).detail,
    ).toContain('exit status 3');
    expect(
      status(
        pings([
          ['success', 0],
          ['fail', MIN],
          ['success', 2 * MIN],
        ]),
        3 * MIN,
      ),
    ).toBe('up');
  });

  it('judges by the order of pings, not their times: a failure and a success in the same millisecond', () => {
    expect(
      status(
        pings([
          ['success', 0],
          ['fail', 0],
        ]),
        0,
      ),
    ).toBe('down');
    expect(
      status(
        pings([
          ['fail', 0],
          ['success', 0],
        ]),
        0,
      ),
    ).toBe('up');
  });

  it('detects a run that started and did not finish within max_runtime', () => {
    const s = pings([
      ['success', 0],
      ['start', 5 * MIN],
    ]);
    expect(status(s, 34 * MIN)).toBe('started');
    expect(status(s, 35 * MIN + 1)).toBe('down');
    expect(
      status(
        pings([
          ['success', 0],
          ['start', 5 * MIN],
          ['success', 20 * MIN],
        ]),
        40 * MIN,
      ),
    ).toBe('up');
  });

  it('pairs starts and finishes by run id: a finished run does not close another', () => {
    const s = pings([
      ['success', 0],
      ['start', MIN, 'a'],
      ['start', 2 * MIN, 'b'],
      ['success', 3 * MIN, 'a'],
    ]);
    expect(Object.keys(s.openRuns)).toEqual(['b']);
    // Run b started at 2 min: too long after 32 min.
    expect(status(s, 32 * MIN + 1)).toBe('down');
  });

  it('a log ping changes nothing but the body; any ping unpauses', () => {
    const s = pings([
      ['success', 0],
      ['log', MIN, null, null, 'disk 91% full'],
    ]);
    expect(s.lastSuccessAt).toBe(T0);
    expect(s.lastBody).toBe('disk 91% full');
    const paused = { ...s, paused: true };
    expect(status(paused, 500 * MIN)).toBe('paused');
    expect(
      applyPing(paused, { kind: 'log', at: T0 + 501 * MIN, runId: null, exitStatus: null, body: null })
        .paused,
    ).toBe(false);
  });

  it('keeps at most MAX_PING_BODY characters of a body', () => {
    const s = pings([['success', 0, null, null, 'x'.repeat(MAX_PING_BODY + 500)]]);
    expect(s.lastBody).toHaveLength(MAX_PING_BODY);
  });
});
