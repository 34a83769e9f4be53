// Shared helpers for benchmarks: start Sentinel and Alertmanager as child processes on loopback,
// drive a fixed workload over keep-alive connections, and read RSS from /proc.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function waitHttp(url, timeoutMs = 20_000) {
  const start = Date.now();
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/**
 * Starts `sentinel serve` from dist/ on a fresh SQLite file or PostgreSQL schema, with `config`
 * (YAML text) as its configuration file.
 */
export async function startSentinel(backend, pgUrl, config = '') {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-'));
  const port = await freePort();
  const args = [join(ROOT, 'dist/cli.js'), 'serve', '--listen', `127.0.0.1:${port}`];
  let schema = null;
  let yaml = config;
  if (backend === 'sqlite') {
    args.push('--database', `sqlite:${join(dir, 'sentinel.db')}`);
  } else {
    schema = `bench_${process.pid}_${Date.now()}`;
    yaml = `database:\n  postgres:\n    schema: ${schema}\n${config}`;
    args.push('--database', pgUrl);
  }
  if (yaml !== '') {
    writeFileSync(join(dir, 'sentinel.yml'), yaml);
    args.push('--config', join(dir, 'sentinel.yml'));
  }
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SENTINEL_LOG_LEVEL: 'warn' },
  });
  const lines = [];
  createInterface({ input: child.stderr }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}/-/ready`);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${lines.join('\n')}`);
  }
  return {
    name: `sentinel-${backend}`,
    url,
    pid: child.pid,
    async stop() {
      await stopChild(child);
      if (schema)
        execFileSync('psql', [pgUrl, '-q', '-c', `DROP SCHEMA IF EXISTS ${schema} CASCADE`], {
          stdio: 'ignore',
        });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function alertmanagerBinary() {
  for (const p of ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager']) if (existsSync(p)) return p;
  return null;
}

/**
 * Starts Alertmanager 0.25 (Debian package) on loopback with clustering off and `config` (default:
 * a receiver that sends nothing).
 */
export async function startAlertmanager(
  config = 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n',
) {
  const bin = alertmanagerBinary();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), 'am-bench-'));
  const port = await freePort();
  writeFileSync(join(dir, 'am.yml'), config);
  const child = spawn(
    bin,
    [
      `--config.file=${join(dir, 'am.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/-/ready`);
  return {
    name: 'alertmanager',
    url,
    pid: child.pid,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends `requests` POSTs over `connections` keep-alive connections, each body built by makeBody(i),
 * and returns throughput and latency. Every response must be 2xx or the run fails.
 */
export async function drive(url, path, makeBody, { requests, connections, alertsPerRequest }) {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const latencies = new Array(requests);
  let next = 0;
  const start = performance.now();
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= requests) return;
      const body = makeBody(i);
      const t0 = performance.now();
      const res = await pool.request({
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`${url}${path}: ${res.statusCode} ${text.slice(0, 300)}`);
      latencies[i] = performance.now() - t0;
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    alertsPerSecond: (requests * alertsPerRequest) / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}
