import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { liveApp, type LiveApp } from '../helpers/live-app.js';
import { captureIo } from './io.js';

/* `sentinel run-cycle` and `sentinel health` against a real server on loopback. */

let live: LiveApp;
beforeAll(async () => {
  live = await liveApp(
    'sqlite',
    `
services: [{ name: jobs }]
checks:
  - { id: nightly, service: jobs, kind: heartbeat, period: 1h }
  - { id: weekly, service: jobs, kind: heartbeat, period: 7d }
`,
  );
});
afterAll(async () => live.close());

describe('sentinel run-cycle and health', () => {
  it('runs one cycle over every check and prints what it found', async () => {
    await fetch(`${live.url}/api/v1/heartbeats/nightly/fail`, { method: 'POST', body: 'exit 2' });
    const io = captureIo();
    expect(await runCli(['node', 'sentinel', 'run-cycle', '--url', live.url], io)).toBe(0);
    const out = io.out();
    // Two configured checks and Sentinel's three watchdog checks.
    expect(out).toMatch(/^checks_run: 5 {2}cycle_duration_ms: \d+(\.\d+)?$/m);
    expect(out).toMatch(/^sources_unavailable: none$/m);
    expect(out).toMatch(/nightly +jobs +critical +nightly: reported failure/);

    const json = captureIo();
    expect(await runCli(['node', 'sentinel', 'run-cycle', '--url', live.url, '--json'], json)).toBe(0);
    const cycle = JSON.parse(json.out()) as { checks_run: number; violations: Array<{ check: string }> };
    expect(cycle.checks_run).toBe(5);
    expect(cycle.violations.map((v) => v.check)).toEqual(['nightly']);
  });

  it('shows each service with its status and reason', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'sentinel', 'health', '--url', live.url], io)).toBe(0);
    expect(io.out()).toMatch(/^overall: critical$/m);
    expect(io.out()).toMatch(/^jobs +critical +\d+s +nightly: reported failure/m);
    expect(io.out()).toMatch(/^sentinel +healthy/m);
  });

  it('fails with a clear message when the server cannot be reached', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'sentinel', 'run-cycle', '--url', 'http://127.0.0.1:1'], io)).toBe(1);
    expect(io.err()).toMatch(/127\.0\.0\.1:1/);
  });
});
