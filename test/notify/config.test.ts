import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { groupKeyFor, groupLabelsFor, matchRoutes, type Route } from '../../src/routing/route.js';

/*
 * Routing configuration with Alertmanager's semantics: the tree built from YAML, which routes an
 * alert matches (continue, nesting, fallback to the parent), inherited options, route and group
 * keys as Alertmanager prints them, and the validation errors Alertmanager reports.
 */

const dir = mkdtempSync(join(tmpdir(), 'sentinel-routing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function load(yaml: string) {
  const file = join(dir, `c${n++}.yml`);
  writeFileSync(file, yaml);
  return loadConfig({ path: file, env: {} });
}

async function errors(yaml: string): Promise<string[]> {
  try {
    await load(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

const TREE = `
route:
  receiver: default
  group_by: [alertname]
  group_wait: 10s
  routes:
    - receiver: db
      matchers: [service=~"postgres|mysql"]
      group_by: ['...']
      continue: true
      routes:
        - receiver: db-critical
          match: { severity: critical }
          repeat_interval: 1h
    - receiver: frontend
      match_re: { team: "front.*" }
      matchers: ['env!="dev"']
    - receiver: catch-db
      matchers: [service="postgres"]
receivers: [{name: default}, {name: db}, {name: db-critical}, {name: frontend}, {name: catch-db}]
`;

describe('routing tree', () => {
  const receiversFor = async (labels: Record<string, string>) => {
    const { notify } = await load(TREE);
    return matchRoutes(notify.config.route!, labels).map((r) => r.options.receiver);
  };

  it.each([
    [{ alertname: 'A' }, ['default']],
    [{ alertname: 'A', service: 'mysql' }, ['db']],
    [{ alertname: 'A', service: 'mysql', severity: 'critical' }, ['db-critical']],
    // continue on the db route: the search goes on to its siblings.
    [{ alertname: 'A', service: 'postgres' }, ['db', 'catch-db']],
    [{ alertname: 'A', team: 'frontend', env: 'prod' }, ['frontend']],
    [{ alertname: 'A', team: 'frontend', env: 'dev' }, ['default']],
    // Regexes are anchored: "xfrontend" does not match front.*.
    [{ alertname: 'A', team: 'xfrontend' }, ['default']],
  ])('%j goes to %j', async (labels, expected) => {
    expect(await receiversFor(labels)).toEqual(expected);
  });

  it('inherits options from the parent and builds route keys as Alertmanager prints them', async () => {
    const { notify } = await load(TREE);
    const root = notify.config.route!;
    const db = root.routes[0]!;
    const critical = db.routes[0]!;
    expect(root.key).toBe('{}');
    expect(db.key).toBe('{}/{service=~"postgres|mysql"}');
    expect(critical.key).toBe('{}/{service=~"postgres|mysql"}/{severity="critical"}');
    // match_re values are anchored when loaded, and Alertmanager prints them anchored in keys.
    expect(root.routes[1]!.key).toBe('{}/{env!="dev",team=~"^(?:front.*)$"}');
    expect(critical.options).toMatchObject({
      groupBy: null,
      groupWaitMs: 10_000,
      repeatIntervalMs: 3_600_000,
    });
    expect(root.routes[1]!.options).toMatchObject({ groupBy: ['alertname'], groupIntervalMs: 300_000 });
  });

  it('groups by the chosen labels, or by all of them with ...', async () => {
    const { notify } = await load(TREE);
    const root: Route = notify.config.route!;
    const labels = { alertname: 'Disk', service: 'mysql', instance: 'db1' };
    expect(groupKeyFor(root, groupLabelsFor(root, labels))).toBe('{}:{alertname="Disk"}');
    const db = root.routes[0]!;
    expect(groupKeyFor(db, groupLabelsFor(db, labels))).toBe(
      '{}/{service=~"postgres|mysql"}:{alertname="Disk", instance="db1", service="mysql"}',
    );
    // A label the alert does not have is left out of the group labels.
    expect(groupLabelsFor(root, { job: 'x' })).toEqual({});
  });
});

describe('Alertmanager configuration validation', () => {
  it.each([
    [
      'receivers: [{name: a}]',
      'route: receivers are configured but there is no route to send alerts to them',
    ],
    [
      'route: {receiver: nope}\nreceivers: [{name: a}]',
      'route.receiver: undefined receiver "nope" used in route',
    ],
    [
      'route: {receiver: a, matchers: [x="y"]}\nreceivers: [{name: a}]',
      'route: the root route must not have any matchers',
    ],
    ['route: {}\nreceivers: [{name: a}]', 'route.receiver: the root route must name a default receiver'],
    [
      'route: {receiver: a, group_by: [a, "..."]}\nreceivers: [{name: a}]',
      'route.group_by: cannot have the wildcard ... and other labels at the same time',
    ],
    [
      'route: {receiver: a, group_interval: 0s}\nreceivers: [{name: a}]',
      'route.group_interval: group_interval cannot be zero',
    ],
    [
      'route: {receiver: a, routes: [{matchers: ["a=~("]}]}\nreceivers: [{name: a}]',
      'route.routes[0].matchers[0]:',
    ],
    [
      'route: {receiver: a, routes: [{mute_time_intervals: [later]}]}\nreceivers: [{name: a}]',
      'route.routes[0].mute_time_intervals[0]: undefined time interval "later" used in route',
    ],
    [
      'route: {receiver: a}\nreceivers: [{name: a}, {name: a}]',
      'receivers[1].name: receiver name "a" is not unique',
    ],
    ['route: {receiver: a, recevier: b}\nreceivers: [{name: a}]', 'route.recevier: unknown route option'],
    [
      'route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{}]}]',
      'receivers[0].webhook_configs[0].url: one of url, url_file or url_env is required',
    ],
    [
      'route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: "ftp://x"}]}]',
      'receivers[0].webhook_configs[0].url: must be an http:// or https:// URL',
    ],
    [
      'route: {receiver: a}\nreceivers: [{name: a}]\ninhibit_rules: [{source_matchers: [a="b"], equal: ["bad-name"]}]',
      'inhibit_rules[0].equal[0]: invalid label name "bad-name"',
    ],
    [
      'route: {receiver: a}\nreceivers: [{name: a}]\nnotifications: {escalation_policies: [{name: p, matchers: [x="y"], steps: [{after: 0m, receiver: b}]}]}',
      'notifications.escalation_policies[0].steps[0].receiver: undefined receiver "b" used in escalation policy',
    ],
  ])('%s', async (yaml, expected) => {
    const found = await errors(yaml);
    expect(
      found.some((e) => e.startsWith(expected)),
      found.join('\n'),
    ).toBe(true);
  });

  it('reports a template file error at load, with the file, line and column', async () => {
    const tmpl = join(dir, 'broken.tmpl');
    writeFileSync(tmpl, '{{ define "ok" }}fine{{ end }}\n{{ define "broken" }}{{ .Labels.x {{ end }}\n');
    const found = await errors(
      `route: {receiver: a}\nreceivers: [{name: a}]\ntemplates: ['${dir}/*.tmpl']\n`,
    );
    expect(found.join('\n')).toMatch(/^templates: template: .*broken\.tmpl:2:\d+: /m);
  });
});
