import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { matchRoutes } from '../../src/routing/route.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

// The real Alertmanager's checker, where installed (Debian package prometheus-alertmanager), is the
// judge of whether the examples' Alertmanager sections are what Alertmanager accepts.
const amtool = spawnSync('amtool', ['--version'], { encoding: 'utf8' }).status === 0;

function amtoolCheck(file: string): { status: number | null; output: string } {
  const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('examples/alertmanager.yml', () => {
  const file = path.join(examples, 'alertmanager.yml');

  it('loads unmodified as a valid Sentinel configuration', async () => {
    const loaded = await loadConfig({ path: file, env: {} });
    const original = parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Every Alertmanager section is kept verbatim for the notification subsystem.
    for (const key of [
      'global',
      'route',
      'receivers',
      'inhibit_rules',
      'time_intervals',
      'mute_time_intervals',
      'templates',
    ] as const) {
      expect(loaded.config[key]).toEqual(original[key]);
    }
    const route = loaded.config.route as {
      routes: Array<{ matchers?: string[]; group_by?: string[]; continue?: boolean }>;
    };
    expect(route.routes[1]).toMatchObject({
      matchers: ['severity=~"critical|warning"', 'env="production"'],
      group_by: ['...'],
      continue: true,
    });
    // Sentinel's own sections are at their defaults.
    expect(loaded.config.server.listen).toBe('127.0.0.1:9097');
  });

  it('warns about its inline secrets by path only', async () => {
    const { warnings } = await loadConfig({ path: file, env: {} });
    expect(warnings.filter((w) => w.includes('inline secret')).map((w) => w.split(' (')[0])).toEqual([
      'global.smtp_auth_password',
      'global.slack_api_url',
      'receivers[3].slack_configs[0].api_url',
    ]);
    expect(warnings.join('\n')).not.toMatch(/placeholder-smtp-password|XXXXXXXX|YYYYYYYY/);
  });
});

describe.skipIf(!amtool)('examples checked by amtool', () => {
  it('alertmanager.yml passes amtool check-config', () => {
    const r = amtoolCheck(path.join(examples, 'alertmanager.yml'));
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it("sentinel.yml's Alertmanager sections pass amtool check-config", async () => {
    const { config } = await loadConfig({
      path: path.join(examples, 'sentinel.yml'),
      env: { SENTINEL_TOKEN_PROM: 'prom-0123456789abcdef', SENTINEL_TOKEN_ONCALL: 'oncall-0123456789abcdef' },
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-amtool-'));
    try {
      const file = path.join(dir, 'alertmanager.yml');
      const { global, route, receivers, inhibit_rules } = config;
      fs.writeFileSync(file, stringify({ global, route, receivers, inhibit_rules }));
      const r = amtoolCheck(file);
      expect(r.output).toContain('SUCCESS');
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('examples/sentinel.yml', () => {
  const file = path.join(examples, 'sentinel.yml');
  const env = {
    SENTINEL_TOKEN_PROM: 'prom-0123456789abcdef',
    SENTINEL_TOKEN_ONCALL: 'oncall-0123456789abcdef',
  };

  it("loads as valid, routing critical to ops, warning to dev and Sentinel's own alerts apart", async () => {
    const loaded = await loadConfig({ path: file, env });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.secrets.tokens.map((t) => t.name)).toEqual(['prometheus', 'oncall']);
    const route = loaded.notify.config.route!;
    const receiverOf = (labels: Record<string, string>) =>
      matchRoutes(route, labels).map((r) => r.options.receiver);
    expect(receiverOf({ alertname: 'QuotesStale', severity: 'critical' })).toEqual(['ops']);
    expect(receiverOf({ alertname: 'SlowWriter', severity: 'warning' })).toEqual(['dev']);
    expect(receiverOf({ alertname: 'SentinelReceiverFailing', severity: 'critical' })).toEqual([
      'sentinel-meta',
    ]);
    expect(receiverOf({ alertname: 'Watchdog', severity: 'none' })).toEqual(['sentinel-meta']);
    expect(loaded.notify.config.options.escalations.map((p) => p.steps.map((s) => s.receiver))).toEqual([
      ['ops', 'ops-senior', 'ops-lead'],
    ]);
  });

  it('shows every section and every option of Sentinel', async () => {
    const { config } = await loadConfig({ path: file, env });
    const text = fs.readFileSync(file, 'utf8');
    const missing: string[] = [];
    const walk = (obj: object, prefix: string): void => {
      for (const [key, value] of Object.entries(obj)) {
        if (!new RegExp(`^\\s*(- )?${key}:`, 'm').test(text) && !text.includes(`${key}:`))
          missing.push(prefix + key);
        if (
          value !== null &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          !['global', 'route'].includes(key)
        )
          walk(value, `${prefix}${key}.`);
      }
    };
    walk(config, '');
    expect(missing).toEqual([]);
  });
});

describe('examples/runtime-health.yml', () => {
  const file = path.join(examples, 'runtime-health.yml');

  it('loads as valid: the seed-000 pipeline reads as services, sources and checks', async () => {
    const loaded = await loadConfig({
      path: file,
      env: { QUOTES_DB_URL: 'postgres://sentinel@db.example.org/trading' },
    });
    expect(loaded.warnings).toEqual([]);
    const h = loaded.health;
    expect([...h.services.keys()]).toEqual([
      'near-intents-ingest',
      'trade-executor',
      'history-writer',
      'operator-dashboard',
      'sentinel',
    ]);
    expect(h.services.get('operator-dashboard')).toMatchObject({
      scope: 'operator surface',
      dependsOn: ['history-writer'],
    });
    expect([...h.sources.values()].map((s) => s.kind)).toEqual([
      'http',
      'postgres',
      'http',
      'samples',
      'http',
      'health',
      'sentinel',
    ]);
    expect(h.checks.get('ingest-quotes-fresh')).toMatchObject({
      kind: 'freshness',
      criticalAfterMs: 60_000,
      intervalMs: 10_000,
    });
    expect(h.checks.get('executor-not-armed-on-stale-quotes')).toMatchObject({
      kind: 'invariant',
      tier: 0,
      pageWhenUpstreamFailing: true,
    });
    expect([...h.eventRules.keys()]).toEqual(['pipeline-run-failed']);
  });

  it('needs the database URL from the environment, and says which variable', async () => {
    const err = await loadConfig({ path: file, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    // One problem, not a cascade: the checks reading the broken source are not also told it is undefined.
    expect((err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'sources[1].url_env: environment variable QUOTES_DB_URL is not set',
    ]);
  });
});
