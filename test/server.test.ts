import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, startChildServer, stopGracefully } from './helpers/child-server.js';

const dir = mkdtempSync(join(tmpdir(), 'sentinel-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('sentinel serve', () => {
  it('refuses a non-loopback address when no tokens are configured', async () => {
    const r = await run(['serve', '--listen', '0.0.0.0:0', '--database', `sqlite:${join(dir, 'a.db')}`]);
    expect(r.code).toBe(1);
    expect(r.output).toContain('refusing to listen on 0.0.0.0:0 without API tokens');
  });

  it('says at start that it runs without tokens on loopback, and stops cleanly on SIGTERM', async () => {
    const server = await startChildServer(['--database', `sqlite:${join(dir, 'b.db')}`]);
    expect(server.output.join('\n')).toContain('no API tokens configured: listening on loopback only');
    expect((await fetch(`${server.url}/-/ready`)).status).toBe(200);
    expect(await stopGracefully(server)).toBe(0);
  });

  it('listens on any address with tokens, requires them, and never logs them', async () => {
    const config = join(dir, 'tokens.yml');
    const token = 'secret-token-value-0123456789';
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      config,
      'auth:\n  tokens:\n    - name: ops\n      token_env: OPS_TOKEN\n      scopes: [admin]\n',
    );
    const server = await startChildServer(['--config', config, '--database', `sqlite:${join(dir, 'c.db')}`], {
      OPS_TOKEN: token,
    });
    try {
      expect((await fetch(`${server.url}/api/v1/alerts`)).status).toBe(401);
      const ok = await fetch(`${server.url}/api/v1/alerts`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
      const bad = await fetch(`${server.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"service": 1}',
      });
      expect(bad.status).toBe(400);
    } finally {
      expect(await stopGracefully(server)).toBe(0);
    }
    expect(server.output.join('\n')).not.toContain(token);
  });

  it('migrate applies the schema once', async () => {
    const db = `sqlite:${join(dir, 'm.db')}`;
    const first = await run(['migrate', '--database', db]);
    expect(first.code).toBe(0);
    expect(first.output).toContain('1_alerts_events_incidents');
    const second = await run(['migrate', '--database', db]);
    expect(second.code).toBe(0);
    expect(second.output).not.toContain('1_alerts_events_incidents');
  });
});
