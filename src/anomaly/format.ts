// Numbers as operators read them in messages, and as JSON in `observed`.

/** 3 significant digits without exponents or trailing zeros: 12.1, 0.4, 0.00123; 1440 stays 1440. */
export function sig3(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  if (Math.abs(x) >= 100) return String(Math.round(x));
  const s = Number(x.toPrecision(3));
  // toPrecision may round 99.96 up to 100: that is still 3 significant digits.
  return Math.abs(s) < 1e-6 ? s.toExponential(2) : String(s);
}

/** The change from `from` to `to` in percent, signed: "-97%", "+250%"; null when `from` is 0. */
export function pctChange(to: number, from: number): string | null {
  if (from === 0 || !Number.isFinite(from) || !Number.isFinite(to)) return null;
  const p = ((to - from) / Math.abs(from)) * 100;
  const r = Math.abs(p) < 10 ? Math.round(p * 10) / 10 : Math.round(p);
  return `${r > 0 ? '+' : ''}${r === 0 ? 0 : r}%`;
}

/** 4 significant digits for JSON, null for NaN/Infinity/null. */
export function round4(x: number | null | undefined): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  if (x === 0) return 0;
  return Number(x.toPrecision(4));
}
