import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Real Prometheus and Alertmanager (Debian packages) as child processes on loopback ports. */

export const PROMETHEUS = '/usr/bin/prometheus';
export const ALERTMANAGER = existsSync('/usr/bin/prometheus-alertmanager')
  ? '/usr/bin/prometheus-alertmanager'
  : '/usr/bin/alertmanager';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Peer {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`not ready after 30 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startPeer(
  bin: string,
  files: Record<string, string>,
  args: (dir: string, port: number) => string[],
): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-peer-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const port = await freePort();
  const child = spawn(bin, args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const output = (): string => log;
  try {
    await waitReady(`${url}/-/ready`, child, output);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function startPrometheus(config: string, rules: string): Promise<Peer> {
  return startPeer(PROMETHEUS, { 'prometheus.yml': config, 'rules.yml': rules }, (dir, port) => [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Re-send firing alerts every second (default 1m): the first send can be dropped while the
    // notifier is still discovering its Alertmanagers, and the test should not wait a minute.
    '--rules.alert.resend-delay=1s',
    '--log.level=warn',
  ]);
}

export function startAlertmanager(config: string): Promise<Peer> {
  return startPeer(ALERTMANAGER, { 'alertmanager.yml': config }, (dir, port) => [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ]);
}
