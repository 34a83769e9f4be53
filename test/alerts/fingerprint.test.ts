import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintLabels, hashParts } from '../../src/alerts/fingerprint.js';

/** Straightforward BigInt FNV-1a 64, the definition in prometheus/common, as an oracle. */
function reference(labels: Record<string, string>): string {
  const prime = 0x100000001b3n;
  const mask = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  const add = (b: number): void => {
    h ^= BigInt(b);
    h = (h * prime) & mask;
  };
  const enc = new TextEncoder();
  for (const name of Object.keys(labels).sort()) {
    for (const b of enc.encode(name)) add(b);
    add(0xff);
    for (const b of enc.encode(labels[name]!)) add(b);
    add(0xff);
  }
  return h.toString(16).padStart(16, '0');
}

describe('fingerprintLabels', () => {
  // Values read from a real Alertmanager 0.25 (GET /api/v2/alerts after posting these label sets).
  it.each([
    [{ alertname: 'Test', job: 'x' }, '7d462c951641368d'],
    [{ a: 'é☃', zz: '1', b: '2' }, '34e7844342bac046'],
    [{ service: 'gateway', alertname: 'Gateway 5xx' }, '505a98355c5bd6e6'],
    [{}, 'cbf29ce484222325'],
  ])('matches Alertmanager for %j', (labels, expected) => {
    expect(fingerprintLabels(labels)).toBe(expected);
  });

  it('equals the BigInt reference for arbitrary label sets, independent of key order', () => {
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,20}$/);
    fc.assert(
      fc.property(
        fc.dictionary(name, fc.string({ unit: 'grapheme', maxLength: 30 }), { maxKeys: 12 }),
        (labels) => {
          const fp = fingerprintLabels(labels);
          expect(fp).toBe(reference(labels));
          const reversed = Object.fromEntries(Object.entries(labels).reverse());
          expect(fingerprintLabels(reversed)).toBe(fp);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('hashParts', () => {
  // Signatures are stored and compared across restarts and versions, so their rendering is pinned:
  // these values come from the first implementation (Number#toString(16) of the 53-bit hash).
  it.each([
    [[], '0bdcb81aee8d83'],
    [[''], '0fcc4eeb27845a'],
    [['quote-ingest', 'stale_data'], '1f1ce82bef6b02'],
    [['a', 'b', 'c'], '0b7c0d66b1fc6c'],
    [['é☃', 'x'.repeat(100)], '11a6a08c6ff88b'],
  ])('renders %j as before', (parts, expected) => {
    expect(hashParts(parts)).toBe(expected);
  });

  it('always renders 14 lower-case hex digits', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { maxLength: 6 }), (parts) => {
        expect(hashParts(parts)).toMatch(/^[0-9a-f]{14}$/);
      }),
      { numRuns: 300 },
    );
  });
});
