import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/engine/model.js';
import { newCheckState, type CheckState } from '../../src/engine/state.js';
import { transition } from '../../src/engine/transition.js';
import { conditionCheck, source } from './fixtures.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');

function result(outcome: CheckResult['outcome'], unavailableSources: string[] = []): CheckResult {
  return {
    outcome,
    severity: 'critical',
    message: outcome,
    observed: {},
    signalQuery: 'q',
    truthAgeMs: null,
    unavailableSources,
  };
}

const sources = new Map([['api', source('api', 30_000)]]);

/** Applies outcomes one interval apart; returns every transition. */
function run(check: ReturnType<typeof conditionCheck>, outcomes: Array<CheckResult['outcome']>) {
  let state: CheckState = newCheckState(check.id, T0);
  return outcomes.map((o, i) => {
    const t = transition(
      check,
      sources,
      state,
      result(o, o === 'unavailable' ? ['api'] : []),
      T0 + i * 10_000,
    );
    state = t.next;
    return t;
  });
}

describe('check state machine', () => {
  it('raises on the first violation with fail_after 1 and refreshes the alert while it fails', () => {
    const ts = run(conditionCheck('c', 's', 'api', 'true'), ['ok', 'violation', 'violation', 'ok']);
    expect(ts.map((t) => [t.raise !== null, t.clear])).toEqual([
      [false, false],
      [true, false],
      [true, false],
      [false, true],
    ]);
    expect(ts[1]!.next).toMatchObject({ status: 'failing', firing: true, consecutiveFailures: 1 });
    expect(ts[3]!.next).toMatchObject({ status: 'ok', firing: false, lastOkAt: T0 + 30_000 });
  });

  it('needs fail_after consecutive failures to raise and clear_after successes to clear', () => {
    const check = { ...conditionCheck('c', 's', 'api', 'true'), failAfter: 3, clearAfter: 2 };
    const ts = run(check, [
      'violation',
      'violation',
      'ok',
      'violation',
      'violation',
      'violation',
      'ok',
      'violation',
      'ok',
      'ok',
    ]);
    expect(ts.map((t) => (t.raise ? 'R' : t.clear ? 'C' : '.')).join('')).toBe('.....R.R.C');
    // A success between failures resets the count; firing continues until two successes in a row.
    expect(ts[6]!.next.firing).toBe(true);
    expect(ts[9]!.next.firing).toBe(false);
  });

  it('does not count an unavailable source as a failure or a success', () => {
    const check = { ...conditionCheck('c', 's', 'api', 'true'), failAfter: 2 };
    const ts = run(check, ['violation', 'unavailable', 'violation']);
    expect(ts[1]!.next.consecutiveFailures).toBe(1);
    expect(ts[1]!.raise).toBeNull();
    expect(ts[2]!.raise).not.toBeNull();
  });

  it('keeps a firing alert through an outage of its source, then clears when the source answers ok', () => {
    const ts = run(conditionCheck('c', 's', 'api', 'true'), ['violation', 'unavailable', 'ok']);
    expect(ts[1]!.next.firing).toBe(true);
    expect(ts[1]!.clear).toBe(false);
    expect(ts[2]!.clear).toBe(true);
  });

  it('raises a source-unavailable finding once the outage outlasts the policy, refreshes it while it lasts, and clears it on answer', () => {
    // Policy 30 s, evaluations 10 s apart: unavailable at 0, 10, 20, 30 s -> raised at 30 s.
    const ts = run(conditionCheck('c', 's', 'api', 'true'), [
      'unavailable',
      'unavailable',
      'unavailable',
      'unavailable',
      'unavailable',
      'ok',
    ]);
    expect(ts.map((t) => t.raiseUnavailable.length)).toEqual([0, 0, 0, 1, 1, 0]);
    expect(ts[4]!.next.unavailableAlerts).toEqual(['api']);
    expect(ts[5]!.clearUnavailable).toEqual(['api']);
    expect(ts[5]!.next.unavailableSince).toBeNull();
  });

  it('schedules the next run one interval ahead and releases the claim', () => {
    const [t] = run(conditionCheck('c', 's', 'api', 'true'), ['ok']);
    expect(t!.next).toMatchObject({ nextRunAt: T0 + 10_000, leaseOwner: null, leaseUntil: null, runs: 1 });
  });
});
