import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';

/*
 * GET /api/v1/series never answers a query with a 5xx: whatever the parameters, it is a 200 or a
 * 400 invalid_field naming a field (property-based, over hostile and near-valid values).
 */

const CONFIG = `
services:
  - name: ingest
checks:
  - { id: q, service: ingest, kind: anomaly, detector: collapse, series: quotes_total }
`;

describe('GET /api/v1/series on arbitrary queries', () => {
  let t: NotifyTestApp;
  beforeAll(async () => {
    t = await notifyApp('sqlite', CONFIG);
    const now = t.clock.now();
    const samples = Array.from({ length: 600 }, (_, i) => ({
      metric: 'quotes_total',
      type: 'counter',
      value: i * 12,
      at: new Date(now - (600 - i) * 1000).toISOString(),
    }));
    expect(
      (await t.app.http.inject({ method: 'POST', url: '/api/v1/samples', payload: { samples } })).statusCode,
    ).toBe(202);
  });
  afterAll(async () => {
    await t.close();
  });

  const nearValid = {
    name: fc.constantFrom('quotes_total', 'other_total', 'bad-name', '', '__proto__', 'a'.repeat(300)),
    labels: fc.oneof(
      fc.constantFrom('', '{}', 'feed="near"', '{feed=~"n.*"}', 'feed=~"("', 'x!~"', '{', '}'),
      fc.string({ maxLength: 40 }),
    ),
    from: fc.oneof(
      fc.constantFrom(
        '2026-03-01T11:00:00Z',
        '2026-03-01T12:00:00Z',
        '1772362800',
        '0',
        '-1',
        'now',
        '2026-13-45T99:00:00Z',
      ),
      fc.string({ maxLength: 30 }),
    ),
    to: fc.constantFrom('2026-03-01T12:00:00Z', '2026-03-01T11:59:00Z', '1772366400', '99999999999', 'x'),
    step: fc.oneof(
      fc.constantFrom('10s', '1m', '0s', '1ms', '1y', '-5s', 'fast'),
      fc.string({ maxLength: 10 }),
    ),
    check: fc.constantFrom('q', 'nope', ''),
    bogus: fc.string({ maxLength: 5 }),
  };

  it('answers 200 or a coded 400 naming a field, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record(nearValid, { requiredKeys: [] }), async (params) => {
        const query = new URLSearchParams(params as Record<string, string>).toString();
        const r = await t.app.http.inject({ method: 'GET', url: `/api/v1/series?${query}` });
        expect(r.statusCode, query).toBeLessThan(500);
        if (r.statusCode !== 200) {
          expect(r.statusCode, query).toBe(400);
          const error = r.json().error;
          expect(error.code, query).toBe('invalid_field');
          expect(error.details.length, query).toBeGreaterThan(0);
          expect(typeof error.details[0].field, query).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fits a range of exactly 2,000 nice steps (the grid has both ends)', async () => {
    const to = t.clock.now();
    const from = new Date(to - 2000 * 10_000).toISOString();
    const r = await t.app.http.inject({
      method: 'GET',
      url: `/api/v1/series?name=quotes_total&check=q&from=${from}&to=${new Date(to).toISOString()}`,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().detectors[0].points.length).toBeLessThanOrEqual(2000);
  });

  it('returns the band of the check over pushed points', async () => {
    const r = await t.app.http.inject({ method: 'GET', url: '/api/v1/series?name=quotes_total&check=q' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.type).toBe('counter');
    expect(
      body.signal.some((p: { value: number | null }) => p.value !== null && Math.abs(p.value - 12) < 0.01),
    ).toBe(true);
    expect(body.detectors).toHaveLength(1);
    // Ten minutes of data: the check is still warming up, so no band yet and no marker.
    expect(body.detectors[0].anomalies).toEqual([]);
  });
});
