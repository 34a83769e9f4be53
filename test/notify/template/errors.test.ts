import { describe, expect, it } from 'vitest';
import {
  createTemplateSet,
  plainData,
  TemplateError,
  templateData,
} from '../../../src/notify/template/index.js';
import type { NotificationData } from '../../../src/notify/types.js';

const set = createTemplateSet();

function parseError(text: string, label = 'receivers[0].title'): TemplateError {
  try {
    set.compile(text, label);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    expect((e as TemplateError).kind).toBe('parse');
    return e as TemplateError;
  }
  throw new Error(`expected a parse error from ${JSON.stringify(text)}`);
}

function execError(run: () => unknown): TemplateError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    expect((e as TemplateError).kind).toBe('exec');
    return e as TemplateError;
  }
  throw new Error('expected an exec error');
}

describe('parse errors', () => {
  it.each([
    ['{{ .a', 1, 1, 'unclosed action'],
    ['ok\n  {{ end }}', 2, 6, 'unexpected {{end}}'],
    ['{{ if .a }}x', 1, 13, 'unexpected EOF'],
    ['{{ if .a }}{{ else }}{{ else }}{{ end }}', 1, 25, 'expected end; found {{else}}'],
    ['a\nb\n{{ foo 1 }}', 3, 4, 'function "foo" not defined'],
    ['{{ $x }}', 1, 4, 'undefined variable "$x"'],
    ['{{ break }}', 1, 4, '{{break}} outside {{range}}'],
    ['{{ range .l }}{{ else }}{{ continue }}{{ end }}', 1, 28, '{{continue}} outside {{range}}'],
    ['{{ "abc }}', 1, 4, 'unterminated quoted string'],
    ['{{ 12ab }}', 1, 4, 'bad number syntax: "12a"'],
    ['{{ 99999999999999999999 }}', 1, 4, 'integer overflow: "99999999999999999999"'],
    ['{{/* never closed }}', 1, 1, 'unclosed comment'],
    ['{{/* c */ x }}', 1, 1, 'comment ends before closing delimiter'],
    ['{{ }}', 1, 4, 'missing value for command'],
    ['{{ .a | "x" }}', 1, 9, 'non executable command in pipeline stage 2'],
    ['{{ template .a }}', 1, 13, 'unexpected ".a" in template clause'],
    ['{{ (1 }}', 1, 7, 'unclosed left paren'],
    ['{{ 1) }}', 1, 5, 'unexpected right paren'],
    ['{{ "\\q" }}', 1, 4, 'invalid syntax: "\\q"'],
    ['{{ range $i, $j, $k := .l }}{{ end }}', 1, 16, 'too many declarations in range'],
    ['{{ .a.b"x" }}', 1, 8, 'bad character "\\""'],
    ['{{ if true }}{{ define "x" }}{{ end }}{{ end }}', 1, 17, 'unexpected "define" in command'],
    ['{{ 3.x }}', 1, 4, 'bad number syntax: "3.x"'],
    ['{{ "a".b }}', 1, 7, 'unexpected . after term "\\"a\\""'],
  ])('%j', (text, line, column, reason) => {
    const e = parseError(text);
    expect(e.reason).toBe(reason);
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.source).toBe('receivers[0].title');
    expect(e.message).toBe(`template: receivers[0].title:${line}:${column}: ${reason}`);
  });

  it('names the file, line and column for errors in template files', () => {
    try {
      createTemplateSet([
        {
          name: '/etc/sentinel/templates/team.tmpl',
          text: '{{ define "x" }}\nok\n  {{ if }}{{ end }}\n{{ end }}',
        },
      ]);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateError);
      const err = e as TemplateError;
      expect([err.kind, err.source, err.line, err.column, err.reason]).toEqual([
        'parse',
        '/etc/sentinel/templates/team.tmpl',
        3,
        9,
        'missing value for if',
      ]);
    }
  });

  it('nesting deeper than the parser allows is an error, not a crash', () => {
    expect(parseError('{{ ' + '('.repeat(500) + '1' + ')'.repeat(500) + ' }}').reason).toMatch(
      /max nesting depth/,
    );
    expect(parseError('{{ if 1 }}'.repeat(500) + '{{ end }}'.repeat(500)).reason).toMatch(
      /max nesting depth/,
    );
  });
});

describe('references to undefined templates', () => {
  it('are reported by compile, at the reference', () => {
    const e = parseError('Alert: {{ template "nope" . }}');
    expect(e.reason).toBe('template "nope" is not defined');
    expect([e.line, e.column]).toEqual([1, 20]);
  });

  it('are found through other templates', () => {
    const s = createTemplateSet([
      {
        name: 'team.tmpl',
        text: '{{ define "a" }}{{ template "b" . }}{{ end }}\n{{ define "b" }}\n  {{ if .x }}{{ template "missing" }}{{ end }}{{ end }}',
      },
    ]);
    try {
      s.compile('{{ template "a" . }}', 'receivers[1].text');
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateError);
      expect((e as TemplateError).message).toBe(
        'template: receivers[1].text:1:13: template "missing" is not defined (referenced by "a" -> "b", at team.tmpl:3:26)',
      );
    }
  });

  it('are fine when the template is defined in the set, in the text itself, or by a block', () => {
    expect(() => set.compile('{{ template "slack.default.title" . }}', 't')).not.toThrow();
    expect(() => set.compile('{{ define "mine" }}x{{ end }}{{ template "mine" }}', 't')).not.toThrow();
    expect(() => set.compile('{{ block "b" . }}x{{ end }}{{ template "b" }}', 't')).not.toThrow();
    // Recursion is not an undefined reference.
    expect(() =>
      set.compile('{{ define "r" }}{{ if . }}{{ template "r" }}{{ end }}{{ end }}{{ template "r" 1 }}', 't'),
    ).not.toThrow();
  });

  it('defines in a compiled text do not leak into the set', () => {
    set.compile('{{ define "local-only" }}x{{ end }}', 't');
    expect(set.has('local-only')).toBe(false);
    expect(() => set.compile('{{ template "local-only" }}', 't')).toThrow(TemplateError);
  });
});

describe('redefinition', () => {
  it('a later file replaces a define of an earlier one, and the defaults', () => {
    const s = createTemplateSet([
      {
        name: 'a.tmpl',
        text: '{{ define "x" }}first{{ end }}{{ define "slack.default.title" }}mine{{ end }}',
      },
      { name: 'b.tmpl', text: '{{ define "x" }}second{{ end }}' },
    ]);
    expect(s.compile('{{ template "x" }} {{ template "slack.default.title" . }}', 't').execute(null)).toBe(
      'second mine',
    );
  });

  it('an empty define does not replace an existing one (as Go)', () => {
    const s = createTemplateSet([
      { name: 'a.tmpl', text: '{{ define "x" }}kept{{ end }}' },
      { name: 'b.tmpl', text: '{{ define "x" }}  {{ end }}' },
    ]);
    expect(s.compile('{{ template "x" }}', 't').execute(null)).toBe('kept');
  });

  it('two non-empty defines of a name in one file are an error (as Go)', () => {
    expect(() =>
      createTemplateSet([{ name: 'a.tmpl', text: '{{ define "x" }}1{{ end }}{{ define "x" }}2{{ end }}' }]),
    ).toThrow(/multiple definition of template "x"/);
  });

  it("a file's top level is a template named by its base name", () => {
    const s = createTemplateSet([{ name: 'dir/page.tmpl', text: 'page of {{ . }}' }]);
    expect(s.has('page.tmpl')).toBe(true);
    expect(s.compile('{{ template "page.tmpl" "x" }}', 't').execute(null)).toBe('page of x');
  });
});

describe('exec errors', () => {
  it('carry the position of the failing action', () => {
    const e = execError(() =>
      set
        .compile('line one\n{{ range .l }}{{ index . 3 }}{{ end }}', 'receivers[0].text')
        .execute(plainData({ l: [[1]] })),
    );
    expect([e.source, e.line, e.column, e.reason]).toEqual([
      'receivers[0].text',
      2,
      18,
      'error calling index: index out of range: 3',
    ]);
  });

  it('inside a file template, name that file and template', () => {
    const s = createTemplateSet([{ name: 'team.tmpl', text: '{{ define "t" }}\n{{ .Nope }}{{ end }}' }]);
    const e = execError(() => s.compile('{{ template "t" . }}', 'x').execute(templateDataStub()));
    expect([e.source, e.template, e.line, e.column]).toEqual(['team.tmpl', 't', 2, 4]);
    expect(e.message).toBe(
      'template: team.tmpl:2:4: can\'t evaluate field Nope in type *template.Data (in template "t")',
    );
  });
});

function templateDataStub() {
  const data: NotificationData = {
    receiver: 'r',
    status: 'firing',
    alerts: [],
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    groupKey: '',
    truncatedAlerts: 0,
  };
  return templateData(data);
}

describe('runaway templates', () => {
  it('infinite recursion stops at the depth limit', () => {
    const s = createTemplateSet(
      [{ name: 'r.tmpl', text: '{{ define "loop" }}{{ template "loop" . }}{{ end }}' }],
      { maxDepth: 50 },
    );
    expect(execError(() => s.compile('{{ template "loop" . }}', 't').execute(null)).reason).toBe(
      'exceeded maximum template depth (50)',
    );
  });

  it('recursion deeper than the JS stack is an error too, with the default limit', () => {
    const s = createTemplateSet([
      {
        name: 'r.tmpl',
        text: '{{ define "loop" }}{{ if true }}{{ with . }}{{ range $x := .l }}{{ template "loop" $ }}{{ end }}{{ end }}{{ end }}{{ end }}',
      },
    ]);
    const e = execError(() => s.compile('{{ template "loop" . }}', 't').execute(plainData({ l: [1] })));
    expect(e.reason).toMatch(/exceeded maximum template depth \(1000\)|template nesting too deep/);
  });

  it('output is limited', () => {
    const s = createTemplateSet([], { maxOutputBytes: 1000 });
    const e = execError(() =>
      s
        .compile('{{ range .l }}{{ printf "%100s" "x" }}{{ end }}', 't')
        .execute(plainData({ l: Array(20).fill(1) })),
    );
    expect(e.reason).toBe('output exceeds 1000 bytes');
  });

  it('strings built by functions are limited', () => {
    const s = createTemplateSet([], { maxOutputBytes: 1000 });
    const text = '{{ $s := "xxxxxxxxxx" }}{{ range .l }}{{ $s = printf "%s%s" $s $s }}{{ end }}';
    expect(execError(() => s.compile(text, 't').execute(plainData({ l: Array(20).fill(1) }))).reason).toBe(
      'error calling printf: result longer than 1000 characters',
    );
  });

  it('work is limited even when nothing is printed', () => {
    const s = createTemplateSet(
      [
        {
          name: 'r.tmpl',
          text: [...'abcdefghijklmnopqrst']
            .map(
              (c, i, all) =>
                `{{ define "${c}" }}${all[i + 1] ? `{{ template "${all[i + 1]}" }}`.repeat(2) : ''}{{ end }}`,
            )
            .join(''),
        },
      ],
      { maxSteps: 100_000 },
    );
    expect(execError(() => s.compile('{{ template "a" }}', 't').execute(null)).reason).toBe(
      'template execution exceeded 100000 steps',
    );
  });
});

describe('templates cannot reach JS internals', () => {
  const data = templateDataStub();
  const run = (text: string) => set.compile(text, 't').execute(data);

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'])(
    '.%s of the data is an unknown field',
    (name) => {
      expect(execError(() => run(`{{ .${name} }}`)).reason).toBe(
        `can't evaluate field ${name} in type *template.Data`,
      );
    },
  );

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', '__defineGetter__'])(
    '.Labels.%s is a missing label',
    (name) => {
      expect(run(`[{{ .CommonLabels.${name} }}]`)).toBe('[]');
      expect(run(`[{{ index .CommonLabels "${name}" }}]`)).toBe('[]');
    },
  );

  it('nor through values of other kinds', () => {
    expect(execError(() => run('{{ .Receiver.length }}')).reason).toBe(
      "can't evaluate field length in type string",
    );
    expect(execError(() => run('{{ .Alerts.constructor }}')).reason).toBe(
      "can't evaluate field constructor in type template.Alerts",
    );
    expect(execError(() => run('{{ .Alerts.map }}')).reason).toBe(
      "can't evaluate field map in type template.Alerts",
    );
    expect(execError(() => run('{{ .TruncatedAlerts.toFixed }}')).reason).toBe(
      "can't evaluate field toFixed in type int",
    );
    // A KV is a map: .entries is a (missing) label, not Map.prototype.entries.
    expect(run('[{{ (.CommonLabels.Remove (stringSlice)).entries }}]')).toBe('[]');
  });

  it('function names and regex classes are looked up in their own tables only', () => {
    expect(() => set.compile('{{ constructor }}', 't')).toThrow(/function "constructor" not defined/);
    expect(() => set.compile('{{ __proto__ "x" }}', 't')).toThrow(/function "__proto__" not defined/);
    expect(() => set.compile('{{ toString }}', 't')).toThrow(/function "toString" not defined/);
    expect(execError(() => run('{{ match "[[:constructor:]]" "x" }}')).reason).toMatch(
      /error parsing regexp/,
    );
  });

  it('labels named like JS internals are ordinary data', () => {
    const labels = JSON.parse('{"__proto__": "proto-label", "constructor": "ctor-label"}') as Record<
      string,
      string
    >;
    const d = templateData({
      receiver: 'r',
      status: 'firing',
      alerts: [],
      groupLabels: {},
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: '',
      groupKey: '',
      truncatedAlerts: 0,
    });
    expect(
      set
        .compile(
          '{{ .CommonLabels.__proto__ }} {{ .CommonLabels.constructor }} {{ .CommonLabels.Names }}',
          't',
        )
        .execute(d),
    ).toBe('proto-label ctor-label [__proto__ constructor]');
    expect(({} as Record<string, unknown>)['proto-label']).toBeUndefined();
  });
});
