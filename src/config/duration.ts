/**
 * Prometheus duration strings (`30d`, `1h30m`, `500ms`, `0`), the syntax Prometheus and Alertmanager
 * use in their configuration, so that values copied from an alertmanager.yml mean the same here.
 * Semantics follow Prometheus' `model.ParseDuration` / `Duration.String`: units y (365d), w, d, h,
 * m, s, ms, each at most once and from largest to smallest; no fractions, signs or spaces.
 */

export class DurationError extends Error {
  readonly input: string;

  constructor(input: string, reason: string) {
    super(`invalid duration ${JSON.stringify(shorten(input))}: ${reason}`);
    this.name = 'DurationError';
    this.input = input;
  }
}

const MS = {
  y: 365 * 24 * 60 * 60 * 1000,
  w: 7 * 24 * 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  h: 60 * 60 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
} as const;
type Unit = keyof typeof MS;

/** Largest to smallest: the only order Prometheus accepts. */
const UNIT_ORDER: readonly Unit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

const HINT = 'expected a number followed by a unit (ms, s, m, h, d, w, y), combinable as in 1h30m';

function shorten(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

/** Milliseconds in a duration string. Throws DurationError (and nothing else) for any invalid input. */
export function parseDuration(input: string): number {
  if (typeof input !== 'string') throw new DurationError(String(input), 'not a string');
  if (input === '') throw new DurationError(input, `empty; ${HINT}`);
  // Prometheus allows a bare zero because "0" is unambiguous whatever the unit.
  if (input === '0') return 0;

  let pos = 0;
  let total = 0;
  let lastUnitIndex = -1;
  while (pos < input.length) {
    const start = pos;
    while (pos < input.length && isDigit(input.charCodeAt(pos))) pos++;
    if (pos === start) {
      const what = pos === 0 ? 'must start with a number' : `unexpected ${JSON.stringify(input[pos])}`;
      throw new DurationError(input, `${what}; ${HINT}`);
    }
    const digits = input.slice(start, pos);
    if (input[pos] === '.')
      throw new DurationError(input, 'fractions are not allowed; write 1h30m, not 1.5h');
    // Every unit is letters and every component starts with a digit, so the run of letters is the unit.
    const unitStart = pos;
    while (pos < input.length && isLetter(input.charCodeAt(pos))) pos++;
    const word = input.slice(unitStart, pos);
    if (!isUnit(word)) {
      const reason =
        word !== ''
          ? `unknown unit ${JSON.stringify(shorten(word))}`
          : pos < input.length
            ? `unexpected ${JSON.stringify(input[pos])}`
            : `missing unit after ${digits}`;
      throw new DurationError(input, `${reason}; ${HINT}`);
    }
    const unit = word;
    const unitIndex = UNIT_ORDER.indexOf(unit);
    if (unitIndex <= lastUnitIndex) {
      const why = unitIndex === lastUnitIndex ? 'is repeated' : 'is out of order';
      throw new DurationError(
        input,
        `unit ${unit} ${why}; units go from largest to smallest (y w d h m s ms)`,
      );
    }
    lastUnitIndex = unitIndex;

    const value = Number(digits) * MS[unit];
    total += value;
    if (!Number.isSafeInteger(value) || !Number.isSafeInteger(total)) {
      throw new DurationError(input, 'too large');
    }
  }
  return total;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isUnit(word: string): word is Unit {
  return Object.hasOwn(MS, word);
}

/**
 * The canonical Prometheus rendering: `0s` for zero; years and weeks only when they divide the
 * value exactly (90d reads better than 12w6d), then d h m s ms.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`formatDuration: expected a non-negative integer number of milliseconds, got ${ms}`);
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of UNIT_ORDER) {
    const size = MS[unit];
    if ((unit === 'y' || unit === 'w') && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** True when the string is a valid duration; for schema checks that only need a yes or no. */
export function isDuration(input: string): boolean {
  try {
    parseDuration(input);
    return true;
  } catch {
    return false;
  }
}

/** parseDuration, or null instead of an error (for optional values checked by their caller). */
export function durationOrNull(input: string): number | null {
  try {
    return parseDuration(input);
  } catch (err) {
    if (err instanceof DurationError) return null;
    throw err;
  }
}
