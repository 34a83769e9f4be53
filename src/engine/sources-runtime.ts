import type { Clock } from '../clock.js';
import { SOURCE_KINDS, type SourceKind } from '../sources/index.js';
import type { Source } from '../sources/source.js';
import type { SourceConfig } from './model.js';

/**
 * The running sources of one configuration. Long-lived ones (WebSocket connections, database
 * pools, Redis clients) start with it and stop when a reload replaces it or the server stops.
 */
export class SourceRuntime {
  private readonly sources = new Map<string, Source>();

  constructor(configs: ReadonlyMap<string, SourceConfig>, deps: { clock: Clock; version: string }) {
    for (const c of configs.values()) {
      this.sources.set(c.name, SOURCE_KINDS[c.kind as SourceKind].create(c.settings, deps));
    }
  }

  get(name: string): Source | undefined {
    return this.sources.get(name);
  }

  async start(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => s.start?.()));
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.sources.values()].map((s) => s.stop?.()));
  }
}
