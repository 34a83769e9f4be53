/*
 * Unicode simple case folding orbits, for translating RE2's (?i) into JavaScript without the `i` flag.
 *
 * RE2 (Go's regexp) folds case per pattern fragment: `a(?i)b` is case-sensitive for `a` only, and a
 * folded class is folded before it is negated. JavaScript (Node 20) has no inline modifiers, and its
 * `i` flag also changes what \b and \P{..} mean, so the translator expands folding itself: a folded
 * literal becomes the class of every code point in its orbit, a folded class gains the code points
 * whose orbit meets it.
 *
 * An orbit is a set of code points that are equal under simple case folding (k, K and the Kelvin sign
 * U+212A). There is no JavaScript API for simple case folding, so the orbits are derived once, on first
 * use (about 25 ms): candidates are the code points that change under case mapping or folding; they
 * are grouped by lowercase-of-uppercase, and each group is split by asking the engine's own `iu`
 * matching (which is defined by simple case folding) whether its members really are equivalent.
 *
 * Pairs that full case mapping never connects stay apart. The ones known are U+0390/U+1FD3,
 * U+03B0/U+1FE3 and U+FB05/U+FB06, which recent Unicode versions fold together and the Unicode 13
 * tables of the Go release Alertmanager 0.25 was built with (Go 1.19) do not; keeping them apart is what
 * Alertmanager does.
 */

/** Code points above this have no case in any Unicode version so far (the last cased script is Adlam). */
const LAST_CASED = 0x1ffff;

let orbits: Map<number, readonly number[]> | null = null;

function singleCodePoint(s: string): number {
  const cp = s.codePointAt(0);
  if (cp === undefined) return -1;
  return s.length === (cp > 0xffff ? 2 : 1) ? cp : -1;
}

function codePointClass(cp: number): string {
  return `[\\u{${cp.toString(16)}}]`;
}

function buildOrbits(): Map<number, readonly number[]> {
  const chunks: string[] = [];
  let chunk: number[] = [];
  for (let cp = 0; cp <= LAST_CASED; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    chunk.push(cp);
    if (chunk.length === 8192) {
      chunks.push(String.fromCodePoint(...chunk));
      chunk = [];
    }
  }
  chunks.push(String.fromCodePoint(...chunk));
  const groups = new Map<string, number[]>();
  for (const m of chunks.join('').matchAll(/[\p{CWCF}\p{CWCM}]/gu)) {
    const s = m[0];
    const upper = s.toUpperCase();
    let key = singleCodePoint(upper) >= 0 ? upper.toLowerCase() : s.toLowerCase();
    if (singleCodePoint(key) < 0) key = s;
    const group = groups.get(key);
    if (group) group.push(s.codePointAt(0)!);
    else groups.set(key, [s.codePointAt(0)!]);
  }
  const out = new Map<number, readonly number[]>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const parts: { test: RegExp; members: number[] }[] = [];
    for (const cp of group) {
      const s = String.fromCodePoint(cp);
      const part = parts.find((p) => p.test.test(s));
      if (part) part.members.push(cp);
      else parts.push({ test: new RegExp(`^${codePointClass(cp)}$`, 'iu'), members: [cp] });
    }
    for (const { members } of parts) {
      if (members.length < 2) continue;
      const orbit = Object.freeze([...members].sort((a, b) => a - b));
      for (const cp of orbit) out.set(cp, orbit);
    }
  }
  return out;
}

function table(): Map<number, readonly number[]> {
  orbits ??= buildOrbits();
  return orbits;
}

/** The code points equal to `cp` under simple case folding, `cp` included, in ascending order. */
export function caseOrbit(cp: number): readonly number[] {
  return table().get(cp) ?? [cp];
}

/**
 * The code points not accepted by `inSet` whose orbit contains one that is: what folding adds to a set.
 * `inSet` is asked only about code points that have case.
 */
export function foldAdditions(inSet: (cp: number) => boolean): number[] {
  const added: number[] = [];
  for (const [cp, orbit] of table()) {
    if (inSet(cp)) continue;
    if (orbit.some((other) => other !== cp && inSet(other))) added.push(cp);
  }
  return added.sort((a, b) => a - b);
}
