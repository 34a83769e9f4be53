import { buildApp, type AppOptions, type SentinelApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { testStore, type Backend, type TestStore } from './stores.js';

export interface TestApp {
  app: SentinelApp;
  clock: ManualClock;
  store: TestStore;
  close(): Promise<void>;
}

/** buildApp over a fresh store with a manual clock and no retention timer. */
export async function testApp(
  backend: Backend = 'sqlite',
  options: Partial<AppOptions> = {},
): Promise<TestApp> {
  const store = await testStore(backend);
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const app = await buildApp({ store: store.store, clock, logger: false, retention: null, ...options });
  await app.start();
  return {
    app,
    clock,
    store,
    async close() {
      await app.stop();
      await store.dispose();
    },
  };
}

export const TOKENS = [
  { name: 'prometheus', token: 'prom-token-0123456789abcdef', scopes: ['alerts:ingest'] },
  { name: 'reader', token: 'read-token-0123456789abcdef', scopes: ['alerts:read'] },
  {
    name: 'worker',
    token: 'work-token-0123456789abcdef',
    scopes: ['alerts:read', 'alerts:claim', 'alerts:ack'],
  },
  { name: 'oncall', token: 'oncall-token-0123456789abcdef', scopes: ['incidents:write', 'alerts:read'] },
  { name: 'root', token: 'admin-token-0123456789abcdef', scopes: ['admin'] },
];

export const bearer = (name: string): Record<string, string> => ({
  authorization: `Bearer ${TOKENS.find((t) => t.name === name)!.token}`,
});
