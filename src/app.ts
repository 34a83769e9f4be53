import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { GroupCommitter } from './alerts/group-commit.js';
import type { IngestResult, PreparedAlert } from './alerts/model.js';
import { AlertService } from './alerts/service.js';
import { DEFAULT_ALERT_LIMITS, type AlertLimits } from './alerts/validate.js';
import { TokenAuthenticator, type ApiToken } from './api/auth.js';
import type { ApiContext } from './api/context.js';
import { installErrorHandler } from './api/error-handler.js';
import { registerOpsRoutes } from './api/ops.js';
import { registerAlertRoutes } from './api/v1/alerts.js';
import { registerEventRoutes } from './api/v1/events.js';
import { registerIncidentRoutes } from './api/v1/incidents.js';
import { registerV2AlertRoutes } from './api/v2/alerts.js';
import { systemClock, type Clock } from './clock.js';
import type { IncidentSeverity } from './incidents/model.js';
import { IncidentService } from './incidents/service.js';
import { Metrics } from './metrics.js';
import { RetentionJob, type RetentionOptions } from './retention.js';
import type { Store } from './store/store.js';

/** Everything buildApp needs, already validated and resolved (secrets read, durations in ms). */
export interface AppOptions {
  store: Store;
  clock?: Clock;
  /** A pino logger, or false for none (tests). */
  logger?: Logger | false;
  tokens?: readonly ApiToken[];
  bodyLimitBytes?: number;
  maxAlertsPerRequest?: number;
  limits?: AlertLimits;
  defaultDedupeTtlMinutes?: number;
  defaultSource?: string;
  triageCooldownMinutes?: number;
  defaultIncidentDedupeWindowMinutes?: number;
  defaultSeverityCap?: IncidentSeverity;
  /** null disables the background retention job. */
  retention?: RetentionOptions | null;
  /** Most alerts one group-commit transaction writes. */
  maxBatch?: number;
}

export interface SentinelApp {
  http: FastifyInstance;
  context: ApiContext;
  retention: RetentionJob | null;
  /** Starts background work (retention). The store must already be migrated. */
  start(): Promise<void>;
  /** Stops accepting requests, commits what is queued, stops background work. Does not close the store. */
  stop(): Promise<void>;
}

/** Wires the subsystems into a fastify instance without listening, so tests can use inject(). */
export async function buildApp(options: AppOptions): Promise<SentinelApp> {
  const clock = options.clock ?? systemClock;
  const store = options.store;
  let ingest: GroupCommitter<PreparedAlert, IngestResult> | null = null;
  const metrics = new Metrics(store, () => ingest?.pending ?? 0);
  const time = <T>(operation: string, fn: () => Promise<T>): Promise<T> => metrics.time(operation, fn);
  const alerts = new AlertService(store, clock, time);
  const incidents = new IncidentService(store, clock, {
    triageCooldownMs: (options.triageCooldownMinutes ?? 15) * 60_000,
    defaultDedupeWindowMs: (options.defaultIncidentDedupeWindowMinutes ?? 60) * 60_000,
    defaultSeverityCap: options.defaultSeverityCap ?? 'P0',
  });
  ingest = new GroupCommitter<PreparedAlert, IngestResult>(
    async (items) => {
      metrics.ingestBatchSize.observe(items.length);
      return alerts.ingest(items);
      // Several batches in flight: one can write while earlier ones wait for their fsync.
    },
    options.maxBatch ?? 4096,
    4,
  );

  const http = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    // Per-request log lines would dominate the ingest hot path; errors are still logged by our handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    return503OnClosing: true,
    // Plain JSON.parse: bodies are only ever read key by key into fresh null-prototype objects or
    // through strict zod schemas, never merged into existing objects, so a "__proto__" key is just
    // a key (and a label name it would be rejected as unknown or invalid).
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  });
  const context: ApiContext = {
    store,
    clock,
    alerts,
    incidents,
    ingest,
    auth: new TokenAuthenticator(options.tokens ?? []),
    metrics,
    limits: options.limits ?? DEFAULT_ALERT_LIMITS,
    maxAlertsPerRequest: options.maxAlertsPerRequest ?? 1000,
    defaultDedupeTtlMinutes: options.defaultDedupeTtlMinutes ?? 30,
    defaultSource: options.defaultSource ?? 'api',
  };
  // Only JSON bodies are accepted; anything else is a 415 rather than a string handed to a validator.
  http.removeContentTypeParser('text/plain');
  http.decorateRequest('principal', null);
  installErrorHandler(http);
  let ready = false;
  registerOpsRoutes(http, context, () => ready);
  registerAlertRoutes(http, context);
  registerEventRoutes(http, context);
  registerIncidentRoutes(http, context);
  registerV2AlertRoutes(http, context);

  const retention =
    options.retention === null
      ? null
      : new RetentionJob(
          store,
          clock,
          options.retention ?? { maxAgeMs: 30 * 86_400_000, intervalMs: 3_600_000, batchSize: 1000 },
          options.logger ? options.logger : undefined,
        );
  const committer = ingest;
  return {
    http,
    context,
    retention,
    async start() {
      retention?.start();
      await http.ready();
      ready = true;
    },
    async stop() {
      ready = false;
      await http.close();
      await committer.stop();
      await retention?.stop();
    },
  };
}
