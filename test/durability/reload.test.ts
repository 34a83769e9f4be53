import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChildServer, stopGracefully, type ChildServer } from '../helpers/child-server.js';
import { eventually } from '../helpers/live-app.js';

/* SIGHUP reloads the configuration of a running server; an invalid file is refused and logged. */

describe('SIGHUP', () => {
  let server: ChildServer | null = null;
  let dir = '';
  afterEach(async () => {
    if (server) await stopGracefully(server);
    server = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a new configuration, and keeps the running one when the file is invalid', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-hup-'));
    const file = join(dir, 'sentinel.yml');
    writeFileSync(file, 'route: { receiver: a }\nreceivers: [{ name: a }]\n');
    server = await startChildServer(['--config', file, '--database', `sqlite:${join(dir, 's.db')}`]);
    const receivers = async () =>
      (await (await fetch(`${server!.url}/api/v2/receivers`)).json()) as Array<{ name: string }>;
    expect(await receivers()).toEqual([{ name: 'a' }]);

    writeFileSync(file, 'route: { receiver: b }\nreceivers: [{ name: b }, { name: c }]\n');
    server.child.kill('SIGHUP');
    await eventually(async () => ((await receivers()).length === 2 ? true : null), 10_000);
    expect(await receivers()).toEqual([{ name: 'b' }, { name: 'c' }]);

    writeFileSync(file, 'route: { receiver: nobody }\nreceivers: [{ name: b }]\n');
    server.child.kill('SIGHUP');
    await eventually(
      async () => (server!.output.some((l) => l.includes('configuration reload failed')) ? true : null),
      10_000,
    );
    expect(await receivers()).toEqual([{ name: 'b' }, { name: 'c' }]);
    expect(server.output.join('\n')).toContain('undefined receiver \\"nobody\\" used in route');
  });

  it('applies new health checks, keeps their state, and refuses an invalid condition', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-hup-'));
    const file = join(dir, 'sentinel.yml');
    const config = (ids: string[], extra = '') =>
      `services: [{ name: jobs }]\nchecks:\n${ids.map((id) => `  - { id: ${id}, service: jobs, kind: heartbeat, period: 1h }`).join('\n')}\n${extra}`;
    writeFileSync(file, config(['nightly']));
    server = await startChildServer(['--config', file, '--database', `sqlite:${join(dir, 's.db')}`]);
    const checkIds = async () =>
      (
        (await (await fetch(`${server!.url}/api/v1/checks`)).json()) as { checks: Array<{ id: string }> }
      ).checks
        .map((c) => c.id)
        .filter((id) => !id.startsWith('sentinel-'));
    expect(await checkIds()).toEqual(['nightly']);
    await fetch(`${server.url}/api/v1/heartbeats/nightly/fail`, { method: 'POST' });
    await fetch(`${server.url}/api/v1/cycles`, { method: 'POST' });

    writeFileSync(file, config(['nightly', 'weekly']));
    server.child.kill('SIGHUP');
    await eventually(async () => ((await checkIds()).length === 2 ? true : null), 10_000);
    // The running check kept its state across the reload: still failing, its alert still firing.
    const nightly = (await (await fetch(`${server.url}/api/v1/checks/nightly`)).json()) as {
      check: { firing: boolean; heartbeat: { status: string } };
    };
    expect(nightly.check).toMatchObject({ firing: true, heartbeat: { status: 'down' } });

    writeFileSync(
      file,
      `${config(['nightly'])}  - { id: broken, service: jobs, kind: condition, source: s, conditions: ['[STATUS] = 1'] }\nsources: [{ name: s, kind: health }]\n`,
    );
    server.child.kill('SIGHUP');
    await eventually(
      async () => (server!.output.some((l) => l.includes('configuration reload failed')) ? true : null),
      10_000,
    );
    expect(await checkIds()).toEqual(['nightly', 'weekly']);
    expect(server.output.join('\n')).toMatch(/checks\[1\]\.conditions\[0\].*column 10/);
  });
});
