import { GoRegexpError, translateGoRegexp } from './go-regexp.js';

/*
 * Label matchers as Alertmanager 0.25 parses, matches, sorts and prints them (pkg/labels): the
 * `matchers:` lists of routes and inhibit rules, the older `match:`/`match_re:` maps, and the API's
 * `filter` parameter. Route keys and group keys are built from the printed forms and are visible to
 * users (webhook `groupKey`, the API), so printing follows Alertmanager byte for byte.
 *
 * Regular expressions are Go's (RE2 syntax) and are translated to JavaScript by go-regexp.ts, always
 * fully anchored as Alertmanager anchors them: the value v is compiled as `^(?:v)$`.
 */

export type MatchType = '=' | '!=' | '=~' | '!~';

/** In Alertmanager's order (MatchEqual, MatchNotEqual, MatchRegexp, MatchNotRegexp), used for sorting. */
export const MATCH_TYPES: readonly MatchType[] = ['=', '!=', '=~', '!~'];

export interface Matcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
}

/** A matcher whose regular expression, if any, is compiled: the form to keep for matching many alerts. */
export interface CompiledMatcher extends Matcher {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

export class MatcherError extends Error {
  /** The whole string (or label name, or value) that was being parsed. */
  readonly input: string;
  /** Where in `input` the offending matcher starts, in UTF-16 code units; null when not applicable. */
  readonly offset: number | null;

  constructor(input: string, message: string, offset: number | null = null) {
    super(message);
    this.name = 'MatcherError';
    this.input = input;
    this.offset = offset;
  }
}

function shorten(s: string): string {
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

// ---------------------------------------------------------------------------------------------
// Regular expressions

/** The prefix Alertmanager puts before a matcher's regular expression (and `)$` after it). */
const ANCHOR_OPEN = '^(?:';
const REGEX_CACHE_LIMIT = 5000;
const regexCache = new Map<string, RegExp | GoRegexpError>();

function regexError(value: string, err: GoRegexpError): string {
  const at = err.offset - ANCHOR_OPEN.length;
  const where = at >= 0 && at < value.length ? ` at offset ${at} of the expression` : '';
  return `invalid regular expression ${JSON.stringify(shorten(value))}${where}: ${err.message}`;
}

/**
 * The JavaScript RegExp for a matcher's regular expression `value`, anchored as Alertmanager anchors it
 * (`^(?:value)$`, Go RE2 syntax). Compiled once per distinct value. Throws MatcherError for anything
 * Go's regexp.Compile would reject.
 */
export function compileMatcherRegex(value: string): RegExp {
  if (typeof value !== 'string') throw new MatcherError(String(value), 'regular expression is not a string');
  let re = regexCache.get(value);
  if (re === undefined) {
    try {
      const compiled = new RegExp(translateGoRegexp(`${ANCHOR_OPEN}${value})$`), 'v');
      // V8 compiles lazily: make it fail here, not while matching, if the engine cannot take it.
      compiled.test('');
      re = compiled;
    } catch (err) {
      if (err instanceof GoRegexpError) re = err;
      else {
        // Not expected: the translation is valid JavaScript by construction. Reported, not thrown raw.
        const reason = err instanceof Error ? err.message : String(err);
        throw new MatcherError(
          value,
          `regular expression ${JSON.stringify(shorten(value))} cannot be compiled by the JavaScript engine: ${reason}`,
        );
      }
    }
    if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.delete(regexCache.keys().next().value!);
    regexCache.set(value, re);
  }
  if (re instanceof GoRegexpError) throw new MatcherError(value, regexError(value, re));
  return re;
}

function testRegex(re: RegExp, value: string): boolean {
  // Go decodes invalid UTF-8 as U+FFFD; a lone surrogate is the JavaScript string's equivalent.
  return re.test(value.isWellFormed() ? value : value.toWellFormed());
}

// ---------------------------------------------------------------------------------------------
// Matching

function labelValue(labels: Readonly<Record<string, string>>, name: string): string {
  return Object.hasOwn(labels, name) ? labels[name]! : '';
}

function isMatchType(t: unknown): t is MatchType {
  return t === '=' || t === '!=' || t === '=~' || t === '!~';
}

/**
 * Checks a matcher built elsewhere (an API body, a stored silence) and compiles it. A missing label
 * counts as the empty string, as in Alertmanager: `env!="prod"` matches an alert without `env`.
 */
export function compileMatcher(m: Matcher): CompiledMatcher {
  const { name, type, value } = m;
  if (typeof name !== 'string') throw new MatcherError(String(name), 'label name is not a string');
  if (typeof value !== 'string') throw new MatcherError(String(value), 'matcher value is not a string');
  if (!isMatchType(type)) {
    throw new MatcherError(
      String(type),
      `unknown match type ${JSON.stringify(type)}; expected =, !=, =~ or !~`,
    );
  }
  let test: (v: string) => boolean;
  if (type === '=') test = (v) => v === value;
  else if (type === '!=') test = (v) => v !== value;
  else {
    const re = compileMatcherRegex(value);
    test = type === '=~' ? (v) => testRegex(re, v) : (v) => !testRegex(re, v);
  }
  const matches = (labels: Readonly<Record<string, string>>): boolean => test(labelValue(labels, name));
  return Object.freeze({ name, type, value, matches });
}

/**
 * What is wrong with a matcher built elsewhere (unknown type, invalid regular expression), or null.
 * The label name is not checked: Alertmanager checks it only where it is required (LABEL_NAME_RE).
 */
export function checkMatcher(m: Matcher): string | null {
  try {
    compileMatcher(m);
    return null;
  } catch (err) {
    if (err instanceof MatcherError) return err.message;
    throw err;
  }
}

function isCompiled(m: Matcher): m is CompiledMatcher {
  return typeof (m as Partial<CompiledMatcher>).matches === 'function';
}

/** Whether `labels` satisfies `m`. Throws MatcherError only for a plain matcher with an invalid regex. */
export function matcherMatches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  if (isCompiled(m)) return m.matches(labels);
  const v = labelValue(labels, m.name);
  switch (m.type) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return testRegex(compileMatcherRegex(m.value), v);
    case '!~':
      return !testRegex(compileMatcherRegex(m.value), v);
  }
  throw new MatcherError(String(m.type), `unknown match type ${JSON.stringify(m.type)}`);
}

/** Whether `labels` satisfies every matcher (true for none). */
export function allMatch(ms: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of ms) if (!matcherMatches(m, labels)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Parsing (labels.ParseMatchers / labels.ParseMatcher)

/** Go regexp's \s, which Alertmanager's matcher pattern uses around each part. */
function isRegexSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

/** Go's unicode.IsSpace, which strings.TrimSpace uses. */
function isUnicodeSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

const FORMAT_HINT =
  'expected a label name ([a-zA-Z_:][a-zA-Z0-9_:]*), then =, !=, =~ or !~, then a value, optionally in double quotes';

/**
 * One matcher, `name op value`, as labels.ParseMatcher: whitespace ([ \t\n\f\r]) around the parts is
 * ignored; the value may be in double quotes, and inside it `\"`, `\\` and `\n` are escapes while any
 * other backslash is literal. `offset` places `text` within `input` for error messages.
 */
function parseOne(text: string, input: string, offset: number): Matcher {
  let i = 0;
  while (i < text.length && isRegexSpace(text.charCodeAt(i))) i++;
  const nameStart = i;
  const fail = (reason: string): never => {
    // Point at the matcher's first non-blank character.
    let shown = text.slice(nameStart);
    while (shown.length > 0 && isRegexSpace(shown.charCodeAt(shown.length - 1))) shown = shown.slice(0, -1);
    const at = offset + nameStart;
    throw new MatcherError(
      input,
      `invalid matcher ${JSON.stringify(shorten(shown))} at offset ${at}: ${reason}`,
      at,
    );
  };
  if (i < text.length && isNameStart(text.charCodeAt(i))) {
    i++;
    while (i < text.length && isNameChar(text.charCodeAt(i))) i++;
  }
  if (i === nameStart) {
    return fail(i === text.length ? 'empty matcher (is there a comma too many?)' : FORMAT_HINT);
  }
  const name = text.slice(nameStart, i);
  while (i < text.length && isRegexSpace(text.charCodeAt(i))) i++;
  let type: MatchType;
  if (text.startsWith('=~', i)) type = '=~';
  else if (text.startsWith('=', i)) type = '=';
  else if (text.startsWith('!=', i)) type = '!=';
  else if (text.startsWith('!~', i)) type = '!~';
  else return fail(FORMAT_HINT);
  i += type.length;
  while (i < text.length && isRegexSpace(text.charCodeAt(i))) i++;
  let end = text.length;
  while (end > i && isRegexSpace(text.charCodeAt(end - 1))) end--;

  let raw = text.slice(i, end);
  let expectQuote = false;
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectQuote = true;
  }
  if (!raw.isWellFormed()) fail('the value is not valid Unicode (it has a lone surrogate)');
  const unescapedQuote = 'the value has a double quote that is neither escaped (\\") nor the closing quote';
  let value = '';
  let escaped = false;
  for (let j = 0; j < raw.length; j++) {
    const c = raw[j]!;
    if (escaped) {
      escaped = false;
      if (c === 'n') value += '\n';
      else if (c === '"' || c === '\\') value += c;
      else value += `\\${c}`; // not an escape: the backslash is literal
      continue;
    }
    if (c === '\\') {
      if (j < raw.length - 1) escaped = true;
      else value += c;
    } else if (c === '"') {
      if (!expectQuote || j < raw.length - 1) fail(unescapedQuote);
      expectQuote = false;
    } else {
      value += c;
    }
  }
  if (expectQuote) fail('the value has an opening double quote but no closing one');
  if (type === '=~' || type === '!~') {
    try {
      compileMatcherRegex(value);
    } catch (err) {
      if (err instanceof MatcherError) fail(err.message);
      throw err;
    }
  }
  return { name, type, value };
}

/**
 * One matcher, as Alertmanager's labels.ParseMatcher (the API's `filter` parameter, amtool): no
 * braces, no list. Throws MatcherError, and nothing else, for invalid input.
 */
export function parseMatcher(input: string): Matcher {
  if (typeof input !== 'string') throw new MatcherError(String(input), 'matcher is not a string');
  return parseOne(input, input, 0);
}

/**
 * A comma-separated list of matchers, as Alertmanager's labels.ParseMatchers (config `matchers:`
 * entries, `source_matchers`, `target_matchers`): an optional `{` first and `}` last, commas inside
 * double quotes (outside escapes) do not separate, a trailing comma is allowed, and an empty list is
 * valid. Throws MatcherError, and nothing else, for invalid input.
 */
export function parseMatchers(input: string): Matcher[] {
  if (typeof input !== 'string') throw new MatcherError(String(input), 'matchers are not a string');
  let s = input;
  let base = 0;
  if (s.startsWith('{')) {
    s = s.slice(1);
    base = 1;
  }
  if (s.endsWith('}')) s = s.slice(0, -1);
  // Go reads the string rune by rune, which turns invalid UTF-8 into U+FFFD; a lone surrogate is the
  // JavaScript equivalent. The replacement keeps every offset.
  s = s.toWellFormed();

  const tokens: { text: string; offset: number }[] = [];
  let insideQuotes = false;
  let escaped = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ',') {
      if (!insideQuotes) {
        tokens.push({ text: s.slice(start, i), offset: base + start });
        start = i + 1;
      }
      // Inside quotes a comma is ordinary text and, as in Alertmanager, leaves `escaped` alone.
    } else if (c === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (c === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
  }
  // Only the last part is trimmed (with Go's Unicode-aware TrimSpace), and dropped when blank: that is
  // what makes a trailing comma valid.
  let lastStart = start;
  let lastEnd = s.length;
  while (lastStart < lastEnd && isUnicodeSpace(s.charCodeAt(lastStart))) lastStart++;
  while (lastEnd > lastStart && isUnicodeSpace(s.charCodeAt(lastEnd - 1))) lastEnd--;
  if (lastEnd > lastStart) tokens.push({ text: s.slice(lastStart, lastEnd), offset: base + lastStart });

  return tokens.map((t) => parseOne(t.text, input, t.offset));
}

// ---------------------------------------------------------------------------------------------
// The older config forms

/** Prometheus' label name syntax (model.LabelNameRE); the matcher syntax itself also allows `:`. */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkLabelName(name: string): void {
  if (!LABEL_NAME_RE.test(name)) {
    throw new MatcherError(name, `invalid label name ${goQuote(name)}: expected [a-zA-Z_][a-zA-Z0-9_]*`);
  }
}

/** `match:` (routes) and `source_match:`/`target_match:` (inhibit rules): equality matchers, sorted. */
export function matchersFromMatch(match: Readonly<Record<string, string>>): Matcher[] {
  const out: Matcher[] = [];
  for (const [name, value] of Object.entries(match)) {
    checkLabelName(name);
    if (typeof value !== 'string')
      throw new MatcherError(name, `the value for ${goQuote(name)} is not a string`);
    out.push({ name, type: '=', value });
  }
  return sortMatchers(out);
}

/**
 * `match_re:` and `source_match_re:`/`target_match_re:`: regex matchers, sorted. As in Alertmanager 0.25,
 * the matcher's value is the anchored source the config compiled, `^(?:v)$`, not `v`: that is what
 * route keys (and so group keys) show, e.g. `{}/{env=~"^(?:prod.*)$"}`.
 */
export function matchersFromMatchRe(matchRe: Readonly<Record<string, string>>): Matcher[] {
  const out: Matcher[] = [];
  for (const [name, re] of Object.entries(matchRe)) {
    checkLabelName(name);
    if (typeof re !== 'string')
      throw new MatcherError(name, `the value for ${goQuote(name)} is not a string`);
    try {
      // The config checks `re` anchored once; the matcher then anchors the anchored form again.
      compileMatcherRegex(re);
      const value = `${ANCHOR_OPEN}${re})$`;
      compileMatcherRegex(value);
      out.push({ name, type: '=~', value });
    } catch (err) {
      if (err instanceof MatcherError) {
        throw new MatcherError(re, `invalid regular expression for ${goQuote(name)}: ${err.message}`);
      }
      throw err;
    }
  }
  return sortMatchers(out);
}

// ---------------------------------------------------------------------------------------------
// Sorting and printing

/** Go's string order (UTF-8 bytes), which is code point order; plain `<` on UTF-16 differs above U+FFFF. */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800-DFFF, standing for code points above U+FFFF) sort after U+E000-FFFF.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** Alertmanager's order (labels.Matchers.Less): by name, then value, then type; returns a new array. */
export function sortMatchers<M extends Matcher>(ms: readonly M[]): M[] {
  return [...ms].sort(
    (a, b) =>
      compareGoStrings(a.name, b.name) ||
      compareGoStrings(a.value, b.value) ||
      MATCH_TYPES.indexOf(a.type) - MATCH_TYPES.indexOf(b.type),
  );
}

/**
 * A matcher as Alertmanager 0.25 prints it (labels.Matcher.String): name, operator, and the value in
 * double quotes with only `\`, `"` and line feed escaped (OpenMetrics escaping, not Go's %q: a tab or
 * a control character is printed as is).
 */
export function formatMatcher(m: Matcher): string {
  if (!NEEDS_OPENMETRICS_ESCAPE.test(m.value)) return `${m.name}${m.type}"${m.value}"`;
  let v = '';
  for (const c of m.value) v += c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '\n' ? '\\n' : c;
  return `${m.name}${m.type}"${v}"`;
}

const NEEDS_OPENMETRICS_ESCAPE = /[\\"\n]/;

/** `{a="1",b=~"x"}`: the form route keys are made of (labels.Matchers.String); no sorting is done. */
export function formatMatchers(ms: readonly Matcher[]): string {
  return `{${ms.map(formatMatcher).join(',')}}`;
}

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
/** Printable ASCII without `"` and `\`: quoted as it is. */
const PLAIN_ASCII = /^[ !#-[\]-~]*$/;
const HEX = '0123456789abcdef';

function hex(n: number, digits: number): string {
  let out = '';
  for (let i = digits - 1; i >= 0; i--) out += HEX[(n >>> (4 * i)) & 0xf];
  return out;
}

/**
 * Go's strconv.Quote (and %q): double quotes; `\"` and `\\`; printable characters (letters, marks,
 * numbers, punctuation, symbols, ASCII space: é and ☃ included) as they are; \a \b \f \n \r \t \v;
 * other code points as \xhh below U+0080, \uhhhh, or \Uhhhhhhhh. A lone surrogate prints as U+FFFD,
 * which is what it becomes in Alertmanager (Go's JSON decoding replaces it).
 */
export function goQuote(s: string): string {
  if (PLAIN_ASCII.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp < 0x7f) {
      out += cp === 0x22 || cp === 0x5c ? `\\${ch}` : ch;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      out += '\ufffd';
    } else if (cp >= 0x80 && GO_PRINTABLE.test(ch)) {
      out += ch;
    } else if (cp === 0x07) out += '\\a';
    else if (cp === 0x08) out += '\\b';
    else if (cp === 0x0c) out += '\\f';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (cp === 0x0b) out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

/**
 * A label set as prometheus/common's model.LabelSet.String() (v0.38, used by Alertmanager 0.25) prints
 * it, as in group keys: `name="value"` pairs with %q quoting, joined by `, `, in braces. The pairs are
 * sorted as whole strings, not by name, so `a0="x"` comes before `a="y"` ('0' < '=').
 */
export function formatLabelSet(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels).map((name) => `${name.toWellFormed()}=${goQuote(labels[name]!)}`);
  return `{${pairs.sort(compareGoStrings).join(', ')}}`;
}

/** Longest regular expression accepted from API clients (silences, `filter`). */
export const MAX_API_REGEX_LENGTH = 1024;

/**
 * Why a regular expression from an API client (a silence, a `filter`, a `receiver` query) is
 * refused, or null. Go's regexp runs in linear time; JavaScript's backtracks, so patterns like
 * `(a+)+b`, `(a|a)+` or `(a?)+` can take exponential time on a long label value and stall the
 * server. Configuration files are trusted; API input is not, so a repeated group may contain no
 * repetition, no optional part and no alternation, and the pattern is limited in length. This
 * also refuses some harmless patterns (`(a{2})*`, `(foo|bar)+`): write them without the outer
 * repetition, or put them in a configuration file.
 */
export function checkApiRegex(value: string): string | null {
  if (value.length > MAX_API_REGEX_LENGTH)
    return `the regular expression is longer than ${MAX_API_REGEX_LENGTH} characters`;
  // For each open group: whether it contains repetition, an optional part or an alternation.
  const stack: boolean[] = [];
  let inClass = false;
  const quantifierAt = (j: number): boolean => {
    const c = value[j];
    return c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(value.slice(j)));
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push(false);
      // `(?:`, `(?i)`, `(?P<name>`: the `?` is syntax, not a quantifier.
      if (value[i + 1] === '?') i++;
      continue;
    }
    if (c === ')') {
      const risky = stack.pop() ?? false;
      const repeated =
        value[i + 1] === '*' || value[i + 1] === '+' || (value[i + 1] === '{' && quantifierAt(i + 1));
      if (risky && repeated)
        return 'a repeated group may not contain repetition, an optional part or an alternation in API input (it can take exponential time)';
      if (stack.length > 0 && (risky || quantifierAt(i + 1))) stack[stack.length - 1] = true;
      continue;
    }
    if ((c === '|' || quantifierAt(i)) && stack.length > 0) stack[stack.length - 1] = true;
  }
  return null;
}
