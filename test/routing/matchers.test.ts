import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseOrbit } from '../../src/routing/case-fold.js';
import { GoRegexpError, translateGoRegexp } from '../../src/routing/go-regexp.js';
import {
  allMatch,
  checkMatcher,
  compareGoStrings,
  compileMatcher,
  compileMatcherRegex,
  formatLabelSet,
  formatMatcher,
  formatMatchers,
  goQuote,
  LABEL_NAME_RE,
  MatcherError,
  matcherMatches,
  matchersFromMatch,
  matchersFromMatchRe,
  parseMatcher,
  parseMatchers,
  sortMatchers,
  type Matcher,
  type MatchType,
} from '../../src/routing/matchers.js';

const m = (name: string, type: MatchType, value: string): Matcher => ({ name, type, value });

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('parseMatchers', () => {
  // Behaviour of Alertmanager 0.25's labels.ParseMatchers, worked out from its source.
  it.each<[string, Matcher[]]>([
    [
      '{alertname="Watchdog", severity=~"critical|warning"}',
      [m('alertname', '=', 'Watchdog'), m('severity', '=~', 'critical|warning')],
    ],
    ['alertname=Watchdog,env!="dev"', [m('alertname', '=', 'Watchdog'), m('env', '!=', 'dev')]],
    ['{foo = "bar", dings != "bums", }', [m('foo', '=', 'bar'), m('dings', '!=', 'bums')]],
    ['a!~"x.*" , b=~y', [m('a', '!~', 'x.*'), m('b', '=~', 'y')]],
    ['{msg="say \\"hi, there\\""}', [m('msg', '=', 'say "hi, there"')]],
    ['{a="1,2", b="3"}', [m('a', '=', '1,2'), m('b', '=', '3')]],
    ['status=~"5.."', [m('status', '=~', '5..')]],
    // `=~` is tried before `=`: the first operator wins and the rest is the value.
    ['tilde=~~~', [m('tilde', '=~', '~~')]],
    ['eq==b', [m('eq', '=', '=b')]],
    ['ne!==x', [m('ne', '!=', '=x')]],
    // Inside a value: \" \\ \n are escapes, any other backslash is literal, also at the end.
    ['a==b\\\\\\=\\"', [m('a', '=', '=b\\\\="')]],
    ['a="x\\ny"', [m('a', '=', 'x\ny')]],
    ['a="x\\ty"', [m('a', '=', 'x\\ty')]],
    ['a=b\\', [m('a', '=', 'b\\')]],
    ['job=', [m('job', '=', '')]],
    ['job=""', [m('job', '=', '')]],
    ['a = " spaced "', [m('a', '=', ' spaced ')]],
    ['\t\na\r\n=\fb\t', [m('a', '=', 'b')]],
    ['ns:sub="x"', [m('ns:sub', '=', 'x')]],
    ['_=x', [m('_', '=', 'x')]],
    ['', []],
    ['{}', []],
    ['  ', []],
    ['a=b,', [m('a', '=', 'b')]],
    ['a=b, \t', [m('a', '=', 'b')]],
    // Only one brace is removed at each end, and only when it is the very first or last character.
    ['{a=b}}', [m('a', '=', 'b}')]],
    ['{a=b} ', [m('a', '=', 'b}')]],
    ['a=b}', [m('a', '=', 'b')]],
    // Only the last matcher is trimmed with Go's Unicode-aware TrimSpace (\v, NBSP...); the others
    // lose only [ \t\n\f\r] around their parts.
    ['a=b,\u00a0c=d', [m('a', '=', 'b'), m('c', '=', 'd')]],
    ['a=b\u00a0,c=d', [m('a', '=', 'b\u00a0'), m('c', '=', 'd')]],
    ['a=b\u00a0', [m('a', '=', 'b')]],
    ['a=b\v,c=d\v', [m('a', '=', 'b\v'), m('c', '=', 'd')]],
    ['a=é☃😀', [m('a', '=', 'é☃😀')]],
    // A lone surrogate (Go: invalid UTF-8) becomes U+FFFD, as Go's rune loop makes it.
    ['a=\ud800', [m('a', '=', '\ufffd')]],
  ])('%j', (input, expected) => {
    expect(parseMatchers(input)).toEqual(expected);
  });

  it.each<[string, number, RegExp]>([
    ['job="value', 0, /opening double quote but no closing one/],
    ['job=value"', 0, /neither escaped/],
    ['a="b"c', 0, /neither escaped/],
    ['{invalid-name = "x"}', 1, /expected a label name/],
    ['{a=b, c!!d}', 6, /expected a label name/],
    ['{a=b,  c!!d, e=f}', 7, /invalid matcher "c!!d" at offset 7/],
    ['1a=b', 0, /expected a label name/],
    ['=b', 0, /expected a label name/],
    ['a', 0, /expected a label name/],
    ['a=b,,c=d', 4, /empty matcher/],
    [',a=b', 0, /empty matcher/],
    [' {a=b}', 1, /expected a label name/],
    ['{{a=b}', 1, /expected a label name/],
    ['"foo=\\"bar"', 0, /expected a label name/],
    ['a="x,y', 0, /no closing one/],
    [
      'x=a, foo=~"invalid[regexp"',
      5,
      /invalid regular expression "invalid\[regexp" at offset 7 of the expression: missing closing \]: `\[regexp\)\$`/,
    ],
    ['a=~"(?=x)"', 0, /lookahead is not supported/],
    ['a!~"\\\\1"', 0, /backreferences are not supported/],
  ])('rejects %j (offset %i)', (input, offset, message) => {
    const err = errorOf(() => parseMatchers(input));
    expect(err).toBeInstanceOf(MatcherError);
    expect((err as MatcherError).message).toMatch(message);
    expect((err as MatcherError).offset).toBe(offset);
    expect((err as MatcherError).input).toBe(input);
  });

  it('throws MatcherError for a non-string', () => {
    expect(errorOf(() => parseMatchers(5 as unknown as string))).toBeInstanceOf(MatcherError);
  });
});

describe('parseMatcher', () => {
  it('parses one matcher without braces or list handling', () => {
    expect(parseMatcher(' env != "prod" ')).toEqual(m('env', '!=', 'prod'));
    expect(parseMatcher('a="1,2"')).toEqual(m('a', '=', '1,2'));
    expect(errorOf(() => parseMatcher('{a="b"}'))).toBeInstanceOf(MatcherError);
    // No list: the comma is part of the value.
    expect(parseMatcher('a=b,c=d')).toEqual(m('a', '=', 'b,c=d'));
  });

  it('rejects a value that is not valid Unicode (Go: not valid UTF-8)', () => {
    expect((errorOf(() => parseMatcher('a="\ud800"')) as Error).message).toMatch(/not valid Unicode/);
  });
});

describe('Go regular expressions (RE2 syntax)', () => {
  // Accepted by Go 1.19's regexp.Compile (Alertmanager 0.25), some only there and not in JavaScript.
  it.each([
    'critical|warning',
    '(?i)foo',
    '(?i-s:a.)b',
    '(?U)a*',
    '(?)',
    '(?P<name>x)(?P<name>y)',
    '\\pL\\PL\\p{^L}\\P{^L}\\p{Lu}\\p{Greek}\\p{Any}\\p{C}',
    '[[:alpha:]][[:^digit:]][[:word:]]',
    '\\Qa.b\\E',
    'x{,3}',
    'x{01}',
    'x{2}x{2,}x{2,5}x{1000}',
    '(a{100}){10}',
    '^*\\b+$?',
    '[]a][^]a][a-]',
    '\\_\\!\\-',
    '\\x41\\x{263a}\\x{10FFFF}\\012\\0\\a\\f\\t\\n\\r\\v',
    '\\A\\z',
    'x*?y??z+?w{2}?',
    '()(|a)a||b',
    '',
    'a)|(b',
  ])('accepts %j', (re) => {
    expect(() => compileMatcherRegex(re)).not.toThrow();
  });

  it.each<[string, string]>([
    ['\\1', 'invalid escape sequence'],
    ['\\8', 'invalid escape sequence'],
    ['\\Z', 'invalid escape sequence'],
    ['\\C', 'invalid escape sequence'],
    ['\\e', 'invalid escape sequence'],
    ['\\é', 'invalid escape sequence'],
    ['[\\b]', 'invalid escape sequence'],
    ['\\xZZ', 'invalid escape sequence'],
    ['\\x{}', 'invalid escape sequence'],
    ['\\x{110000}', 'invalid escape sequence'],
    ['(?=a)', 'invalid or unsupported Perl syntax'],
    ['(?!a)', 'invalid or unsupported Perl syntax'],
    ['(?<=a)', 'invalid or unsupported Perl syntax'],
    ['(?<!a)', 'invalid or unsupported Perl syntax'],
    ['(?<name>a)', 'invalid or unsupported Perl syntax'],
    ['(?#c)', 'invalid or unsupported Perl syntax'],
    ['(?P=n)', 'invalid or unsupported Perl syntax'],
    ['(?z)', 'invalid or unsupported Perl syntax'],
    ['(?i-)', 'invalid or unsupported Perl syntax'],
    ['(?--i)', 'invalid or unsupported Perl syntax'],
    ['(?P<n!>a)', 'invalid named capture'],
    ['(?P<>a)', 'invalid named capture'],
    ['a**', 'invalid nested repetition operator'],
    ['a*+', 'invalid nested repetition operator'],
    ['a{2}{3}', 'invalid nested repetition operator'],
    ['a???', 'invalid nested repetition operator'],
    ['*a', 'missing argument to repetition operator'],
    ['a|*', 'missing argument to repetition operator'],
    ['(*)', 'missing argument to repetition operator'],
    ['(?i)*', 'missing argument to repetition operator'],
    ['a{1001}', 'invalid repeat count'],
    ['a{1,1001}', 'invalid repeat count'],
    ['a{2,1}', 'invalid repeat count'],
    ['a{99999999999}', 'invalid repeat count'],
    ['(a{100}){11}', 'invalid repeat count'],
    ['[a', 'missing closing ]'],
    ['[z-a]', 'invalid character class range'],
    ['[[:foo:]]', 'invalid character class range'],
    ['\\p{Foo}', 'invalid character class range'],
    ['\\p{greek}', 'invalid character class range'],
    ['\\p{Latn}', 'invalid character class range'],
    ['\\p{Script=Greek}', 'invalid character class range'],
    ['\\p{ASCII}', 'invalid character class range'],
    ['\\p{Cn}', 'invalid character class range'],
    ['\\pX', 'invalid character class range'],
    ['(a', 'missing closing )'],
    // \Q without \E takes the `)$` Alertmanager appends as literal text.
    ['\\Qa.b', 'missing closing )'],
    ['\\', 'missing closing )'],
    ['a)', 'unexpected )'],
    ['\ud800', 'invalid UTF-8'],
    [`${'('.repeat(1001)}a${')'.repeat(1001)}`, 'expression nests too deeply'],
    ['(a{1000}){2}', 'invalid repeat count'],
    [`(?:${'[a-z]{1000}'.repeat(4000)})`, 'expression too large'],
  ])('rejects %j: %s', (re, code) => {
    const err = errorOf(() => compileMatcherRegex(re));
    expect(err).toBeInstanceOf(MatcherError);
    expect((err as Error).message).toContain(`: ${code}`);
  });

  it('non-capturing groups do not count towards the nesting limit, as in Go', () => {
    expect(() => compileMatcherRegex(`${'(?:'.repeat(2000)}a${')'.repeat(2000)}`)).not.toThrow();
  });

  it('reports the Go error code and fragment', () => {
    const err = errorOf(() => translateGoRegexp('a(?<n>x)'));
    expect(err).toBeInstanceOf(GoRegexpError);
    expect(err).toMatchObject({ code: 'invalid or unsupported Perl syntax', fragment: '(?<', offset: 1 });
  });

  it('knows every Go 1.19 script name as JavaScript does', () => {
    for (const script of [
      'Old_Italic',
      'Canadian_Aboriginal',
      'SignWriting',
      'Nko',
      'Phags_Pa',
      'Yezidi',
      'Common',
    ]) {
      expect(() => compileMatcherRegex(`\\p{${script}}`)).not.toThrow();
    }
    // Added in Unicode 14 and 15, after Go 1.19's tables.
    expect(() => compileMatcherRegex('\\p{Vithkuqi}')).toThrow(MatcherError);
  });

  it.each<[string, string, boolean]>([
    ['foo', 'foo', true],
    ['foo', 'foobar', false],
    ['foo|bar', 'foobar', false],
    ['', '', true],
    ['', 'x', false],
    ['(?i)foo', 'FoO', true],
    ['a(?i)b', 'aB', true],
    ['a(?i)b', 'AB', false],
    ['(?i:a)b', 'Ab', true],
    ['(?i:a)b', 'AB', false],
    ['(?i)a(?-i)b', 'Ab', true],
    ['(?i)a(?-i)b', 'AB', false],
    ['(?i)k', '\u212a', true],
    ['k', 'K', false],
    ['(?i)ΣΑΣ', 'σας', true],
    ['(?i)ß', '\u1e9e', true],
    ['(?i)[^k]', 'K', false],
    ['(?i)\\w', '\u017f', true],
    ['(?i)\\W', '\u017f', false],
    ['(?i)\\p{Lu}', 'a', true],
    ['(?i)\\P{Lu}', 'a', false],
    ['(?i)\\P{Lu}', '1', true],
    ['.', '\r', true],
    ['.', '\u2028', true],
    ['.', '\n', false],
    ['(?s).', '\n', true],
    ['[^a]', '\n', true],
    ['\\s', '\v', false],
    ['\\s', '\u00a0', false],
    ['[[:space:]]', '\v', true],
    ['\\w', 'é', false],
    ['\\pL', 'é', true],
    ['\\d', '\u0663', false],
    ['\\p{Greek}', 'λ', true],
    ['\\p{^Greek}', 'λ', false],
    ['[\\p{Greek}\\d]', '5', true],
    ['[^\\D]', '5', true],
    ['\\bfoo\\b', 'foo', true],
    ['a$\\n^b', 'a\nb', false],
    ['(?m)a$\\n^b', 'a\nb', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['x{,3}', 'x{,3}', true],
    ['(?U)a+', 'aaa', true],
    ['\\x{1F600}', '😀', true],
    ['.', '😀', true],
    ['..', '😀', false],
    ['^*a', 'a', true],
    ['\\x{fffd}', '\ud800', true],
    // The value is pasted between ^(?: and )$, so it can close the group itself, as in Alertmanager.
    ['a)|(b', 'axyz', true],
    ['a)|(b', 'xyzb', true],
    ['a)|(b', 'xyz', false],
  ])('%j on %j: %s', (re, value, expected) => {
    expect(compileMatcherRegex(re).test(value.toWellFormed())).toBe(expected);
  });

  it('folds case as Unicode simple case folding does (Go 1.19 orbits)', () => {
    const pick = fc.integer({ min: 0, max: 0x1ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff);
    // Folded together since Unicode 15; Go 1.19's tables (Unicode 13) keep them apart, and so do we.
    const newer = new Set([0x390, 0x1fd3, 0x3b0, 0x1fe3, 0xfb05, 0xfb06]);
    fc.assert(
      fc.property(pick, (cp) => {
        const re = new RegExp(`^[\\u{${cp.toString(16)}}]$`, 'iu');
        for (const other of caseOrbit(cp)) expect(re.test(String.fromCodePoint(other))).toBe(true);
        const viaGo = compileMatcherRegex(`(?i)\\x{${cp.toString(16)}}`);
        for (const probe of [cp - 1, cp + 1, cp + 32, cp - 32, ...caseOrbit(cp)]) {
          if (probe < 0 || (probe >= 0xd800 && probe <= 0xdfff) || newer.has(probe)) continue;
          const s = String.fromCodePoint(probe);
          expect(viaGo.test(s)).toBe(re.test(s));
        }
      }),
      { numRuns: 2000 },
    );
  });

  const regexy = fc.string({
    unit: fc.oneof(
      fc.constantFrom(
        ...'()[]{}|*+?.^$\\-:,!=<>#PpQEzAbBdDsSwWxiImsU0123456789aZ_'.split(''),
        '(?',
        '(?P<',
        '[:',
        ':]',
        '\\p{',
        '\\x{',
        '\\Q',
        '\\E',
        '{2}',
        '{1,3}',
        '\ud800',
        'é',
        '😀',
      ),
      fc.string({ unit: 'binary', maxLength: 1 }),
    ),
    maxLength: 30,
  });

  it('compiles any string to a RegExp or throws MatcherError, never anything else', () => {
    fc.assert(
      fc.property(regexy, (re) => {
        let compiled: RegExp;
        try {
          compiled = compileMatcherRegex(re);
        } catch (err) {
          expect(err).toBeInstanceOf(MatcherError);
          return;
        }
        for (const probe of ['', 'a', re, '\n', 'é😀']) expect(typeof compiled.test(probe)).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['(aa[^a])+', 'aaa', false],
    ['(a.)+', 'a\n', false],
    ['(a\\D)+', 'a1', false],
    ['(a[^a-c\\d])+', 'ab', false],
    ['(aa[^a])+', 'aab', true],
  ])(
    'negated classes in repeated groups: %s on %j (V8 in Node 20 got this wrong in v mode)',
    (re, s, expected) => {
      expect(compileMatcherRegex(re).test(s)).toBe(expected);
    },
  );

  it('agrees with JavaScript on the syntax both dialects share', () => {
    const shared = fc.constantFrom(
      'a',
      'b',
      '|',
      '(',
      ')',
      '(?:',
      '*',
      '+',
      '?',
      '{1,2}',
      '[ab]',
      '[^a]',
      '.',
      '\\d',
      '\\w',
      '\\b',
      '^',
      '$',
    );
    const subject = fc.string({ unit: fc.constantFrom('a', 'b', '1', ' ', '\n', '_'), maxLength: 6 });
    let compared = 0;
    fc.assert(
      fc.property(fc.string({ unit: shared, maxLength: 12 }), subject, (re, s) => {
        let js: RegExp;
        try {
          js = new RegExp(`^(?:${re})$`, 'u');
        } catch {
          return; // not valid JavaScript (a**, ^*, ...)
        }
        expect(compileMatcherRegex(re).test(s)).toBe(js.test(s));
        compared++;
      }),
      { numRuns: 3000 },
    );
    expect(compared).toBeGreaterThan(500);
  });

  it('matches a quoted literal exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 3 }),
        (s, extra) => {
          const quoted = s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
          const re = compileMatcherRegex(quoted);
          expect(re.test(s)).toBe(true);
          if (extra !== '') expect(re.test(s + extra)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('matching label sets', () => {
  it.each<[Matcher, Record<string, string>, boolean]>([
    [m('env', '=', 'prod'), { env: 'prod' }, true],
    [m('env', '=', 'prod'), { env: 'production' }, false],
    [m('env', '=', 'prod'), {}, false],
    [m('env', '!=', 'prod'), {}, true],
    [m('env', '!=', 'prod'), { env: 'prod' }, false],
    // A missing label is the empty string.
    [m('env', '=', ''), {}, true],
    [m('env', '=', ''), { env: '' }, true],
    [m('env', '=', ''), { env: 'x' }, false],
    [m('env', '=~', ''), {}, true],
    [m('env', '!~', ''), {}, false],
    [m('env', '=~', '.*'), {}, true],
    [m('env', '!~', '.+'), {}, true],
    [m('env', '=~', 'prod|staging'), { env: 'staging' }, true],
    [m('env', '=~', 'prod'), { env: 'preprod' }, false],
    [m('env', '!~', 'prod'), { env: 'preprod' }, true],
    [m('env', '=~', '(?i)PROD'), { env: 'prod' }, true],
    [m('env', '!~', '(?i)PROD'), { env: 'Prod' }, false],
    // Names are looked up as own properties only.
    [m('constructor', '=', ''), {}, true],
    [m('__proto__', '=', ''), {}, true],
    [m('toString', '!~', '.+'), {}, true],
  ])('%j on %j: %s', (matcher, labels, expected) => {
    expect(matcherMatches(matcher, labels)).toBe(expected);
    expect(compileMatcher(matcher).matches(labels)).toBe(expected);
    expect(matcherMatches(compileMatcher(matcher), labels)).toBe(expected);
  });

  it('allMatch needs every matcher and is true for none', () => {
    const ms = parseMatchers('{alertname="Watchdog", severity=~"critical|warning", env!="dev"}');
    expect(allMatch(ms, { alertname: 'Watchdog', severity: 'warning' })).toBe(true);
    expect(allMatch(ms, { alertname: 'Watchdog', severity: 'warning', env: 'dev' })).toBe(false);
    expect(allMatch(ms, { alertname: 'Watchdog', severity: 'info' })).toBe(false);
    expect(allMatch([], {})).toBe(true);
  });

  it('compileMatcher and checkMatcher reject invalid matchers with MatcherError', () => {
    expect(errorOf(() => compileMatcher(m('a', '=~', '(')))).toBeInstanceOf(MatcherError);
    expect(errorOf(() => compileMatcher({ name: 'a', type: '==' as MatchType, value: 'x' }))).toBeInstanceOf(
      MatcherError,
    );
    expect(checkMatcher(m('a', '=~', '('))).toMatch(/missing closing \)/);
    expect(checkMatcher(m('a', '=~', 'x+'))).toBeNull();
    expect(checkMatcher(m('a', '=', '('))).toBeNull();
  });
});

describe('match and match_re', () => {
  it('makes sorted equality matchers and checks label names', () => {
    expect(matchersFromMatch({ service: 'api', env: 'prod' })).toEqual([
      m('env', '=', 'prod'),
      m('service', '=', 'api'),
    ]);
    expect(errorOf(() => matchersFromMatch({ 'bad-name': 'x' }))).toBeInstanceOf(MatcherError);
    expect(errorOf(() => matchersFromMatch({ 'ns:x': 'x' }))).toBeInstanceOf(MatcherError);
    expect(LABEL_NAME_RE.test('ns:x')).toBe(false);
  });

  it('makes regex matchers whose value is the anchored source, as Alertmanager 0.25 route keys show', () => {
    const ms = matchersFromMatchRe({ job: '.*', env: 'produ.*' });
    expect(ms).toEqual([m('env', '=~', '^(?:produ.*)$'), m('job', '=~', '^(?:.*)$')]);
    expect(formatMatchers(ms)).toBe('{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}');
    expect(allMatch(ms, { env: 'production' })).toBe(true);
  });

  it('anchors twice, so a value that closes the group means what it does in Alertmanager', () => {
    const [matcher] = matchersFromMatchRe({ x: 'a)|(b' });
    expect(matcher!.value).toBe('^(?:a)|(b)$');
    expect(matcherMatches(matcher!, { x: 'axyz' })).toBe(false);
    expect(matcherMatches(matcher!, { x: 'a' })).toBe(true);
  });

  it('rejects invalid regular expressions and label names', () => {
    expect((errorOf(() => matchersFromMatchRe({ x: '(' })) as Error).message).toMatch(
      /"x".*missing closing \)/,
    );
    expect(errorOf(() => matchersFromMatchRe({ '1x': 'a' }))).toBeInstanceOf(MatcherError);
  });
});

describe('formatting', () => {
  it.each<[string, string]>([
    ['plain', '"plain"'],
    ['a\tb', '"a\\tb"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['é☃😀', '"é☃😀"'],
    ['\x00\x07\b\f\n\r\v\x1b\x7f', '"\\x00\\a\\b\\f\\n\\r\\v\\x1b\\x7f"'],
    ['\u0085\u00a0\u200b\u2028\u3000\ufeff\ue000', '"\\u0085\\u00a0\\u200b\\u2028\\u3000\\ufeff\\ue000"'],
    ['\u{e0001}\u{10ffff}', '"\\U000e0001\\U0010ffff"'],
    [' ~', '" ~"'],
    ['\ud800x', '"\ufffdx"'],
  ])('goQuote(%j) = %s', (input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });

  it('goQuote output reads back with strconv.Unquote rules and holds only printable characters', () => {
    const unquote = (q: string): string =>
      q.slice(1, -1).replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|[abfnrtv"\\])/g, (_, e: string) => {
        const simple: Record<string, string> = {
          a: '\x07',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
          v: '\v',
        };
        if (e.length === 1) return simple[e] ?? e;
        return String.fromCodePoint(parseInt(e.slice(1), 16));
      });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const q = goQuote(s);
        expect(unquote(q)).toBe(s);
        expect(q).toMatch(/^"[\p{L}\p{M}\p{N}\p{P}\p{S} ]*"$/u);
      }),
      { numRuns: 1000 },
    );
  });

  it('formatLabelSet is model.LabelSet.String()', () => {
    expect(formatLabelSet({ job: 'x\n', alertname: 'A"b' })).toBe('{alertname="A\\"b", job="x\\n"}');
    expect(formatLabelSet({})).toBe('{}');
    // The "name=value" strings are sorted, not the names: '0' sorts before '='.
    expect(formatLabelSet({ a: 'y', a0: 'x' })).toBe('{a0="x", a="y"}');
    expect(formatLabelSet({ b: 'é', a: '\t' })).toBe('{a="\\t", b="é"}');
    // Byte order, not UTF-16 order: U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80).
    expect(formatLabelSet({ 'x😀': '1', 'x\ufffd': '2' })).toBe('{x\ufffd="2", x😀="1"}');
  });

  it('formatMatcher escapes only backslash, double quote and line feed, as Alertmanager 0.25', () => {
    expect(formatMatcher(m('a', '=~', 'x\ty"\\\n'))).toBe('a=~"x\ty\\"\\\\\\n"');
    expect(formatMatcher(m('a', '!=', 'é\u0000'))).toBe('a!="é\u0000"');
  });

  it('sortMatchers uses name, value (in UTF-8 byte order), then type', () => {
    const parsed = parseMatchers('severity=~"critical|warning",env!="dev",alertname="Watchdog"');
    expect(formatMatchers(sortMatchers(parsed))).toBe(
      '{alertname="Watchdog",env!="dev",severity=~"critical|warning"}',
    );
    const types = sortMatchers([m('a', '!~', 'x'), m('a', '=~', 'x'), m('a', '!=', 'x'), m('a', '=', 'x')]);
    expect(types.map((x) => x.type)).toEqual(['=', '!=', '=~', '!~']);
    // UTF-16 order would put the emoji (D83D...) before U+FFFD; UTF-8 order puts it after.
    expect(sortMatchers([m('a', '=', '😀'), m('a', '=', '\ufffd')]).map((x) => x.value)).toEqual([
      '\ufffd',
      '😀',
    ]);
    expect(formatMatchers([])).toBe('{}');
  });

  it('compareGoStrings agrees with UTF-8 byte order', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareGoStrings(a, b))).toBe(
          Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe('properties', () => {
  const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/);
  const regexValue = fc.oneof(
    fc.constantFrom('.*', 'critical|warning', '(?i)prod', '5..', '[a-z]+', '\\d{2,3}', 'a\\.b', ''),
    fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')),
  );
  const matcher = fc.oneof(
    fc.record({
      name,
      type: fc.constantFrom<MatchType>('=', '!='),
      value: fc.string({ unit: 'binary', maxLength: 20 }),
    }),
    fc.record({ name, type: fc.constantFrom<MatchType>('=~', '!~'), value: regexValue }),
  );

  it('parseMatchers(formatMatchers(ms)) gives ms back', () => {
    fc.assert(
      fc.property(fc.array(matcher, { maxLength: 6 }), (ms) => {
        expect(parseMatchers(formatMatchers(ms))).toEqual(ms);
        for (const one of ms) expect(parseMatcher(formatMatcher(one))).toEqual(one);
      }),
      { numRuns: 1000 },
    );
  });

  const matcherish = fc.string({
    unit: fc.oneof(
      fc.constantFrom(
        '{',
        '}',
        ',',
        '"',
        '\\',
        '=',
        '!',
        '~',
        ' ',
        '\t',
        '\n',
        '\v',
        '\u00a0',
        'a',
        'b',
        '_',
        ':',
        '1',
      ),
      fc.constantFrom('=~', '!=', '!~', '"(', ')"', '[', '*', '\ud800', '\udc00', 'é'),
      fc.string({ unit: 'binary', maxLength: 1 }),
    ),
    maxLength: 40,
  });

  it('parseMatchers and parseMatcher return matchers or throw MatcherError, never anything else', () => {
    fc.assert(
      fc.property(matcherish, (input) => {
        for (const parse of [parseMatchers, (s: string) => [parseMatcher(s)]]) {
          let out: Matcher[];
          try {
            out = parse(input);
          } catch (err) {
            expect(err).toBeInstanceOf(MatcherError);
            continue;
          }
          for (const x of out) {
            expect(x.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
            expect(['=', '!=', '=~', '!~']).toContain(x.type);
            expect(typeof matcherMatches(x, { [x.name]: input })).toBe('boolean');
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
