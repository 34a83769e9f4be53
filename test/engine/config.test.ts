import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

/*
 * The health sections are validated in one pass with the rest of the file: every problem is
 * reported with its key path and line, across sections (a check's service and sources must exist,
 * a condition may only read the sources its check lists), and conditions are parsed at load so a
 * typo shows with its column before the first cycle.
 */

const dir = mkdtempSync(join(tmpdir(), 'sentinel-health-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function issuesOf(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const file = join(dir, `c${n++}.yml`);
  writeFileSync(file, yaml);
  try {
    await loadConfig({ path: file, env });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => `${i.path}${i.line !== null ? ` @${i.line}` : ''}: ${i.message}`);
  }
}

const BASE = `
services:
  - name: api
sources:
  - name: status
    kind: http
    url: http://127.0.0.1:1/status
`;

describe('health configuration', () => {
  it('accepts a minimal configuration and fills in defaults', async () => {
    const file = join(dir, 'ok.yml');
    writeFileSync(
      file,
      `${BASE}checks:\n  - { id: api-up, service: api, kind: condition, source: status, conditions: ['[STATUS] == 200'] }\n`,
    );
    const { health } = await loadConfig({ path: file, env: {} });
    expect(health.checks.get('api-up')).toMatchObject({
      severity: 'warning',
      intervalMs: 15_000,
      failAfter: 1,
      clearAfter: 1,
      sources: ['status'],
      pageWhenUpstreamFailing: false,
      raisesAlerts: true,
    });
    expect(health.sources.get('status')).toMatchObject({ timeoutMs: 5000, unavailableAfterMs: 45_000 });
  });

  it.each([
    [
      'a condition that does not parse, with its column',
      `checks:\n  - { id: c, service: api, kind: condition, source: status, conditions: ['[STATUS] = 200'] }`,
      /checks\[0\]\.conditions\[0\] @\d+: .*column 10/,
    ],
    [
      'a check of an undefined service',
      `checks:\n  - { id: c, service: nope, kind: condition, source: status, conditions: ['true'] }`,
      /checks\[0\]\.service @\d+: undefined service "nope"/,
    ],
    [
      'a check reading an undefined source',
      `checks:\n  - { id: c, service: api, kind: condition, source: nope, conditions: ['true'] }`,
      /checks\[0\]\.source @\d+: undefined source "nope"/,
    ],
    [
      'a condition reading a source its check does not list',
      `  - name: other\n    kind: tcp\n    host: 127.0.0.1\n    port: 1\nchecks:\n  - { id: c, service: api, kind: condition, source: status, conditions: ['other.connected'] }`,
      /checks\[0\]\.conditions\[0\] @\d+: reads source "other", which the check does not list/,
    ],
    [
      'a placeholder in a check without sources',
      `checks:\n  - { id: c, service: api, kind: invariant, condition: '[STATUS] == 200' }`,
      /checks\[0\]\.condition @\d+: uses a \[PLACEHOLDER\] but the check lists no source/,
    ],
    [
      'a freshness check without critical_after',
      `checks:\n  - { id: c, service: api, kind: freshness, source: status, timestamp: '[BODY].t' }`,
      /checks\[0\]\.critical_after @\d+: is required/,
    ],
    [
      'warning_after not shorter than critical_after',
      `checks:\n  - { id: c, service: api, kind: freshness, source: status, timestamp: '[BODY].t', warning_after: 2m, critical_after: 1m }`,
      /checks\[0\]\.warning_after @\d+: must be shorter than critical_after/,
    ],
    [
      'a heartbeat check with sources',
      `checks:\n  - { id: c, service: api, kind: heartbeat, period: 1h, source: status }`,
      /checks\[0\]\.source @\d+: a heartbeat check is pushed to/,
    ],
    [
      'a duplicate check id',
      `checks:\n  - { id: c, service: api, kind: heartbeat, period: 1h }\n  - { id: c, service: api, kind: heartbeat, period: 1h }`,
      /checks\[1\]\.id @\d+: check "c" is defined twice/,
    ],
    [
      'a reserved check id',
      `checks:\n  - { id: sentinel-x, service: api, kind: heartbeat, period: 1h }`,
      /checks\[0\]\.id @\d+: ids starting with "sentinel-" are reserved/,
    ],
    [
      'an unknown check kind',
      `checks:\n  - { id: c, service: api, kind: magic }`,
      /checks\[0\]\.kind @\d+: must be one of freshness, condition, invariant, heartbeat/,
    ],
    [
      'an unknown check option',
      `checks:\n  - { id: c, service: api, kind: heartbeat, period: 1h, perod: 2h }`,
      /checks\[0\]\.perod @\d+: unknown option/,
    ],
    [
      'fail_after out of range',
      `checks:\n  - { id: c, service: api, kind: heartbeat, period: 1h, fail_after: 0 }`,
      /checks\[0\]\.fail_after @\d+: must be a whole number from 1 to 1000/,
    ],
    [
      'an event rule without matchers',
      `event_rules:\n  - { id: r, service: api }`,
      /event_rules\[0\]\.matchers @\d+: give at least one matcher/,
    ],
    [
      'an event rule with a bad matcher',
      `event_rules:\n  - { id: r, service: api, matchers: ['type=~"("'] }`,
      /event_rules\[0\]\.matchers\[0\] @\d+: /,
    ],
    [
      'a label name alerts cannot carry',
      `checks:\n  - { id: c, service: api, kind: heartbeat, period: 1h, labels: { team-name: x } }`,
      /checks\[0\]\.labels\.team-name @\d+: must be a name of letters, digits and _/,
    ],
    [
      'a label Sentinel sets itself',
      `checks:\n  - { id: c, service: api, kind: heartbeat, period: 1h, labels: { check: other } }`,
      /checks\[0\]\.labels\.check @\d+: is set by Sentinel/,
    ],
    [
      'an event rule label that is not a string',
      `event_rules:\n  - { id: r, service: api, matchers: ['type="x"'], labels: { team: 7 } }`,
      /event_rules\[0\]\.labels\.team @\d+: must be a string/,
    ],
  ])('reports %s', async (_name, yaml, expected) => {
    expect((await issuesOf(`${BASE}${yaml}\n`)).join('\n')).toMatch(expected);
  });

  it.each([
    [
      'the built-in source name',
      `  - { name: sentinel, kind: health }`,
      /sources\[1\]\.name @\d+: "sentinel" is the built-in source/,
    ],
    [
      'an unknown source kind',
      `  - { name: x, kind: ftp }`,
      /sources\[1\]\.kind @\d+: must be one of http, tcp/,
    ],
    [
      'the built-in sentinel kind',
      `  - { name: x, kind: sentinel }`,
      /sources\[1\]\.kind @\d+: the sentinel source is built in/,
    ],
    [
      'a keyword as a source name',
      `  - { name: 'true', kind: health }`,
      /sources\[1\]\.name @\d+: "true" is a word of the condition language/,
    ],
    [
      'a source name expressions cannot use',
      `  - { name: Quotes-DB, kind: health }`,
      /sources\[1\]\.name @\d+: must be a name of lower-case letters/,
    ],
    [
      'a duplicate source',
      `  - { name: status, kind: health }`,
      /sources\[1\]\.name @\d+: source "status" is defined twice/,
    ],
    [
      'a bad option of the kind, with its path',
      `  - { name: x, kind: redis, url: 'redis://127.0.0.1', commands: { a: [FLUSHALL] } }`,
      /sources\[1\]\.commands\.a/,
    ],
    [
      'a secret from a variable that is not set',
      `  - { name: x, kind: postgres, url_env: NOPE_DB_URL, query: 'SELECT 1' }`,
      /sources\[1\]\.url_env @\d+: .*NOPE_DB_URL/,
    ],
  ])('reports %s', async (_name, yaml, expected) => {
    expect((await issuesOf(`${BASE}${yaml}\n`)).join('\n')).toMatch(expected);
  });

  it.each([
    [
      'a dependency cycle',
      `services:\n  - { name: a, depends_on: [b] }\n  - { name: b, depends_on: [a] }`,
      /services @\d+: depends_on forms a cycle: a -> b -> a/,
    ],
    [
      'an undefined dependency',
      `services:\n  - { name: a, depends_on: [z] }`,
      /services\[0\]\.depends_on\[0\] @\d+: undefined service "z"/,
    ],
    [
      'the reserved service name',
      `services:\n  - { name: sentinel }`,
      /services\[0\]\.name @\d+: "sentinel" is Sentinel's own service/,
    ],
    [
      'an unknown scope',
      `services:\n  - { name: a, scope: frontend }`,
      /services\[0\]\.scope @\d+: must be one of ingest, execution/,
    ],
    [
      'exec allowed for a relative path',
      `health:\n  exec:\n    allow: [sh]`,
      /health\.exec\.allow\[0\] @\d+: must be an absolute path/,
    ],
    [
      'an unknown health option',
      `health:\n  default_intervall: 10s`,
      /health\.default_intervall @\d+: unknown option/,
    ],
    ['services that are not a list', `services: { a: 1 }`, /services @\d+: must be a list of entries/],
  ])('reports %s', async (_name, yaml, expected) => {
    expect((await issuesOf(`${yaml}\n`)).join('\n')).toMatch(expected);
  });

  it('reports every problem of a file at once', async () => {
    const issues = await issuesOf(
      `${BASE}checks:\n  - { id: a, service: nope, kind: condition, source: status, conditions: ['[STATUS] =='] }\n  - { id: b, service: api, kind: heartbeat }\n`,
    );
    expect(issues.length).toBeGreaterThanOrEqual(3);
  });
});
