import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type SentinelApp } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { testStore, type Backend, type TestStore } from './stores.js';

export interface LiveApp {
  app: SentinelApp;
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  store: TestStore;
  close(): Promise<void>;
}

/**
 * Sentinel listening on a loopback port with its background loops running on the real clock, for
 * tests against real peers (amtool, Prometheus, Alertmanager) that talk to it over HTTP.
 */
export async function liveApp(backend: Backend, yaml: string): Promise<LiveApp> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-live-'));
  const file = join(dir, 'sentinel.yml');
  writeFileSync(file, yaml);
  const loaded = await loadConfig({ path: file, env: {} });
  const store = await testStore(backend);
  const app = await buildApp({
    store: store.store,
    clock: systemClock,
    logger: false,
    retention: null,
    notify: loaded.notify,
    health: loaded.health,
    configOriginal: loaded.original,
    loadConfig: async () => {
      const next = await loadConfig({ path: file, env: {} });
      return { notify: next.notify, original: next.original, health: next.health };
    },
  });
  await app.start();
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const address = app.http.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    async close() {
      await app.stop();
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` (no fixed sleeps in assertions) until it returns a value or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
