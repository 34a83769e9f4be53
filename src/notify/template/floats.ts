/*
 * Go's float formatting (strconv.FormatFloat) for %v %g %e %f: the shortest representation comes from
 * JS (which, like Go, prints the shortest digits that read back to the same float); fixed precisions
 * round the float's exact decimal expansion half to even, as Go does (JS's toFixed rounds ties up).
 */

interface Digits {
  /** Significant digits without leading or trailing zeros ('' for zero). */
  d: string;
  /** Position of the decimal point relative to the start of `d`. */
  dp: number;
}

function exactDigits(v: number): Digits {
  if (v === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  let s: string;
  let dp: number;
  if (e >= 0) {
    s = (mant << BigInt(e)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-e)).toString();
    dp = s.length + e;
  }
  return trim(s, dp);
}

function trim(s: string, dp: number): Digits {
  let start = 0;
  while (start < s.length && s[start] === '0') start++;
  const d = s.slice(start).replace(/0+$/, '');
  return { d, dp: d === '' ? 0 : dp - start };
}

function shortestDigits(v: number): Digits {
  if (v === 0) return { d: '', dp: 0 };
  const [mant, exp] = Math.abs(v).toExponential().split('e') as [string, string];
  return trim(mant.replace('.', ''), Number(exp) + 1);
}

/** Rounds to `n` significant digits, half to even on exact ties. */
function roundTo(x: Digits, n: number): Digits {
  if (n < 0) return { d: '', dp: 0 };
  if (x.d.length <= n) return x;
  const first = x.d[n]!;
  const rest = x.d.slice(n + 1);
  let up = first > '5' || (first === '5' && /[1-9]/.test(rest));
  if (first === '5' && !/[1-9]/.test(rest)) up = n > 0 && Number(x.d[n - 1]) % 2 === 1;
  let kept = x.d.slice(0, n);
  let dp = x.dp;
  if (up) {
    const arr = kept.split('');
    let i = arr.length - 1;
    while (i >= 0 && arr[i] === '9') arr[i--] = '0';
    if (i < 0) {
      arr.unshift('1');
      dp++;
    } else arr[i] = String(Number(arr[i]) + 1);
    kept = arr.join('');
  }
  return trim(kept, dp);
}

function fmtE(x: Digits, prec: number, e: string): string {
  let s = x.d[0] ?? '0';
  if (prec > 0) s += '.' + x.d.slice(1, prec + 1).padEnd(prec, '0');
  const exp = x.d === '' ? 0 : x.dp - 1;
  const abs = Math.abs(exp);
  return `${s}${e}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' + abs : abs}`;
}

function fmtF(x: Digits, prec: number): string {
  let s = x.dp > 0 ? x.d.slice(0, x.dp).padEnd(x.dp, '0') : '0';
  if (prec > 0) {
    let frac = x.dp < 0 ? '0'.repeat(Math.min(-x.dp, prec)) : '';
    const start = Math.max(x.dp, 0);
    frac += x.d.slice(start, start + prec - frac.length);
    s += '.' + frac.padEnd(prec, '0');
  }
  return s;
}

/**
 * strconv.FormatFloat(v, verb, prec, 64) for verb e, E, f, F, g, G; prec < 0 means shortest.
 * Returns the text without a sign for |v|; the caller adds the sign.
 */
export function formatFloatAbs(v: number, verb: string, prec: number): string {
  const a = Math.abs(v);
  if (!Number.isFinite(a)) return Number.isNaN(a) ? 'NaN' : 'Inf';
  const shortest = prec < 0;
  let x: Digits;
  switch (verb) {
    case 'e':
    case 'E':
      x = shortest ? shortestDigits(a) : roundTo(exactDigits(a), prec + 1);
      return fmtE(x, shortest ? Math.max(x.d.length - 1, 0) : prec, verb);
    case 'f':
    case 'F':
      if (shortest) {
        x = shortestDigits(a);
        return fmtF(x, Math.max(x.d.length - x.dp, 0));
      }
      x = exactDigits(a);
      return fmtF(roundTo(x, x.dp + prec), prec);
    default: {
      let p = prec;
      if (p === 0) p = 1;
      x = shortest ? shortestDigits(a) : roundTo(exactDigits(a), p);
      if (shortest) p = x.d.length;
      let eprec = p;
      if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
      if (shortest) eprec = 6;
      const exp = x.dp - 1;
      if (x.d !== '' && (exp < -4 || exp >= eprec)) {
        if (p > x.d.length) p = x.d.length;
        return fmtE(x, p - 1, verb === 'G' ? 'E' : 'e');
      }
      if (p > x.dp) p = x.d.length;
      return fmtF(x, Math.max(p - x.dp, 0));
    }
  }
}
