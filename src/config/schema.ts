import * as z from 'zod';
import { DEFAULT_ALERT_LIMITS } from '../alerts/validate.js';
import { INCIDENT_SEVERITIES } from '../incidents/model.js';
import { DurationError, parseDuration } from './duration.js';
import { checkListen } from './listen.js';

/**
 * The configuration file. Sentinel's own sections are strict (an unknown key is an error, so a typo
 * cannot silently leave an option at its default); the Alertmanager sections are only checked for
 * their YAML shape and kept verbatim for the notification subsystem, so an existing alertmanager.yml
 * works unchanged. Every option has a default: an empty file is a valid configuration.
 */

export const DEFAULT_LISTEN = '127.0.0.1:9097';
export const DEFAULT_DATABASE_URL = 'sqlite:./data/sentinel.db';

export const SCOPES = [
  'alerts:ingest',
  'alerts:read',
  'alerts:claim',
  'alerts:ack',
  'incidents:write',
  'silences:write',
  'actions:run',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const TOKEN_NAME_RE = /^[a-z0-9_.-]{1,64}$/;
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ONE_YEAR_MINUTES = 525_600;
const MAX_SIZE = 64 * 1024 * 1024;

/** YAML gives null for a key whose children are all commented out; treat that as "not set". */
function nullAsUnset<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null ? undefined : v), schema);
}

function section<S extends z.ZodRawShape>(shape: S) {
  const obj = z.strictObject(shape);
  // Every field of a section has a default, so {} is valid input; the generic type cannot see that.
  return nullAsUnset(obj.prefault({} as z.input<typeof obj>));
}

function duration(defaultValue: string, opts: { positive: boolean }) {
  return z
    .string()
    .superRefine((s, ctx) => {
      try {
        if (parseDuration(s) === 0 && opts.positive)
          ctx.addIssue({ code: 'custom', message: 'must be longer than 0' });
      } catch (err) {
        if (!(err instanceof DurationError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
      }
    })
    .default(defaultValue);
}

const count = (min: number, max: number, def: number) => z.int().min(min).max(max).default(def);
const minutes = (def: number) => z.number().min(0).max(ONE_YEAR_MINUTES).default(def);
const envName = z
  .string()
  .regex(ENV_NAME_RE, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)');
const filePath = z.string().min(1, 'must be a file path');

// ---------------------------------------------------------------------------------------------
// Database URLs
// ---------------------------------------------------------------------------------------------

export type DatabaseKind = 'sqlite' | 'postgres';

/** Checks the form of a database URL; messages never repeat the URL, which may hold a password. */
export function checkDatabaseUrl(
  url: string,
): { ok: true; kind: DatabaseKind } | { ok: false; message: string } {
  if (url.startsWith('sqlite:')) {
    if (url.length === 'sqlite:'.length)
      return { ok: false, message: 'sqlite: needs a file path, e.g. sqlite:./data/sentinel.db' };
    return { ok: true, kind: 'sqlite' };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    if (!URL.canParse(url)) return { ok: false, message: 'is not a valid postgres:// URL' };
    return { ok: true, kind: 'postgres' };
  }
  return { ok: false, message: 'must be sqlite:PATH or postgres://HOST/DATABASE' };
}

/** True when a postgres URL carries a password (in the user part or as ?password=). */
export function hasInlineCredentials(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const u = new URL(url);
  return u.password !== '' || u.searchParams.has('password');
}

/** The URL with any password replaced by ***, safe for logs and status pages. */
export function redactDatabaseUrl(url: string): string {
  if (!hasInlineCredentials(url)) return url;
  const u = new URL(url);
  if (u.password !== '') u.password = '***';
  if (u.searchParams.has('password')) u.searchParams.set('password', '***');
  return u.toString();
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

const serverShape = {
  listen: z
    .string()
    .superRefine((s, ctx) => {
      const r = checkListen(s);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
    })
    .default(DEFAULT_LISTEN),
  external_url: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
    .nullable()
    .default(null),
  body_limit_bytes: count(1024, MAX_SIZE, 1_048_576),
  max_alerts_per_request: count(1, 100_000, 1000),
};

const sqliteShape = { synchronous: z.enum(['full', 'normal']).default('full') };
const postgresShape = {
  pool_size: count(1, 1000, 10),
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)')
    .default('public'),
};
const databaseShape = {
  // Optional with no default here: the default applies only when neither url_env nor url_file is given.
  url: z
    .string()
    .superRefine((url, ctx) => {
      const r = checkDatabaseUrl(url);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
      else if (hasInlineCredentials(url)) {
        ctx.addIssue({
          code: 'custom',
          message:
            'contains a password; secrets are never inline: put the URL in an environment variable named by database.url_env, or in a file named by database.url_file',
        });
      }
    })
    .nullable()
    .optional(),
  url_env: envName.nullable().default(null),
  url_file: filePath.nullable().default(null),
  sqlite: section(sqliteShape),
  postgres: section(postgresShape),
};

const database = nullAsUnset(
  z
    .strictObject(databaseShape)
    .superRefine((d, ctx) => {
      const given = (['url', 'url_env', 'url_file'] as const).filter(
        (k) => d[k] !== undefined && d[k] !== null,
      );
      if (given.length > 1) {
        for (const key of given.slice(1)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `give only one of url, url_env, url_file (found ${given.join(', ')})`,
          });
        }
      }
    })
    // url is null when it comes from url_env / url_file: the loader resolves it (see secrets.databaseUrl).
    .transform(({ url, ...rest }) => ({
      url: url ?? (rest.url_env === null && rest.url_file === null ? DEFAULT_DATABASE_URL : null),
      ...rest,
    }))
    .prefault({}),
);

const tokenShape = {
  name: z.string().regex(TOKEN_NAME_RE, 'must match [a-z0-9_.-]+ (at most 64 characters)'),
  token_env: envName.nullable().default(null),
  token_file: filePath.nullable().default(null),
  scopes: z.array(z.enum(SCOPES)).min(1, 'give at least one scope'),
};

const token = z.strictObject(tokenShape).superRefine((t, ctx) => {
  if ((t.token_env === null) === (t.token_file === null)) {
    ctx.addIssue({
      code: 'custom',
      path: t.token_env === null ? [] : ['token_file'],
      message: 'give exactly one of token_env (an environment variable name) or token_file (a file path)',
    });
  }
});

const authShape = {
  tokens: nullAsUnset(
    z
      .array(token)
      .superRefine((tokens, ctx) => {
        const seen = new Set<string>();
        tokens.forEach((t, i) => {
          if (seen.has(t.name))
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate token name ${t.name}` });
          seen.add(t.name);
        });
      })
      .default([]),
  ),
};

const d = DEFAULT_ALERT_LIMITS;
const limitsShape = {
  max_labels: count(1, 10_000, d.maxLabels),
  max_label_name_length: count(1, MAX_SIZE, d.maxLabelNameLength),
  max_label_value_length: count(1, MAX_SIZE, d.maxLabelValueLength),
  max_label_set_bytes: count(1, MAX_SIZE, d.maxLabelSetBytes),
  max_annotations: count(1, 10_000, d.maxAnnotations),
  max_annotation_value_length: count(1, MAX_SIZE, d.maxAnnotationValueLength),
  max_title_length: count(1, MAX_SIZE, d.maxTitleLength),
  max_message_length: count(1, MAX_SIZE, d.maxMessageLength),
};

const alertsShape = {
  default_dedupe_ttl_minutes: minutes(30),
  default_source: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^\r\n]*$/, 'must be a single line')
    .default('api'),
  limits: section(limitsShape),
};

const incidentsShape = {
  triage_cooldown_minutes: minutes(15),
  default_dedupe_window_minutes: minutes(60),
  default_severity_cap: z.enum(INCIDENT_SEVERITIES).default('P0'),
};

const retentionShape = {
  max_age: duration('30d', { positive: true }),
  interval: duration('1h', { positive: true }),
  batch_size: count(1, 1_000_000, 1000),
};

const ingestShape = { max_batch: count(1, 1_000_000, 4096) };

const deliveryShape = {
  dead_letter_after: duration('24h', { positive: true }),
  initial_backoff: duration('1s', { positive: true }),
  max_backoff: duration('10s', { positive: true }),
};
const throttleShape = {
  // At most one message per this interval per receiver integration and alert source; 0s disables.
  per_source: duration('1m', { positive: false }),
};
const flappingShape = {
  // 0 turns flap damping off.
  max_flips: count(0, 1000, 4),
  window: duration('10m', { positive: true }),
};
const selfTestShape = {
  receiver: z.string().min(1).nullable().default(null),
  schedule: z.string().min(1).default('0 9 * * *'),
  timezone: z.string().min(1).default('UTC'),
};
const watchdogShape = {
  enabled: z.boolean().default(false),
  interval: duration('1m', { positive: true }),
};
const escalationStep = z.strictObject({
  after: duration('0s', { positive: false }),
  receiver: z.string().min(1),
});
const escalationPolicy = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must match [A-Za-z0-9_.-]+'),
  matchers: z.array(z.string()).min(1, 'give at least one matcher'),
  steps: z.array(escalationStep).min(1, 'give at least one step'),
});
const notificationsShape = {
  delivery: section(deliveryShape),
  throttle: section(throttleShape),
  flapping: section(flappingShape),
  // A receiver failing this long raises the SentinelReceiverFailing alert.
  receiver_failing_after: duration('10m', { positive: true }),
  self_test: section(selfTestShape),
  watchdog: section(watchdogShape),
  escalation_policies: nullAsUnset(z.array(escalationPolicy).default([])),
};
const loggingShape = { level: z.enum(LOG_LEVELS).default('info') };

// Alertmanager sections: the shape only. Their content is validated by the notification subsystem.
const AM_MAPPING = 'must be a mapping (key: value), as in alertmanager.yml';
const AM_LIST = 'must be a list, as in alertmanager.yml';
const amObject = nullAsUnset(z.record(z.string(), z.unknown(), { error: AM_MAPPING }).default({}));
const amList = nullAsUnset(z.array(z.unknown(), { error: AM_LIST }).default([]));

// Health sections: the shape only here; src/engine/config.ts validates their content in one pass
// across sections (a check's service and sources must exist, expressions are parsed).
const HEALTH_LIST = 'must be a list of entries (- name: ...)';
const healthList = nullAsUnset(z.array(z.unknown(), { error: HEALTH_LIST }).default([]));
const healthOptions = nullAsUnset(
  z.record(z.string(), z.unknown(), { error: 'must be a mapping (key: value)' }).default({}),
);

const rootShape = {
  server: section(serverShape),
  database,
  auth: section(authShape),
  alerts: section(alertsShape),
  incidents: section(incidentsShape),
  retention: section(retentionShape),
  ingest: section(ingestShape),
  logging: section(loggingShape),
  notifications: section(notificationsShape),
  global: amObject,
  route: z.record(z.string(), z.unknown(), { error: AM_MAPPING }).nullable().default(null),
  receivers: amList,
  inhibit_rules: amList,
  time_intervals: amList,
  mute_time_intervals: amList,
  templates: nullAsUnset(z.array(z.string(), { error: 'must be a list of file paths or globs' }).default([])),
  health: healthOptions,
  services: healthList,
  sources: healthList,
  checks: healthList,
  event_rules: healthList,
};

export const configSchema = z.strictObject(rootShape);

export type Config = z.output<typeof configSchema>;
export type TokenConfig = Config['auth']['tokens'][number];

/** The Alertmanager top-level keys Sentinel accepts verbatim. */
export const ALERTMANAGER_SECTIONS = [
  'global',
  'route',
  'receivers',
  'inhibit_rules',
  'time_intervals',
  'mute_time_intervals',
  'templates',
] as const;

/**
 * The keys each strict object accepts, by path pattern (`[]` for any list index), so that an unknown
 * key can be answered with "did you mean ...".
 */
export const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(rootShape),
  server: Object.keys(serverShape),
  database: Object.keys(databaseShape),
  'database.sqlite': Object.keys(sqliteShape),
  'database.postgres': Object.keys(postgresShape),
  auth: Object.keys(authShape),
  'auth.tokens[]': Object.keys(tokenShape),
  alerts: Object.keys(alertsShape),
  'alerts.limits': Object.keys(limitsShape),
  incidents: Object.keys(incidentsShape),
  retention: Object.keys(retentionShape),
  ingest: Object.keys(ingestShape),
  notifications: Object.keys(notificationsShape),
  'notifications.delivery': Object.keys(deliveryShape),
  'notifications.throttle': Object.keys(throttleShape),
  'notifications.flapping': Object.keys(flappingShape),
  'notifications.self_test': Object.keys(selfTestShape),
  'notifications.watchdog': Object.keys(watchdogShape),
  'notifications.escalation_policies[]': ['name', 'matchers', 'steps'],
  'notifications.escalation_policies[].steps[]': ['after', 'receiver'],
  logging: Object.keys(loggingShape),
};

const SECRET_KEY_RE = /^(token|password|passwd|secret|url|value|key|api_key|credentials)$/;

/**
 * The message for an unknown key in one of Sentinel's strict sections. Secret-looking keys get a
 * pointer to the *_env / *_file form, because inline secrets are refused on purpose.
 */
export function describeUnknownKey(parentPattern: string, key: string): string {
  if (parentPattern === 'auth.tokens[]' && SECRET_KEY_RE.test(key)) {
    return 'inline secrets are not allowed: put the token in an environment variable named by token_env, or in a file named by token_file';
  }
  if (parentPattern === 'database' && SECRET_KEY_RE.test(key) && key !== 'url') {
    return 'inline secrets are not allowed: put the whole database URL in an environment variable named by url_env, or in a file named by url_file';
  }
  const known = KNOWN_KEYS[parentPattern] ?? [];
  const suggestion = closest(key, known);
  const where = parentPattern === '' ? 'at the top level' : `in ${parentPattern}`;
  return `unknown key ${where}${suggestion ? `; did you mean ${suggestion}?` : ''} (known: ${known.join(', ')})`;
}

function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c);
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
