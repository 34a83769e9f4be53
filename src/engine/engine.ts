import { UPSTREAM_ANNOTATION, type PreparedAlert } from '../alerts/model.js';
import type { AlertService } from '../alerts/service.js';
import type { ValidationContext } from '../alerts/validate.js';
import type { Clock } from '../clock.js';
import { evaluateCheck } from '../checks/index.js';
import { humanDuration } from '../checks/context.js';
import type { SourceOutcome } from '../sources/source.js';
import type { Store } from '../store/store.js';
import { prepareAnomalies } from './anomaly-inputs.js';
import { findingAlert, HEALTH_SOURCE, unavailableAlert } from './findings.js';
import { inTrouble, serviceStatuses, upstreamsOf } from './health-view.js';
import type { CheckConfig, HealthConfig } from './model.js';
import type { SourceRuntime } from './sources-runtime.js';
import type { CheckState, CycleSummary } from './state.js';
import { transition, type Transition } from './transition.js';

/*
 * One evaluation cycle: claim the checks that are due (or all of them, on demand), collect each
 * source they need once, evaluate, apply the state machine, raise and clear alerts in the alert
 * core, and store the new states and the cycle. Claims are stored (leases, SKIP LOCKED on
 * PostgreSQL), so several replicas share the checks and each runs once per interval; a replica that
 * dies leaves leases that expire within its slowest source's timeout plus LEASE_SLACK_MS, and the
 * others take its checks over.
 */

export interface EngineOptions {
  store: Store;
  clock: Clock;
  alerts: AlertService;
  config: () => HealthConfig;
  sources: () => SourceRuntime;
  /** Identifies this process in check leases. */
  owner: string;
  validation: ValidationContext;
  /** Checks claimed per cycle at most. */
  batch?: number;
}

/** How far a claim outlives the slowest source's timeout; renewed while a long cycle runs. */
export const LEASE_SLACK_MS = 3000;
const LEASE_RENEW_MS = 1000;
/** A replica that has not run a pass for this long no longer counts when claims are shared. */
export const REPLICA_LIVE_MS = 10_000;
/** The engine's bound on a collect exceeds the source's own timeout by this much. */
const OUTER_TIMEOUT_GRACE_MS = 250;

interface Evaluated {
  check: CheckConfig;
  before: CheckState;
  t: Transition;
}

export class Engine {
  private ensuredFor: HealthConfig | null = null;
  /** The last cycle claimed only a share of the due checks (see runCycle); the loop comes back soon. */
  lastClaimLeftWork = false;

  constructor(private readonly opts: EngineOptions) {}

  /**
   * Creates state rows for the configured checks and drops those of checks no longer configured,
   * resolving their alerts (once per configuration).
   */
  private async ensure(cfg: HealthConfig): Promise<void> {
    if (this.ensuredFor === cfg) return;
    const now = this.opts.clock.now();
    const ids = [...cfg.checks.keys()];
    const gone = await this.opts.store.transaction(async (tx) => {
      await tx.health.ensureChecks(ids, now);
      return tx.health.removeOthers(ids);
    });
    if (gone.length > 0) await this.resolveRemoved(gone);
    this.ensuredFor = cfg;
  }

  /**
   * Resolves the alerts of checks no longer configured: their findings, and the source_unavailable
   * alerts they raised (found by the check named in their annotations).
   */
  private async resolveRemoved(gone: readonly CheckState[]): Promise<void> {
    const ids = new Set(gone.map((s) => s.checkId));
    const refs = gone.filter((s) => s.firing && s.alertRef !== null).map((s) => s.alertRef!);
    if (gone.some((s) => s.unavailableAlerts.length > 0)) {
      const open = await this.opts.store.listAlerts({
        source: HEALTH_SOURCE,
        state: 'firing',
        current: true,
        limit: 10_000,
      });
      for (const a of open)
        if (a.kind === 'source_unavailable' && ids.has(a.annotations.check ?? '')) refs.push(a.ref);
    }
    for (const ref of refs) {
      await this.opts.alerts
        .resolve(ref, { actor: HEALTH_SOURCE, note: 'its check was removed from the configuration' })
        .catch(() => undefined); // already resolved or gone: nothing to do
    }
  }

  /** Runs the due checks (or every check with `all`); returns what the cycle did. */
  async runCycle(opts: { all?: boolean } = {}): Promise<CycleSummary> {
    const cfg = this.opts.config();
    await this.ensure(cfg);
    const started = this.opts.clock.now();
    const wall = performance.now();
    const leaseMs = maxTimeout(cfg) + LEASE_SLACK_MS;
    const batch = this.opts.batch ?? 10_000;
    let more = false;
    const claimed = await this.opts.store.transaction(
      async (tx) => {
        if (opts.all) {
          const ids = [...cfg.checks.keys()];
          return tx.health.claim({
            now: started,
            owner: this.opts.owner,
            leaseUntil: started + leaseMs,
            limit: ids.length,
            ids,
          });
        }
        // A fair share of what is due: replicas that poll a moment later take the rest, so the
        // checks spread over the replicas instead of going to whichever polls first. The share is
        // of everything due in this pass, including what another replica has just claimed, so the
        // last replica to ask takes all that is left instead of half of it.
        await tx.health.touchReplica(this.opts.owner, started);
        const live = (await tx.health.replicas(started - REPLICA_LIVE_MS)).length;
        const due = await tx.health.dueCount(started);
        const share = Math.ceil(due.total / Math.max(1, live));
        const limit = Math.min(batch, Math.max(1, Math.min(due.free, share)));
        more = due.free > limit;
        return tx.health.claim({
          now: started,
          owner: this.opts.owner,
          leaseUntil: started + leaseMs,
          limit,
        });
      },
      { durable: false },
    );
    this.lastClaimLeftWork = more;
    const summary: CycleSummary = {
      started_at: new Date(started).toISOString(),
      replica: this.opts.owner,
      checks_run: 0,
      checks_skipped: 0,
      sources_unavailable: [],
      violations: [],
      transitions: { raised: [], cleared: [] },
      cycle_duration_ms: 0,
    };
    const work = claimed.filter((s) => cfg.checks.has(s.checkId));
    if (work.length === 0) {
      summary.cycle_duration_ms = round(performance.now() - wall);
      return summary;
    }
    // A cycle longer than the lease (many slow sources) keeps its claims alive while it runs.
    const lease = this.keepLeases(
      work.map((s) => s.checkId),
      leaseMs,
    );
    try {
      // Each source once per cycle, whatever number of checks read it.
      const needed = new Set<string>();
      for (const s of work) for (const name of cfg.checks.get(s.checkId)!.sources) needed.add(name);
      const outcomes = await this.collect([...needed], cfg, started);
      for (const [name, o] of outcomes) if (!o.ok) summary.sources_unavailable.push(name);

      const now = this.opts.clock.now();
      const anomalyChecks = work.flatMap((s) => {
        const check = cfg.checks.get(s.checkId)!;
        return check.kind === 'anomaly' ? [check] : [];
      });
      const anomalies =
        anomalyChecks.length > 0
          ? await prepareAnomalies(
              anomalyChecks,
              outcomes,
              now,
              this.opts.store,
              cfg.options.series,
              new Map(work.map((s) => [s.checkId, s.result])),
            )
          : null;
      const evaluated: Evaluated[] = work.map((state) => {
        const check = cfg.checks.get(state.checkId)!;
        const anomaly = anomalies?.get(check.id);
        const result = evaluateCheck(check, {
          now,
          source: (name) => outcomes.get(name),
          ...(state.heartbeat ? { heartbeat: state.heartbeat } : {}),
          ...(anomaly ? { anomaly } : {}),
        });
        if (result.outcome === 'unavailable') summary.checks_skipped++;
        if (result.outcome === 'violation' || result.outcome === 'error')
          summary.violations.push({
            check: check.id,
            service: check.service,
            severity: result.severity,
            message: result.message,
          });
        return { check, before: state, t: transition(check, cfg.sources, state, result, now) };
      });
      const upstream = await this.upstreamTrouble(cfg, evaluated, now);
      const alerts = this.alertsOf(cfg, evaluated, upstream, outcomes, now, summary);
      const states = evaluated.map((e) => e.t.next);
      // The alerts first (each ingest is one durable transaction); then the states that record them.
      if (alerts.length > 0) {
        const results = await this.opts.alerts.ingest(alerts);
        const refByCheck = new Map<string, string>();
        alerts.forEach((a, i) => {
          if (a.kind !== 'source_unavailable' && a.labels.check)
            refByCheck.set(a.labels.check, results[i]!.alert_ref);
        });
        for (const s of states) {
          const ref = refByCheck.get(s.checkId);
          if (ref) s.alertRef = ref;
        }
      }
      summary.checks_run = states.length;
      summary.cycle_duration_ms = round(performance.now() - wall);
      // No renewal may run beside the save: it would lock rows the save (and the next claim) needs.
      await lease.stop();
      await this.opts.store.transaction(async (tx) => {
        await tx.health.save(states);
        await tx.health.recordCycle(summary, started, cfg.options.cycleHistory);
      });
      return summary;
    } finally {
      await lease.stop();
    }
  }

  /** Renews this replica's claims on `ids` every LEASE_RENEW_MS until stop(), which waits for a renewal in flight. */
  private keepLeases(ids: readonly string[], leaseMs: number): { stop: () => Promise<void> } {
    let inFlight: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      inFlight = this.opts.store
        .transaction((tx) => tx.health.renew(ids, this.opts.owner, this.opts.clock.now() + leaseMs), {
          durable: false,
        })
        .catch(() => undefined); // the next renewal, or the cycle's save, tries again
    }, LEASE_RENEW_MS);
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await inFlight;
      },
    };
  }

  /**
   * For each service with a raised finding this cycle: the upstream services (depends_on,
   * transitively) in trouble, from the stored states with this cycle's results applied. Loaded
   * only when some finding could be suppressed.
   */
  private async upstreamTrouble(
    cfg: HealthConfig,
    evaluated: readonly Evaluated[],
    now: number,
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const candidates = evaluated.filter(
      (e) =>
        e.t.raise !== null &&
        !e.check.pageWhenUpstreamFailing &&
        upstreamsOf(e.check.service, cfg.services).length > 0,
    );
    if (candidates.length === 0) return out;
    const states = new Map((await this.opts.store.health.states()).map((s) => [s.checkId, s]));
    for (const e of evaluated) states.set(e.check.id, e.t.next);
    const statuses = serviceStatuses({ config: cfg, states, now, lastCycleAt: null });
    for (const e of candidates) {
      if (out.has(e.check.service)) continue;
      const troubled = upstreamsOf(e.check.service, cfg.services).filter((u) =>
        inTrouble(statuses.get(u)?.status ?? 'unknown'),
      );
      out.set(e.check.service, troubled);
    }
    return out;
  }

  private alertsOf(
    cfg: HealthConfig,
    evaluated: readonly Evaluated[],
    upstream: ReadonlyMap<string, string[]>,
    outcomes: ReadonlyMap<string, SourceOutcome>,
    now: number,
    summary: CycleSummary,
  ): PreparedAlert[] {
    const alerts: PreparedAlert[] = [];
    const v = this.opts.validation;
    for (const { check, before, t } of evaluated) {
      const service = cfg.services.get(check.service);
      if (t.raise) {
        if (!before.firing) summary.transitions.raised.push(check.id);
        // Per check: another check of the same service may page whatever its upstreams do.
        const troubled = check.pageWhenUpstreamFailing ? [] : (upstream.get(check.service) ?? []);
        const extra: Record<string, string> =
          troubled.length > 0 ? { [UPSTREAM_ANNOTATION]: troubled.join(',') } : {};
        if (check.raisesAlerts) alerts.push(findingAlert(check, service, t.raise, 'firing', v, extra));
      }
      if (t.clear) {
        summary.transitions.cleared.push(check.id);
        if (check.raisesAlerts) alerts.push(findingAlert(check, service, t.next.result!, 'resolved', v));
      }
      // A check that raises no alerts (alert: false) raises none for its sources either.
      for (const name of check.raisesAlerts ? t.raiseUnavailable : []) {
        if (!before.unavailableAlerts.includes(name)) summary.transitions.raised.push(`${check.id}:${name}`);
        const since = humanDuration(now - (t.next.unavailableSince ?? now));
        const error = outcomes.get(name);
        const last = error && !error.ok ? error.error : 'none';
        const message = `Source ${name} has not answered for ${since}; checks that need it are skipped. Last error: ${last}`;
        alerts.push(unavailableAlert(check, name, message, 'firing', v));
      }
      for (const name of check.raisesAlerts ? t.clearUnavailable : []) {
        summary.transitions.cleared.push(`${check.id}:${name}`);
        alerts.push(unavailableAlert(check, name, `Source ${name} answers again`, 'resolved', v));
      }
    }
    return alerts;
  }

  /** Collects sources in parallel (at most `concurrency` at once), each within its timeout. */
  private async collect(
    names: string[],
    cfg: HealthConfig,
    now: number,
  ): Promise<Map<string, SourceOutcome>> {
    const out = new Map<string, SourceOutcome>();
    const runtime = this.opts.sources();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const name = names[next++]!;
        const conf = cfg.sources.get(name);
        const source = runtime.get(name);
        if (!conf || !source) {
          out.set(name, { ok: false, error: `source ${name} is not running`, durationMs: 0 });
          continue;
        }
        // A little beyond the source's own timeout, so that its own (clearer) message usually wins.
        out.set(name, await collectWithTimeout(source, conf.timeoutMs + OUTER_TIMEOUT_GRACE_MS, now));
      }
    };
    await Promise.all(Array.from({ length: Math.min(cfg.options.concurrency, names.length) }, worker));
    return out;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function maxTimeout(cfg: HealthConfig): number {
  let max = 0;
  for (const s of cfg.sources.values()) max = Math.max(max, s.timeoutMs);
  return max;
}

/** A source's collect, bounded by its timeout whatever the source does; never throws. */
export async function collectWithTimeout(
  source: { collect(ctx: { signal: AbortSignal; now: number }): Promise<SourceOutcome> },
  timeoutMs: number,
  now: number,
): Promise<SourceOutcome> {
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | null = null;
  const timeout = new Promise<SourceOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({
        ok: false,
        error: `timed out after ${timeoutMs} ms`,
        durationMs: performance.now() - started,
      });
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      source.collect({ signal: controller.signal, now }).catch((err: unknown): SourceOutcome => ({
        ok: false,
        error: err instanceof Error ? err.message : String(err),
        durationMs: performance.now() - started,
      })),
      timeout,
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
