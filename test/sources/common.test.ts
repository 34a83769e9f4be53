import { describe, expect, it } from 'vitest';
import {
  capText,
  describeError,
  jsonOrText,
  scrub,
  SourceAbortedError,
  SourceTimeoutError,
  urlSecrets,
  withDeadline,
} from '../../src/sources/common.js';
import { isSourceKind, SOURCE_KINDS } from '../../src/sources/index.js';
import { DEFAULT_SOURCE_TIMEOUT_MS } from '../../src/sources/source.js';
import { collectContext, parseSource } from './helpers.js';

describe('SOURCE_KINDS', () => {
  it('registers every kind', () => {
    expect(Object.keys(SOURCE_KINDS).sort()).toEqual([
      'exec',
      'health',
      'http',
      'postgres',
      'prometheus',
      'redis',
      'samples',
      'sentinel',
      'tcp',
      'websocket',
    ]);
    for (const def of Object.values(SOURCE_KINDS)) {
      expect(typeof def.parse).toBe('function');
      expect(typeof def.create).toBe('function');
    }
    expect(isSourceKind('redis')).toBe(true);
    expect(isSourceKind('toString')).toBe(false);
  });

  it('every kind ignores name, kind and unavailable_after, reads timeout, and reports unknown keys', async () => {
    const minimal: Record<string, Record<string, unknown>> = {
      http: { url: 'http://x/' },
      tcp: { host: 'x', port: 1 },
      websocket: { url: 'ws://x/' },
      postgres: { url: 'postgres://x/db', query: 'SELECT 1' },
      redis: { url: 'redis://x', commands: { p: ['PING'] } },
      prometheus: { url: 'http://x', query: 'up' },
      exec: { command: '/bin/true' },
      samples: { metric: 'quotes_published_total' },
      health: {},
    };
    for (const [kind, def] of Object.entries(SOURCE_KINDS)) {
      // Built in only: the configuration refuses this kind before any parse.
      if (kind === 'sentinel') continue;
      const raw = { name: 'n', kind, unavailable_after: '1m', ...minimal[kind] };
      const ok = await parseSource(def, raw, { execAllowlist: ['/bin/true'] });
      expect(ok.issues, kind).toEqual([]);
      expect((ok.settings as { timeoutMs: number }).timeoutMs, kind).toBe(DEFAULT_SOURCE_TIMEOUT_MS);
      const timed = await parseSource(def, { ...raw, timeout: '250ms' }, { execAllowlist: ['/bin/true'] });
      expect((timed.settings as { timeoutMs: number }).timeoutMs, kind).toBe(250);
      const bad = await parseSource(
        def,
        { ...raw, timeout: '0', colour: 'red' },
        { execAllowlist: ['/bin/true'] },
      );
      expect(bad.issues, kind).toEqual([
        'colour: unknown option',
        'timeout: must be a positive duration such as 5s or 500ms',
      ]);
    }
  });
});

describe('withDeadline', () => {
  it('returns the work’s result', async () => {
    expect(await withDeadline(collectContext(), 1000, async () => 7)).toBe(7);
  });

  it('gives up at the timeout even when the work ignores its signal, and aborts the signal', async () => {
    let seen: AbortSignal | null = null;
    let gaveUp = false;
    const started = Date.now();
    const err = await withDeadline(
      collectContext(),
      100,
      (signal) => {
        seen = signal;
        return new Promise(() => {});
      },
      () => (gaveUp = true),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceTimeoutError);
    expect(Date.now() - started).toBeLessThan(500);
    expect(seen!.aborted).toBe(true);
    expect(gaveUp).toBe(true);
  });

  it('reports the deadline, not the AbortError of work that honours its signal', async () => {
    const err = await withDeadline(
      collectContext(),
      50,
      (signal) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('AbortError')))),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceTimeoutError);
  });

  it('stops when the engine’s signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const err = await withDeadline(
      collectContext(Date.now(), ac.signal),
      5000,
      () => new Promise(() => {}),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceAbortedError);
  });

  it('passes the work’s own error through', async () => {
    const err = await withDeadline(collectContext(), 1000, async () => {
      throw new Error('boom');
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('boom');
  });
});

describe('values and messages', () => {
  it('jsonOrText parses JSON, keeps text and caps it', () => {
    expect(jsonOrText(' {"a":1} ')).toEqual({ a: 1 });
    expect(jsonOrText('42')).toBe(42);
    expect(jsonOrText('ok')).toBe('ok');
    expect(jsonOrText('abcdef', 3)).toBe('abc…');
    expect(capText('abc', 3)).toBe('abc');
  });

  it('describeError adds the code and the cause', () => {
    const e = Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' });
    expect(describeError(e)).toBe('ECONNREFUSED: connect failed');
    expect(describeError(new Error('fetch failed', { cause: new Error('socket hang up') }))).toBe(
      'fetch failed (socket hang up)',
    );
    expect(describeError('plain')).toBe('plain');
  });

  it('scrub removes passwords (raw and decoded) and whole URLs', () => {
    const url = 'postgres://u:p%40ss-word@db/app';
    const secrets = urlSecrets(url);
    expect(scrub(`failed for ${url} with p@ss-word and p%40ss-word`, secrets)).toBe(
      'failed for *** with *** and ***',
    );
  });
});
