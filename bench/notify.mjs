// Notification benchmark (npm run bench:notify): end-to-end latency from POST /api/v2/alerts to the
// webhook receiver, idle and under background ingest, and an outage run, against Sentinel (SQLite)
// and Alertmanager 0.25 in the same run, with the same routing (group_wait 0s, one group per alert).
//
// Sentinel runs with notifications.throttle.per_source: 0s, because Alertmanager has no throttle and
// the workload sends one message per alert from a single source; everything else is default, so
// every notification Sentinel sends was committed to its outbox first.
import { createServer } from 'node:http';
import { Pool } from 'undici';
import {
  alertmanagerBinary,
  freePort,
  median,
  percentile,
  startAlertmanager,
  startSentinel,
} from './lib.mjs';

const PROBES = Number(process.env.BENCH_PROBES ?? 1000);
const PROBE_GAP_MS = Number(process.env.BENCH_PROBE_GAP_MS ?? 10);
const LOAD_RATE = Number(process.env.BENCH_LOAD_RATE ?? 12_000);
const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_MS ?? 60_000);
const OUTAGE_ALERTS = Number(process.env.BENCH_OUTAGE_ALERTS ?? 30);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The webhook receiver: timestamps the arrival of every alert id; answers 503 while `down`. */
async function startReceiver() {
  const port = await freePort();
  const state = { down: false, arrivals: new Map(), order: [], duplicates: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      if (state.down) {
        res.writeHead(503).end('down');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const a of body.alerts ?? []) {
        if (a.status !== 'firing') continue;
        const id = a.labels.id;
        if (state.arrivals.has(id)) state.duplicates++;
        else {
          state.arrivals.set(id, at);
          state.order.push(id);
        }
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/hook`, state, close: () => new Promise((r) => server.close(r)) };
}

function routing(hookUrl) {
  return `
route:
  receiver: hook
  group_by: ['...']
  group_wait: 0s
  group_interval: 5s
  repeat_interval: 4h
  routes:
    - receiver: blackhole
      matchers: [bg="1"]
receivers:
  - name: hook
    webhook_configs:
      - url: ${hookUrl}
  - name: blackhole
`;
}

/** Background ingest at about `rate` alerts/s (batches of 64 to the null route), until stopped. */
function backgroundLoad(url, rate) {
  const pool = new Pool(url, { connections: 4 });
  let stopped = false;
  let sent = 0;
  let n = 0;
  const started = performance.now();
  const worker = async () => {
    while (!stopped) {
      const due = ((performance.now() - started) / 1000) * rate;
      if (sent >= due) {
        await sleep(2);
        continue;
      }
      const body = JSON.stringify(
        Array.from({ length: 64 }, () => ({
          labels: { alertname: 'Background', bg: '1', n: String(n++ % 20_000) },
        })),
      );
      sent += 64;
      const res = await pool.request({
        method: 'POST',
        path: '/api/v2/alerts',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.body.text();
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      await pool.close();
      return sent / ((performance.now() - started) / 1000);
    },
  };
}

async function postAlert(pool, labels) {
  const res = await pool.request({
    method: 'POST',
    path: '/api/v2/alerts',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels, annotations: { summary: 'bench' } }]),
  });
  await res.body.text();
  if (res.statusCode >= 300) throw new Error(`POST failed: ${res.statusCode}`);
}

async function latencyRun(system, receiver, prefix, withLoad) {
  const load = withLoad ? backgroundLoad(system.url, LOAD_RATE) : null;
  if (load) await sleep(2000);
  const pool = new Pool(system.url, { connections: 2 });
  const posted = new Map();
  for (let i = 0; i < PROBES; i++) {
    const id = `${prefix}-${i}`;
    posted.set(id, performance.now());
    await postAlert(pool, { alertname: 'Latency', id });
    await sleep(PROBE_GAP_MS);
  }
  const deadline = performance.now() + 30_000;
  while ([...posted.keys()].some((id) => !receiver.state.arrivals.has(id)) && performance.now() < deadline)
    await sleep(50);
  const loadRate = load ? await load.stop() : 0;
  await pool.close();
  const latencies = [...posted]
    .filter(([id]) => receiver.state.arrivals.has(id))
    .map(([id, t]) => receiver.state.arrivals.get(id) - t)
    .sort((a, b) => a - b);
  return {
    delivered: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    loadRate,
  };
}

async function outageRun(system, receiver) {
  const load = backgroundLoad(system.url, LOAD_RATE);
  const pool = new Pool(system.url, { connections: 2 });
  receiver.state.down = true;
  const ids = [];
  const gap = OUTAGE_MS / OUTAGE_ALERTS;
  for (let i = 0; i < OUTAGE_ALERTS; i++) {
    const id = `outage-${i}`;
    ids.push(id);
    await postAlert(pool, { alertname: 'Outage', id });
    await sleep(gap);
  }
  receiver.state.down = false;
  const up = performance.now();
  const deadline = up + 180_000;
  while (ids.some((id) => !receiver.state.arrivals.has(id)) && performance.now() < deadline) await sleep(50);
  const last = Math.max(...ids.map((id) => receiver.state.arrivals.get(id) ?? up));
  await load.stop();
  await pool.close();
  const arrived = receiver.state.order
    .filter((id) => id.startsWith('outage-'))
    .map((id) => Number(id.slice(7)));
  // Out of order: an alert that arrived before one that was posted earlier.
  let outOfOrder = 0;
  for (let i = 0; i < arrived.length; i++) if (arrived.slice(i + 1).some((x) => x < arrived[i])) outOfOrder++;
  return {
    delivered: arrived.length,
    lost: OUTAGE_ALERTS - arrived.length,
    duplicated: receiver.state.duplicates,
    outOfOrder,
    drainSeconds: (last - up) / 1000,
  };
}

async function measure(name, start) {
  const receiver = await startReceiver();
  const system = await start(routing(receiver.url));
  try {
    const idle = [];
    const loaded = [];
    for (let run = 0; run < RUNS; run++) {
      idle.push(await latencyRun(system, receiver, `idle${run}`, false));
      loaded.push(await latencyRun(system, receiver, `load${run}`, true));
    }
    const pick = (rs, k) => median(rs.map((r) => r[k]));
    const outage = await outageRun(system, receiver);
    return {
      name,
      idle: {
        p50: pick(idle, 'p50'),
        p95: pick(idle, 'p95'),
        p99: pick(idle, 'p99'),
        delivered: pick(idle, 'delivered'),
      },
      loaded: {
        p50: pick(loaded, 'p50'),
        p95: pick(loaded, 'p95'),
        p99: pick(loaded, 'p99'),
        delivered: pick(loaded, 'delivered'),
        loadRate: pick(loaded, 'loadRate'),
      },
      outage,
    };
  } finally {
    await system.stop();
    await receiver.close();
  }
}

const fmt = (n) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
function print(r) {
  console.log(
    `${r.name.padEnd(18)} idle p50 ${fmt(r.idle.p50)} ms  p95 ${fmt(r.idle.p95)} ms  p99 ${fmt(r.idle.p99)} ms  (${r.idle.delivered}/${PROBES})`,
  );
  console.log(
    `${''.padEnd(18)} load p50 ${fmt(r.loaded.p50)} ms  p95 ${fmt(r.loaded.p95)} ms  p99 ${fmt(r.loaded.p99)} ms  (${r.loaded.delivered}/${PROBES}, background ${Math.round(r.loaded.loadRate)} alerts/s)`,
  );
  const o = r.outage;
  console.log(
    `${''.padEnd(18)} outage ${OUTAGE_MS / 1000}s: delivered ${o.delivered}/${OUTAGE_ALERTS}, lost ${o.lost}, duplicated ${o.duplicated}, out of order ${o.outOfOrder}, drain ${fmt(o.drainSeconds)} s`,
  );
}

console.log(
  `notify benchmark: ${PROBES} probe alerts ${PROBE_GAP_MS} ms apart, idle and under ~${LOAD_RATE} alerts/s of background ingest; outage ${OUTAGE_MS / 1000} s with ${OUTAGE_ALERTS} alerts`,
);
const am = alertmanagerBinary()
  ? await measure('alertmanager', async (config) => startAlertmanager(config))
  : null;
if (am) print(am);
else
  console.log(
    'alertmanager: not installed (apt-get install prometheus-alertmanager); printing Sentinel figures alone',
  );
const sentinel = await measure('sentinel-sqlite', (config) =>
  startSentinel('sqlite', null, `${config}\nnotifications:\n  throttle: { per_source: 0s }\n`),
);
print(sentinel);
if (am) {
  console.log('\nratios (Sentinel / Alertmanager, same run):');
  for (const k of ['idle', 'loaded']) {
    console.log(
      `  ${k.padEnd(7)} p50 x${(sentinel[k].p50 / am[k].p50).toFixed(2)}  p95 x${(sentinel[k].p95 / am[k].p95).toFixed(2)}  p99 x${(sentinel[k].p99 / am[k].p99).toFixed(2)}`,
    );
  }
}
