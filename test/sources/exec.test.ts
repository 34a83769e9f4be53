import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execSource } from '../../src/sources/exec.js';
import {
  errorOf,
  eventually,
  issuesOf,
  parseSource,
  sourceFor,
  stopSourcesAfterEach,
  valueOf,
} from './helpers.js';

stopSourcesAfterEach();

const NODE = process.execPath;
const ECHO = '/bin/echo';
const allow = { execAllowlist: [NODE, ECHO, '/nonexistent/check-queue'] };
const dir = mkdtempSync(join(tmpdir(), 'sentinel-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (script: string, extra: Record<string, unknown> = {}) =>
  sourceFor(execSource, { command: NODE, args: ['-e', script], ...extra }, allow);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('exec source', () => {
  it('runs an allowlisted command without a shell', async () => {
    const source = await sourceFor(
      execSource,
      { command: ECHO, args: ['hello', '$HOME', '*', '; ls'] },
      allow,
    );
    const v = await valueOf(source);
    expect(v).toMatchObject({ exit_code: 0, signal: null, stdout: 'hello $HOME * ; ls', stderr: '' });
    expect(typeof v.duration).toBe('number');
  });

  it('parses stdout as JSON when it is JSON', async () => {
    const v = await valueOf(await node('console.log(JSON.stringify({ lag_s: 3, ok: true }))'));
    expect(v.stdout).toEqual({ lag_s: 3, ok: true });
  });

  it('observes a non-zero exit code, with stderr trimmed', async () => {
    const v = await valueOf(
      await node(
        'process.stdout.write("degraded\\n"); process.stderr.write("  queue lag 42s\\n"); process.exit(3)',
      ),
    );
    expect(v).toMatchObject({ exit_code: 3, stdout: 'degraded', stderr: 'queue lag 42s' });
  });

  it('passes env and only a few of Sentinel’s own variables', async () => {
    process.env.SENTINEL_TEST_SECRET = 'do-not-pass';
    try {
      const v = await valueOf(
        await node('console.log(JSON.stringify(process.env))', { env: { QUEUE: 'orders' } }),
      );
      const env = v.stdout as Record<string, string>;
      expect(env.QUEUE).toBe('orders');
      expect(env.SENTINEL_TEST_SECRET).toBeUndefined();
      expect(
        Object.keys(env).every((k) =>
          ['QUEUE', 'PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'].includes(k),
        ),
      ).toBe(true);
    } finally {
      delete process.env.SENTINEL_TEST_SECRET;
    }
  });

  it('kills a command that runs past the timeout, and is unavailable', async () => {
    const pidFile = join(dir, 'pid');
    const source = await node(
      `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 20000)`,
      {
        timeout: '500ms',
      },
    );
    const started = Date.now();
    const error = await errorOf(source);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBe('timed out after 500 ms (killed)');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await eventually(() => !alive(pid), 3000);
  });

  it('a command writing more than max_output is killed and unavailable', async () => {
    const error = await errorOf(
      await node('process.stdout.write("x".repeat(5000)); setTimeout(() => {}, 20000)', { max_output: 1000 }),
    );
    expect(error).toMatch(/more than max_output \(1000 bytes\)/);
  });

  it('a command that cannot start is unavailable', async () => {
    const source = await sourceFor(execSource, { command: '/nonexistent/check-queue' }, allow);
    expect(await errorOf(source)).toMatch(/cannot run \/nonexistent\/check-queue: .*ENOENT/);
  });
});

describe('exec source configuration (opt-in)', () => {
  it('accepts an allowlisted absolute path, with defaults', async () => {
    const parsed = await parseSource(execSource, { name: 'q', kind: 'exec', command: ECHO }, allow);
    expect(parsed.issues).toEqual([]);
    expect(parsed.settings).toEqual({ command: ECHO, args: [], env: {}, maxOutput: 65536, timeoutMs: 5000 });
  });

  it('is disabled unless the operator lists the command', async () => {
    expect(await issuesOf(execSource, { command: ECHO })).toEqual([
      'command: the exec source is disabled: to let it run /bin/echo, list it in health.exec.allow (e.g. health: { exec: { allow: [/bin/echo] } })',
    ]);
    expect(await issuesOf(execSource, { command: '/bin/sh', args: ['-c', 'true'] }, allow)).toEqual([
      'command: /bin/sh is not in health.exec.allow: add it there (the exact path) to let the exec source run it',
    ]);
    expect(await issuesOf(execSource, { command: 'echo' }, { execAllowlist: ['echo'] })).toEqual([
      'command: must be an absolute path (commands are run without a shell or a PATH search)',
    ]);
  });

  it('reports bad args, env and max_output', async () => {
    expect(
      await issuesOf(
        execSource,
        { command: ECHO, args: 'a b', env: { 'A-B': 'x', N: 1 }, max_output: -1, shell: true },
        allow,
      ),
    ).toEqual([
      'shell: unknown option',
      'args: must be a list of strings',
      'env.A-B: is not a valid variable name',
      'env.N: must be a string',
      'max_output: must be a whole number from 1 to 16777216',
    ]);
    expect(await issuesOf(execSource, { command: ECHO, args: ['ok', 3] }, allow)).toEqual([
      'args[1]: must be a string',
    ]);
  });
});
