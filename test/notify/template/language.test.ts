import { describe, expect, it } from 'vitest';
import { createTemplateSet, plainData, TemplateError } from '../../../src/notify/template/index.js';

/*
 * The template language, against outputs derived from Go's text/template documentation
 * (https://pkg.go.dev/text/template): each row is [template, data, expected output].
 */

const set = createTemplateSet();
const goSet = createTemplateSet([], { missingKey: 'default' });

function render(text: string, data: unknown = {}): string {
  return set.compile(text, 'test').execute(plainData(data));
}

function execError(text: string, data: unknown = {}): TemplateError {
  const compiled = set.compile(text, 'test');
  try {
    compiled.execute(plainData(data));
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    expect((e as TemplateError).kind).toBe('exec');
    return e as TemplateError;
  }
  throw new Error(`expected an exec error from ${text}`);
}

type Row = [template: string, data: unknown, expected: string];

const table = (rows: Row[]) =>
  it.each(rows)('%s', (text, data, expected) => {
    expect(render(text, data)).toBe(expected);
  });

describe('text, comments and whitespace trimming', () => {
  table([
    ['plain text', {}, 'plain text'],
    ['a{{/* a comment */}}b', {}, 'ab'],
    ['a {{- /* trimmed comment */ -}} b', {}, 'ab'],
    ['a{{/* multi\nline */}}b', {}, 'ab'],
    ['x  \n\t{{- .a -}}  \n y', { a: 'A' }, 'xAy'],
    ['x {{- .a }} y', { a: 'A' }, 'xA y'],
    ['x {{ .a -}} y', { a: 'A' }, 'x Ay'],
    // "{{-3}}" is the number -3: a trim marker needs a space after the dash.
    ['a {{-3}}', {}, 'a -3'],
    ['a {{- 3}}', {}, 'a3'],
    ['{{ 3 -}}\n\n 4', {}, '34'],
    ['{{\n  .a\n}}', { a: 'multi-line action' }, 'multi-line action'],
    ['}} alone', {}, '}} alone'],
  ]);
});

describe('values and literals', () => {
  table([
    ['{{ "a\\tb\\u00e9\\x41\\101\\\\\\"" }}', {}, 'a\tbéAA\\"'],
    ['{{ "\\xc3\\xa9" }}', {}, 'é'],
    ['{{ `raw\\n{{x}}` }}', {}, 'raw\\n{{x}}'],
    ['{{ 42 }} {{ -7 }} {{ +3 }} {{ 1_000 }}', {}, '42 -7 3 1000'],
    ['{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }}', {}, '31 15 15 5'],
    ['{{ 1.5 }} {{ 1.0 }} {{ 1e3 }} {{ 1e6 }} {{ .5 }} {{ 2.5e-5 }}', {}, '1.5 1 1000 1e+06 0.5 2.5e-05'],
    ["{{ 'a' }} {{ '\\n' }} {{ 'é' }}", {}, '97 10 233'],
    ['{{ true }} {{ false }}', {}, 'true false'],
    ['{{ print nil }}', {}, '<nil>'],
    ['{{ . }}', 'dot', 'dot'],
    ['{{ .a }}', { a: 3 }, '3'],
    ['{{ .a.b.c }}', { a: { b: { c: 'deep' } } }, 'deep'],
    ['{{ .l }}', { l: ['x', 'y'] }, '[x y]'],
    ['{{ .m }}', { m: { b: '2', a: '1' } }, 'map[a:1 b:2]'],
  ]);
});

describe('missing map keys', () => {
  it('give the zero value by default, as Alertmanager (missingkey=zero)', () => {
    expect(render('[{{ .m.nope }}]', { m: { a: '1' } })).toBe('[]');
    expect(render('{{ if .m.nope }}yes{{ else }}no{{ end }}', { m: {} })).toBe('no');
  });

  it('print <no value> with missingKey "default", as plain Go', () => {
    expect(goSet.compile('[{{ .m.nope }}]', 't').execute(plainData({ m: { a: '1' } }))).toBe('[<no value>]');
    expect(goSet.compile('{{ .nope.deeper }}', 't').execute(plainData({}))).toBe('<no value>');
    expect(goSet.compile('{{ with .nope }}x{{ else }}empty{{ end }}', 't').execute(plainData({}))).toBe(
      'empty',
    );
    expect(goSet.compile('{{ range .nope }}x{{ else }}nothing{{ end }}', 't').execute(plainData({}))).toBe(
      'nothing',
    );
  });

  it('index of a missing key is the zero value in both modes', () => {
    expect(goSet.compile('[{{ index .m "nope" }}]', 't').execute(plainData({ m: { a: '1' } }))).toBe('[]');
  });
});

describe('if, else if, else', () => {
  const chain =
    '{{ if eq .x 1 }}one{{ else if eq .x 2 }}two{{ else if eq .x 3 }}three{{ else }}other{{ end }}';
  table([
    [chain, { x: 1 }, 'one'],
    [chain, { x: 2 }, 'two'],
    [chain, { x: 3 }, 'three'],
    [chain, { x: 4 }, 'other'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: '' }, 'F'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: 'x' }, 'T'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: '0' }, 'T'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: 0 }, 'F'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: 0.0001 }, 'T'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: [] }, 'F'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: [''] }, 'T'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: {} }, 'F'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: null }, 'F'],
    ['{{ if .v }}T{{ else }}F{{ end }}', { v: false }, 'F'],
    ['{{ if not .v }}empty{{ end }}', { v: '' }, 'empty'],
  ]);
});

describe('with', () => {
  table([
    ['{{ with .a }}[{{ . }}]{{ end }}', { a: 'x' }, '[x]'],
    ['{{ with .a }}[{{ . }}]{{ else }}none{{ end }}', { a: '' }, 'none'],
    ['{{ with .a }}a={{ . }}{{ else with .b }}b={{ . }}{{ else }}none{{ end }}', { b: 'B' }, 'b=B'],
    ['{{ with .a }}a={{ . }}{{ else with .b }}b={{ . }}{{ else }}none{{ end }}', {}, 'none'],
    ['{{ with $x := .a }}{{ $x }}{{ . }}{{ end }}', { a: 'v' }, 'vv'],
  ]);
});

describe('range', () => {
  table([
    ['{{ range .l }}<{{ . }}>{{ end }}', { l: ['a', 'b'] }, '<a><b>'],
    ['{{ range $i, $e := .l }}{{ $i }}:{{ $e }} {{ end }}', { l: ['a', 'b'] }, '0:a 1:b '],
    ['{{ range $e := .l }}{{ $e }}{{ end }}', { l: ['a', 'b'] }, 'ab'],
    [
      '{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}',
      { m: { b: '2', c: '3', a: '1' } },
      'a=1;b=2;c=3;',
    ],
    // Maps are visited in sorted key order (byte order: upper case before lower case).
    ['{{ range .m }}{{ . }}{{ end }}', { m: { b: 'b', B: 'B', a: 'a', A: 'A' } }, 'ABab'],
    ['{{ range .l }}x{{ else }}empty{{ end }}', { l: [] }, 'empty'],
    ['{{ range .m }}x{{ else }}empty{{ end }}', { m: {} }, 'empty'],
    ['{{ range .v }}x{{ else }}nothing{{ end }}', { v: null }, 'nothing'],
    [
      '{{ range .l }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ if eq . "d" }}{{ break }}{{ end }}{{ . }}{{ end }}',
      { l: ['a', 'b', 'c', 'd', 'e'] },
      'ac',
    ],
    [
      '{{ range .l }}{{ range . }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }};{{ end }}',
      {
        l: [
          [1, 2, 3],
          [4, 2],
        ],
      },
      '1;4;',
    ],
    ['{{ range .l }}{{ $.name }}{{ . }} {{ end }}', { name: 'n', l: [1, 2] }, 'n1 n2 '],
    ['{{ range 3 }}{{ . }}{{ end }}', {}, '012'],
  ]);
});

describe('variables', () => {
  table([
    ['{{ $x := "a" }}{{ $x }}', {}, 'a'],
    ['{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}', {}, '2'],
    ['{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}', {}, '21'],
    ['{{ $last := "" }}{{ range .l }}{{ $last = . }}{{ end }}{{ $last }}', { l: ['a', 'b', 'c'] }, 'c'],
    ['{{ $ }}', 'root', 'root'],
    ['{{ with .a }}{{ $.b }}{{ end }}', { a: 'x', b: 'root-b' }, 'root-b'],
    ['{{ $m := .m }}{{ $m.k }}', { m: { k: 'v' } }, 'v'],
  ]);

  it('a variable is scoped to the end of its control structure (a parse error outside)', () => {
    expect(() => set.compile('{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}', 't')).toThrow(
      /undefined variable "\$y"/,
    );
  });
});

describe('pipelines, parentheses and calls', () => {
  table([
    ['{{ "abc" | printf "%s-%s" "x" }}', {}, 'x-abc'],
    ['{{ .a | len | printf "%03d" }}', { a: 'abcd' }, '004'],
    ['{{ printf "%d items" (len .l) }}', { l: [1, 2, 3] }, '3 items'],
    ['{{ (len .l) }}', { l: [1, 2] }, '2'],
    ['{{ (.m).k }}', { m: { k: 'chained' } }, 'chained'],
    ['{{ (index .l 1).name }}', { l: [{ name: 'a' }, { name: 'b' }] }, 'b'],
    ['{{ if and (eq .a "x") (ne .b "y") }}yes{{ end }}', { a: 'x', b: 'z' }, 'yes'],
  ]);
});

describe('define, template and block', () => {
  table([
    ['{{ define "x" }}X{{ . }}{{ end }}{{ template "x" "y" }}', {}, 'Xy'],
    ['{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" }}', {}, '[<no value>]'],
    [
      '{{ define "x" }}{{ $ }}{{ end }}{{ $v := 1 }}{{ template "x" .a }}',
      { a: 'dollar is the argument' },
      'dollar is the argument',
    ],
    ['{{ block "b" . }}default {{ .a }}{{ end }}', { a: 1 }, 'default 1'],
  ]);

  it('a block can be overridden by a later template file', () => {
    const s = createTemplateSet([
      { name: 'a.tmpl', text: '{{ define "page" }}<{{ block "body" . }}default{{ end }}>{{ end }}' },
      { name: 'b.tmpl', text: '{{ define "body" }}custom {{ . }}{{ end }}' },
    ]);
    expect(s.compile('{{ template "page" "x" }}', 't').execute(null)).toBe('<custom x>');
  });
});

describe('builtin functions', () => {
  table([
    ['{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 "" "z" }} {{ or 0 "" }}', {}, '0 2 z '],
    ['{{ not 0 }} {{ not "x" }}', {}, 'true false'],
    ['{{ len "héllo" }} {{ len .l }} {{ len .m }}', { l: [1, 2], m: { a: '1' } }, '6 2 1'],
    [
      '{{ index .l 1 }} {{ index .m "a" }} {{ index .n 1 0 }} {{ index "abc" 1 }}',
      { l: ['x', 'y'], m: { a: 'A' }, n: [[], ['deep']] },
      'y A deep 98',
    ],
    [
      '{{ slice "abcdef" 1 3 }} {{ slice "abc" 1 }} {{ slice .l 1 2 }} {{ slice .l }}',
      { l: ['a', 'b', 'c'] },
      'bc bc [b] [a b c]',
    ],
    ['{{ print "a" "b" 1 2 "c" }}', {}, 'ab1 2c'],
    ['{{ println "a" 1 }}', {}, 'a 1\n'],
    ['{{ html "<a href=\'x\'>&\\"</a>" }}', {}, '&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;'],
    ['{{ js "it\'s <b>\\"=&\\n" }}', {}, 'it\\\'s \\u003Cb\\u003E\\"\\u003D\\u0026\\u000A'],
    ['{{ urlquery "a b&c=d/é~" }}', {}, 'a+b%26c%3Dd%2F%C3%A9~'],
    [
      '{{ eq 1 1 }} {{ eq "a" "b" }} {{ eq 3 1 2 3 }} {{ eq .s "x" "y" }}',
      { s: 'y' },
      'true false true true',
    ],
    ['{{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge 1 2 }}', {}, 'true true true true false'],
    ['{{ lt "a" "b" }} {{ lt 1.5 2.5 }} {{ gt "b" "a" }}', {}, 'true true true'],
    ['{{ eq .missing "x" }}', { m: {} }, 'false'],
  ]);

  it('and/or short-circuit (Go 1.18+): later arguments are not evaluated', () => {
    expect(render('{{ or .a (index .l 10) }}', { a: 'first', l: [] })).toBe('first');
    expect(render('{{ and .z (index .l 10) }}', { z: '', l: [] })).toBe('');
    expect(execError('{{ or .z (index .l 10) }}', { z: '', l: [] }).reason).toMatch(/index out of range: 10/);
  });

  it('comparing values of different kinds is an error, as in Go', () => {
    expect(execError('{{ eq "1" 1 }}').reason).toBe('error calling eq: incompatible types for comparison');
    expect(execError('{{ eq 1 1.0 }}').reason).toBe('error calling eq: incompatible types for comparison');
    expect(execError('{{ lt 1 2.0 }}').reason).toBe('error calling lt: incompatible types for comparison');
    expect(execError('{{ lt true false }}').reason).toBe('error calling lt: invalid type for comparison');
    expect(execError('{{ eq .l .l }}', { l: [1] }).reason).toMatch(/non-comparable/);
  });

  it('other builtin errors', () => {
    expect(execError('{{ index .l 5 }}', { l: [1] }).reason).toBe(
      'error calling index: index out of range: 5',
    );
    expect(execError('{{ len 3 }}').reason).toBe('error calling len: len of type int');
    expect(execError('{{ slice .l 2 1 }}', { l: [1, 2, 3] }).reason).toBe(
      'error calling slice: invalid slice index: 2 > 1',
    );
    expect(execError('{{ call .f }}', { f: 'x' }).reason).toBe(
      'error calling call: non-function of type string',
    );
    expect(execError('{{ not }}').reason).toBe('wrong number of args for not: want 1 got 0');
    expect(execError('{{ eq 1 }}').reason).toBe('error calling eq: missing argument for comparison');
    expect(execError('{{ nil }}').reason).toBe('nil is not a command');
    expect(execError('{{ "x" 1 }}').reason).toBe('can\'t give argument to non-function "x"');
    expect(execError('{{ .m.k 1 }}', { m: { k: 'v' } }).reason).toBe('k is not a method but has arguments');
    expect(execError('{{ range .s }}{{ end }}', { s: 'str' }).reason).toBe("range can't iterate over str");
  });
});
