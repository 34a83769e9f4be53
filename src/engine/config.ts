import { readSecret } from '../config/secrets.js';
import {
  IssueCollector,
  matcherListAt,
  optionalDuration,
  optionalString,
  secretForm,
  stringListAt,
  unknownKeys,
  type ConfigProblem,
} from '../config/collect.js';
import { durationOrNull } from '../config/duration.js';
import { isRecord } from '../notify/receivers/common.js';
import type { PathSegment } from '../config/yaml-source.js';
import { SEVERITIES, type Severity } from '../alerts/model.js';
import { DEFAULT_ALERT_LIMITS } from '../alerts/validate.js';
import { ConditionError, parseCondition, sourcesOf, type Condition } from '../checks/expr/index.js';
import { DEFAULT_SOURCE_TIMEOUT_MS } from '../sources/source.js';
import { SOURCE_KINDS, type SourceKind } from '../sources/index.js';
import { LABEL_NAME_RE, type Matcher } from '../routing/matchers.js';
import { ANOMALY_KEYS, DEFAULT_SERIES_OPTIONS, parseAnomaly, parseSeriesOptions } from './anomaly-config.js';
import { SELF_SERVICE, SELF_SOURCE, withSelfWatchdog } from './self-watchdog.js';
import {
  CHECK_KINDS,
  SERVICE_SCOPES,
  type CheckConfig,
  type CheckKind,
  type EventRule,
  type HealthConfig,
  type HealthOptions,
  type ServiceConfig,
  type ServiceScope,
  type SourceConfig,
} from './model.js';

/*
 * The `services`, `sources`, `checks` and `health` sections, validated in one pass: every problem
 * is reported with its key path (the loader adds line and column), names are checked across
 * sections (a check's service and sources exist, expressions only read declared sources), and
 * expressions are parsed now so that a typo never waits for the first cycle to show.
 */

export type HealthIssue = ConfigProblem;

export interface HealthSections {
  health: Record<string, unknown>;
  services: unknown[];
  sources: unknown[];
  checks: unknown[];
  event_rules: unknown[];
}

export interface HealthBuildOptions {
  baseDir: string;
  env: NodeJS.ProcessEnv;
}

const NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,127}$/;
const SOURCE_NAME_RE = /^[a-z_][a-z0-9_]{0,63}$/;
/** Names conditions cannot refer to as sources (keywords, and the placeholder marker of sourcesOf). */
const RESERVED_SOURCE_NAMES = ['true', 'false', 'null', 'primary', '__proto__', 'constructor', 'prototype'];
/** Names of the built-in watchdog's source and service. */
const RESERVED_BUILTIN = [SELF_SOURCE];

/** A positive duration (a zero one with `positive` false). */
function dur(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
  positive = true,
): number | null {
  return optionalDuration(raw, key, at, c, { positive });
}

function int(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
  min: number,
  max: number,
): number | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    c.issue([...at, key], `must be a whole number from ${min} to ${max}`);
    return null;
  }
  return v;
}

function bool(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
): boolean | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') {
    c.issue([...at, key], 'must be true or false');
    return null;
  }
  return v;
}

/**
 * `labels` or `annotations` of a check or event rule: names as alert labels take them (a finding
 * whose labels would not validate could never be raised), values strings within the alert limits.
 */
function alertMap(
  raw: Record<string, unknown>,
  key: 'labels' | 'annotations',
  at: PathSegment[],
  c: IssueCollector,
): Record<string, string> {
  const v = raw[key];
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) {
    c.issue([...at, key], 'must be a mapping of names to strings');
    return {};
  }
  const max =
    key === 'labels'
      ? DEFAULT_ALERT_LIMITS.maxLabelValueLength
      : DEFAULT_ALERT_LIMITS.maxAnnotationValueLength;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(v)) {
    if (!LABEL_NAME_RE.test(name))
      c.issue([...at, key, name], 'must be a name of letters, digits and _ (not starting with a digit)');
    else if (typeof value !== 'string') c.issue([...at, key, name], 'must be a string');
    else if (value.length > max) c.issue([...at, key, name], `must be at most ${max} characters`);
    else if (key === 'labels' && RESERVED_LABELS.includes(name))
      c.issue([...at, key, name], `is set by Sentinel (${RESERVED_LABELS.join(', ')})`);
    else out[name] = value;
  }
  return out;
}

/** A mapping of names to strings (a service's owner and links). */
function stringMap(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
): Record<string, string> {
  const v = raw[key];
  if (v === undefined || v === null) return {};
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    c.issue([...at, key], 'must be a mapping of names to strings');
    return {};
  }
  return v as Record<string, string>;
}

/** Labels every finding gets from Sentinel; a check's own labels may not override them. */
const RESERVED_LABELS = ['check', 'scope', 'tier', 'rule'];

function stringList(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
): string[] {
  return stringListAt(raw[key], [...at, key], c);
}

function severityOf(
  raw: Record<string, unknown>,
  at: PathSegment[],
  c: IssueCollector,
  fallback: Severity,
): Severity {
  const v = raw.severity;
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(SEVERITIES as readonly string[]).includes(v)) {
    c.issue([...at, 'severity'], `must be one of ${SEVERITIES.join(', ')}`);
    return fallback;
  }
  return v as Severity;
}

function condition(text: unknown, at: PathSegment[], c: IssueCollector): Condition | null {
  if (typeof text !== 'string') {
    c.issue(at, 'must be a condition such as [STATUS] == 200');
    return null;
  }
  try {
    return parseCondition(text);
  } catch (err) {
    if (!(err instanceof ConditionError)) throw err;
    c.issue(at, err.message);
    return null;
  }
}

export async function buildHealthConfig(
  sections: HealthSections,
  opts: HealthBuildOptions,
): Promise<{ built: HealthConfig | null; issues: HealthIssue[]; warnings: HealthIssue[] }> {
  const c = new IssueCollector();
  const options = parseOptions(sections.health, c);
  const services = parseServices(sections.services, c);
  const declared = new Set<string>();
  const sources = await parseSources(sections.sources, options, opts, c, declared);
  const checks = parseChecks(sections.checks, services, sources, declared, options, c);
  const eventRules = parseEventRules(sections.event_rules, services, c);
  if (c.issues.length > 0) return { built: null, issues: c.issues, warnings: c.warnings };
  return {
    built: withSelfWatchdog({ services, sources, checks, eventRules, options }),
    issues: [],
    warnings: c.warnings,
  };
}

export const DEFAULT_HEALTH_OPTIONS: HealthOptions = {
  defaultIntervalMs: 15_000,
  cycleHistory: 500,
  execAllow: [],
  concurrency: 16,
  eventHistory: 10_000,
  series: DEFAULT_SERIES_OPTIONS,
};

/** The configuration without a file: only Sentinel's own watchdog checks. */
export function emptyHealthConfig(): HealthConfig {
  return withSelfWatchdog({
    services: new Map(),
    sources: new Map(),
    checks: new Map(),
    eventRules: new Map(),
    options: DEFAULT_HEALTH_OPTIONS,
  });
}

function parseOptions(raw: Record<string, unknown>, c: IssueCollector): HealthOptions {
  const at: PathSegment[] = ['health'];
  unknownKeys(
    raw,
    ['default_interval', 'cycle_history', 'exec', 'concurrency', 'event_history', 'series'],
    at,
    c,
  );
  let execAllow: string[] = [];
  if (raw.exec !== undefined && raw.exec !== null) {
    if (!isRecord(raw.exec)) c.issue([...at, 'exec'], 'must be a mapping with an allow list');
    else {
      unknownKeys(raw.exec, ['allow'], [...at, 'exec'], c);
      execAllow = stringList(raw.exec, 'allow', [...at, 'exec'], c);
      execAllow.forEach((p, i) => {
        if (!p.startsWith('/')) c.issue([...at, 'exec', 'allow', i], 'must be an absolute path');
      });
    }
  }
  return {
    defaultIntervalMs: dur(raw, 'default_interval', at, c) ?? 15_000,
    cycleHistory: int(raw, 'cycle_history', at, c, 10, 100_000) ?? 500,
    execAllow,
    concurrency: int(raw, 'concurrency', at, c, 1, 1000) ?? 16,
    eventHistory: int(raw, 'event_history', at, c, 100, 10_000_000) ?? 10_000,
    series: parseSeriesOptions(raw.series, [...at, 'series'], c),
  };
}

function parseServices(raw: unknown[], c: IssueCollector): Map<string, ServiceConfig> {
  const out = new Map<string, ServiceConfig>();
  raw.forEach((entry, i) => {
    const at: PathSegment[] = ['services', i];
    if (!isRecord(entry)) {
      c.issue(at, 'must be a mapping with a name');
      return;
    }
    unknownKeys(
      entry,
      ['name', 'scope', 'description', 'depends_on', 'owner', 'links', 'actions', 'pipelines'],
      at,
      c,
    );
    const name = optionalString(entry, 'name', at, c);
    if (name === null || !NAME_RE.test(name)) {
      c.issue(
        [...at, 'name'],
        'must be a name of lower-case letters, digits, . _ - (e.g. near-intents-ingest)',
      );
      return;
    }
    if (name === SELF_SERVICE) {
      c.issue(
        [...at, 'name'],
        `"${SELF_SERVICE}" is Sentinel's own service (its watchdog checks); choose another name`,
      );
      return;
    }
    if (out.has(name)) c.issue([...at, 'name'], `service ${JSON.stringify(name)} is defined twice`);
    const scope = optionalString(entry, 'scope', at, c) ?? 'other';
    if (!(SERVICE_SCOPES as readonly string[]).includes(scope))
      c.issue([...at, 'scope'], `must be one of ${SERVICE_SCOPES.join(', ')}`);
    out.set(name, {
      name,
      scope: scope as ServiceScope,
      description: optionalString(entry, 'description', at, c),
      dependsOn: stringList(entry, 'depends_on', at, c),
      owner: stringMap(entry, 'owner', at, c),
      links: stringMap(entry, 'links', at, c),
      actions: stringList(entry, 'actions', at, c),
      pipelines: stringList(entry, 'pipelines', at, c),
    });
  });
  for (const [i, s] of [...out.values()].entries()) {
    s.dependsOn.forEach((d, j) => {
      if (!out.has(d)) c.issue(['services', i, 'depends_on', j], `undefined service ${JSON.stringify(d)}`);
      if (d === s.name) c.issue(['services', i, 'depends_on', j], 'a service cannot depend on itself');
    });
  }
  const cycle = findCycle(out);
  if (cycle) c.issue(['services'], `depends_on forms a cycle: ${cycle.join(' -> ')}`);
  return out;
}

function findCycle(services: ReadonlyMap<string, ServiceConfig>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    for (const d of services.get(name)?.dependsOn ?? []) {
      const found = visit(d, [...path, name]);
      if (found) return found;
    }
    state.set(name, 'done');
    return null;
  };
  for (const name of services.keys()) {
    const found = visit(name, []);
    if (found) return found;
  }
  return null;
}

async function parseSources(
  raw: unknown[],
  options: HealthOptions,
  opts: HealthBuildOptions,
  c: IssueCollector,
  /** Filled with every name given, valid or not, so checks of a broken source are not also told it is undefined. */
  declared: Set<string>,
): Promise<Map<string, SourceConfig>> {
  const out = new Map<string, SourceConfig>();
  for (const [i, entry] of raw.entries()) {
    const at: PathSegment[] = ['sources', i];
    if (!isRecord(entry)) {
      c.issue(at, 'must be a mapping with a name and a kind');
      continue;
    }
    const name = optionalString(entry, 'name', at, c);
    if (name === null || !SOURCE_NAME_RE.test(name)) {
      c.issue(
        [...at, 'name'],
        'must be a name of lower-case letters, digits and _ (expressions refer to it: quotes_db.row.n)',
      );
      continue;
    }
    if (RESERVED_BUILTIN.includes(name)) {
      c.issue(
        [...at, 'name'],
        `"${name}" is the built-in source of Sentinel's own checks; choose another name`,
      );
      continue;
    }
    if (RESERVED_SOURCE_NAMES.includes(name)) {
      c.issue(
        [...at, 'name'],
        `${JSON.stringify(name)} is a word of the condition language; choose another name`,
      );
      continue;
    }
    if (out.has(name)) c.issue([...at, 'name'], `source ${JSON.stringify(name)} is defined twice`);
    declared.add(name);
    const kind = optionalString(entry, 'kind', at, c);
    const def = kind !== null && Object.hasOwn(SOURCE_KINDS, kind) ? SOURCE_KINDS[kind as SourceKind] : null;
    if (!def) {
      c.issue([...at, 'kind'], `must be one of ${Object.keys(SOURCE_KINDS).join(', ')}`);
      continue;
    }
    if (kind === 'sentinel') {
      c.issue(
        [...at, 'kind'],
        "the sentinel source is built in (Sentinel's own watchdog); it cannot be configured",
      );
      continue;
    }
    // The source reports a bad timeout itself (it reads `timeout` to bound its own work).
    const timeoutMs =
      typeof entry.timeout === 'string'
        ? (durationOrNull(entry.timeout) ?? DEFAULT_SOURCE_TIMEOUT_MS)
        : DEFAULT_SOURCE_TIMEOUT_MS;
    const unavailableAfterMs = dur(entry, 'unavailable_after', at, c) ?? 3 * options.defaultIntervalMs;
    const { name: _n, kind: _k, unavailable_after: _u, ...rest } = entry;
    const settings = await def.parse(rest, {
      path: `sources[${i}]`,
      issue: (key, message) => c.issue([...at, ...keyPath(key)], message),
      warn: (key, message) => c.warn([...at, ...keyPath(key)], message),
      secret: (obj, key) => readSecretField(obj, key, at, opts, c),
      execAllowlist: options.execAllow,
    });
    if (settings === null) continue;
    out.set(name, { name, kind: kind!, timeoutMs, unavailableAfterMs, settings });
  }
  return out;
}

/** A source's issue key (`commands.pending`, `params[0]`, `args.1`) as path segments. */
function keyPath(key: string): PathSegment[] {
  if (key === '') return [];
  return key
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p !== '')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** `<key>` inline, `<key>_file` or `<key>_env`; at most one. */
async function readSecretField(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  opts: HealthBuildOptions,
  c: IssueCollector,
): Promise<string | null> {
  const given = secretForm(raw, key, at, c);
  if (given === null) return null;
  if (given.form === 'inline') return given.value;
  const r = await readSecret(
    given.form === 'file' ? { env: null, file: given.value } : { env: given.value, file: null },
    opts.env,
    opts.baseDir,
  );
  if (!r.ok) {
    c.issue([...at, given.key], r.message);
    return null;
  }
  return r.value;
}

const COMMON_CHECK_KEYS = [
  'id',
  'kind',
  'service',
  'name',
  'severity',
  'interval',
  'fail_after',
  'clear_after',
  'source',
  'sources',
  'runbook',
  'labels',
  'annotations',
  'page_when_upstream_failing',
  'alert',
];
const KIND_KEYS: Record<CheckKind, readonly string[]> = {
  freshness: ['timestamp', 'warning_after', 'critical_after'],
  condition: ['conditions'],
  invariant: ['condition', 'tier', 'friendly_name'],
  heartbeat: ['period', 'grace', 'max_runtime'],
  anomaly: ANOMALY_KEYS,
};

function parseChecks(
  raw: unknown[],
  services: ReadonlyMap<string, ServiceConfig>,
  sources: ReadonlyMap<string, SourceConfig>,
  declared: ReadonlySet<string>,
  options: HealthOptions,
  c: IssueCollector,
): Map<string, CheckConfig> {
  const out = new Map<string, CheckConfig>();
  raw.forEach((entry, i) => {
    const at: PathSegment[] = ['checks', i];
    if (!isRecord(entry)) {
      c.issue(at, 'must be a mapping with an id and a kind');
      return;
    }
    const id = optionalString(entry, 'id', at, c);
    if (id === null || !NAME_RE.test(id)) {
      c.issue([...at, 'id'], 'must be an id of lower-case letters, digits, . _ - (e.g. ingest-quotes-fresh)');
      return;
    }
    if (id.startsWith(`${SELF_SERVICE}-`)) {
      c.issue([...at, 'id'], `ids starting with "${SELF_SERVICE}-" are reserved for Sentinel's own checks`);
      return;
    }
    if (out.has(id)) c.issue([...at, 'id'], `check ${JSON.stringify(id)} is defined twice`);
    const kind = optionalString(entry, 'kind', at, c);
    if (kind === null || !(CHECK_KINDS as readonly string[]).includes(kind)) {
      c.issue([...at, 'kind'], `must be one of ${CHECK_KINDS.join(', ')}`);
      return;
    }
    const k = kind as CheckKind;
    unknownKeys(entry, [...COMMON_CHECK_KEYS, ...KIND_KEYS[k]], at, c);
    const service = optionalString(entry, 'service', at, c);
    if (service === null) c.issue([...at, 'service'], 'is required: the service this check belongs to');
    else if (!services.has(service))
      c.issue([...at, 'service'], `undefined service ${JSON.stringify(service)}`);
    const listed =
      entry.source !== undefined
        ? [optionalString(entry, 'source', at, c) ?? '']
        : stringList(entry, 'sources', at, c);
    if (entry.source !== undefined && entry.sources !== undefined)
      c.issue([...at, 'sources'], 'give source or sources, not both');
    listed.forEach((s, j) => {
      if (!sources.has(s) && !declared.has(s))
        c.issue(
          entry.source !== undefined ? [...at, 'source'] : [...at, 'sources', j],
          `undefined source ${JSON.stringify(s)}`,
        );
    });
    const base = {
      id,
      service: service ?? '',
      name: optionalString(entry, 'name', at, c) ?? optionalString(entry, 'friendly_name', at, c) ?? id,
      severity: severityOf(entry, at, c, k === 'invariant' || k === 'heartbeat' ? 'critical' : 'warning'),
      intervalMs: dur(entry, 'interval', at, c) ?? options.defaultIntervalMs,
      failAfter: int(entry, 'fail_after', at, c, 1, 1000) ?? 1,
      clearAfter: int(entry, 'clear_after', at, c, 1, 1000) ?? 1,
      runbook: optionalString(entry, 'runbook', at, c),
      labels: alertMap(entry, 'labels', at, c),
      annotations: alertMap(entry, 'annotations', at, c),
      pageWhenUpstreamFailing: bool(entry, 'page_when_upstream_failing', at, c) ?? false,
      raisesAlerts: bool(entry, 'alert', at, c) ?? true,
    };
    /** Expressions may read only the sources the check lists (the first is the primary one). */
    const readsListed = (cond: Condition | null, where: PathSegment[]): void => {
      if (cond === null) return;
      for (const name of sourcesOf(cond)) {
        if (name === 'primary') {
          if (listed.length === 0) c.issue(where, 'uses a [PLACEHOLDER] but the check lists no source');
        } else if (!listed.includes(name)) {
          c.issue(where, `reads source ${JSON.stringify(name)}, which the check does not list in sources`);
        }
      }
    };
    switch (k) {
      case 'freshness': {
        const timestamp = condition(entry.timestamp, [...at, 'timestamp'], c);
        readsListed(timestamp, [...at, 'timestamp']);
        const critical = dur(entry, 'critical_after', at, c);
        const warning = dur(entry, 'warning_after', at, c);
        if (critical === null)
          c.issue([...at, 'critical_after'], 'is required: how old the truth may get before it is critical');
        if (warning !== null && critical !== null && warning >= critical)
          c.issue([...at, 'warning_after'], 'must be shorter than critical_after');
        if (listed.length === 0) c.issue([...at, 'source'], 'a freshness check reads a source');
        if (timestamp && critical !== null)
          out.set(id, {
            ...base,
            kind: 'freshness',
            sources: listed,
            timestamp,
            warningAfterMs: warning,
            criticalAfterMs: critical,
          });
        return;
      }
      case 'condition': {
        const texts = Array.isArray(entry.conditions) ? entry.conditions : null;
        if (!texts || texts.length === 0) {
          c.issue([...at, 'conditions'], 'give a list of at least one condition');
          return;
        }
        const conditions = texts.map((t, j) => {
          const cond = condition(t, [...at, 'conditions', j], c);
          readsListed(cond, [...at, 'conditions', j]);
          return cond;
        });
        if (conditions.every((x): x is Condition => x !== null))
          out.set(id, { ...base, kind: 'condition', sources: listed, conditions });
        return;
      }
      case 'invariant': {
        const cond = condition(entry.condition, [...at, 'condition'], c);
        readsListed(cond, [...at, 'condition']);
        const tier = int(entry, 'tier', at, c, 0, 9) ?? 1;
        if (cond) out.set(id, { ...base, kind: 'invariant', sources: listed, tier, condition: cond });
        return;
      }
      case 'anomaly': {
        if (entry.source !== undefined || entry.sources !== undefined)
          c.issue(
            [...at, entry.source !== undefined ? 'source' : 'sources'],
            'an anomaly check reads series; to record one from a source, give series: {metric, source, value}',
          );
        const parsed = parseAnomaly(entry, at, c, sources, declared, options.series);
        if (parsed) out.set(id, { ...base, kind: 'anomaly', ...parsed });
        return;
      }
      case 'heartbeat': {
        if (listed.length > 0)
          c.issue(
            [...at, entry.source !== undefined ? 'source' : 'sources'],
            'a heartbeat check is pushed to (POST /api/v1/heartbeats/<id>): it reads no source',
          );
        const period = dur(entry, 'period', at, c);
        if (period === null) c.issue([...at, 'period'], 'is required: how often a ping is expected');
        const grace = dur(entry, 'grace', at, c, false) ?? 60_000;
        const maxRuntime = dur(entry, 'max_runtime', at, c);
        if (period !== null) {
          out.set(id, {
            ...base,
            kind: 'heartbeat',
            sources: [],
            // Evaluated often enough that lateness shows within a tenth of the period (at most 30 s).
            intervalMs:
              entry.interval !== undefined
                ? base.intervalMs
                : Math.min(30_000, Math.max(1000, Math.floor(period / 10))),
            periodMs: period,
            graceMs: grace,
            maxRuntimeMs: maxRuntime,
          });
        }
        return;
      }
    }
  });
  return out;
}

const EVENT_RULE_KEYS = [
  'id',
  'service',
  'name',
  'severity',
  'matchers',
  'resolve_matchers',
  'group_by',
  'resolve_after',
  'runbook',
  'labels',
  'annotations',
];

function matcherList(
  raw: Record<string, unknown>,
  key: string,
  at: PathSegment[],
  c: IssueCollector,
): Matcher[] {
  return matcherListAt(raw[key], [...at, key], c, 'type="dag_run_failed"');
}

function parseEventRules(
  raw: unknown[],
  services: ReadonlyMap<string, ServiceConfig>,
  c: IssueCollector,
): Map<string, EventRule> {
  const out = new Map<string, EventRule>();
  raw.forEach((entry, i) => {
    const at: PathSegment[] = ['event_rules', i];
    if (!isRecord(entry)) {
      c.issue(at, 'must be a mapping with an id, a service and matchers');
      return;
    }
    unknownKeys(entry, EVENT_RULE_KEYS, at, c);
    const id = optionalString(entry, 'id', at, c);
    if (id === null || !NAME_RE.test(id)) {
      c.issue([...at, 'id'], 'must be an id of lower-case letters, digits, . _ - (e.g. dag-failed)');
      return;
    }
    if (out.has(id)) c.issue([...at, 'id'], `event rule ${JSON.stringify(id)} is defined twice`);
    const service = optionalString(entry, 'service', at, c);
    if (service === null) c.issue([...at, 'service'], 'is required: the service the alert belongs to');
    else if (!services.has(service))
      c.issue([...at, 'service'], `undefined service ${JSON.stringify(service)}`);
    const matchers = matcherList(entry, 'matchers', at, c);
    if (
      matchers.length === 0 &&
      !c.issues.some((x) => x.path.join('.').startsWith([...at, 'matchers'].join('.')))
    )
      c.issue(
        [...at, 'matchers'],
        'give at least one matcher (e.g. type="dag_run_failed"): a rule matching every event would page on all of them',
      );
    const groupBy = stringList(entry, 'group_by', at, c);
    groupBy.forEach((l, j) => {
      if (!LABEL_NAME_RE.test(l)) c.issue([...at, 'group_by', j], `invalid label name ${JSON.stringify(l)}`);
    });
    out.set(id, {
      id,
      service: service ?? '',
      name: optionalString(entry, 'name', at, c) ?? id,
      severity: severityOf(entry, at, c, 'warning'),
      matchers,
      resolveMatchers: matcherList(entry, 'resolve_matchers', at, c),
      groupBy,
      resolveAfterMs: dur(entry, 'resolve_after', at, c),
      runbook: optionalString(entry, 'runbook', at, c),
      labels: alertMap(entry, 'labels', at, c),
      annotations: alertMap(entry, 'annotations', at, c),
    });
  });
  return out;
}
