import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as z from 'zod';
import { checkListen } from './listen.js';
import {
  ALERTMANAGER_SECTIONS,
  checkDatabaseUrl,
  configSchema,
  describeUnknownKey,
  hasInlineCredentials,
  LOG_LEVELS,
  redactDatabaseUrl,
  type Config,
  type LogLevel,
  type Scope,
} from './schema.js';
import { buildNotifyConfig, type BuiltNotifyConfig } from '../notify/config.js';
import { buildHealthConfig } from '../engine/config.js';
import type { HealthConfig } from '../engine/model.js';
import { checkTokenValue, readSecret } from './secrets.js';
import {
  existsInSource,
  formatPath,
  inlineSecretWarnings,
  locate,
  maskedAlertmanagerYaml,
  parseYaml,
  pathPattern,
  type PathSegment,
  type SourceDocument,
} from './yaml-source.js';

export { isLoopbackHost, parseListen, type ListenAddress } from './listen.js';
export type { Config } from './schema.js';

/**
 * Loads the configuration once at startup: YAML file, then environment, then command-line flags
 * (flag > env > file > default), validated in one pass so the operator sees every problem at once,
 * each with the key path and line it came from. Secrets are resolved here and kept apart from the
 * (frozen, printable) configuration.
 */

export interface ConfigIssue {
  path: string;
  line: number | null;
  column: number | null;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `route.group_wait (line 4, col 15): message`; parts that are unknown are left out. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === null ? '' : `line ${issue.line}, col ${issue.column ?? 1}`;
  if (issue.path === '') return where === '' ? issue.message : `${where}: ${issue.message}`;
  return where === '' ? `${issue.path}: ${issue.message}` : `${issue.path} (${where}): ${issue.message}`;
}

export interface LoadOptions {
  path?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: { listen?: string; database?: string };
}

export interface ResolvedToken {
  name: string;
  token: string;
  scopes: readonly Scope[];
}

export interface LoadedConfig {
  /** Deep-frozen. database.url is the effective URL with any password masked; the real one is in secrets. */
  config: Readonly<Config>;
  /** The YAML text as read, or '' when no file was given. */
  source: string;
  /** Absolute path of the file, or null when running on defaults. */
  path: string | null;
  /** Problems that do not stop startup (inline secrets in Alertmanager sections, ...); never contain values. */
  warnings: string[];
  secrets: { databaseUrl: string; tokens: ResolvedToken[] };
  /** The notification pipeline's configuration: routes, receivers (secrets resolved), templates compiled. */
  notify: BuiltNotifyConfig;
  /** The Alertmanager sections as YAML with secrets masked (GET /api/v2/status). */
  original: string;
  /** Services, sources, checks and event rules: validated, secrets resolved, expressions parsed. */
  health: HealthConfig;
}

export const ENV_LISTEN = 'SENTINEL_LISTEN';
export const ENV_DATABASE_URL = 'SENTINEL_DATABASE_URL';
export const ENV_LOG_LEVEL = 'SENTINEL_LOG_LEVEL';

export async function loadConfig(opts: LoadOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const absolutePath = opts.path === undefined ? null : path.resolve(opts.path);
  const text = opts.path === undefined ? '' : await readConfigFile(opts.path);

  const { source, errors, warnings: yamlWarnings } = parseYaml(text);
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => ({
        path: '',
        line: e.position?.line ?? null,
        column: e.position?.column ?? null,
        message: `YAML syntax error: ${e.message}`,
      })),
    );
  }
  const raw = toPlainData(source);

  const issues: ConfigIssue[] = [];
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) issues.push(...fromZodIssues(parsed.error.issues, source));
  const overrides = readOverrides(env, opts.overrides ?? {}, issues);
  if (!parsed.success || issues.length > 0) throw new ConfigError(sortIssues(issues));

  const config = parsed.data;
  const warnings = yamlWarnings.map((w) =>
    formatIssue({
      path: '',
      line: w.position?.line ?? null,
      column: w.position?.column ?? null,
      message: w.message,
    }),
  );
  warnings.push(...inlineSecretWarnings(source, ALERTMANAGER_SECTIONS));

  if (overrides.listen !== undefined) config.server.listen = overrides.listen;
  if (overrides.logLevel !== undefined) config.logging.level = overrides.logLevel;

  const baseDir = absolutePath === null ? process.cwd() : path.dirname(absolutePath);
  const secretIssues: ConfigIssue[] = [];
  const issueAt = (p: PathSegment[], message: string): void => {
    secretIssues.push(issueFor(source, p, message));
  };

  let databaseUrl: string;
  if (overrides.database !== undefined) {
    databaseUrl = overrides.database.value;
    if (overrides.database.origin === '--database' && hasInlineCredentials(databaseUrl)) {
      warnings.push(
        `--database: the URL contains a password, which other users can see in the process list; prefer ${ENV_DATABASE_URL} or database.url_env`,
      );
    }
  } else if (config.database.url !== null) {
    databaseUrl = config.database.url;
  } else {
    const key = config.database.url_env !== null ? 'url_env' : 'url_file';
    databaseUrl = '';
    const r = await readSecret(
      { env: config.database.url_env, file: config.database.url_file },
      env,
      baseDir,
    );
    if (!r.ok) issueAt(['database', key], r.message);
    else {
      const form = checkDatabaseUrl(r.value);
      if (!form.ok) issueAt(['database', key], `the URL from ${r.origin} ${form.message}`);
      else databaseUrl = r.value;
    }
  }
  config.database.url = redactDatabaseUrl(databaseUrl);

  const tokens: ResolvedToken[] = [];
  const firstWithValue = new Map<string, number>();
  for (const [i, t] of config.auth.tokens.entries()) {
    const key = t.token_env !== null ? 'token_env' : 'token_file';
    const r = await readSecret({ env: t.token_env, file: t.token_file }, env, baseDir);
    if (!r.ok) {
      issueAt(['auth', 'tokens', i, key], r.message);
      continue;
    }
    const problem = checkTokenValue(r.value, r.origin);
    if (problem !== null) {
      issueAt(['auth', 'tokens', i, key], problem);
      continue;
    }
    const earlier = firstWithValue.get(r.value);
    if (earlier !== undefined) {
      // Two entries with one value would make the token's scopes depend on list order.
      issueAt(
        ['auth', 'tokens', i, key],
        `gives the same token as auth.tokens[${earlier}] (${config.auth.tokens[earlier]?.name}); every token must be different`,
      );
      continue;
    }
    firstWithValue.set(r.value, i);
    tokens.push({ name: t.name, token: r.value, scopes: [...t.scopes] });
  }
  if (secretIssues.length > 0) throw new ConfigError(sortIssues(secretIssues));

  const sections = {
    notifications: config.notifications,
    global: config.global,
    route: config.route,
    receivers: config.receivers,
    inhibit_rules: config.inhibit_rules,
    time_intervals: config.time_intervals,
    mute_time_intervals: config.mute_time_intervals,
    templates: config.templates,
  };
  const notify = await buildNotifyConfig(sections, {
    baseDir,
    env,
    externalUrl: config.server.external_url ?? `http://${config.server.listen}`,
  });
  for (const w of notify.warnings) warnings.push(formatIssue(issueFor(source, w.path, w.message)));
  const health = await buildHealthConfig(
    {
      health: config.health,
      services: config.services,
      sources: config.sources,
      checks: config.checks,
      event_rules: config.event_rules,
    },
    { baseDir, env },
  );
  for (const w of health.warnings) warnings.push(formatIssue(issueFor(source, w.path, w.message)));
  if (notify.built === null || health.built === null) {
    throw new ConfigError(
      sortIssues([...notify.issues, ...health.issues].map((i) => issueFor(source, i.path, i.message))),
    );
  }

  return {
    config: deepFreeze(config),
    source: text,
    path: absolutePath,
    warnings,
    secrets: { databaseUrl, tokens },
    notify: notify.built,
    original: maskedAlertmanagerYaml({ ...sections, notifications: undefined }),
    health: health.built,
  };
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String((err as NodeJS.ErrnoException).code) : '';
    const message =
      code === 'ENOENT'
        ? `config file not found: ${file}`
        : code === 'EISDIR'
          ? `config file ${file} is a directory`
          : `cannot read config file ${file}${code ? ` (${code})` : ''}`;
    throw new ConfigError([{ path: '', line: null, column: null, message }]);
  }
}

function toPlainData(source: SourceDocument): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = source.doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // Only alias expansion can fail here (too many aliases: a "billion laughs" document).
    throw new ConfigError([
      {
        path: '',
        line: null,
        column: null,
        message: `YAML error: ${err instanceof Error ? err.message : String(err)}`,
      },
    ]);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    const pos = locate(source, []);
    throw new ConfigError([
      {
        path: '',
        line: pos?.line ?? 1,
        column: pos?.column ?? 1,
        message: 'the configuration must be a YAML mapping of sections (server:, database:, ...)',
      },
    ]);
  }
  return raw as Record<string, unknown>;
}

function issueFor(
  source: SourceDocument,
  p: readonly PathSegment[],
  message: string,
  target: 'value' | 'key' = 'value',
): ConfigIssue {
  const pos = locate(source, p, target);
  return { path: formatPath(p), line: pos?.line ?? null, column: pos?.column ?? null, message };
}

function fromZodIssues(zodIssues: readonly z.core.$ZodIssue[], source: SourceDocument): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of zodIssues) {
    const p = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
    if (issue.code === 'unrecognized_keys') {
      // One issue per key, each pointing at the key itself, so every typo gets its own line number.
      for (const key of issue.keys)
        out.push(issueFor(source, [...p, key], describeUnknownKey(pathPattern(p), key), 'key'));
    } else if (issue.code === 'invalid_type' && !existsInSource(source, p)) {
      out.push(issueFor(source, p, `is required (${issue.expected})`));
    } else {
      out.push(issueFor(source, p, issue.message));
    }
  }
  return out;
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const key = (i: ConfigIssue): number =>
    i.line === null ? Number.MAX_SAFE_INTEGER : i.line * 100_000 + (i.column ?? 0);
  return [...issues].sort((a, b) => key(a) - key(b));
}

interface Overrides {
  listen?: string;
  logLevel?: LogLevel;
  database?: { value: string; origin: string };
}

/** Environment and flag values, validated; problems are added to `issues` under the variable or flag name. */
function readOverrides(
  env: NodeJS.ProcessEnv,
  flags: NonNullable<LoadOptions['overrides']>,
  issues: ConfigIssue[],
): Overrides {
  const out: Overrides = {};
  const problem = (origin: string, message: string): void => {
    issues.push({ path: origin, line: null, column: null, message });
  };
  // An empty variable counts as unset, as shells make `VAR= cmd` the usual way to clear one.
  const fromEnv = (name: string): { value: string; origin: string } | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : { value: v, origin: name };
  };

  const listen =
    flags.listen !== undefined ? { value: flags.listen, origin: '--listen' } : fromEnv(ENV_LISTEN);
  if (listen) {
    const r = checkListen(listen.value);
    if (r.ok) out.listen = listen.value;
    else problem(listen.origin, r.message);
  }

  const level = fromEnv(ENV_LOG_LEVEL);
  if (level) {
    if ((LOG_LEVELS as readonly string[]).includes(level.value)) out.logLevel = level.value as LogLevel;
    else problem(level.origin, `must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const database =
    flags.database !== undefined
      ? { value: flags.database, origin: '--database' }
      : fromEnv(ENV_DATABASE_URL);
  if (database) {
    const r = checkDatabaseUrl(database.value);
    if (r.ok) out.database = database;
    else problem(database.origin, r.message);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
