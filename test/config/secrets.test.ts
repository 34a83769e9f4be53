import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { issueAt, loadError, tempDir, yaml } from './helpers.js';

const tmp = tempDir();
const PROM = 'prom-token-0123456789abcdef';
const ONCALL = 'oncall-token-fedcba9876543210';
const PG = 'postgres://sentinel:hunter2-pg-password@db.example.org:5432/sentinel';

const tokensYaml = yaml(
  'auth:',
  '  tokens:',
  '    - name: prometheus',
  '      token_env: SENTINEL_TOKEN_PROM',
  '      scopes: [alerts:ingest]',
  '    - name: oncall',
  '      token_file: secrets/oncall',
  '      scopes: [alerts:read, alerts:ack]',
);

function expectNoSecret(text: string, ...secrets: string[]): void {
  for (const s of secrets) expect(text).not.toContain(s);
}

describe('tokens', () => {
  it('come from an environment variable and from a file relative to the config file', async () => {
    tmp.write('ok/secrets/oncall', `${ONCALL}\n`);
    const file = tmp.write('ok/sentinel.yml', tokensYaml);
    const loaded = await loadConfig({ path: file, env: { SENTINEL_TOKEN_PROM: PROM } });
    expect(loaded.secrets.tokens).toEqual([
      { name: 'prometheus', token: PROM, scopes: ['alerts:ingest'] },
      { name: 'oncall', token: ONCALL, scopes: ['alerts:read', 'alerts:ack'] },
    ]);
    expectNoSecret(JSON.stringify(loaded.config), PROM, ONCALL);
    expect(loaded.config.auth.tokens[0]).toEqual({
      name: 'prometheus',
      token_env: 'SENTINEL_TOKEN_PROM',
      token_file: null,
      scopes: ['alerts:ingest'],
    });
  });

  it('trim exactly one trailing newline from a file', async () => {
    tmp.write('crlf/secrets/oncall', `${ONCALL}\r\n`);
    const loaded = await loadConfig({
      path: tmp.write('crlf/sentinel.yml', tokensYaml),
      env: { SENTINEL_TOKEN_PROM: PROM },
    });
    expect(loaded.secrets.tokens[1]?.token).toBe(ONCALL);

    tmp.write('two/secrets/oncall', `${ONCALL}\n\n`);
    const err = await loadError({
      path: tmp.write('two/sentinel.yml', tokensYaml),
      env: { SENTINEL_TOKEN_PROM: PROM },
    });
    expect(issueAt(err, 'auth.tokens[1].token_file').message).toMatch(/spaces, line breaks or non-ASCII/);
    expectNoSecret(err.message, ONCALL, PROM);
  });

  it('report an unset or empty variable and a missing file, at their lines', async () => {
    const file = tmp.write('missing/sentinel.yml', tokensYaml);
    let err = await loadError({ path: file, env: {} });
    expect(issueAt(err, 'auth.tokens[0].token_env')).toMatchObject({
      line: 4,
      column: 18,
      message: 'environment variable SENTINEL_TOKEN_PROM is not set',
    });
    expect(issueAt(err, 'auth.tokens[1].token_file')).toMatchObject({
      line: 7,
      column: 19,
      message: `file ${path.join(path.dirname(file), 'secrets/oncall')} does not exist`,
    });
    err = await loadError({ path: file, env: { SENTINEL_TOKEN_PROM: '' } });
    expect(issueAt(err, 'auth.tokens[0].token_env').message).toBe(
      'environment variable SENTINEL_TOKEN_PROM is empty',
    );
  });

  it('reject a file that is not a regular file', async () => {
    fs.mkdirSync(path.join(tmp.dir, 'dir/secrets/oncall'), { recursive: true });
    const err = await loadError({
      path: tmp.write('dir/sentinel.yml', tokensYaml),
      env: { SENTINEL_TOKEN_PROM: PROM },
    });
    expect(issueAt(err, 'auth.tokens[1].token_file').message).toMatch(/is not a regular file$/);
  });

  it('shorter than 16 characters are rejected without showing them', async () => {
    tmp.write('short/secrets/oncall', 'tiny-oncall\n');
    const err = await loadError({
      path: tmp.write('short/sentinel.yml', tokensYaml),
      env: { SENTINEL_TOKEN_PROM: 'short-prom' },
    });
    expect(issueAt(err, 'auth.tokens[0].token_env').message).toBe(
      'the token from environment variable SENTINEL_TOKEN_PROM is shorter than 16 characters; use a long random value (e.g. openssl rand -hex 32)',
    );
    expect(issueAt(err, 'auth.tokens[1].token_file').message).toMatch(/shorter than 16 characters/);
    expectNoSecret(err.message, 'short-prom', 'tiny-oncall');
    expectNoSecret(JSON.stringify(err.issues), 'short-prom', 'tiny-oncall');
  });

  it('must all be different', async () => {
    tmp.write('same/secrets/oncall', PROM);
    const err = await loadError({
      path: tmp.write('same/sentinel.yml', tokensYaml),
      env: { SENTINEL_TOKEN_PROM: PROM },
    });
    expect(err.issues).toEqual([
      {
        path: 'auth.tokens[1].token_file',
        line: 7,
        column: 19,
        message: 'gives the same token as auth.tokens[0] (prometheus); every token must be different',
      },
    ]);
    expectNoSecret(err.message, PROM);
  });

  it.each(['token', 'password', 'url', 'secret'])(
    'written inline as `%s:` are rejected, pointing to *_env / *_file',
    async (key) => {
      const text = yaml(
        'auth:',
        '  tokens:',
        '    - name: prometheus',
        `      ${key}: ${PROM}`,
        '      scopes: [alerts:ingest]',
      );
      const err = await loadError({ path: tmp.write(`inline-${key}.yml`, text) });
      expect(issueAt(err, `auth.tokens[0].${key}`)).toMatchObject({
        line: 4,
        column: 7,
        message:
          'inline secrets are not allowed: put the token in an environment variable named by token_env, or in a file named by token_file',
      });
      expectNoSecret(err.message, PROM);
    },
  );
});

describe('database URL', () => {
  it('with an inline password is rejected without showing it', async () => {
    const err = await loadError({ path: tmp.write('db-inline.yml', yaml('database:', `  url: "${PG}"`)) });
    expect(issueAt(err, 'database.url')).toMatchObject({
      line: 2,
      column: 8,
      message: expect.stringContaining('url_env'),
    });
    expectNoSecret(err.message, 'hunter2');
    const query = await loadError({
      path: tmp.write('db-query.yml', yaml('database:', '  url: "postgres://db/x?password=hunter2"')),
    });
    expect(issueAt(query, 'database.url').message).toMatch(/contains a password/);
    expectNoSecret(query.message, 'hunter2');
  });

  it('rejects an inline `password:` key in the database section', async () => {
    const err = await loadError({
      path: tmp.write(
        'db-password.yml',
        yaml('database:', '  url: postgres://sentinel@db/x', '  password: hunter2'),
      ),
    });
    expect(issueAt(err, 'database.password')).toMatchObject({
      line: 3,
      column: 3,
      message: expect.stringContaining('url_env'),
    });
    expectNoSecret(err.message, 'hunter2');
  });

  it('comes from url_env, and the config shows it with the password masked', async () => {
    const file = tmp.write('db-env.yml', yaml('database:', '  url_env: PG_URL'));
    const loaded = await loadConfig({ path: file, env: { PG_URL: PG } });
    expect(loaded.secrets.databaseUrl).toBe(PG);
    expect(loaded.config.database.url).toBe('postgres://sentinel:***@db.example.org:5432/sentinel');
    expectNoSecret(JSON.stringify(loaded.config), 'hunter2');
  });

  it('comes from url_file (one trailing newline trimmed)', async () => {
    tmp.write('dbf/pg-url', `${PG}\n`);
    const loaded = await loadConfig({
      path: tmp.write('dbf/sentinel.yml', yaml('database:', '  url_file: ./pg-url')),
      env: {},
    });
    expect(loaded.secrets.databaseUrl).toBe(PG);
  });

  it('from url_env / url_file is checked without showing it', async () => {
    let err = await loadError({
      path: tmp.write('db-env-bad.yml', yaml('database:', '  url_env: PG_URL')),
      env: { PG_URL: 'mysql://u:hunter2@x/y' },
    });
    expect(err.issues).toEqual([
      {
        path: 'database.url_env',
        line: 2,
        column: 12,
        message: 'the URL from environment variable PG_URL must be sqlite:PATH or postgres://HOST/DATABASE',
      },
    ]);
    expectNoSecret(err.message, 'hunter2');
    err = await loadError({
      path: tmp.write('db-env-unset.yml', yaml('database:', '  url_env: PG_URL')),
      env: {},
    });
    expect(err.message).toBe('database.url_env (line 2, col 12): environment variable PG_URL is not set');
    err = await loadError({
      path: tmp.write('db-file-missing.yml', yaml('database:', '  url_file: /nonexistent/pg-url')),
    });
    expect(err.message).toBe('database.url_file (line 2, col 13): file /nonexistent/pg-url does not exist');
  });
});

describe('Alertmanager sections', () => {
  it('accept inline secrets but warn with their paths, never their values', async () => {
    const text = yaml(
      'global:',
      '  slack_api_url: https://hooks.slack.com/services/T0/B0/SECRETVALUE1',
      '  smtp_auth_password: SECRETVALUE2',
      '  pagerduty_url: https://events.pagerduty.com/v2/enqueue',
      'receivers:',
      '  - name: a',
      '    slack_configs:',
      '      - api_url: https://hooks.slack.com/services/T0/B0/SECRETVALUE3',
      '        title: "{{ .CommonLabels.alertname }}"',
      '    opsgenie_configs:',
      '      - api_key: SECRETVALUE4',
      '        api_url: https://api.opsgenie.com/',
      '    webhook_configs:',
      '      - url: https://user:SECRETVALUE5@hooks.example.org/x',
      '      - url: https://hooks.example.org/plain',
      '        http_config:',
      '          authorization: { credentials: SECRETVALUE6 }',
      '          basic_auth: { username: u, password_file: /run/secrets/p }',
      'route: { receiver: a }',
    );
    const loaded = await loadConfig({ path: tmp.write('am-secrets.yml', text), env: {} });
    expect(loaded.warnings.filter((w) => w.includes('inline secret')).map((w) => w.split(':')[0])).toEqual([
      'global.slack_api_url (line 2, col 18)',
      'global.smtp_auth_password (line 3, col 23)',
      'receivers[0].slack_configs[0].api_url (line 8, col 18)',
      'receivers[0].opsgenie_configs[0].api_key (line 11, col 18)',
      'receivers[0].webhook_configs[0].url (line 14, col 14)',
      'receivers[0].webhook_configs[1].http_config.authorization.credentials (line 17, col 41)',
    ]);
    expect(loaded.warnings[0]).toMatch(/prefer slack_api_url_file/);
    // A missing secret file does not stop the load (Alertmanager reads them when it sends): the
    // integration that needs it is held until the file exists and the configuration is reloaded.
    expect(loaded.warnings.join('\n')).toMatch(
      /receivers\[0\]\.webhook_configs\[1\]\.http_config\.basic_auth\.password_file \(line 18, col \d+\): file \/run\/secrets\/p does not exist; integrations that need it hold/,
    );
    const held = loaded.notify.config.receivers.get('a')!.integrations.find((i) => i.key === 'a/webhook/1')!;
    expect(held.unavailable).toMatch(/could not be read/);
    expectNoSecret(loaded.warnings.join('\n'), 'SECRETVALUE');
  });
});
