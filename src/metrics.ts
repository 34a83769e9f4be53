import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from './clock.js';
import type { Store } from './store/store.js';

/** Prometheus metrics of one app instance (its own registry, so tests can build several apps). */
export class Metrics {
  readonly registry = new Registry();
  readonly ingested: Counter<'api' | 'result'>;
  readonly storeLatency: Histogram<'operation'>;
  readonly ingestBatchSize: Histogram;
  readonly deliveryAttempts: Counter<'integration' | 'outcome'>;
  readonly deliveryLatency: Histogram<'integration'>;
  readonly deadLettered: Counter<'integration'>;
  readonly cycles: Counter<'result'>;
  readonly cycleDuration: Histogram;
  /** What GET /api/v1/health reports, for the per-service status gauge (set once the health engine exists). */
  healthReport: (() => Promise<{ services: Array<{ name: string; status: string }> }>) | null = null;

  constructor(store: Store, pendingIngest: () => number, clock: Clock) {
    collectDefaultMetrics({ register: this.registry, prefix: 'sentinel_' });
    this.ingested = new Counter({
      name: 'sentinel_alerts_ingested_total',
      help: 'Alerts received, by API and outcome (created: raised a new alert; deduped: joined an existing alert, as a re-send, an update or a resolve; rejected: refused with a 4xx).',
      labelNames: ['api', 'result'],
      registers: [this.registry],
    });
    this.storeLatency = new Histogram({
      name: 'sentinel_store_operation_duration_seconds',
      help: 'Time to run one store transaction, by operation.',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.ingestBatchSize = new Histogram({
      name: 'sentinel_ingest_batch_alerts',
      help: 'Alerts committed together by one group-commit transaction.',
      buckets: [1, 4, 16, 64, 256, 1024, 4096],
      registers: [this.registry],
    });
    new Gauge({
      name: 'sentinel_ingest_queue_alerts',
      help: 'Alerts waiting for the next group commit.',
      registers: [this.registry],
      collect() {
        this.set(pendingIngest());
      },
    });
    this.deliveryAttempts = new Counter({
      name: 'sentinel_notification_attempts_total',
      help: 'Attempts to send a notification, by integration (<receiver>/<kind>/<index>) and outcome (delivered, retryable, permanent).',
      labelNames: ['integration', 'outcome'],
      registers: [this.registry],
    });
    this.deliveryLatency = new Histogram({
      name: 'sentinel_notification_send_duration_seconds',
      help: 'Time one send attempt took, by integration.',
      labelNames: ['integration'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.deadLettered = new Counter({
      name: 'sentinel_notifications_dead_total',
      help: 'Notifications declared dead: not delivered within the dead-letter age.',
      labelNames: ['integration'],
      registers: [this.registry],
    });
    this.cycles = new Counter({
      name: 'sentinel_health_checks_total',
      help: 'Checks evaluated by this process, by result (ok; violation: a finding or an error; skipped: a source it needs did not answer).',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.cycleDuration = new Histogram({
      name: 'sentinel_health_cycle_duration_seconds',
      help: 'Wall time of one evaluation cycle of this process (collecting, evaluating, storing).',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    const reporter = () => this.healthReport;
    new Gauge({
      name: 'sentinel_health_service_status',
      help: "Each service's health: 1 for its current status (healthy, degraded, critical, stale, unknown), 0 for the others.",
      labelNames: ['service', 'status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const report = reporter();
        if (!report) return;
        for (const svc of (await report()).services)
          for (const status of ['healthy', 'degraded', 'critical', 'stale', 'unknown'])
            this.set({ service: svc.name, status }, svc.status === status ? 1 : 0);
      },
    });
    const queueAge = new Gauge({
      name: 'sentinel_notification_queue_oldest_seconds',
      help: 'Age of the oldest notification waiting to be delivered, by integration.',
      labelNames: ['integration'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'sentinel_notification_queue',
      help: 'Notifications waiting to be delivered (queued, sending or retrying), by integration.',
      labelNames: ['integration'],
      registers: [this.registry],
      async collect() {
        this.reset();
        queueAge.reset();
        const now = clock.now();
        for (const s of await store.notify.queueStats()) {
          this.set({ integration: s.integration }, s.pending);
          if (s.oldestCreatedAt !== null)
            queueAge.set({ integration: s.integration }, Math.max(0, (now - s.oldestCreatedAt) / 1000));
        }
      },
    });
    new Gauge({
      name: 'sentinel_alerts',
      help: 'Stored alerts by state, processing status and severity.',
      labelNames: ['state', 'status', 'severity'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await store.countAlerts()) {
          this.set({ state: row.state, status: row.status, severity: row.severity }, row.count);
        }
      },
    });
  }

  /** Counts accepted alerts of one ingest request by outcome. */
  countIngested(api: 'v1' | 'v2', results: readonly { deduped: boolean }[]): void {
    let deduped = 0;
    for (const r of results) if (r.deduped) deduped++;
    if (deduped > 0) this.ingested.inc({ api, result: 'deduped' }, deduped);
    if (results.length > deduped) this.ingested.inc({ api, result: 'created' }, results.length - deduped);
  }

  /** Times an async store operation into sentinel_store_operation_duration_seconds. */
  async time<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const end = this.storeLatency.startTimer({ operation });
    try {
      return await fn();
    } finally {
      end();
    }
  }
}
