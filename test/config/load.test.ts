import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_LIMITS } from '../../src/alerts/validate.js';
import { ConfigError, formatIssue, loadConfig } from '../../src/config/load.js';
import { issueAt, loadError, tempDir, yaml } from './helpers.js';

const tmp = tempDir();

const DEFAULTS = {
  server: {
    listen: '127.0.0.1:9097',
    external_url: null,
    body_limit_bytes: 1048576,
    max_alerts_per_request: 1000,
  },
  database: {
    url: 'sqlite:./data/sentinel.db',
    url_env: null,
    url_file: null,
    sqlite: { synchronous: 'full' },
    postgres: { pool_size: 10, schema: 'public' },
  },
  auth: { tokens: [] },
  alerts: {
    default_dedupe_ttl_minutes: 30,
    default_source: 'api',
    limits: {
      max_labels: 64,
      max_label_name_length: 256,
      max_label_value_length: 4096,
      max_label_set_bytes: 16384,
      max_annotations: 64,
      max_annotation_value_length: 16384,
      max_title_length: 1024,
      max_message_length: 65536,
    },
  },
  incidents: { triage_cooldown_minutes: 15, default_dedupe_window_minutes: 60, default_severity_cap: 'P0' },
  retention: { max_age: '30d', interval: '1h', batch_size: 1000 },
  ingest: { max_batch: 4096 },
  logging: { level: 'info' },
  notifications: {
    delivery: { dead_letter_after: '24h', initial_backoff: '1s', max_backoff: '10s' },
    throttle: { per_source: '1m' },
    flapping: { max_flips: 4, window: '10m' },
    receiver_failing_after: '10m',
    self_test: { receiver: null, schedule: '0 9 * * *', timezone: 'UTC' },
    watchdog: { enabled: false, interval: '1m' },
    escalation_policies: [],
  },
  global: {},
  route: null,
  receivers: [],
  inhibit_rules: [],
  time_intervals: [],
  mute_time_intervals: [],
  templates: [],
  health: {},
  services: [],
  sources: [],
  checks: [],
  event_rules: [],
};

describe('defaults', () => {
  it('no file gives every default', async () => {
    const loaded = await loadConfig({ env: {} });
    expect(loaded.config).toEqual(DEFAULTS);
    expect(loaded).toMatchObject({ source: '', path: null, warnings: [] });
    expect(loaded.secrets).toEqual({ databaseUrl: 'sqlite:./data/sentinel.db', tokens: [] });
  });

  it.each([
    ['an empty file', ''],
    ['a file of comments', '# nothing configured yet\n'],
    [
      'empty sections',
      yaml('server:', 'database:', 'auth:', '  tokens:', 'alerts:', 'retention:', 'receivers:', 'global:'),
    ],
  ])('%s gives every default', async (_name, text) => {
    const file = tmp.write(`defaults-${_name.replaceAll(' ', '-')}.yml`, text);
    const loaded = await loadConfig({ path: file, env: {} });
    expect(loaded.config).toEqual(DEFAULTS);
    expect(loaded.path).toBe(path.resolve(file));
    expect(loaded.source).toBe(text);
  });

  it('alert limits default to the ingest validator defaults', async () => {
    const { config } = await loadConfig({ env: {} });
    expect(config.alerts.limits.max_labels).toBe(DEFAULT_ALERT_LIMITS.maxLabels);
    expect(config.alerts.limits.max_message_length).toBe(DEFAULT_ALERT_LIMITS.maxMessageLength);
  });

  it('the loaded configuration is deep-frozen', async () => {
    const file = tmp.write(
      'frozen.yml',
      yaml('route:', '  receiver: a', '  routes: [{receiver: b}]', 'receivers: [{name: a}, {name: b}]'),
    );
    const { config } = await loadConfig({ path: file, env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.alerts.limits)).toBe(true);
    expect(Object.isFrozen((config.route as { routes: object[] }).routes[0])).toBe(true);
    expect(() => {
      (config.server as { listen: string }).listen = '0.0.0.0:1';
    }).toThrow(TypeError);
  });

  it('keeps explicit values', async () => {
    const file = tmp.write(
      'values.yml',
      yaml(
        'server: { listen: "[::1]:0", external_url: "https://s.example.org/sentinel/", body_limit_bytes: 2048 }',
        'database: { url: "postgres://sentinel@db.example.org:5432/sentinel", postgres: { pool_size: 3, schema: sentinel } }',
        'incidents: { default_severity_cap: P2, triage_cooldown_minutes: 0.5 }',
        'retention: { max_age: 1y2w, interval: 90s }',
        'logging: { level: debug }',
      ),
    );
    const { config, secrets } = await loadConfig({ path: file, env: {} });
    expect(config.server).toMatchObject({
      listen: '[::1]:0',
      external_url: 'https://s.example.org/sentinel/',
      body_limit_bytes: 2048,
    });
    expect(config.database).toMatchObject({
      url: 'postgres://sentinel@db.example.org:5432/sentinel',
      postgres: { pool_size: 3, schema: 'sentinel' },
    });
    expect(secrets.databaseUrl).toBe('postgres://sentinel@db.example.org:5432/sentinel');
    expect(config.incidents).toMatchObject({ default_severity_cap: 'P2', triage_cooldown_minutes: 0.5 });
    expect(config.retention).toMatchObject({ max_age: '1y2w', interval: '90s' });
    expect(config.logging.level).toBe('debug');
  });
});

describe('errors name the key path and line:column', () => {
  const bad = yaml(
    /*  1 */ 'server:',
    /*  2 */ '  listen: "127.0.0.1"',
    /*  3 */ '  lisen: "0.0.0.0:1"',
    /*  4 */ '  body_limit_bytes: "big"',
    /*  5 */ 'database:',
    /*  6 */ '  sqlite: { synchronous: off }',
    /*  7 */ 'retention:',
    /*  8 */ '  max_age: 3x',
    /*  9 */ '  interval: 0s',
    /* 10 */ 'incidents:',
    /* 11 */ '  default_severity_cap: P9',
    /* 12 */ 'logging: { level: loud }',
    /* 13 */ 'serverr: {}',
    /* 14 */ 'receivers: { name: ops }',
    /* 15 */ 'route: [a, b]',
    /* 16 */ 'alerts:',
    /* 17 */ '  limits:',
    /* 18 */ '    max_labels: 0',
    /* 19 */ '  default_source: ""',
    /* 20 */ 'server2: 1',
  );

  it('reports every problem at once, in file order', async () => {
    const err = await loadError({ path: tmp.write('bad.yml', bad) });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues.map((i) => [i.path, i.line, i.column])).toEqual([
      ['server.listen', 2, 11],
      ['server.lisen', 3, 3],
      ['server.body_limit_bytes', 4, 21],
      ['database.sqlite.synchronous', 6, 26],
      ['retention.max_age', 8, 12],
      ['retention.interval', 9, 13],
      ['incidents.default_severity_cap', 11, 25],
      ['logging.level', 12, 19],
      ['serverr', 13, 1],
      ['receivers', 14, 12],
      ['route', 15, 8],
      ['alerts.limits.max_labels', 18, 17],
      ['alerts.default_source', 19, 19],
      ['server2', 20, 1],
    ]);
  });

  it('formats one issue per line as `path (line L, col C): message`', async () => {
    const err = await loadError({ path: tmp.write('bad2.yml', bad) });
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(err.issues.length);
    expect(lines[0]).toBe(formatIssue(err.issues[0]!));
    expect(err.message).toContain(
      'retention.max_age (line 8, col 12): invalid duration "3x": unknown unit "x"',
    );
    expect(err.message).toContain('retention.interval (line 9, col 13): must be longer than 0');
    expect(err.message).toContain(
      'server.lisen (line 3, col 3): unknown key in server; did you mean listen?',
    );
    expect(err.message).toContain(
      'serverr (line 13, col 1): unknown key at the top level; did you mean server?',
    );
    expect(err.message).toContain('receivers (line 14, col 12): must be a list, as in alertmanager.yml');
    expect(err.message).toContain('server.listen (line 2, col 11): missing port');
  });

  it('reports YAML syntax errors with line and column', async () => {
    const err = await loadError({ path: tmp.write('syntax.yml', yaml('server:', '  listen: "a', 'x: [')) });
    expect(err.issues[0]).toMatchObject({ path: '', line: expect.any(Number), column: expect.any(Number) });
    expect(err.message).toMatch(/^line \d+, col \d+: YAML syntax error: /);
  });

  it('reports duplicate keys at the duplicate', async () => {
    const err = await loadError({
      path: tmp.write('dup.yml', yaml('logging:', '  level: info', '  level: debug')),
    });
    expect(err.issues).toEqual([
      { path: '', line: 3, column: 3, message: expect.stringContaining('Map keys must be unique') },
    ]);
  });

  it('requires the file to be a mapping', async () => {
    const err = await loadError({ path: tmp.write('list.yml', '- a\n- b\n') });
    expect(err.issues[0]).toMatchObject({
      line: 1,
      column: 1,
      message: expect.stringContaining('must be a YAML mapping'),
    });
  });

  it('names a missing file', async () => {
    const missing = path.join(tmp.dir, 'nope', 'sentinel.yml');
    const err = await loadError({ path: missing });
    expect(err.message).toBe(`config file not found: ${missing}`);
  });

  it('names required keys that are absent, at their parent', async () => {
    const err = await loadError({
      path: tmp.write(
        'req.yml',
        yaml(
          'auth:',
          '  tokens:',
          '    - token_env: X',
          '      scopes: []',
          '    - name: b',
          '      scopes: [admin]',
        ),
      ),
      env: { X: 'x'.repeat(32) },
    });
    expect(issueAt(err, 'auth.tokens[0].name')).toMatchObject({
      line: 3,
      column: 7,
      message: 'is required (string)',
    });
    expect(issueAt(err, 'auth.tokens[0].scopes')).toMatchObject({
      line: 4,
      message: 'give at least one scope',
    });
    expect(issueAt(err, 'auth.tokens[1]')).toMatchObject({
      line: 5,
      message: expect.stringContaining('exactly one of token_env'),
    });
  });

  it('rejects unknown scopes and bad names', async () => {
    const err = await loadError({
      path: tmp.write(
        'scopes.yml',
        yaml(
          'auth:',
          '  tokens:',
          '    - { name: Prom, token_env: A, scopes: [alerts:ingest, alerts:write] }',
        ),
      ),
    });
    expect(issueAt(err, 'auth.tokens[0].name')).toMatchObject({
      line: 3,
      column: 15,
      message: expect.stringContaining('[a-z0-9_.-]+'),
    });
    expect(issueAt(err, 'auth.tokens[0].scopes[1]')).toMatchObject({
      line: 3,
      column: 59,
      message: expect.stringContaining('alerts:ingest'),
    });
  });

  it('rejects duplicate token names', async () => {
    const err = await loadError({
      path: tmp.write(
        'dupnames.yml',
        yaml(
          'auth:',
          '  tokens:',
          '    - { name: b, token_env: B, scopes: [admin] }',
          '    - { name: b, token_env: C, scopes: [admin] }',
        ),
      ),
    });
    expect(err.issues).toEqual([
      { path: 'auth.tokens[1].name', line: 4, column: 15, message: 'duplicate token name b' },
    ]);
  });

  it('rejects a listen address with a bad port', async () => {
    const err = await loadError({
      path: tmp.write('port.yml', yaml('server:', '  listen: 127.0.0.1:70000')),
    });
    expect(issueAt(err, 'server.listen')).toMatchObject({
      line: 2,
      message: 'port must be a number from 0 to 65535',
    });
  });

  it('locates problems inside flow collections and aliases', async () => {
    const err = await loadError({
      path: tmp.write(
        'alias.yml',
        yaml('x-limits: &limits { max_labels: -1 }', 'alerts:', '  limits: *limits'),
      ),
    });
    expect(issueAt(err, 'alerts.limits.max_labels')).toMatchObject({ line: 1, column: 33 });
    expect(issueAt(err, 'x-limits')).toMatchObject({ line: 1, column: 1 });
  });

  it('rejects a database URL of an unknown kind and conflicting url sources', async () => {
    const err = await loadError({
      path: tmp.write('db.yml', yaml('database:', '  url: mysql://db/x', '  url_file: /run/secrets/db')),
    });
    expect(issueAt(err, 'database.url')).toMatchObject({
      line: 2,
      column: 8,
      message: 'must be sqlite:PATH or postgres://HOST/DATABASE',
    });
    expect(issueAt(err, 'database.url_file')).toMatchObject({
      line: 3,
      message: expect.stringContaining('give only one of url, url_env, url_file'),
    });
  });

  it('treats a config file that is a directory as an error', async () => {
    fs.mkdirSync(path.join(tmp.dir, 'adir'), { recursive: true });
    const err = await loadError({ path: path.join(tmp.dir, 'adir') });
    expect(err.message).toMatch(/is a directory/);
  });
});
