import { caseOrbit, foldAdditions } from './case-fold.js';

/*
 * Go regular expressions (RE2 syntax, Go's regexp package with Perl flags) translated to JavaScript.
 *
 * Alertmanager compiles matcher values with Go's regexp.Compile; Sentinel must accept exactly the same
 * patterns and match the same strings. A pattern is parsed here by Go's rules (those of Go 1.19, which
 * Alertmanager 0.25 is built with) into a small tree, then written out as a JavaScript pattern for the
 * `v` flag. The tree is rewritten rather than the text patched, because the two syntaxes differ in many
 * small ways that text substitution gets wrong:
 *
 * - `.` excludes only \n in Go (JavaScript also excludes \r, U+2028, U+2029); `\s` is [\t\n\f\r ]
 *   (JavaScript's includes \v and Unicode spaces); `\pL`, `\p{Greek}`, `\p{^L}`, [[:alpha:]], \Q...\E,
 *   \A, \z, octal \012 and \x{10FFFF} have no JavaScript spelling or a different one;
 * - flags (?i) (?m) (?s) (?U), and their scoped forms (?i:...) and negations (?-s), apply to a part
 *   of the pattern; JavaScript 20 has only whole-pattern flags, so they are compiled away: case folding
 *   is expanded into classes (see case-fold.ts), ^ and $ under (?m) become lookarounds;
 * - Go rejects what JavaScript would accept with another meaning: backreferences, lookaround,
 *   possessive and stacked quantifiers (a**), (?<name>...) (Go 1.22+ only), \Z, counts above 1000;
 * - Go accepts what JavaScript rejects: quantified assertions (^*, \b+), a literal `{` (x{,2}), `\_`,
 *   `]` first in a class, duplicate group names.
 *
 * Captures are irrelevant to matching and are emitted as non-capturing groups. Greediness is kept,
 * though it cannot change whether a match exists.
 */

/** Go's error texts (regexp/syntax ErrorCode), which users of Alertmanager will recognise. */
export type GoRegexpErrorCode =
  | 'invalid character class'
  | 'invalid character class range'
  | 'invalid escape sequence'
  | 'invalid named capture'
  | 'invalid or unsupported Perl syntax'
  | 'invalid nested repetition operator'
  | 'invalid repeat count'
  | 'invalid UTF-8'
  | 'missing closing ]'
  | 'missing closing )'
  | 'missing argument to repetition operator'
  | 'trailing backslash at end of expression'
  | 'unexpected )'
  | 'expression nests too deeply'
  | 'expression too large';

export class GoRegexpError extends Error {
  readonly code: GoRegexpErrorCode;
  /** The part of the expression that is wrong, as Go quotes it. */
  readonly fragment: string;
  /** Where, in UTF-16 code units from the start of the expression, the problem starts. */
  readonly offset: number;
  /** Why, when the construct is valid elsewhere (JavaScript, PCRE) but not in RE2; else null. */
  readonly hint: string | null;

  constructor(code: GoRegexpErrorCode, fragment: string, offset: number, hint: string | null = null) {
    super(`${code}: \`${fragment}\`${hint === null ? '' : ` (${hint})`}`);
    this.name = 'GoRegexpError';
    this.code = code;
    this.fragment = fragment;
    this.offset = offset;
    this.hint = hint;
  }
}

// Parser flags, as in Go. ONE_LINE is on unless (?m); the others are off unless set.
const FOLD = 1;
const DOT_NL = 2;
const ONE_LINE = 4;
const NON_GREEDY = 8;

const MAX_REPEAT = 1000;
const MAX_HEIGHT = 1000;
/** Go's limit on the compiled program, in instructions: 128 MiB of 40-byte instructions. */
const MAX_SIZE = Math.floor((128 << 20) / 40);
const MAX_RUNE = 0x10ffff;

/** A set of code points, as JavaScript `v`-mode class contents, possibly the complement of them. */
interface SetPart {
  negated: boolean;
  body: string;
}

type Assertion = 'beginText' | 'endText' | 'beginLine' | 'endLine' | 'wordBoundary' | 'notWordBoundary';

type Shape =
  | { kind: 'literal'; cp: number; fold: boolean }
  | { kind: 'class'; parts: SetPart[]; negated: boolean }
  | { kind: 'any'; newline: boolean }
  | { kind: 'empty' }
  | { kind: 'assert'; what: Assertion }
  | { kind: 'capture'; sub: Node }
  | { kind: 'concat'; subs: Node[] }
  | { kind: 'alternate'; subs: Node[] }
  | {
      kind: 'repeat';
      op: '*' | '+' | '?' | '{}';
      min: number;
      max: number;
      greedy: boolean;
      sub: Node;
    };

/** A parse tree node with Go's height and program-size estimates, for Go's limits. */
type Node = Shape & { height: number; size: number };

function leaf(shape: Shape): Node {
  return { ...shape, height: 1, size: 1 };
}

// ---------------------------------------------------------------------------------------------
// Character sets

function esc(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCharCode(cp);
  }
  return `\\u{${cp.toString(16)}}`;
}

function rangeBody(lo: number, hi: number): string {
  return lo === hi ? esc(lo) : `${esc(lo)}-${esc(hi)}`;
}

/** Contents of a class listing the code points, with runs collapsed into ranges. */
function codePointsBody(cps: readonly number[]): string {
  let out = '';
  for (let i = 0; i < cps.length;) {
    let j = i;
    while (j + 1 < cps.length && cps[j + 1] === cps[j]! + 1) j++;
    out += rangeBody(cps[i]!, cps[j]!);
    i = j + 1;
  }
  return out;
}

const PERL_GROUPS: Record<string, SetPart> = {
  '\\d': { negated: false, body: '0-9' },
  '\\D': { negated: true, body: '0-9' },
  '\\s': { negated: false, body: codePointsBody([0x09, 0x0a, 0x0c, 0x0d, 0x20]) },
  '\\S': { negated: true, body: codePointsBody([0x09, 0x0a, 0x0c, 0x0d, 0x20]) },
  '\\w': { negated: false, body: `0-9A-Z${esc(0x5f)}a-z` },
  '\\W': { negated: true, body: `0-9A-Z${esc(0x5f)}a-z` },
};

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: rangeBody(0, 0x7f),
  blank: codePointsBody([0x09, 0x20]),
  cntrl: `${rangeBody(0, 0x1f)}${esc(0x7f)}`,
  digit: '0-9',
  graph: rangeBody(0x21, 0x7e),
  lower: 'a-z',
  print: rangeBody(0x20, 0x7e),
  punct: `${rangeBody(0x21, 0x2f)}${rangeBody(0x3a, 0x40)}${rangeBody(0x5b, 0x60)}${rangeBody(0x7b, 0x7e)}`,
  space: codePointsBody([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]),
  upper: 'A-Z',
  word: `0-9A-Z${esc(0x5f)}a-z`,
  xdigit: '0-9A-Fa-f',
};

/** Go 1.19's unicode.Categories. Go's C lacks unassigned code points (Cn); JavaScript's includes them. */
const CATEGORIES: Record<string, string> = Object.fromEntries(
  [
    'Cc',
    'Cf',
    'Co',
    'Cs',
    'L',
    'Ll',
    'Lm',
    'Lo',
    'Lt',
    'Lu',
    'M',
    'Mc',
    'Me',
    'Mn',
    'N',
    'Nd',
    'Nl',
    'No',
    'P',
    'Pc',
    'Pd',
    'Pe',
    'Pf',
    'Pi',
    'Po',
    'Ps',
    'S',
    'Sc',
    'Sk',
    'Sm',
    'So',
    'Z',
    'Zl',
    'Zp',
    'Zs',
  ]
    .map((c): [string, string] => [c, `\\p{gc=${c}}`])
    .concat([['C', '\\p{gc=Cc}\\p{gc=Cf}\\p{gc=Co}\\p{gc=Cs}']]),
);

/** Go 1.19's unicode.Scripts (Unicode 13): its long names, which are the only spelling Go accepts. */
const SCRIPTS = new Set(
  (
    'Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali ' +
    'Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian ' +
    'Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot Cyrillic Deseret Devanagari ' +
    'Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian Glagolitic ' +
    'Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran ' +
    'Hebrew Hiragana Imperial_Aramaic Inherited Inscriptional_Pahlavi Inscriptional_Parthian Javanese ' +
    'Kaithi Kannada Katakana Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin ' +
    'Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean ' +
    'Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs ' +
    'Miao Modi Mongolian Mro Multani Myanmar Nabataean Nandinagari New_Tai_Lue Newa Nko Nushu ' +
    'Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian Old_Permic ' +
    'Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Oriya Osage Osmanya Pahawh_Hmong Palmyrene ' +
    'Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian ' +
    'Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Syloti_Nagri Syriac Tagalog ' +
    'Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta ' +
    'Ugaritic Vai Wancho Warang_Citi Yezidi Yi Zanabazar_Square'
  ).split(' '),
);

function unicodeClassBody(name: string): string | null {
  if (name === 'Any') return rangeBody(0, MAX_RUNE);
  if (Object.hasOwn(CATEGORIES, name)) return CATEGORIES[name]!;
  if (SCRIPTS.has(name)) return `\\p{sc=${name}}`;
  return null;
}

/** Folds a set part: a positive part gains the code points that fold into it, a negated one excludes them. */
function foldPart(part: SetPart): SetPart {
  const test = new RegExp(`^[${part.body}]$`, 'v');
  const added = foldAdditions((cp) => test.test(String.fromCodePoint(cp)));
  return added.length === 0 ? part : { negated: part.negated, body: part.body + codePointsBody(added) };
}

function foldRanges(ranges: readonly [number, number][]): number[] {
  return foldAdditions((cp) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi));
}

// ---------------------------------------------------------------------------------------------
// Parser

interface Frame {
  /** Flags in force when the group opened, restored when it closes. */
  flags: number;
  capture: boolean;
  alternatives: Node[];
  items: Node[];
}

function isAlnum(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
}

function unhex(cp: number): number {
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  if (cp >= 0x61 && cp <= 0x66) return cp - 0x61 + 10;
  if (cp >= 0x41 && cp <= 0x46) return cp - 0x41 + 10;
  return -1;
}

function isOctal(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x37;
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

/** Why an escape Go rejects is rejected, for the escapes people bring from other dialects. */
function escapeHint(c: string): string | null {
  if (c >= '1' && c <= '9') return 'backreferences are not supported in RE2 syntax';
  if (c === 'Z') return 'RE2 has \\z (end of text), not \\Z';
  if (c === 'u') return 'write a code point as \\x{hhhh}';
  if (c === 'k') return 'backreferences are not supported in RE2 syntax';
  return null;
}

class Parser {
  private readonly src: string;
  private flags = ONE_LINE;
  private readonly frames: Frame[];

  constructor(src: string) {
    this.src = src;
    this.frames = [{ flags: this.flags, capture: false, alternatives: [], items: [] }];
  }

  private get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private fail(code: GoRegexpErrorCode, start: number, end: number, hint: string | null = null): never {
    throw new GoRegexpError(code, this.src.slice(start, end), start, hint);
  }

  /** The code point at i and the index after it; a lone surrogate is Go's invalid UTF-8. */
  private rune(i: number): [number, number] {
    const cp = this.src.codePointAt(i)!;
    if (cp >= 0xd800 && cp <= 0xdfff) this.fail('invalid UTF-8', i, this.src.length);
    return [cp, i + (cp > 0xffff ? 2 : 1)];
  }

  private checkUtf8(start: number, end: number): void {
    for (let i = start; i < end;) i = this.rune(i)[1];
  }

  private checkLimits(node: Node): Node {
    if (node.height > MAX_HEIGHT) this.fail('expression nests too deeply', 0, this.src.length);
    if (node.size > MAX_SIZE) this.fail('expression too large', 0, this.src.length);
    return node;
  }

  private push(node: Node): void {
    this.frame.items.push(this.checkLimits(node));
  }

  private literal(cp: number): void {
    this.push(leaf({ kind: 'literal', cp, fold: (this.flags & FOLD) !== 0 }));
  }

  parse(): Node {
    const s = this.src;
    let i = 0;
    let lastRepeat = -1; // start of the previous token when it was a repetition operator
    while (i < s.length) {
      const start = i;
      let repeatStart = -1;
      const c = s[i]!;
      if (c === '(') {
        if (s[i + 1] === '?') {
          i = this.perlFlags(i);
        } else {
          this.open(true);
          i++;
        }
      } else if (c === '|') {
        this.frame.alternatives.push(this.concat(this.frame.items));
        this.frame.items = [];
        i++;
      } else if (c === ')') {
        this.close();
        i++;
      } else if (c === '^') {
        this.push(leaf({ kind: 'assert', what: this.flags & ONE_LINE ? 'beginText' : 'beginLine' }));
        i++;
      } else if (c === '$') {
        this.push(leaf({ kind: 'assert', what: this.flags & ONE_LINE ? 'endText' : 'endLine' }));
        i++;
      } else if (c === '.') {
        this.push(leaf({ kind: 'any', newline: (this.flags & DOT_NL) !== 0 }));
        i++;
      } else if (c === '[') {
        i = this.charClass(i);
      } else if (c === '*' || c === '+' || c === '?') {
        i = this.repeat(c, 0, 0, start, i + 1, lastRepeat);
        repeatStart = start;
      } else if (c === '{') {
        const counted = this.parseCount(i);
        if (counted === null) {
          this.literal(0x7b);
          i++;
        } else {
          const { min, max, end } = counted;
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            this.fail('invalid repeat count', start, end);
          }
          i = this.repeat('{}', min, max, start, end, lastRepeat);
          repeatStart = start;
        }
      } else if (c === '\\') {
        i = this.escape(i);
      } else {
        const [cp, next] = this.rune(i);
        this.literal(cp);
        i = next;
      }
      lastRepeat = repeatStart;
    }
    if (this.frames.length > 1) this.fail('missing closing )', 0, s.length);
    return this.finishFrame(this.frame);
  }

  private open(capture: boolean): void {
    this.frames.push({ flags: this.flags, capture, alternatives: [], items: [] });
  }

  private finishFrame(frame: Frame): Node {
    const last = this.concat(frame.items);
    return frame.alternatives.length === 0 ? last : this.alternate([...frame.alternatives, last]);
  }

  private close(): void {
    if (this.frames.length === 1) this.fail('unexpected )', 0, this.src.length);
    const frame = this.frames.pop()!;
    this.flags = frame.flags;
    const inner = this.finishFrame(frame);
    if (frame.capture) {
      this.push({ kind: 'capture', sub: inner, height: inner.height + 1, size: inner.size + 2 });
    } else {
      this.push(inner);
    }
  }

  private concat(items: Node[]): Node {
    if (items.length === 0) return leaf({ kind: 'empty' });
    if (items.length === 1) return items[0]!;
    let height = 0;
    let size = 0;
    for (const n of items) {
      height = Math.max(height, n.height);
      size += n.size;
    }
    return this.checkLimits({ kind: 'concat', subs: items, height: height + 1, size });
  }

  private alternate(subs: Node[]): Node {
    let height = 0;
    let size = subs.length - 1;
    for (const n of subs) {
      height = Math.max(height, n.height);
      size += n.size;
    }
    return this.checkLimits({ kind: 'alternate', subs, height: height + 1, size });
  }

  /** (?flags), (?flags:...), (?P<name>...); returns the index after what it consumed. */
  private perlFlags(start: number): number {
    const s = this.src;
    if (s.startsWith('(?P<', start) && s.length - start > 4) {
      const end = s.indexOf('>', start);
      if (end < 0) {
        this.checkUtf8(start, s.length);
        this.fail('invalid named capture', start, s.length);
      }
      this.checkUtf8(start + 4, end);
      const name = s.slice(start + 4, end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail('invalid named capture', start, end + 1);
      this.open(true);
      return end + 1;
    }
    let flags = this.flags;
    let negative = false;
    let sawFlag = false;
    let i = start + 2;
    while (i < s.length) {
      const [cp, next] = this.rune(i);
      i = next;
      const c = String.fromCodePoint(cp);
      if (c === 'i') {
        flags |= FOLD;
        sawFlag = true;
      } else if (c === 'm') {
        flags &= ~ONE_LINE;
        sawFlag = true;
      } else if (c === 's') {
        flags |= DOT_NL;
        sawFlag = true;
      } else if (c === 'U') {
        flags |= NON_GREEDY;
        sawFlag = true;
      } else if (c === '-') {
        if (negative) break;
        negative = true;
        // Inverting makes the bit operations above clear flags; they are inverted back at the end.
        flags = ~flags;
        sawFlag = false;
      } else if (c === ':' || c === ')') {
        if (negative) {
          if (!sawFlag) break;
          flags = ~flags;
        }
        if (c === ':') this.open(false);
        this.flags = flags;
        return i;
      } else {
        break;
      }
    }
    const fragment = s.slice(start, i);
    let hint: string | null = null;
    if (fragment === '(?=' || fragment === '(?!') hint = 'lookahead is not supported in RE2 syntax';
    else if (fragment === '(?<') {
      hint =
        s[i] === '=' || s[i] === '!'
          ? 'lookbehind is not supported in RE2 syntax'
          : 'write named groups as (?P<name>...); Go before 1.22 does not accept (?<name>...)';
    } else if (fragment === '(?#') hint = 'comments are not supported in RE2 syntax';
    else if (fragment === '(?>') hint = 'atomic groups are not supported in RE2 syntax';
    return this.fail('invalid or unsupported Perl syntax', start, i, hint);
  }

  /** {n}, {n,}, {n,m} at i, with Go's rules (no leading zeros, no spaces); null when `{` is a literal. */
  private parseCount(i: number): { min: number; max: number; end: number } | null {
    const s = this.src;
    let j = i + 1;
    const int = (): number | null => {
      if (!isDigitAt(s, j)) return null;
      if (s[j] === '0' && isDigitAt(s, j + 1)) return null;
      let n = 0;
      for (; isDigitAt(s, j); j++) {
        if (n >= 1e8) n = -1; // too big; Go reports it as an invalid count
        if (n >= 0) n = n * 10 + s.charCodeAt(j) - 0x30;
      }
      return n;
    };
    let min = int();
    if (min === null || j >= s.length) return null;
    let max = min;
    if (s[j] === ',') {
      j++;
      if (j >= s.length) return null;
      if (s[j] === '}') {
        max = -1;
      } else {
        const m = int();
        if (m === null) return null;
        max = m;
        if (m < 0) min = -1;
      }
    }
    if (s[j] !== '}') return null;
    return { min, max, end: j + 1 };
  }

  private repeat(
    op: '*' | '+' | '?' | '{}',
    min: number,
    max: number,
    start: number,
    after: number,
    lastRepeat: number,
  ): number {
    let flags = this.flags;
    if (this.src[after] === '?') {
      after++;
      flags ^= NON_GREEDY;
    }
    if (lastRepeat >= 0) this.fail('invalid nested repetition operator', lastRepeat, after);
    const items = this.frame.items;
    const sub = items.pop();
    if (sub === undefined) this.fail('missing argument to repetition operator', start, after);
    let size: number;
    if (op === '*') size = 2 + sub.size;
    else if (op === '+' || op === '?') size = 1 + sub.size;
    else if (max === -1) size = min === 0 ? 2 + sub.size : 1 + min * sub.size;
    else size = max * sub.size + (max - min);
    const node: Node = {
      kind: 'repeat',
      op,
      min,
      max,
      greedy: (flags & NON_GREEDY) === 0,
      sub,
      height: sub.height + 1,
      size: Math.max(1, size),
    };
    this.push(node);
    if (op === '{}' && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      this.fail('invalid repeat count', start, after);
    }
    return after;
  }

  private escape(i: number): number {
    const s = this.src;
    const next = s[i + 1];
    if (next === 'A') {
      this.push(leaf({ kind: 'assert', what: 'beginText' }));
      return i + 2;
    }
    if (next === 'z') {
      this.push(leaf({ kind: 'assert', what: 'endText' }));
      return i + 2;
    }
    if (next === 'b' || next === 'B') {
      this.push(leaf({ kind: 'assert', what: next === 'b' ? 'wordBoundary' : 'notWordBoundary' }));
      return i + 2;
    }
    if (next === 'C') this.fail('invalid escape sequence', i, i + 2, 'RE2 in Go has no \\C (any byte)');
    if (next === 'Q') {
      const end = s.indexOf('\\E', i + 2);
      const stop = end < 0 ? s.length : end;
      for (let j = i + 2; j < stop;) {
        const [cp, after] = this.rune(j);
        this.literal(cp);
        j = after;
      }
      return end < 0 ? s.length : end + 2;
    }
    if (next === 'p' || next === 'P') {
      const { part, end } = this.unicodeClass(i);
      this.pushClass([part], false, []);
      return end;
    }
    const perl = PERL_GROUPS[s.slice(i, i + 2)];
    if (perl) {
      this.pushClass([perl], false, []);
      return i + 2;
    }
    const [cp, end] = this.parseEscape(i);
    this.literal(cp);
    return end;
  }

  /** An escape that stands for one code point (outside or inside a class). */
  private parseEscape(i: number): [number, number] {
    const s = this.src;
    let j = i + 1;
    if (j >= s.length) this.fail('trailing backslash at end of expression', s.length, s.length);
    const [c, afterC] = this.rune(j);
    j = afterC;
    const ch = String.fromCodePoint(c);
    if (ch >= '0' && ch <= '7') {
      // \1-\7 alone would be a backreference; with a further octal digit they start an octal escape.
      if (ch === '0' || isOctal(s, j)) {
        let r = c - 0x30;
        for (let k = 1; k < 3 && isOctal(s, j); k++, j++) r = r * 8 + s.charCodeAt(j) - 0x30;
        return [r, j];
      }
    } else if (ch === 'x') {
      if (j < s.length) {
        const [c1, after1] = this.rune(j);
        j = after1;
        if (c1 === 0x7b) {
          let r = 0;
          let digits = 0;
          for (;;) {
            if (j >= s.length) break;
            const [d, afterD] = this.rune(j);
            j = afterD;
            if (d === 0x7d) {
              if (digits > 0) return [r, j];
              break;
            }
            const v = unhex(d);
            if (v < 0) break;
            r = r * 16 + v;
            if (r > MAX_RUNE) break;
            digits++;
          }
        } else {
          const x = unhex(c1);
          let y = -1;
          if (j < s.length) {
            const [c2, after2] = this.rune(j);
            j = after2;
            y = unhex(c2);
          }
          if (x >= 0 && y >= 0) return [x * 16 + y, j];
        }
      }
    } else if (ch === 'a') return [0x07, j];
    else if (ch === 'f') return [0x0c, j];
    else if (ch === 'n') return [0x0a, j];
    else if (ch === 'r') return [0x0d, j];
    else if (ch === 't') return [0x09, j];
    else if (ch === 'v') return [0x0b, j];
    else if (c < 0x80 && !isAlnum(c)) return [c, j];
    return this.fail('invalid escape sequence', i, j, escapeHint(ch));
  }

  /** \pL, \p{Greek}, \P{^Lu} at i. */
  private unicodeClass(i: number): { part: SetPart; end: number } {
    const s = this.src;
    let negated = s[i + 1] === 'P';
    let name: string;
    let end: number;
    if (s[i + 2] === '{') {
      const close = s.indexOf('}', i);
      if (close < 0) {
        this.checkUtf8(i, s.length);
        this.fail('invalid character class range', i, s.length);
      }
      this.checkUtf8(i + 3, close);
      name = s.slice(i + 3, close);
      end = close + 1;
    } else if (i + 2 < s.length) {
      const [, after] = this.rune(i + 2);
      name = s.slice(i + 2, after);
      end = after;
    } else {
      name = '';
      end = i + 2;
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const body = unicodeClassBody(name);
    if (body === null) this.fail('invalid character class range', i, end, unicodeNameHint(name));
    return { part: { negated, body }, end };
  }

  /** A bracketed class at i; returns the index after its `]`. */
  private charClass(i: number): number {
    const s = this.src;
    const classStart = i;
    let j = i + 1;
    let negated = false;
    if (s[j] === '^') {
      negated = true;
      j++;
    }
    const ranges: [number, number][] = [];
    const groups: SetPart[] = [];
    let first = true;
    while (j >= s.length || s[j] !== ']' || first) {
      first = false;
      if (s[j] === '[' && s[j + 1] === ':' && j + 2 < s.length) {
        const close = s.indexOf(':]', j + 2);
        if (close >= 0) {
          const spec = s.slice(j + 2, close);
          const neg = spec.startsWith('^');
          const body = POSIX_CLASSES[neg ? spec.slice(1) : spec];
          if (body === undefined || !Object.hasOwn(POSIX_CLASSES, neg ? spec.slice(1) : spec)) {
            this.fail('invalid character class range', j, close + 2);
          }
          groups.push({ negated: neg, body });
          j = close + 2;
          continue;
        }
      }
      if (s[j] === '\\' && (s[j + 1] === 'p' || s[j + 1] === 'P')) {
        const { part, end } = this.unicodeClass(j);
        groups.push(part);
        j = end;
        continue;
      }
      const perl = s[j] === '\\' ? PERL_GROUPS[s.slice(j, j + 2)] : undefined;
      if (perl) {
        groups.push(perl);
        j += 2;
        continue;
      }
      const rangeStart = j;
      let lo: number;
      [lo, j] = this.classChar(j, classStart);
      let hi = lo;
      if (s[j] === '-' && j + 1 < s.length && s[j + 1] !== ']') {
        [hi, j] = this.classChar(j + 1, classStart);
        if (hi < lo) this.fail('invalid character class range', rangeStart, j);
      }
      ranges.push([lo, hi]);
    }
    this.pushClass(groups, negated, ranges);
    return j + 1;
  }

  private classChar(j: number, classStart: number): [number, number] {
    const s = this.src;
    if (j >= s.length) this.fail('missing closing ]', classStart, s.length);
    if (s[j] === '\\') return this.parseEscape(j);
    return this.rune(j);
  }

  /** Pushes a class made of named groups and ranges, folded when (?i) is in force. */
  private pushClass(groups: SetPart[], negated: boolean, ranges: [number, number][]): void {
    const fold = (this.flags & FOLD) !== 0;
    const parts: SetPart[] = [];
    let positive = ranges.map(([lo, hi]) => rangeBody(lo, hi)).join('');
    if (fold && ranges.length > 0) positive += codePointsBody(foldRanges(ranges));
    for (const g of groups) {
      const part = fold ? foldPart(g) : g;
      if (part.negated) parts.push(part);
      else positive += part.body;
    }
    if (positive !== '') parts.unshift({ negated: false, body: positive });
    this.push(leaf({ kind: 'class', parts, negated }));
  }
}

function unicodeNameHint(name: string): string | null {
  if (name === '') return null;
  const lower = name.toLowerCase();
  const known = [...Object.keys(CATEGORIES), ...SCRIPTS, 'Any'].find((n) => n.toLowerCase() === lower);
  if (known !== undefined) return `names are case-sensitive: \\p{${known}}`;
  if (name.includes('=')) return 'RE2 takes a bare category or script name, as in \\p{Greek}';
  return 'RE2 knows Unicode general categories (\\p{Lu}), scripts (\\p{Greek}) and Any';
}

/** Go's check that nested counted repetitions do not multiply past 1000 copies. */
function repeatIsValid(node: Node, n: number): boolean {
  if (node.kind === 'repeat' && node.op === '{}') {
    let m = node.max;
    if (m === 0) return true;
    if (m < 0) m = node.min;
    if (m > n) return false;
    if (m > 0) n = Math.trunc(n / m);
  }
  switch (node.kind) {
    case 'capture':
    case 'repeat':
      return repeatIsValid(node.sub, n);
    case 'concat':
    case 'alternate':
      return node.subs.every((sub) => repeatIsValid(sub, n));
    default:
      return true;
  }
}

// ---------------------------------------------------------------------------------------------
// JavaScript output

function emitClassParts(parts: readonly SetPart[], negated: boolean): string {
  const head = negated ? '[^' : '[';
  if (parts.length === 1 && !parts[0]!.negated) return shieldNegated(`${head}${parts[0]!.body}]`);
  if (parts.length === 1 && !negated) return shieldNegated(`[^${parts[0]!.body}]`);
  return shieldNegated(`${head}${parts.map((p) => (p.negated ? `[^${p.body}]` : `[${p.body}]`)).join('')}]`);
}

/**
 * A top-level negated class, wrapped in a positive one (`[^a]` -> `[[^a]]`, the same set in `v`
 * mode). V8 in Node 20 miscompiles a top-level negated class in a repeated group under the `v` flag:
 * /^(?:aa[^a])+$/v matches "aaa". The nested form does not trigger it.
 */
function shieldNegated(cls: string): string {
  return cls.startsWith('[^') ? `[${cls}]` : cls;
}

function emit(node: Node): string {
  switch (node.kind) {
    case 'literal': {
      if (!node.fold) return esc(node.cp);
      const orbit = caseOrbit(node.cp);
      return orbit.length === 1 ? esc(node.cp) : `[${orbit.map(esc).join('')}]`;
    }
    case 'class':
      return emitClassParts(node.parts, node.negated);
    case 'any':
      return node.newline ? `[${rangeBody(0, MAX_RUNE)}]` : shieldNegated(`[^${esc(0x0a)}]`);
    case 'empty':
      return '(?:)';
    case 'assert':
      switch (node.what) {
        case 'beginText':
          return '^';
        case 'endText':
          return '$';
        case 'beginLine':
          return `(?<![^${esc(0x0a)}])`;
        case 'endLine':
          return `(?![^${esc(0x0a)}])`;
        case 'wordBoundary':
          return '\\b';
        case 'notWordBoundary':
          return '\\B';
      }
      break;
    case 'capture':
      return `(?:${emit(node.sub)})`;
    case 'concat':
      return node.subs.map(emit).join('');
    case 'alternate':
      return `(?:${node.subs.map(emit).join('|')})`;
    case 'repeat': {
      let q: string;
      if (node.op !== '{}') q = node.op;
      else if (node.max === -1) q = `{${node.min},}`;
      else if (node.max === node.min) q = `{${node.min}}`;
      else q = `{${node.min},${node.max}}`;
      return `(?:${emit(node.sub)})${q}${node.greedy ? '' : '?'}`;
    }
  }
  throw new Error('unreachable');
}

/**
 * The JavaScript pattern (for the `v` flag, no other flags) matching what Go's regexp.Compile(source)
 * matches. Throws GoRegexpError for anything Go would reject.
 */
export function translateGoRegexp(source: string): string {
  return emit(new Parser(source).parse());
}
