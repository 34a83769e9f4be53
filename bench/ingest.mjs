// Ingest benchmark (npm run bench:ingest): the same workload against Sentinel (SQLite, PostgreSQL)
// and Alertmanager 0.25, in one run, reporting medians of several rounds and the ratios.
//
// Workload: POSTs of 64 alerts with about 10 labels each over 8 keep-alive connections; 80% of the
// alerts re-send a fingerprint already sent (as Prometheus does every evaluation), 20% are new.
// Memory: RSS after 100,000 distinct active alerts.
import { execFileSync } from 'node:child_process';
import { drive, median, rssBytes, startAlertmanager, startSentinel, alertmanagerBinary } from './lib.mjs';

const PG_URL =
  process.env.SENTINEL_BENCH_DATABASE_URL ??
  process.env.SENTINEL_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2500);
const CONNECTIONS = 8;
const BATCH = 64;
const MEMORY_ALERTS = Number(process.env.BENCH_MEMORY_ALERTS ?? 100_000);

function labelsFor(id) {
  return {
    alertname: `BenchAlert${id % 50}`,
    instance: `host-${id}.example.internal:9100`,
    job: 'node',
    env: id % 3 === 0 ? 'prod' : 'staging',
    region: ['eu-west-1', 'us-east-1', 'ap-south-1'][id % 3],
    team: `team-${id % 7}`,
    cluster: `cluster-${id % 5}`,
    namespace: `ns-${id % 11}`,
    pod: `pod-${id}`,
    severity: id % 4 === 0 ? 'critical' : 'warning',
  };
}

/** A deterministic stream of batches: 20% new fingerprints, 80% re-sends of earlier ones. */
function workload(offset) {
  let created = 0;
  let state = 12345;
  const rand = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  return (i) => {
    const ids = [];
    for (let k = 0; k < BATCH; k++) {
      if (created === 0 || rand() < 0.2) ids.push(offset + created++);
      else ids.push(offset + Math.floor(rand() * created));
    }
    void i;
    return ids;
  };
}

const native = (ids) =>
  JSON.stringify(
    ids.map((id) => {
      const labels = labelsFor(id);
      const { severity, ...rest } = labels;
      return {
        service: 'bench',
        kind: 'node_down',
        title: `Node ${id} down`,
        severity,
        labels: rest,
        annotations: { summary: `Node ${id} down` },
      };
    }),
  );
const v2 = (ids) =>
  JSON.stringify(
    ids.map((id) => ({
      labels: labelsFor(id),
      annotations: { summary: `Node ${id} down` },
      startsAt: new Date().toISOString(),
    })),
  );

async function measure(system, path, encode) {
  const results = [];
  for (let round = 0; round < ROUNDS; round++) {
    const next = workload(round * 10_000_000);
    results.push(
      await drive(system.url, path, (i) => encode(next(i)), {
        requests: REQUESTS,
        connections: CONNECTIONS,
        alertsPerRequest: BATCH,
      }),
    );
  }
  const memoryStart = Date.now();
  let id = 900_000_000;
  await drive(system.url, path, () => encode(Array.from({ length: BATCH }, () => id++)), {
    requests: Math.ceil(MEMORY_ALERTS / BATCH),
    connections: CONNECTIONS,
    alertsPerRequest: BATCH,
  });
  const rss = rssBytes(system.pid);
  return {
    name: system.name,
    alertsPerSecond: median(results.map((r) => r.alertsPerSecond)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    rounds: results.map((r) => Math.round(r.alertsPerSecond)),
    rss,
    memorySeconds: (Date.now() - memoryStart) / 1000,
  };
}

function pgAvailable() {
  try {
    execFileSync('psql', [PG_URL, '-q', '-c', 'SELECT 1'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const rows = [];

async function run(start, path, encode) {
  const system = await start();
  try {
    const r = await measure(system, path, encode);
    rows.push(r);
    console.log(
      `${r.name.padEnd(22)} ${fmt(r.alertsPerSecond).padStart(8)} alerts/s  p50 ${fmt(r.p50, 1)} ms  p99 ${fmt(r.p99, 1)} ms  ` +
        `RSS after +${fmt(MEMORY_ALERTS)} active alerts ${fmt(r.rss / 2 ** 20)} MiB  rounds ${r.rounds.join(', ')}`,
    );
    return r;
  } finally {
    await system.stop();
  }
}

console.log(
  `ingest benchmark: ${ROUNDS} rounds x ${REQUESTS} requests x ${BATCH} alerts, ${CONNECTIONS} connections, 80% re-sends`,
);
const am = alertmanagerBinary() ? await run(startAlertmanager, '/api/v2/alerts', v2) : null;
if (!am)
  console.log(
    'alertmanager: not installed (apt-get install prometheus-alertmanager); printing Sentinel figures alone',
  );
const sqlite = await run(() => startSentinel('sqlite'), '/api/v1/alerts', native);
const sqliteV2 = await run(
  async () => ({ ...(await startSentinel('sqlite')), name: 'sentinel-sqlite (v2)' }),
  '/api/v2/alerts',
  v2,
);
const postgres = pgAvailable()
  ? await run(() => startSentinel('postgres', PG_URL), '/api/v1/alerts', native)
  : null;
if (!postgres) console.log(`postgres: ${PG_URL} not reachable; skipped`);

if (am) {
  console.log('\nratios (Sentinel / Alertmanager, same run):');
  for (const r of [sqlite, sqliteV2, postgres].filter(Boolean)) {
    console.log(
      `  ${r.name.padEnd(22)} throughput x${fmt(r.alertsPerSecond / am.alertsPerSecond, 2)}   p99 latency x${fmt(r.p99 / am.p99, 2)}   RSS x${fmt(r.rss / am.rss, 2)}`,
    );
  }
}
