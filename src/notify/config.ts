import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { hashParts } from '../alerts/fingerprint.js';
import {
  IssueCollector,
  matcherListAt,
  optionalDuration,
  optionalString,
  secretForm,
  stringListAt,
  type ConfigProblem,
} from '../config/collect.js';
import { readSecret } from '../config/secrets.js';
import type { PathSegment } from '../config/yaml-source.js';
import {
  formatMatchers,
  LABEL_NAME_RE,
  MatcherError,
  matchersFromMatch,
  matchersFromMatchRe,
  sortMatchers,
  type Matcher,
} from '../routing/matchers.js';
import { DEFAULT_ROUTE_OPTIONS, walkRoutes, type Route, type RouteOptions } from '../routing/route.js';
import { parseTimeIntervals, TimeIntervalError, type TimeIntervalSet } from '../routing/time-intervals.js';
import { Cron } from 'croner';
import { parseDuration } from '../config/duration.js';
import {
  DEFAULT_NOTIFY_OPTIONS,
  type EscalationPolicy,
  type InhibitRule,
  type IntegrationConfig,
  type NotifyConfig,
  type NotifyOptions,
  type ReceiverConfig,
} from './config-types.js';
import { isRecord } from './receivers/common.js';
import { RECEIVER_KINDS, UNSUPPORTED_CONFIG_KEYS, type ReceiverKind } from './receivers/index.js';
import type { GlobalSettings, ParseContext } from './receivers/receiver.js';
import { createTemplateSet, TemplateError, type TemplateSet, type TemplateSource } from './template/index.js';

/*
 * The Alertmanager sections of the configuration (global, route, receivers, inhibit_rules,
 * time_intervals, mute_time_intervals, templates), validated as Alertmanager validates them and
 * turned into the NotifyConfig the pipeline runs on. Every problem is reported with its key path;
 * the loader adds the line and column.
 */

const ANY_DURATION = { positive: false };
const MATCHER_EXAMPLE = 'severity="critical"';

export type NotifyIssue = ConfigProblem;

export interface BuiltNotifyConfig {
  config: NotifyConfig;
  /** Hashes of the routing tree, the inhibit rules and the escalation policies (see Dispatcher.reconcile). */
  hashes: { route: string; inhibit: string; escalation: string };
}

/** The `notifications:` section as the schema validated it (durations still strings). */
export interface NotificationsSection {
  delivery: { dead_letter_after: string; initial_backoff: string; max_backoff: string };
  throttle: { per_source: string };
  flapping: { max_flips: number; window: string };
  receiver_failing_after: string;
  self_test: { receiver: string | null; schedule: string; timezone: string };
  watchdog: { enabled: boolean; interval: string };
  escalation_policies: ReadonlyArray<{
    name: string;
    matchers: readonly string[];
    steps: ReadonlyArray<{ after: string; receiver: string }>;
  }>;
}

export interface NotifySections {
  notifications?: NotificationsSection;
  global: Record<string, unknown>;
  route: Record<string, unknown> | null;
  receivers: unknown[];
  inhibit_rules: unknown[];
  time_intervals: unknown[];
  mute_time_intervals: unknown[];
  templates: string[];
}

export interface BuildOptions {
  /** Directory relative paths (secret files, templates) are resolved against. */
  baseDir: string;
  env: NodeJS.ProcessEnv;
  externalUrl: string;
}

const ROUTE_KEYS = new Set([
  'receiver',
  'group_by',
  'continue',
  'matchers',
  'match',
  'match_re',
  'group_wait',
  'group_interval',
  'repeat_interval',
  'mute_time_intervals',
  'active_time_intervals',
  'routes',
]);
const INHIBIT_KEYS = new Set([
  'source_matchers',
  'target_matchers',
  'source_match',
  'source_match_re',
  'target_match',
  'target_match_re',
  'equal',
]);

class Collector extends IssueCollector {
  /** Secret files that could not be read, in order; see secretReader. */
  readonly unreadable: string[] = [];
}

export async function buildNotifyConfig(
  sections: NotifySections,
  opts: BuildOptions,
): Promise<{ built: BuiltNotifyConfig | null; issues: NotifyIssue[]; warnings: NotifyIssue[] }> {
  const c = new Collector();
  const secret = secretReader(c, opts);
  const global = await parseGlobal(sections.global, c, secret);
  const templates = await loadTemplates(sections.templates, opts.baseDir, c);
  const timeIntervals = parseAllTimeIntervals(sections, c);
  const receivers = await parseReceivers(sections.receivers, c, { global, templates, secret });
  const route = sections.route === null ? null : parseRoute(sections.route, ['route'], null, '0', c);
  if (route === null && sections.receivers.length > 0 && sections.route === null) {
    c.issue(['route'], 'receivers are configured but there is no route to send alerts to them');
  }
  if (route !== null) checkRouteReferences(route, receivers, timeIntervals, c);
  const inhibitRules = parseInhibitRules(sections.inhibit_rules, c);
  const options = sections.notifications
    ? parseOptions(sections.notifications, receivers, c)
    : DEFAULT_NOTIFY_OPTIONS;
  if (c.issues.length > 0) return { built: null, issues: c.issues, warnings: c.warnings };
  const config: NotifyConfig = {
    route,
    receivers,
    inhibitRules,
    timeIntervals,
    resolveTimeoutMs: global.resolveTimeoutMs,
    externalUrl: opts.externalUrl,
    templates,
    options,
  };
  return {
    built: {
      config,
      hashes: {
        route: routeHash(route),
        inhibit: hashParts(inhibitRules.map((r) => r.id)),
        escalation: escalationHash(options.escalations),
      },
    },
    issues: [],
    warnings: c.warnings,
  };
}

/** The notification configuration of a server without any Alertmanager sections. */
export function emptyNotifyConfig(externalUrl: string): BuiltNotifyConfig {
  return {
    config: {
      route: null,
      receivers: new Map(),
      inhibitRules: [],
      timeIntervals: parseTimeIntervals([], 'time_intervals'),
      resolveTimeoutMs: 5 * 60_000,
      externalUrl,
      templates: createTemplateSet(),
      options: DEFAULT_NOTIFY_OPTIONS,
    },
    hashes: { route: routeHash(null), inhibit: hashParts([]), escalation: escalationHash([]) },
  };
}

function escalationHash(policies: readonly EscalationPolicy[]): string {
  return hashParts(policies.map((p) => JSON.stringify([p.name, formatMatchers(p.matchers), p.steps])));
}

function routeHash(route: Route | null): string {
  const parts: string[] = [];
  if (route) walkRoutes(route, (r) => parts.push(JSON.stringify([r.path, r.key, r.continue, r.options])));
  return hashParts(parts);
}

// ---- secrets and global ------------------------------------------------------------------------

type SecretReader = (raw: Record<string, unknown>, key: string, at: PathSegment[]) => Promise<string | null>;

/** `<key>` inline, `<key>_file` (Alertmanager's form) or `<key>_env` (Sentinel's); at most one. */
function secretReader(c: Collector, opts: BuildOptions): SecretReader {
  return async (raw, key, at) => {
    const given = secretForm(raw, key, at, c);
    if (given === null) return null;
    const { form, value } = given;
    if (form === 'inline') return value;
    const fromFile = form === 'file';
    const r = await readSecret(
      fromFile ? { env: null, file: value } : { env: value, file: null },
      opts.env,
      opts.baseDir,
    );
    if (!r.ok) {
      if (!fromFile) {
        c.issue([...at, given.key], r.message);
        return null;
      }
      // Alertmanager reads *_file secrets when it sends, so its configuration loads while a secret
      // file is still missing. So does Sentinel's: the integration that needs it is held (its
      // messages queue, retrying) until the file is readable and the configuration is reloaded.
      c.warn(
        [...at, given.key],
        `${r.message}; integrations that need it hold their messages until it can be read and the configuration is reloaded`,
      );
      c.unreadable.push(r.message);
      return null;
    }
    const secret = r.value.trim();
    if (secret === '') {
      c.issue([...at, given.key], `the ${fromFile ? 'file' : 'variable'} holds only whitespace`);
      return null;
    }
    return secret;
  };
}

async function parseGlobal(
  raw: Record<string, unknown>,
  c: Collector,
  secret: SecretReader,
): Promise<GlobalSettings> {
  const at: PathSegment[] = ['global'];
  const str = (key: string): string | null => optionalString(raw, key, at, c);
  const httpConfig = raw.http_config;
  if (httpConfig !== undefined && httpConfig !== null && !isRecord(httpConfig))
    c.issue([...at, 'http_config'], 'must be a mapping');
  const requireTls = raw.smtp_require_tls;
  if (requireTls !== undefined && typeof requireTls !== 'boolean')
    c.issue([...at, 'smtp_require_tls'], 'must be true or false');
  return {
    resolveTimeoutMs: optionalDuration(raw, 'resolve_timeout', at, c, ANY_DURATION) ?? 5 * 60_000,
    smtp: {
      from: str('smtp_from'),
      hello: str('smtp_hello') ?? 'localhost',
      smarthost: str('smtp_smarthost'),
      authUsername: str('smtp_auth_username'),
      authPassword: await secret(raw, 'smtp_auth_password', at),
      authIdentity: str('smtp_auth_identity'),
      authSecret: await secret(raw, 'smtp_auth_secret', at),
      requireTls: requireTls === false ? false : true,
    },
    slackApiUrl: await secret(raw, 'slack_api_url', at),
    pagerdutyUrl: str('pagerduty_url') ?? 'https://events.pagerduty.com/v2/enqueue',
    telegramApiUrl: str('telegram_api_url') ?? 'https://api.telegram.org',
    matrixHomeserver: str('matrix_homeserver'),
    matrixAccessToken: await secret(raw, 'matrix_access_token', at),
    httpConfig: isRecord(httpConfig) ? httpConfig : null,
  };
}

// ---- templates ----------------------------------------------------------------------------------

/** Expands `templates:` globs (`*` and `?` in the file name part, as they are used in practice). */
async function expandGlob(pattern: string, baseDir: string): Promise<string[]> {
  const full = path.resolve(baseDir, pattern);
  const dir = path.dirname(full);
  const base = path.basename(full);
  if (!/[*?[]/.test(base)) return [full];
  const re = new RegExp(
    '^' +
      base
        .split('')
        .map((ch) => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('') +
      '$',
  );
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    // As Alertmanager (filepath.Glob): a pattern that matches nothing is not an error.
    return [];
  }
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}

async function loadTemplates(patterns: string[], baseDir: string, c: Collector): Promise<TemplateSet> {
  const files: TemplateSource[] = [];
  for (const [i, pattern] of patterns.entries()) {
    for (const file of await expandGlob(pattern, baseDir)) {
      try {
        files.push({ name: file, text: await readFile(file, 'utf8') });
      } catch {
        c.issue(['templates', i], `cannot read template file ${file}`);
      }
    }
  }
  try {
    return createTemplateSet(files);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    c.issue(['templates'], err.message);
    return createTemplateSet();
  }
}

// ---- time intervals -----------------------------------------------------------------------------

function parseAllTimeIntervals(sections: NotifySections, c: Collector): TimeIntervalSet {
  const all = [...sections.time_intervals, ...sections.mute_time_intervals];
  try {
    // One set: Alertmanager requires names to be unique across both lists.
    return parseTimeIntervals(all, 'time_intervals');
  } catch (err) {
    if (!(err instanceof TimeIntervalError)) throw err;
    c.issue([], err.message);
    return parseTimeIntervals([], 'time_intervals');
  }
}

// ---- matchers -----------------------------------------------------------------------------------

function legacyMatchers(raw: unknown, regex: boolean, at: PathSegment[], c: Collector): Matcher[] {
  if (raw === undefined || raw === null) return [];
  if (!isRecord(raw)) {
    c.issue(at, 'must be a mapping of label names to values');
    return [];
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!LABEL_NAME_RE.test(name)) c.issue([...at, name], `invalid label name ${JSON.stringify(name)}`);
    else if (typeof value !== 'string') c.issue([...at, name], 'must be a string');
    else values[name] = value;
  }
  try {
    return regex ? matchersFromMatchRe(values) : matchersFromMatch(values);
  } catch (err) {
    if (!(err instanceof MatcherError)) throw err;
    c.issue(at, err.message);
    return [];
  }
}

// ---- route --------------------------------------------------------------------------------------

function parseRoute(
  raw: Record<string, unknown>,
  at: PathSegment[],
  parent: Route | null,
  routePath: string,
  c: Collector,
): Route {
  for (const key of Object.keys(raw)) if (!ROUTE_KEYS.has(key)) c.issue([...at, key], 'unknown route option');
  const inherited: RouteOptions = parent ? parent.options : { ...DEFAULT_ROUTE_OPTIONS, receiver: '' };
  const receiver = optionalString(raw, 'receiver', at, c);
  let groupBy = inherited.groupBy;
  if (raw.group_by !== undefined && raw.group_by !== null) {
    const names = stringListAt(raw.group_by, [...at, 'group_by'], c);
    if (names.includes('...')) {
      if (names.length > 1)
        c.issue([...at, 'group_by'], 'cannot have the wildcard ... and other labels at the same time');
      groupBy = null;
    } else {
      const seen = new Set<string>();
      names.forEach((n, i) => {
        if (!LABEL_NAME_RE.test(n))
          c.issue([...at, 'group_by', i], `invalid label name ${JSON.stringify(n)}`);
        if (seen.has(n)) c.issue([...at, 'group_by', i], `duplicated label ${JSON.stringify(n)} in group_by`);
        seen.add(n);
      });
      groupBy = [...seen].sort();
    }
  }
  const groupWaitMs = optionalDuration(raw, 'group_wait', at, c, ANY_DURATION) ?? inherited.groupWaitMs;
  const groupIntervalMs =
    optionalDuration(raw, 'group_interval', at, c, ANY_DURATION) ?? inherited.groupIntervalMs;
  const repeatIntervalMs =
    optionalDuration(raw, 'repeat_interval', at, c, ANY_DURATION) ?? inherited.repeatIntervalMs;
  if (raw.group_interval !== undefined && groupIntervalMs === 0)
    c.issue([...at, 'group_interval'], 'group_interval cannot be zero');
  if (raw.repeat_interval !== undefined && repeatIntervalMs === 0)
    c.issue([...at, 'repeat_interval'], 'repeat_interval cannot be zero');
  if (raw.continue !== undefined && typeof raw.continue !== 'boolean')
    c.issue([...at, 'continue'], 'must be true or false');

  const matchers = sortMatchers([
    ...legacyMatchers(raw.match, false, [...at, 'match'], c),
    ...legacyMatchers(raw.match_re, true, [...at, 'match_re'], c),
    ...matcherListAt(raw.matchers, [...at, 'matchers'], c, MATCHER_EXAMPLE),
  ]);
  const options: RouteOptions = {
    receiver: receiver ?? inherited.receiver,
    groupBy,
    groupWaitMs,
    groupIntervalMs,
    repeatIntervalMs,
    // Not inherited, as in Alertmanager.
    muteTimeIntervals: stringListAt(raw.mute_time_intervals, [...at, 'mute_time_intervals'], c),
    activeTimeIntervals: stringListAt(raw.active_time_intervals, [...at, 'active_time_intervals'], c),
  };
  if (parent === null) {
    if (options.receiver === '') c.issue([...at, 'receiver'], 'the root route must name a default receiver');
    if (matchers.length > 0) c.issue(at, 'the root route must not have any matchers');
    if (raw.continue === true) c.issue([...at, 'continue'], 'the root route cannot have continue');
    if (options.muteTimeIntervals.length > 0)
      c.issue([...at, 'mute_time_intervals'], 'the root route must not have any mute time intervals');
    if (options.activeTimeIntervals.length > 0)
      c.issue([...at, 'active_time_intervals'], 'the root route must not have any active time intervals');
  }
  const key = parent === null ? formatMatchers(matchers) : `${parent.key}/${formatMatchers(matchers)}`;
  const route: Route = {
    path: routePath,
    key,
    matchers,
    continue: raw.continue === true,
    options,
    routes: [],
  };
  const children: Route[] = [];
  if (raw.routes !== undefined && raw.routes !== null) {
    if (!Array.isArray(raw.routes)) c.issue([...at, 'routes'], 'must be a list of routes');
    else
      raw.routes.forEach((child, i) => {
        if (!isRecord(child)) c.issue([...at, 'routes', i], 'must be a mapping');
        else children.push(parseRoute(child, [...at, 'routes', i], route, `${routePath}.${i}`, c));
      });
  }
  return { ...route, routes: children };
}

function checkRouteReferences(
  root: Route,
  receivers: ReadonlyMap<string, ReceiverConfig>,
  intervals: TimeIntervalSet,
  c: Collector,
): void {
  walkRoutes(root, (r) => {
    const at = routeLocation(r.path);
    if (r.options.receiver !== '' && !receivers.has(r.options.receiver))
      c.issue([...at, 'receiver'], `undefined receiver ${JSON.stringify(r.options.receiver)} used in route`);
    for (const [key, names] of [
      ['mute_time_intervals', r.options.muteTimeIntervals],
      ['active_time_intervals', r.options.activeTimeIntervals],
    ] as const) {
      names.forEach((name, i) => {
        if (!intervals.has(name))
          c.issue([...at, key, i], `undefined time interval ${JSON.stringify(name)} used in route`);
      });
    }
  });
}

/** `0.2.1` -> ['route', 'routes', 2, 'routes', 1]. */
function routeLocation(routePath: string): PathSegment[] {
  const out: PathSegment[] = ['route'];
  for (const part of routePath.split('.').slice(1)) out.push('routes', Number(part));
  return out;
}

// ---- receivers ----------------------------------------------------------------------------------

async function parseReceivers(
  raw: unknown[],
  c: Collector,
  deps: { global: GlobalSettings; templates: TemplateSet; secret: SecretReader },
): Promise<Map<string, ReceiverConfig>> {
  const out = new Map<string, ReceiverConfig>();
  const kindsByKey = new Map<string, ReceiverKind>(
    (Object.entries(RECEIVER_KINDS) as Array<[ReceiverKind, { configKey: string }]>).map(([kind, d]) => [
      d.configKey,
      kind,
    ]),
  );
  for (const [i, entry] of raw.entries()) {
    const at: PathSegment[] = ['receivers', i];
    if (!isRecord(entry)) {
      c.issue(at, 'must be a mapping with a name and *_configs lists');
      continue;
    }
    const name = entry.name;
    if (typeof name !== 'string' || name === '') {
      c.issue([...at, 'name'], 'missing name');
      continue;
    }
    if (out.has(name)) c.issue([...at, 'name'], `receiver name ${JSON.stringify(name)} is not unique`);
    const integrations: IntegrationConfig[] = [];
    for (const [key, list] of Object.entries(entry)) {
      if (key === 'name') continue;
      const kind = kindsByKey.get(key);
      const unsupported = (UNSUPPORTED_CONFIG_KEYS as readonly string[]).includes(key);
      if (!kind && !unsupported) {
        c.issue([...at, key], 'unknown receiver option');
        continue;
      }
      if (!Array.isArray(list)) {
        c.issue([...at, key], 'must be a list');
        continue;
      }
      const kindName = kind ?? key.replace(/_configs$/, '');
      for (const [j, item] of list.entries()) {
        const itemAt: PathSegment[] = [...at, key, j];
        if (!isRecord(item)) {
          c.issue(itemAt, 'must be a mapping');
          continue;
        }
        let sendResolved = kind ? RECEIVER_KINDS[kind].sendResolvedDefault : false;
        if (item.send_resolved !== undefined) {
          if (typeof item.send_resolved !== 'boolean')
            c.issue([...itemAt, 'send_resolved'], 'must be true or false');
          else sendResolved = item.send_resolved;
        }
        let settings: unknown = null;
        let unavailable: string | null = null;
        if (kind) {
          const before = c.issues.length;
          const unreadableBefore = c.unreadable.length;
          settings = await RECEIVER_KINDS[kind].parse(item, parseContext(itemAt, c, deps));
          const missingSecret = c.unreadable.slice(unreadableBefore)[0] ?? globalUnreadable(c);
          if (
            missingSecret !== null &&
            (settings === null || c.issues.length > before || c.unreadable.length > unreadableBefore)
          ) {
            // What this entry lacks may be exactly the unreadable secret: hold it instead of failing the load.
            for (const issue of c.issues.splice(before)) c.warn(issue.path, issue.message);
            settings = null;
            unavailable = `a secret it needs could not be read at load (${missingSecret})`;
          } else if (settings === null && c.issues.length === before) {
            c.issue(itemAt, 'invalid configuration');
          }
        } else {
          c.warn(
            [...at, key],
            `Sentinel does not send to ${kindName}; notifications for it will be recorded as failed`,
          );
        }
        integrations.push({
          key: `${name}/${kindName}/${j}`,
          receiver: name,
          kind: kindName,
          index: j,
          sendResolved,
          settings,
          unavailable,
        });
      }
    }
    out.set(name, { name, integrations });
  }
  return out;
}

/** A global secret file that could not be read (receivers may rely on it), or null. */
function globalUnreadable(c: Collector): string | null {
  const w = c.warnings.find((x) => x.path[0] === 'global' && c.unreadable.length > 0);
  return w ? w.message : null;
}

function parseContext(
  at: PathSegment[],
  c: Collector,
  deps: { global: GlobalSettings; templates: TemplateSet; secret: SecretReader },
): ParseContext {
  const rel = (key: string): PathSegment[] => (key === '' ? at : [...at, ...key.split('.')]);
  return {
    path: at.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.'),
    global: deps.global,
    templates: deps.templates,
    issue: (key, message) => c.issue(rel(key), message),
    warn: (key, message) => c.warn(rel(key), message),
    secret: (raw, key, within) => deps.secret(raw, key, within ? [...at, ...within.split('.')] : at),
  };
}

// ---- inhibit rules --------------------------------------------------------------------------------

function parseInhibitRules(raw: unknown[], c: Collector): InhibitRule[] {
  const out: InhibitRule[] = [];
  raw.forEach((entry, i) => {
    const at: PathSegment[] = ['inhibit_rules', i];
    if (!isRecord(entry)) {
      c.issue(at, 'must be a mapping');
      return;
    }
    for (const key of Object.keys(entry))
      if (!INHIBIT_KEYS.has(key)) c.issue([...at, key], 'unknown inhibit rule option');
    const sourceMatchers = sortMatchers([
      ...legacyMatchers(entry.source_match, false, [...at, 'source_match'], c),
      ...legacyMatchers(entry.source_match_re, true, [...at, 'source_match_re'], c),
      ...matcherListAt(entry.source_matchers, [...at, 'source_matchers'], c, MATCHER_EXAMPLE),
    ]);
    const targetMatchers = sortMatchers([
      ...legacyMatchers(entry.target_match, false, [...at, 'target_match'], c),
      ...legacyMatchers(entry.target_match_re, true, [...at, 'target_match_re'], c),
      ...matcherListAt(entry.target_matchers, [...at, 'target_matchers'], c, MATCHER_EXAMPLE),
    ]);
    const equal = stringListAt(entry.equal, [...at, 'equal'], c);
    equal.forEach((n, j) => {
      if (!LABEL_NAME_RE.test(n)) c.issue([...at, 'equal', j], `invalid label name ${JSON.stringify(n)}`);
    });
    const id = hashParts([formatMatchers(sourceMatchers), formatMatchers(targetMatchers), ...equal]);
    out.push({ id, sourceMatchers, targetMatchers, equal });
  });
  return out;
}

// ---- Sentinel's notifications: section ------------------------------------------------------------

function parseOptions(
  raw: NotificationsSection,
  receivers: ReadonlyMap<string, ReceiverConfig>,
  c: Collector,
): NotifyOptions {
  const at: PathSegment[] = ['notifications'];
  const escalations: EscalationPolicy[] = [];
  const names = new Set<string>();
  raw.escalation_policies.forEach((p, i) => {
    const pAt: PathSegment[] = [...at, 'escalation_policies', i];
    if (names.has(p.name))
      c.issue([...pAt, 'name'], `escalation policy name ${JSON.stringify(p.name)} is not unique`);
    names.add(p.name);
    const matchers = matcherListAt([...p.matchers], [...pAt, 'matchers'], c, MATCHER_EXAMPLE);
    const steps = p.steps.map((s, j) => {
      if (!receivers.has(s.receiver))
        c.issue(
          [...pAt, 'steps', j, 'receiver'],
          `undefined receiver ${JSON.stringify(s.receiver)} used in escalation policy`,
        );
      return { afterMs: parseDuration(s.after), receiver: s.receiver };
    });
    for (let j = 1; j < steps.length; j++) {
      if (steps[j]!.afterMs < steps[j - 1]!.afterMs)
        c.issue([...pAt, 'steps', j, 'after'], 'steps must be in order: each after the one before it');
    }
    escalations.push({ name: p.name, matchers, steps });
  });
  let selfTest: NotifyOptions['selfTest'] = null;
  const st = raw.self_test;
  if (st.receiver !== null) {
    if (!receivers.has(st.receiver))
      c.issue(
        [...at, 'self_test', 'receiver'],
        `undefined receiver ${JSON.stringify(st.receiver)} used for the self-test`,
      );
    try {
      new Cron(st.schedule, { timezone: st.timezone, paused: true });
      selfTest = { receiver: st.receiver, schedule: st.schedule, timezone: st.timezone };
    } catch (err) {
      c.issue(
        [...at, 'self_test'],
        `invalid schedule or timezone: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return {
    throttleMs: parseDuration(raw.throttle.per_source),
    flapping: { maxFlips: raw.flapping.max_flips, windowMs: parseDuration(raw.flapping.window) },
    escalations,
    selfTest,
    watchdog: { enabled: raw.watchdog.enabled, intervalMs: parseDuration(raw.watchdog.interval) },
    receiverFailingAfterMs: parseDuration(raw.receiver_failing_after),
    delivery: {
      deadLetterAfterMs: parseDuration(raw.delivery.dead_letter_after),
      initialBackoffMs: parseDuration(raw.delivery.initial_backoff),
      maxBackoffMs: parseDuration(raw.delivery.max_backoff),
    },
  };
}
