// Cycle benchmark (npm run bench:cycle): how long one evaluation cycle over every check takes, and
// how much of Sentinel's CPU each check costs, for 1,000 and 10,000 checks against real sources on
// loopback: an HTTP server (a source per check), Redis and PostgreSQL (checks sharing sources, as
// real configurations do). Medians of several cycles; the growth from 1k to 10k shows whether the
// cost per check stays flat.
//
// No peer runs health checks the way Sentinel does, so there is no Alertmanager ratio here; the
// target is absolute and stated by the issue: 1,000 HTTP checks within 500 ms wall.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { median, startSentinel } from './lib.mjs';

const PG_URL =
  process.env.SENTINEL_BENCH_DATABASE_URL ??
  process.env.SENTINEL_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.SENTINEL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const BACKEND = process.env.BENCH_STORE ?? 'sqlite';
const KINDS = (process.env.BENCH_KINDS ?? 'http,redis,postgres,anomaly').split(',');
/** Anomaly checks read an hour of 1 s points each from the store: fewer of them. */
const ANOMALY_SIZES = (process.env.BENCH_ANOMALY_SIZES ?? '10,100').split(',').map(Number);
/** Seconds of 1 s samples pushed per anomaly series before measuring (the baseline hour and more). */
const ANOMALY_HISTORY_S = 70 * 60;
/** Sources shared by the Redis and PostgreSQL checks. */
const SHARED_SOURCES = 20;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Sentinel's CPU time so far (user + system), in ms, from /proc. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function httpConfig(n, base) {
  const sources = [];
  const checks = [];
  for (let i = 0; i < n; i++) {
    sources.push(`  - { name: s${i}, kind: http, url: '${base}/s/${i}' }`);
    checks.push(
      `  - { id: c${i}, service: bench, kind: condition, source: s${i}, interval: 1h, conditions: ['[STATUS] == 200', '[BODY].ok == true'] }`,
    );
  }
  return { sources, checks };
}

function redisConfig(n, prefix) {
  const sources = [];
  const checks = [];
  const perSource = Math.ceil(n / SHARED_SOURCES);
  for (let s = 0; s < SHARED_SOURCES; s++) {
    const commands = [];
    for (let k = 0; k < perSource; k++) commands.push(`k${k}: [GET, '${prefix}:${s}:${k}']`);
    sources.push(
      `  - { name: r${s}, kind: redis, url: '${REDIS_URL}', commands: { ${commands.join(', ')} } }`,
    );
  }
  for (let i = 0; i < n; i++) {
    const s = i % SHARED_SOURCES;
    const k = Math.floor(i / SHARED_SOURCES);
    checks.push(
      `  - { id: c${i}, service: bench, kind: condition, sources: [r${s}], interval: 1h, conditions: ['number(r${s}.k${k}) >= 0'] }`,
    );
  }
  return { sources, checks };
}

function postgresConfig(n) {
  const sources = [];
  const checks = [];
  for (let s = 0; s < SHARED_SOURCES; s++)
    sources.push(
      `  - { name: p${s}, kind: postgres, url: '${PG_URL}', query: 'SELECT now() AS t, ${s} AS n' }`,
    );
  for (let i = 0; i < n; i++)
    checks.push(
      `  - { id: c${i}, service: bench, kind: freshness, source: p${i % SHARED_SOURCES}, interval: 1h, timestamp: '[ROW].t', critical_after: 1m }`,
    );
  return { sources, checks };
}

/** Collapse checks with default baselines, each on its own pushed counter (an hour of 1 s samples). */
function anomalyConfig(n) {
  const checks = [];
  for (let i = 0; i < n; i++)
    checks.push(
      `  - { id: a${i}, service: bench, kind: anomaly, detector: collapse, series: { metric: bench_quotes_total, matchers: ['s="${i}"'] }, interval: 1h }`,
    );
  return { sources: [], checks };
}

/** Pushes ANOMALY_HISTORY_S seconds of a 12/s counter per series, ending now. */
async function anomalyFill(url, n) {
  const end = Date.now();
  const start = end - ANOMALY_HISTORY_S * 1000;
  for (let i = 0; i < n; i++) {
    let value = 0;
    for (let s0 = 0; s0 < ANOMALY_HISTORY_S; s0 += 1000) {
      const samples = [];
      for (let s = s0; s < Math.min(s0 + 1000, ANOMALY_HISTORY_S); s++) {
        value += 10 + ((s * 7 + i) % 5);
        samples.push({
          metric: 'bench_quotes_total',
          labels: { s: String(i) },
          type: 'counter',
          value,
          at: new Date(start + s * 1000).toISOString(),
        });
      }
      const res = await fetch(`${url}/api/v1/samples`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ samples }),
      });
      if (res.status !== 202) throw new Error(`samples refused: ${res.status} ${await res.text()}`);
    }
  }
}

async function redisFill(n, prefix) {
  // redis-cli --pipe would need a protocol file; a small Lua-free MSET per source is enough.
  const perSource = Math.ceil(n / SHARED_SOURCES);
  const args = [];
  for (let s = 0; s < SHARED_SOURCES; s++)
    for (let k = 0; k < perSource; k++) args.push(`${prefix}:${s}:${k}`, String(k));
  await run('redis-cli', ['-u', REDIS_URL, 'MSET', ...args]);
}

async function redisClear(prefix) {
  await run('sh', [
    '-c',
    `redis-cli -u ${REDIS_URL} --scan --pattern '${prefix}:*' | xargs -r -n 1000 redis-cli -u ${REDIS_URL} DEL > /dev/null`,
  ]);
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

async function measure(kind, n, base) {
  const prefix = `sentinel-bench-${process.pid}`;
  const { sources, checks } =
    kind === 'http'
      ? httpConfig(n, base)
      : kind === 'redis'
        ? redisConfig(n, prefix)
        : kind === 'anomaly'
          ? anomalyConfig(n)
          : postgresConfig(n);
  if (kind === 'redis') await redisFill(n, prefix);
  // Enough concurrency that a cycle is bound by the work, not by waiting in line.
  const yaml =
    `health:\n  concurrency: 64\nservices: [{ name: bench }]\nsources:\n${sources.join('\n')}\nchecks:\n${checks.join('\n')}\n`.replace(
      'sources:\n\n',
      'sources: []\n',
    );
  const sentinel = await startSentinel(BACKEND, PG_URL, yaml);
  try {
    // The background loop runs every check once at start: wait for it, so cycles do not overlap.
    for (let waited = 0; ; waited += 200) {
      const { cycles } = await (await fetch(`${sentinel.url}/api/v1/cycles?limit=5`)).json();
      if (cycles.reduce((sum, c) => sum + c.checks_run, 0) >= n) break;
      if (waited > 120_000) throw new Error('the first background cycle did not finish');
      await new Promise((r) => setTimeout(r, 200));
    }
    if (kind === 'anomaly') await anomalyFill(sentinel.url, n);
    const walls = [];
    const engine = [];
    const cpu = [];
    // One cycle to warm up (connections, JIT); then the measured ones.
    for (let round = -1; round < ROUNDS; round++) {
      const cpuBefore = cpuMs(sentinel.pid);
      const started = performance.now();
      const res = await fetch(`${sentinel.url}/api/v1/cycles`, { method: 'POST' });
      const body = await res.json();
      const wall = performance.now() - started;
      const cpuUsed = cpuMs(sentinel.pid) - cpuBefore;
      if (!res.ok) throw new Error(`cycle failed: ${JSON.stringify(body)}`);
      const { cycle } = body;
      if (cycle.checks_run < n) {
        const { cycles } = await (await fetch(`${sentinel.url}/api/v1/cycles?limit=10`)).json();
        throw new Error(
          `only ${cycle.checks_run} of ${n} checks ran; recent cycles: ${JSON.stringify(cycles.map((c) => [c.started_at, c.checks_run, c.cycle_duration_ms]))}`,
        );
      }
      if (cycle.violations.length > 3 || cycle.sources_unavailable.length > 0)
        throw new Error(`unexpected findings: ${JSON.stringify(cycle).slice(0, 500)}`);
      if (round < 0) continue;
      walls.push(wall);
      engine.push(cycle.cycle_duration_ms);
      cpu.push(cpuUsed);
    }
    return { wall: median(walls), engine: median(engine), cpuPerCheckUs: (median(cpu) * 1000) / n };
  } finally {
    await sentinel.stop();
    if (kind === 'redis') await redisClear(prefix);
  }
}

async function main() {
  // The HTTP sources: one small JSON document per path, each request on its own connection.
  const body = JSON.stringify({ ok: true });
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const results = [];
  try {
    for (const kind of KINDS) {
      for (const n of kind === 'anomaly' ? ANOMALY_SIZES : SIZES) {
        const r = await measure(kind, n, base);
        results.push({ kind, n, ...r });
        console.log(
          `${kind.padEnd(9)} ${String(n).padStart(6)} checks: wall ${r.wall.toFixed(0)} ms (engine ${r.engine.toFixed(0)} ms), CPU ${r.cpuPerCheckUs.toFixed(0)} µs/check`,
        );
      }
    }
  } finally {
    server.close();
  }
  console.log(`\nstore: ${BACKEND}; ${ROUNDS} cycles each, medians; Sentinel CPU from /proc (10 ms ticks)`);
  console.log('kind      checks   wall ms   engine ms   CPU µs/check   CPU growth per check vs first size');
  for (const r of results) {
    const first = results.find((x) => x.kind === r.kind);
    console.log(
      `${r.kind.padEnd(9)} ${String(r.n).padStart(6)}  ${r.wall.toFixed(0).padStart(8)}  ${r.engine.toFixed(0).padStart(10)}  ${r.cpuPerCheckUs
        .toFixed(0)
        .padStart(13)}   x${(r.cpuPerCheckUs / first.cpuPerCheckUs).toFixed(2)}`,
    );
  }
  const http1k = results.find((r) => r.kind === 'http' && r.n === 1000);
  if (http1k)
    console.log(
      `\ntarget: 1,000 HTTP checks within 500 ms wall: ${http1k.wall.toFixed(0)} ms (${http1k.wall <= 500 ? 'met' : 'NOT met'})`,
    );
}

await main();
