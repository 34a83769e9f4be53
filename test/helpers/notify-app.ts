import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type AppOptions, type SentinelApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { testStore, type Backend, type TestStore } from './stores.js';

export interface NotifyTestApp {
  app: SentinelApp;
  clock: ManualClock;
  store: TestStore;
  /** Rewrites the configuration file (for reload tests). */
  writeConfig(yaml: string): void;
  /** Flushes due groups, then delivers everything due, as the background loops would. */
  pump(): Promise<void>;
  close(): Promise<void>;
}

/**
 * buildApp with a configuration file written from `yaml`, loaded by the real loader, over a fresh
 * store and a manual clock. The notification loops do not run by themselves: tests call pump()
 * after moving the clock, so nothing depends on real time.
 */
export async function notifyApp(
  backend: Backend,
  yaml: string,
  options: Omit<Partial<AppOptions>, 'store' | 'clock'> & { clock?: ManualClock; reuse?: TestStore } = {},
  /** Environment the configuration's *_env secrets are read from. */
  env: NodeJS.ProcessEnv = {},
): Promise<NotifyTestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-notify-'));
  const file = join(dir, 'sentinel.yml');
  writeFileSync(file, yaml);
  const loaded = await loadConfig({ path: file, env });
  const { reuse, clock: givenClock, ...appOptions } = options;
  const store = reuse ?? (await testStore(backend));
  const clock = givenClock ?? new ManualClock('2026-03-01T12:00:00Z');
  const app = await buildApp({
    store: store.store,
    clock,
    logger: false,
    retention: null,
    backgroundWork: false,
    notify: loaded.notify,
    health: loaded.health,
    configOriginal: loaded.original,
    loadConfig: async () => {
      const next = await loadConfig({ path: file, env });
      return { notify: next.notify, original: next.original, health: next.health };
    },
    notifications: { random: () => 0.5 },
    ...appOptions,
  });
  await app.start();
  return {
    app,
    clock,
    store,
    writeConfig(text: string) {
      writeFileSync(file, text);
    },
    async pump() {
      await app.notifier.dispatcher.flushDue();
      await app.notifier.delivery.deliverDue();
    },
    async close() {
      await app.stop();
      if (!reuse) await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
