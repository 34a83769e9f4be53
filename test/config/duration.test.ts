import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, isDuration, parseDuration } from '../../src/config/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['500ms', 500],
    ['30s', 30 * S],
    ['5m', 5 * M],
    ['1h30m', H + 30 * M],
    ['30d', 30 * D],
    ['2w', 14 * D],
    ['1y', 365 * D],
    ['1y2w3d4h5m6s7ms', 365 * D + 14 * D + 3 * D + 4 * H + 5 * M + 6 * S + 7],
    ['90m', 90 * M],
    ['007s', 7 * S],
  ])('%s is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    ['', /empty/],
    ['5', /missing unit/],
    ['1.5h', /fractions are not allowed/],
    ['-1h', /must start with a number/],
    ['1x', /unknown unit "x"/],
    ['30m1h', /out of order/],
    ['1h1h', /repeated/],
    ['1h 30m', /unexpected " "/],
    ['h', /must start with a number/],
    ['1H', /unknown unit "H"/],
    ['99999999999999999999y', /too large/],
  ])('rejects %j', (input, message) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
    expect(() => parseDuration(input)).toThrow(message);
  });

  it('names the input in its message', () => {
    expect(() => parseDuration('3x')).toThrow('invalid duration "3x"');
  });

  it('never throws anything but DurationError, on any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9ymwdhs]{0,12}$/)), (s) => {
        try {
          const ms = parseDuration(s);
          expect(Number.isSafeInteger(ms) && ms >= 0).toBe(true);
          expect(isDuration(s)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(DurationError);
          expect(isDuration(s)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [90 * M, '1h30m'],
    [90 * D, '90d'],
    [14 * D, '2w'],
    [365 * D, '1y'],
    [366 * D, '366d'],
    [D + 1, '1d1ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('rejects negative and fractional values', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(1.5)).toThrow(RangeError);
  });

  it('round-trips: parse(format(ms)) === ms', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer({ min: 0, max: 10 * 365 * D })), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips: format is canonical for any valid string', () => {
    const unit = (u: string) =>
      fc.option(
        fc.integer({ min: 0, max: 999 }).map((n) => `${n}${u}`),
        { nil: '' },
      );
    const durations = fc
      .tuple(unit('y'), unit('w'), unit('d'), unit('h'), unit('m'), unit('s'), unit('ms'))
      .map((parts) => parts.join(''))
      .filter((s) => s !== '');
    fc.assert(
      fc.property(durations, (s) => {
        const ms = parseDuration(s);
        const canonical = formatDuration(ms);
        expect(parseDuration(canonical)).toBe(ms);
        expect(formatDuration(parseDuration(canonical))).toBe(canonical);
      }),
    );
  });
});
