import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import { parseDuration } from './config/duration.js';
import { isLoopbackHost, loadConfig, parseListen, type Config, type LoadedConfig } from './config/load.js';
import { SqliteStore } from './store/sqlite/index.js';
import type { Store } from './store/store.js';

/** Process entry points used by the CLI: serve (listen + signals) and migrate. */

export interface ServeOptions {
  configPath?: string;
  listen?: string;
  database?: string;
}

export interface MigrateOptions {
  configPath?: string;
  database?: string;
}

/** Opens the store a database URL names: `sqlite:PATH` (embedded) or `postgres://...`. */
export async function openStore(url: string, config: Readonly<Config>, log?: Logger): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    return new SqliteStore({
      path: resolve(url.slice('sqlite:'.length)),
      synchronous: config.database.sqlite.synchronous,
      ...(log ? { onBackgroundError: (message: string) => log.error(message) } : {}),
    });
  }
  const { PostgresStore } = await import('./store/postgres/index.js');
  return PostgresStore.open({
    url,
    schema: config.database.postgres.schema,
    poolSize: config.database.postgres.pool_size,
  });
}

function load(opts: { configPath?: string; listen?: string; database?: string }): Promise<LoadedConfig> {
  return loadConfig({
    ...(opts.configPath !== undefined ? { path: opts.configPath } : {}),
    overrides: {
      ...(opts.listen !== undefined ? { listen: opts.listen } : {}),
      ...(opts.database !== undefined ? { database: opts.database } : {}),
    },
  });
}

export async function migrate(
  opts: MigrateOptions,
): Promise<{ backend: string; applied: string[]; current: number }> {
  const loaded = await load(opts);
  const store = await openStore(loaded.secrets.databaseUrl, loaded.config);
  try {
    const report = await store.migrate();
    return { backend: store.backend, ...report };
  } finally {
    await store.close();
  }
}

/** Why a server refuses to start; the CLI prints the message and exits non-zero. */
export class StartupError extends Error {}

export async function serve(opts: ServeOptions): Promise<void> {
  const loaded = await load(opts);
  const { config, secrets } = loaded;
  const log: Logger = pino({
    level: config.logging.level,
    // Tokens never reach the logs, even if a future log line includes request headers.
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.token'],
      censor: '[redacted]',
    },
  });
  for (const w of loaded.warnings) log.warn(`config: ${w}`);

  const listen = parseListen(config.server.listen);
  if (secrets.tokens.length === 0) {
    if (!isLoopbackHost(listen.host)) {
      throw new StartupError(
        `refusing to listen on ${config.server.listen} without API tokens: configure auth.tokens or listen on a loopback address`,
      );
    }
    log.warn('no API tokens configured: listening on loopback only, and every local client has full access');
  }

  const store = await openStore(secrets.databaseUrl, config, log);
  const report = await store.migrate();
  if (report.applied.length > 0) log.info({ applied: report.applied }, 'database migrated');

  const app = await buildApp({
    store,
    clock: systemClock,
    logger: log,
    tokens: secrets.tokens,
    bodyLimitBytes: config.server.body_limit_bytes,
    maxAlertsPerRequest: config.server.max_alerts_per_request,
    limits: {
      maxLabels: config.alerts.limits.max_labels,
      maxLabelNameLength: config.alerts.limits.max_label_name_length,
      maxLabelValueLength: config.alerts.limits.max_label_value_length,
      maxLabelSetBytes: config.alerts.limits.max_label_set_bytes,
      maxAnnotations: config.alerts.limits.max_annotations,
      maxAnnotationValueLength: config.alerts.limits.max_annotation_value_length,
      maxTitleLength: config.alerts.limits.max_title_length,
      maxMessageLength: config.alerts.limits.max_message_length,
    },
    defaultDedupeTtlMinutes: config.alerts.default_dedupe_ttl_minutes,
    defaultSource: config.alerts.default_source,
    triageCooldownMinutes: config.incidents.triage_cooldown_minutes,
    defaultIncidentDedupeWindowMinutes: config.incidents.default_dedupe_window_minutes,
    defaultSeverityCap: config.incidents.default_severity_cap,
    retention: {
      maxAgeMs: parseDuration(config.retention.max_age),
      intervalMs: parseDuration(config.retention.interval),
      batchSize: config.retention.batch_size,
    },
    maxBatch: config.ingest.max_batch,
    notify: loaded.notify,
    health: loaded.health,
    configOriginal: loaded.original,
    externalUrl: loaded.notify.config.externalUrl,
    // Reload re-reads the same file with the same flags; the notification and health
    // configuration is applied while running (listen address, database and tokens need a restart).
    loadConfig: async () => {
      const next = await load(opts);
      for (const w of next.warnings) log.warn(`config: ${w}`);
      return { notify: next.notify, original: next.original, health: next.health };
    },
  });
  await app.start();
  const address = await app.http.listen({ host: listen.host, port: listen.port });
  log.info(
    {
      address,
      backend: store.backend,
      database: config.database.url,
      config: loaded.path,
      tokens: secrets.tokens.length,
    },
    'sentinel listening',
  );

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing queued writes');
    void app
      .stop()
      .then(() => store.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    if (loaded.path === null) {
      log.warn('SIGHUP: no configuration file to reload');
      return;
    }
    app
      .reload()
      .catch((err: unknown) =>
        log.error({ err }, 'configuration reload failed; the running configuration was kept'),
      );
  });
}
