import type { Logger } from 'pino';
import type { Alert } from '../alerts/model.js';
import type { AlertService } from '../alerts/service.js';
import type { ValidationContext } from '../alerts/validate.js';
import type { Clock } from '../clock.js';
import { SentinelError } from '../errors.js';
import { Loop } from '../loop.js';
import type { InternalReaders, SelfStatus } from '../sources/source.js';
import type { IngestedEventRow, SampleRow, StoredSample } from '../store/sql/health.js';
import type { Store, StoreTx } from '../store/store.js';
import { Engine, REPLICA_LIVE_MS } from './engine.js';
import { alertsForEvents, type IngestedEvent } from './events.js';
import { applyPing, EMPTY_HEARTBEAT, type HeartbeatState, type PingKind } from './heartbeat-state.js';
import { healthReport, type HealthReport } from './health-view.js';
import type { HealthConfig } from './model.js';
import { recordSamples, seriesKey } from '../series/record.js';
import { SeriesMaintenance } from '../series/maintenance.js';
import { SourceRuntime } from './sources-runtime.js';
import type { CheckState, CycleSummary } from './state.js';

/*
 * The health engine as a long-lived part: it owns the running configuration and its sources,
 * runs cycles in the background (every replica; claims share the work), takes heartbeat pings,
 * samples and events, and answers the health report. Reload swaps configuration and sources
 * atomically: the new sources start before the old ones stop, and check state survives in the
 * store.
 */

export interface HealthServiceOptions {
  store: Store;
  clock: Clock;
  alerts: AlertService;
  validation: ValidationContext;
  config: HealthConfig;
  owner: string;
  version: string;
  log?: Logger;
  /** Integrations failing longer than the receiver-failing policy (Sentinel's own alerting health). */
  failingReceivers: () => Promise<SelfStatus['failing_receivers']>;
  /** How often the background loop looks for due checks (ms). */
  pollMs?: number;
  /** Told about every cycle this process ran (metrics). */
  onCycle?: (cycle: CycleSummary) => void;
}

/** How soon a replica that claimed only its share of the due checks looks again. */
const SHARE_RETRY_MS = 250;
/** Pings kept per heartbeat check (the newest). */
export const PINGS_KEPT = 100;
/** Store errors are counted over this window for the sentinel-store check. */
const STORE_ERROR_WINDOW_MS = 5 * 60_000;

export interface PingInput {
  kind: PingKind;
  runId: string | null;
  exitStatus: number | null;
  body: string | null;
}

export interface SampleInput {
  metric: string;
  labels: Record<string, string>;
  type: 'counter' | 'gauge';
  value: number;
  at: number;
}

export class HealthService {
  private cfg: HealthConfig;
  private runtime: SourceRuntime;
  readonly engine: Engine;
  /** Rollups and retention of series points (the anomaly layer's history). */
  readonly seriesMaintenance: SeriesMaintenance;
  private readonly loop: Loop;
  private storeErrors: number[] = [];
  private started = false;
  /** Before the first cycle is recorded, the cycle-lag check counts from here (no false alarm at first start). */
  private readonly createdAt: number;

  constructor(private readonly opts: HealthServiceOptions) {
    this.cfg = opts.config;
    this.createdAt = opts.clock.now();
    this.runtime = new SourceRuntime(this.cfg.sources, this.sourceDeps());
    this.engine = new Engine({
      store: opts.store,
      clock: opts.clock,
      alerts: opts.alerts,
      config: () => this.cfg,
      sources: () => this.runtime,
      owner: opts.owner,
      validation: opts.validation,
    });
    this.seriesMaintenance = new SeriesMaintenance(
      opts.store,
      opts.clock,
      () => this.cfg.options.series,
      opts.log,
    );
    this.loop = new Loop(
      async () => {
        this.observe(await this.engine.runCycle());
        // Left a share for other replicas: look again soon, in case they do not take it.
        return this.engine.lastClaimLeftWork ? SHARE_RETRY_MS : null;
      },
      opts.pollMs ?? 1000,
      (err) => {
        this.noteStoreError();
        opts.log?.error({ err }, 'health cycle failed');
      },
    );
  }

  config(): HealthConfig {
    return this.cfg;
  }

  private sourceDeps(): { clock: Clock; version: string; internal: InternalReaders } {
    return {
      clock: this.opts.clock,
      version: this.opts.version,
      internal: {
        samples: (metric) => this.opts.store.health.samples(metric),
        health: () => this.report(),
        self: () => this.selfStatus(),
      },
    };
  }

  /** Starts the sources; with `background`, also the cycle loop. */
  async start(background: boolean): Promise<void> {
    await this.runtime.start();
    this.started = true;
    if (background) {
      this.loop.start();
      this.seriesMaintenance.start();
    }
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.seriesMaintenance.stop();
    await this.runtime.stop();
    this.started = false;
  }

  /** Applies a new configuration: new sources start, then the swap, then the old ones stop. */
  async reload(next: HealthConfig): Promise<void> {
    const runtime = new SourceRuntime(next.sources, this.sourceDeps());
    if (this.started) await runtime.start();
    const old = this.runtime;
    this.cfg = next;
    this.runtime = runtime;
    await old.stop();
    this.loop.wake();
  }

  /** One cycle now, over every check (POST /api/v1/cycles, `sentinel run-cycle`). */
  async runCycle(): Promise<CycleSummary> {
    return this.observe(await this.engine.runCycle({ all: true }));
  }

  private observe(cycle: CycleSummary): CycleSummary {
    if (cycle.checks_run > 0) this.opts.onCycle?.(cycle);
    return cycle;
  }

  private noteStoreError(): void {
    const now = this.opts.clock.now();
    this.storeErrors = this.storeErrors.filter((t) => t > now - STORE_ERROR_WINDOW_MS);
    this.storeErrors.push(now);
  }

  /** What the built-in `sentinel` source reports. */
  async selfStatus(): Promise<SelfStatus> {
    const now = this.opts.clock.now();
    const started = performance.now();
    let storeOk = true;
    let lastCycleAt: number | null = null;
    try {
      lastCycleAt = await this.opts.store.health.lastCycleAt();
    } catch {
      storeOk = false;
      this.noteStoreError();
    }
    const latency = performance.now() - started;
    this.storeErrors = this.storeErrors.filter((t) => t > now - STORE_ERROR_WINDOW_MS);
    return {
      last_cycle_at: storeOk ? new Date(lastCycleAt ?? this.createdAt).toISOString() : null,
      store_ok: storeOk,
      store_latency_ms: Math.round(latency * 10) / 10,
      recent_store_errors: this.storeErrors.length,
      failing_receivers: storeOk ? await this.opts.failingReceivers() : [],
    };
  }

  /** GET /api/v1/health. */
  async report(): Promise<HealthReport> {
    const now = this.opts.clock.now();
    const [states, lastCycleAt, firing, replicas] = await Promise.all([
      this.opts.store.health.states(),
      this.opts.store.health.lastCycleAt(),
      this.opts.store.listAlerts({ state: 'firing', current: true, limit: 5000 }),
      this.opts.store.health.replicas(now - REPLICA_LIVE_MS),
    ]);
    const alerts = new Map<string, Alert[]>();
    for (const a of firing) alerts.set(a.service, [...(alerts.get(a.service) ?? []), a]);
    return healthReport({
      config: this.cfg,
      states: new Map(states.map((s) => [s.checkId, s])),
      now,
      lastCycleAt,
      alerts,
      replicas,
    });
  }

  async states(): Promise<CheckState[]> {
    const known = this.cfg.checks;
    return (await this.opts.store.health.states()).filter((s) => known.has(s.checkId));
  }

  /** A heartbeat ping: stored with the check's new state in one durable transaction. */
  async ping(checkId: string, input: PingInput): Promise<CheckState> {
    return this.updateHeartbeat(checkId, async (tx, current, now) => {
      await tx.health.insertPing({ checkId, ...input, at: now });
      await tx.health.trimPings(checkId, PINGS_KEPT);
      return applyPing(current, { ...input, at: now });
    });
  }

  /** Pauses a heartbeat check: no alerts until its next ping (Healthchecks' pause). */
  async pause(checkId: string): Promise<void> {
    await this.updateHeartbeat(checkId, async (_tx, current) => ({ ...current, paused: true }));
  }

  /**
   * Changes a heartbeat check's stored state in one durable transaction (its row locked on
   * PostgreSQL, so concurrent pings on several replicas apply one after another), then wakes the
   * cycle loop so the change is judged at once.
   */
  private async updateHeartbeat(
    checkId: string,
    change: (tx: StoreTx, current: HeartbeatState, now: number) => Promise<HeartbeatState>,
  ): Promise<CheckState> {
    const check = this.cfg.checks.get(checkId);
    if (!check || check.kind !== 'heartbeat')
      throw new SentinelError(
        'check_not_found',
        `no heartbeat check ${JSON.stringify(checkId)} is configured`,
      );
    const now = this.opts.clock.now();
    const state = await this.opts.store.transaction(async (tx) => {
      await tx.health.ensureChecks([checkId], now);
      const current = (await tx.health.state(checkId))!;
      const heartbeat = await change(tx, current.heartbeat ?? EMPTY_HEARTBEAT, now);
      await tx.health.saveHeartbeat(checkId, heartbeat, now);
      return { ...current, heartbeat };
    });
    this.loop.wake();
    return state;
  }

  async ingestSamples(samples: readonly SampleInput[]): Promise<void> {
    const rows: SampleRow[] = samples.map((s) => ({ ...s, series: seriesKey(s.metric, s.labels) }));
    // The newest value (samples sources, freshness) and the series point (anomaly baselines) at once.
    const now = this.opts.clock.now();
    await this.opts.store.transaction(async (tx) => {
      await tx.health.upsertSamples(rows);
      await recordSamples(tx, samples, now);
    });
  }

  async samples(metric: string): Promise<StoredSample[]> {
    return this.opts.store.health.samples(metric);
  }

  /**
   * Stores events and raises or resolves the alerts their rules call for. The alerts are ingested
   * first (durably), then the events are recorded: a crash in between loses only the event's
   * entry in the recent-events list, never an alert.
   */
  async ingestEvents(
    events: readonly IngestedEvent[],
  ): Promise<Array<{ matched: string[]; alert_refs: string[] }>> {
    const { alerts, matched } = alertsForEvents(this.cfg, events, this.opts.validation);
    const results = alerts.length > 0 ? await this.opts.alerts.ingest(alerts) : [];
    const now = this.opts.clock.now();
    const rows: IngestedEventRow[] = events.map((e, i) => ({ ...e, receivedAt: now, matched: matched[i]! }));
    await this.opts.store.transaction((tx) => tx.health.insertEvents(rows, this.cfg.options.eventHistory));
    let k = 0;
    return matched.map((m) => ({ matched: m, alert_refs: m.map(() => results[k++]!.alert_ref) }));
  }
}
