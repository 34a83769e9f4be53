import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALERT_LIMITS,
  LABEL_NAME_RE,
  isStorableText,
  validateAlert,
} from '../../src/alerts/validate.js';
import { FIELD_ISSUE_CODES } from '../../src/errors.js';
import { validationContext as ctx } from '../helpers/alerts.js';

const codes = (input: unknown) => {
  const r = validateAlert(input, ctx);
  return r.ok ? [] : r.issues.map((i) => `${i.field}:${i.code}`);
};

describe('validateAlert', () => {
  it('accepts a minimal alert and fills defaults', () => {
    const r = validateAlert({ service: 'gateway', title: 'Down' }, ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.alert).toMatchObject({
      service: 'gateway',
      severity: 'warning',
      state: 'firing',
      source: 'test',
      message: '',
      kind: null,
      dedupeTtlMs: 30 * 60_000,
      labels: { service: 'gateway' },
    });
    expect(r.alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('adds service and kind to the fingerprinted label set', () => {
    const a = validateAlert({ service: 's', kind: 'stale_data', title: 't', labels: { env: 'prod' } }, ctx);
    const b = validateAlert({ service: 's', kind: 'other', title: 't', labels: { env: 'prod' } }, ctx);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.alert.labels).toEqual({ env: 'prod', service: 's', kind: 'stale_data' });
    expect(a.alert.fingerprint).not.toBe(b.alert.fingerprint);
  });

  it('uses a given fingerprint', () => {
    const r = validateAlert({ service: 's', title: 't', fingerprint: 'gw-5xx-prod' }, ctx);
    expect(r.ok && r.alert.fingerprint).toBe('gw-5xx-prod');
  });

  it.each([
    [{ title: 't' }, ['service:required']],
    [{ service: 's' }, ['title:required']],
    [{ service: '  ', title: 't' }, ['service:required']],
    [{ service: 's', title: 't', severity: 'fatal' }, ['severity:invalid_enum']],
    [{ service: 's', title: 't', kind: 'Bad Kind' }, ['kind:invalid_format']],
    [{ service: 's', title: 't', labels: { '1bad': 'x' } }, ['labels.1bad:invalid_format']],
    [{ service: 's', title: 't', labels: { 'a-b': 'x' } }, ['labels.a-b:invalid_format']],
    [{ service: 's', title: 't', labels: { ok: 3 } }, ['labels.ok:invalid_type']],
    [{ service: 's', title: 't', labels: [] }, ['labels:invalid_type']],
    [{ service: 's', title: 't', labels: { service: 'other' } }, ['labels.service:conflict']],
    [{ service: 's', title: 't\u0000' }, ['title:invalid_format']],
    [{ service: 's', title: 't\ud800' }, ['title:invalid_format']],
    [{ service: 's\nx', title: 't' }, ['service:invalid_format']],
    [{ service: 's', title: 't', dedupe_ttl_minutes: -1 }, ['dedupe_ttl_minutes:out_of_range']],
    [{ service: 's', title: 't', dedupe_ttl_minutes: '5' }, ['dedupe_ttl_minutes:invalid_type']],
    [{ service: 's', title: 't', fingerprint: 'has space' }, ['fingerprint:invalid_format']],
    [{ service: 's', title: 't', severty: 'critical' }, ['severty:unknown_field']],
    [{ service: 's', title: 'x'.repeat(2000) }, ['title:too_long']],
    ['nope', [':invalid_type']],
    [null, [':invalid_type']],
  ])('rejects %j naming the field', (input, expected) => {
    expect(codes(input)).toEqual(expected);
  });

  it('rejects oversized label sets', () => {
    const many = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`l${i}`, 'v']));
    expect(codes({ service: 's', title: 't', labels: many })).toEqual(['labels:too_many']);
    const big = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`l${i}`, 'v'.repeat(2000)]));
    expect(codes({ service: 's', title: 't', labels: big })).toEqual(['labels:too_long']);
  });

  it('keeps a label called __proto__ as an ordinary label', () => {
    const input = JSON.parse('{"service":"s","title":"t","labels":{"__proto__":"x"}}') as unknown;
    const r = validateAlert(input, ctx);
    expect(r.ok).toBe(true);
    if (r.ok) expect(Object.keys(r.alert.labels).sort()).toEqual(['__proto__', 'service']);
  });

  it('never throws and never accepts what the store cannot hold (property)', () => {
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const alertish = fc.record(
      {
        service: fc.oneof(fc.string(), anyJson),
        title: fc.oneof(fc.string({ unit: 'binary' }), anyJson),
        severity: fc.oneof(fc.constantFrom('critical', 'warning', 'info', 'fatal'), anyJson),
        kind: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), fc.string()),
        labels: fc.oneof(
          fc.dictionary(fc.string(), fc.oneof(fc.string({ unit: 'binary' }), anyJson)),
          anyJson,
        ),
        annotations: fc.dictionary(fc.string(), fc.string({ unit: 'binary' })),
        dedupe_ttl_minutes: fc.oneof(fc.double(), fc.integer(), anyJson),
        fingerprint: fc.string(),
        message: fc.string({ unit: 'binary' }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(alertish, anyJson), (input) => {
        const r = validateAlert(input, ctx);
        if (!r.ok) {
          expect(r.issues.length).toBeGreaterThan(0);
          for (const issue of r.issues) expect(FIELD_ISSUE_CODES).toContain(issue.code);
          return;
        }
        const a = r.alert;
        for (const s of [a.service, a.title, a.message, a.source, a.fingerprint])
          expect(isStorableText(s)).toBe(true);
        expect(a.service.trim()).not.toBe('');
        expect(a.title.length).toBeLessThanOrEqual(DEFAULT_ALERT_LIMITS.maxTitleLength);
        expect(Object.keys(a.labels).length).toBeLessThanOrEqual(DEFAULT_ALERT_LIMITS.maxLabels);
        for (const [k, v] of Object.entries(a.labels)) {
          expect(k).toMatch(LABEL_NAME_RE);
          expect(isStorableText(v)).toBe(true);
        }
        for (const v of Object.values(a.annotations)) expect(isStorableText(v)).toBe(true);
        expect(Number.isFinite(a.dedupeTtlMs) && a.dedupeTtlMs >= 0).toBe(true);
        // What is accepted survives a JSON round trip unchanged (how both stores keep label sets).
        expect(JSON.parse(JSON.stringify(a.labels))).toEqual({ ...a.labels });
      }),
      { numRuns: 2000 },
    );
  });
});
