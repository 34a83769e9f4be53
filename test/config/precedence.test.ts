import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { loadError, tempDir, yaml } from './helpers.js';

const tmp = tempDir();
const file = tmp.write(
  'sentinel.yml',
  yaml(
    'server:',
    '  listen: "127.0.0.1:9001"',
    'database:',
    '  url: "sqlite:/var/lib/file.db"',
    'logging:',
    '  level: warn',
  ),
);

describe('precedence: flag > env > file > default', () => {
  it('default', async () => {
    const { config, secrets } = await loadConfig({ env: {} });
    expect([config.server.listen, secrets.databaseUrl, config.logging.level]).toEqual([
      '127.0.0.1:9097',
      'sqlite:./data/sentinel.db',
      'info',
    ]);
  });

  it('file over default', async () => {
    const { config, secrets } = await loadConfig({ path: file, env: {} });
    expect([config.server.listen, secrets.databaseUrl, config.logging.level]).toEqual([
      '127.0.0.1:9001',
      'sqlite:/var/lib/file.db',
      'warn',
    ]);
  });

  const env = {
    SENTINEL_LISTEN: '[::1]:9002',
    SENTINEL_DATABASE_URL: 'sqlite:/var/lib/env.db',
    SENTINEL_LOG_LEVEL: 'debug',
  };

  it('env over file', async () => {
    const { config, secrets } = await loadConfig({ path: file, env });
    expect([config.server.listen, secrets.databaseUrl, config.logging.level]).toEqual([
      '[::1]:9002',
      'sqlite:/var/lib/env.db',
      'debug',
    ]);
    expect(config.database.url).toBe('sqlite:/var/lib/env.db');
  });

  it('env over default, without a file', async () => {
    const { config } = await loadConfig({ env });
    expect(config.server.listen).toBe('[::1]:9002');
  });

  it('flag over env', async () => {
    const { config, secrets, warnings } = await loadConfig({
      path: file,
      env,
      overrides: { listen: '0.0.0.0:9003', database: 'sqlite:/var/lib/flag.db' },
    });
    expect([config.server.listen, secrets.databaseUrl, config.logging.level]).toEqual([
      '0.0.0.0:9003',
      'sqlite:/var/lib/flag.db',
      'debug',
    ]);
    expect(warnings).toEqual([]);
  });

  it('an empty environment variable counts as unset', async () => {
    const { config } = await loadConfig({ path: file, env: { SENTINEL_LISTEN: '', SENTINEL_LOG_LEVEL: '' } });
    expect([config.server.listen, config.logging.level]).toEqual(['127.0.0.1:9001', 'warn']);
  });

  it('an env or flag database URL replaces url_env, whose variable then need not be set', async () => {
    const viaEnv = tmp.write('via-env.yml', yaml('database:', '  url_env: UNSET_VAR'));
    const { secrets } = await loadConfig({
      path: viaEnv,
      env: { SENTINEL_DATABASE_URL: 'postgres://u:pw@db/x' },
    });
    expect(secrets.databaseUrl).toBe('postgres://u:pw@db/x');
  });

  it('warns when a password is given on the command line', async () => {
    const { warnings, config } = await loadConfig({
      env: {},
      overrides: { database: 'postgres://u:hunter2@db/x' },
    });
    expect(warnings).toEqual([expect.stringMatching(/^--database: the URL contains a password/)]);
    expect(warnings.join('')).not.toContain('hunter2');
    expect(config.database.url).toBe('postgres://u:***@db/x');
  });

  it('invalid overrides are errors naming the variable or flag, never the database URL', async () => {
    const err = await loadError({
      path: file,
      env: {
        SENTINEL_LISTEN: 'nope',
        SENTINEL_LOG_LEVEL: 'loud',
        SENTINEL_DATABASE_URL: 'mysql://u:hunter2@x/y',
      },
    });
    expect(err.issues).toEqual([
      { path: 'SENTINEL_LISTEN', line: null, column: null, message: expect.stringContaining('missing port') },
      {
        path: 'SENTINEL_LOG_LEVEL',
        line: null,
        column: null,
        message: 'must be one of fatal, error, warn, info, debug, trace, silent',
      },
      {
        path: 'SENTINEL_DATABASE_URL',
        line: null,
        column: null,
        message: 'must be sqlite:PATH or postgres://HOST/DATABASE',
      },
    ]);
    expect(err.message).not.toContain('hunter2');
    const flagErr = await loadError({ env: {}, overrides: { listen: '127.0.0.1:99999' } });
    expect(flagErr.message).toBe('--listen: port must be a number from 0 to 65535');
  });
});
