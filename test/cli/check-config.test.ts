import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram, runCli } from '../../src/cli.js';
import { captureIo } from './io.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const good = write(
  'good.yml',
  'server:\n  listen: "127.0.0.1:9200"\nglobal:\n  smtp_auth_password: not-a-real-one\n',
);
const bad = write('bad.yml', 'server:\n  listen: "127.0.0.1:9200"\nretention:\n  max_age: 30days\n');

describe('sentinel check-config', () => {
  it('prints config OK and the warnings for a good file', async () => {
    const io = captureIo();
    const code = await runCli(['node', 'sentinel', 'check-config', good], io);
    expect(code).toBe(0);
    expect(io.out()).toBe(`config OK: ${good}\n`);
    expect(io.err()).toBe(
      'warning: global.smtp_auth_password (line 4, col 23): inline secret in the configuration file; prefer smtp_auth_password_file where the receiver supports it, or keep this file readable only by Sentinel\n',
    );
    expect(io.err()).not.toContain('not-a-real-one');
  });

  it('prints the errors with their lines to stderr and exits 1 for a bad file', async () => {
    const io = captureIo();
    const code = await runCli(['node', 'sentinel', 'check-config', bad], io);
    expect(code).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      `config invalid: ${bad}\nretention.max_age (line 4, col 12): invalid duration "30days": unknown unit "days"; expected a number followed by a unit (ms, s, m, h, d, w, y), combinable as in 1h30m\n`,
    );
  });

  it('fails for a missing file', async () => {
    const io = captureIo();
    const missing = path.join(dir, 'missing.yml');
    expect(await runCli(['node', 'sentinel', 'check-config', missing], io)).toBe(1);
    expect(io.err()).toContain(`config file not found: ${missing}`);
  });

  it('resolves secrets from the given environment', async () => {
    const file = write(
      'tokens.yml',
      'auth:\n  tokens:\n    - { name: p, token_env: TOKEN_P, scopes: [alerts:ingest] }\n',
    );
    const missing = captureIo();
    expect(await runCli(['node', 'sentinel', 'check-config', file], missing)).toBe(1);
    expect(missing.err()).toContain(
      'auth.tokens[0].token_env (line 3, col 29): environment variable TOKEN_P is not set',
    );
    const ok = captureIo({ TOKEN_P: 'a-long-enough-token-value' });
    expect(await runCli(['node', 'sentinel', 'check-config', file], ok)).toBe(0);
  });

  it('works through buildProgram().parseAsync, throwing a CommanderError with exit code 1', async () => {
    const io = captureIo();
    await buildProgram(io).parseAsync(['check-config', good], { from: 'user' });
    expect(io.out()).toBe(`config OK: ${good}\n`);

    const io2 = captureIo();
    const failure = buildProgram(io2).parseAsync(['check-config', bad], { from: 'user' });
    await expect(failure).rejects.toBeInstanceOf(CommanderError);
    await expect(failure).rejects.toMatchObject({ exitCode: 1 });
    expect(io2.err()).toContain('retention.max_age (line 4, col 12)');
  });

  it('reports a missing argument as a usage error', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'sentinel', 'check-config'], io)).toBe(1);
    expect(io.err()).toMatch(/missing required argument 'file'/);
  });
});

describe('sentinel', () => {
  it('--help lists the commands and exits 0', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'sentinel', '--help'], io)).toBe(0);
    for (const cmd of ['serve', 'migrate', 'check-config', 'alerts']) expect(io.out()).toContain(cmd);
  });

  it('--version prints the package version', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'sentinel', '--version'], io)).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command is a usage error', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'sentinel', 'serv'], io)).toBe(1);
    expect(io.err()).toMatch(/unknown command 'serv'/);
  });

  it('alerts --help does not show a token from the environment', async () => {
    const io = captureIo({ SENTINEL_TOKEN: 'super-secret-token-value' });
    await runCli(['node', 'sentinel', 'alerts', 'list', '--help'], io);
    expect(io.out()).toContain('--token');
    expect(io.out()).not.toContain('super-secret-token-value');
  });
});
