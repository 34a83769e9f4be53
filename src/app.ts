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
import { emptyNotifyConfig, type BuiltNotifyConfig } from './notify/config.js';
import type { BackoffOptions } from './notify/delivery.js';
import { Notifier } from './notify/notifier.js';
import { registerV2SilenceRoutes } from './api/v2/silences.js';
import { registerV2StatusRoutes } from './api/v2/status.js';
import { registerV2AlertReadRoutes } from './api/v2/alerts.js';
import { registerDeliveryRoutes } from './api/v1/deliveries.js';
import { registerAlertmanagerWebhookRoute } from './api/v1/am-webhook.js';
import { registerHealthRoutes } from './api/v1/health.js';
import { registerHeartbeatRoutes } from './api/v1/heartbeats.js';
import { registerPushRoutes } from './api/v1/push.js';
import { registerSeriesRoutes } from './api/v1/series.js';
import { emptyHealthConfig } from './engine/config.js';
import { HealthService } from './engine/health-service.js';
import type { HealthConfig } from './engine/model.js';
import { replicaId } from './ids.js';
import { SentinelError } from './errors.js';
import { VERSION } from './version.js';
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
  /** The notification configuration (routes, receivers, ...); none by default. */
  notify?: BuiltNotifyConfig;
  /** The Alertmanager sections as YAML with secrets masked, for GET /api/v2/status. */
  configOriginal?: string;
  /** Services, sources, checks and event rules; only Sentinel's own watchdog checks by default. */
  health?: HealthConfig;
  /** Loads and validates the configuration file again (POST /-/reload, SIGHUP); throws if invalid. */
  loadConfig?: () => Promise<{ notify: BuiltNotifyConfig; original: string; health: HealthConfig }>;
  /** false: the notification loops and health cycles do not run by themselves (tests drive them with a manual clock). */
  backgroundWork?: boolean;
  /** How often the health engine looks for due checks (ms; default 1000). */
  healthPollMs?: number;
  notifications?: { deadLetterAfterMs?: number; backoff?: Partial<BackoffOptions>; random?: () => number };
  externalUrl?: string;
}

export interface SentinelApp {
  http: FastifyInstance;
  context: ApiContext;
  retention: RetentionJob | null;
  notifier: Notifier;
  health: HealthService;
  /** Starts background work (retention, notifications). The store must already be migrated. */
  start(): Promise<void>;
  /** Applies the configuration file again; throws SentinelError('reload_failed') if it is invalid. */
  reload(): Promise<void>;
  /** Stops accepting requests, commits what is queued, stops background work. Does not close the store. */
  stop(): Promise<void>;
}

/** Wires the subsystems into a fastify instance without listening, so tests can use inject(). */
export async function buildApp(options: AppOptions): Promise<SentinelApp> {
  const clock = options.clock ?? systemClock;
  const store = options.store;
  let ingest: GroupCommitter<PreparedAlert, IngestResult> | null = null;
  const metrics = new Metrics(store, () => ingest?.pending ?? 0, clock);
  const time = <T>(operation: string, fn: () => Promise<T>): Promise<T> => metrics.time(operation, fn);
  const alerts = new AlertService(store, clock, time);
  const externalUrl = options.externalUrl ?? 'http://127.0.0.1:9097';
  const notifier = new Notifier({
    store,
    clock,
    alerts,
    config: options.notify ?? emptyNotifyConfig(externalUrl),
    version: VERSION,
    ...(options.notifications?.deadLetterAfterMs !== undefined
      ? { deadLetterAfterMs: options.notifications.deadLetterAfterMs }
      : {}),
    ...(options.notifications?.backoff ? { backoff: options.notifications.backoff } : {}),
    ...(options.notifications?.random ? { random: options.notifications.random } : {}),
    ...(options.logger ? { log: options.logger } : {}),
    onAttempt: (n, outcome, latencyMs) => {
      metrics.deliveryAttempts.inc({ integration: n.integration, outcome });
      metrics.deliveryLatency.observe({ integration: n.integration }, latencyMs / 1000);
    },
    onDead: (n) => metrics.deadLettered.inc({ integration: n.integration }),
  });
  alerts.setChangeListener(notifier);
  const validation = {
    limits: options.limits ?? DEFAULT_ALERT_LIMITS,
    defaultDedupeTtlMinutes: options.defaultDedupeTtlMinutes ?? 30,
    defaultSource: options.defaultSource ?? 'api',
  };
  const health = new HealthService({
    store,
    clock,
    alerts,
    validation,
    config: options.health ?? emptyHealthConfig(),
    owner: replicaId(),
    version: VERSION,
    ...(options.logger ? { log: options.logger } : {}),
    ...(options.healthPollMs !== undefined ? { pollMs: options.healthPollMs } : {}),
    onCycle: (cycle) => {
      metrics.cycleDuration.observe(cycle.cycle_duration_ms / 1000);
      const violations = cycle.violations.length;
      metrics.cycles.inc({ result: 'violation' }, violations);
      metrics.cycles.inc({ result: 'skipped' }, cycle.checks_skipped);
      metrics.cycles.inc({ result: 'ok' }, Math.max(0, cycle.checks_run - violations - cycle.checks_skipped));
    },
    failingReceivers: async () => {
      const now = clock.now();
      const after = notifier.config().options.receiverFailingAfterMs;
      return (await store.notify.allIntegrations())
        .filter((s) => s.failingSince !== null && s.failingSince <= now - after)
        .map((s) => ({
          integration: s.integration,
          failing_since: new Date(s.failingSince!).toISOString(),
          last_error: s.lastError,
        }));
    },
  });
  let configOriginal = options.configOriginal ?? '';
  const reload = async (): Promise<void> => {
    if (!options.loadConfig)
      throw new SentinelError('reload_failed', 'the server was started without a configuration file');
    let next: { notify: BuiltNotifyConfig; original: string; health: HealthConfig };
    try {
      next = await options.loadConfig();
    } catch (err) {
      const issues = (err as { issues?: Array<{ path: string; message: string }> }).issues;
      throw new SentinelError(
        'reload_failed',
        `configuration not reloaded: ${err instanceof Error ? err.message : String(err)}`,
        (issues ?? []).map((i) => ({ field: i.path, code: 'invalid_format', message: i.message })),
      );
    }
    await notifier.reload(next.notify);
    await health.reload(next.health);
    configOriginal = next.original;
    if (options.logger) options.logger.info('configuration reloaded');
  };
  metrics.healthReport = () => health.report();
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
    // Check ids may be 128 characters (the configuration allows it); the default stops at 100.
    routerOptions: { maxParamLength: 256 },
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
    limits: validation.limits,
    maxAlertsPerRequest: options.maxAlertsPerRequest ?? 1000,
    defaultDedupeTtlMinutes: validation.defaultDedupeTtlMinutes,
    defaultSource: validation.defaultSource,
    notifier,
    health,
    configOriginal: () => configOriginal,
    reload,
    startedAt: clock.now(),
    version: VERSION,
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
  registerV2AlertReadRoutes(http, context);
  registerV2SilenceRoutes(http, context);
  registerV2StatusRoutes(http, context);
  registerDeliveryRoutes(http, context);
  registerAlertmanagerWebhookRoute(http, context);
  registerHealthRoutes(http, context);
  registerHeartbeatRoutes(http, context);
  registerPushRoutes(http, context);
  registerSeriesRoutes(http, context);

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
    notifier,
    health,
    async start() {
      retention?.start();
      if (options.backgroundWork === false) await notifier.dispatcher.reconcile(notifier.hashes());
      else await notifier.start();
      await health.start(options.backgroundWork !== false);
      await http.ready();
      ready = true;
    },
    reload,
    async stop() {
      ready = false;
      await http.close();
      await committer.stop();
      await health.stop();
      await notifier.stop();
      await retention?.stop();
    },
  };
}
