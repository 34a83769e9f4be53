/*
 * Regular expressions for `matches`, compiled once when the condition is parsed. JavaScript's engine
 * backtracks, so a pattern such as `(a+)+$` can take exponential time on a hostile response body; the
 * patterns that cause that in practice (a repeated group that itself contains a quantifier, and
 * backreferences) are refused, as are long patterns.
 */

export const MAX_REGEX_LENGTH = 256;

/** Go-style leading flag groups, which Gatus users write: `(?i)`, `(?s)`, `(?m)`, `(?is)`. */
const LEADING_FLAGS = /^\(\?([ims]+)\)/;

/**
 * Whether a quantifier at `i` repeats (`*`, `+`, `{n}` and `{n,m}` with more than one, `{n,}`), or,
 * with `variable`, whether it matches a variable number of times (`*`, `+`, `?`, `{n,}`, `{n,m}` with
 * m > n; not `{n}`, which is as if the atom were written n times).
 */
function quantifierAt(p: string, i: number, variable: boolean): boolean {
  const c = p[i];
  if (c === '*' || c === '+') return true;
  if (c === '?') return variable;
  if (c !== '{') return false;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
  if (!m) return false;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return variable ? max > min : max > 1;
}

/** Why `pattern` (without flags) is refused, or null. */
export function unsafeReason(pattern: string): string | null {
  // For each open group: whether something inside it is quantified.
  const groups: boolean[] = [false];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const e = pattern[i + 1];
      if ((e !== undefined && e >= '1' && e <= '9') || e === 'k') return 'backreferences are not allowed';
      i++;
    } else if (c === '[') {
      // Skip the class: its characters are literal.
      i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
    } else if (c === '(') {
      groups.push(false);
      if (pattern[i + 1] === '?') i++; // (?: (?= (?! (?<= (?<! (?<name>: the ? is no quantifier
    } else if (c === ')') {
      const inner = groups.length > 1 ? groups.pop()! : false;
      if (inner && quantifierAt(pattern, i + 1, false)) {
        return 'a repeated group contains a quantifier (as in (a+)+), which can take exponential time';
      }
      if (inner) groups[groups.length - 1] = true;
    } else if (quantifierAt(pattern, i, true)) {
      groups[groups.length - 1] = true;
    }
  }
  return null;
}

/** Compiles a `matches` pattern; throws an Error whose message says why it is refused. */
export function compileSafeRegex(source: string): RegExp {
  if (source.length > MAX_REGEX_LENGTH) {
    throw new Error(`regular expression is longer than ${MAX_REGEX_LENGTH} characters`);
  }
  let pattern = source;
  let flags = 'u';
  const lead = LEADING_FLAGS.exec(pattern);
  if (lead) {
    for (const f of lead[1]!) if (!flags.includes(f)) flags += f;
    pattern = pattern.slice(lead[0].length);
  }
  const unsafe = unsafeReason(pattern);
  if (unsafe !== null) throw new Error(`regular expression refused: ${unsafe}`);
  try {
    return new RegExp(pattern, flags);
  } catch (e) {
    throw new Error(`invalid regular expression: ${(e as Error).message}`);
  }
}
