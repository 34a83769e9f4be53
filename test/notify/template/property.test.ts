import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createTemplateSet,
  plainData,
  TemplateError,
  templateData,
} from '../../../src/notify/template/index.js';
import type { NotificationAlert, NotificationData } from '../../../src/notify/types.js';

const set = createTemplateSet();

/** Pieces of template syntax, so that generated strings get past the lexer often. */
const FRAGMENTS = [
  '{{',
  '}}',
  '{{- ',
  ' -}}',
  ' ',
  '\n',
  '.',
  '.A',
  '.Labels',
  '.Alerts',
  '$',
  '$x',
  ':=',
  '=',
  '|',
  '(',
  ')',
  ',',
  '"s"',
  '`r`',
  "'c'",
  '"\\',
  '1',
  '-2',
  '3.5',
  '0x1F',
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
  'nil',
  'true',
  'printf',
  'len',
  'index',
  'eq',
  'and',
  'or',
  'not',
  'print',
  'toUpper',
  'join',
  'slice',
  'match',
  'reReplaceAll',
  '/*',
  '*/',
  '"x"',
  '"%d"',
  '"%s"',
  'text',
  '@',
  '\u00e9',
  '🔥',
  '\\',
  '-',
];
const fragments = (max: number) =>
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: max }).map((parts) => parts.join(' '));
/** Mostly well-formed: text and actions whose insides are random fragments. */
const templateish = fc.oneof(
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 30 }).map((parts) => parts.join('')),
  fc
    .array(
      fc.oneof(
        fc.constantFrom('text ', '\n', ''),
        fragments(6).map((inner) => `{{ ${inner} }}`),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join('')),
);

function isTemplateErrorOrOk(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    expect(e.reason).not.toMatch(/internal error/);
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeGreaterThanOrEqual(1);
  }
}

const labelMap = fc.dictionary(
  fc.oneof(
    fc.string(),
    fc.constantFrom(
      '__proto__',
      'constructor',
      'alertname',
      'service',
      'summary',
      'runbook_url',
      'dashboard_url',
      'toString',
    ),
  ),
  fc.string(),
  { maxKeys: 8 },
);

const alertArb: fc.Arbitrary<NotificationAlert> = fc.record({
  status: fc.constantFrom('firing' as const, 'resolved' as const),
  labels: labelMap,
  annotations: labelMap,
  startsAt: fc.constantFrom(
    '2026-01-02T15:04:05Z',
    '0001-01-01T00:00:00Z',
    '2026-07-01T00:00:00.123456789+02:00',
    'not a time',
  ),
  endsAt: fc.constantFrom('0001-01-01T00:00:00Z', '2026-01-02T16:00:00Z'),
  generatorURL: fc.string(),
  fingerprint: fc.string(),
  ref: fc.string(),
  severity: fc.constantFrom('critical' as const, 'warning' as const, 'info' as const),
  service: fc.string(),
  title: fc.string(),
  message: fc.string(),
  occurrences: fc.nat(),
  newOccurrences: fc.nat(),
  flapping: fc.boolean(),
});

const dataArb: fc.Arbitrary<NotificationData> = fc.record({
  receiver: fc.string(),
  status: fc.constantFrom('firing' as const, 'resolved' as const),
  alerts: fc.array(alertArb, { maxLength: 4 }),
  groupLabels: labelMap,
  commonLabels: labelMap,
  commonAnnotations: labelMap,
  externalURL: fc.oneof(fc.constant(''), fc.webUrl(), fc.string()),
  groupKey: fc.string(),
  truncatedAlerts: fc.nat(),
});

describe('properties', () => {
  it('compile on any string succeeds or throws a TemplateError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), templateish), (text) => {
        isTemplateErrorOrOk(() => set.compile(text, 'prop'));
      }),
      { numRuns: 2000 },
    );
  });

  it('running whatever compiles throws nothing but TemplateError', () => {
    fc.assert(
      fc.property(templateish, dataArb, (text, data) => {
        let compiled;
        try {
          compiled = set.compile(text, 'prop');
        } catch {
          return;
        }
        const d = templateData(data);
        isTemplateErrorOrOk(() => compiled.execute(d));
        isTemplateErrorOrOk(() => compiled.executeHtml(d));
      }),
      { numRuns: 2000 },
    );
  });

  it('every default template runs without error on any labels and annotations', () => {
    const names = set
      .names()
      .filter(
        (n) =>
          !n.startsWith('__sentinel_') && n !== '__text_alert_list' && n !== 'pagerduty.default.instances',
      );
    const compiled = names.map((n) => set.compile(`{{ template "${n}" . }}`, n));
    compiled.push(
      set.compile(
        '{{ template "__text_alert_list" .Alerts }}{{ template "pagerduty.default.instances" .Alerts.Firing }}',
        'lists',
      ),
    );
    fc.assert(
      fc.property(dataArb, (data) => {
        const d = templateData(data);
        for (const c of compiled) {
          expect(typeof c.execute(d)).toBe('string');
          expect(typeof c.executeHtml(d)).toBe('string');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('user templates over arbitrary label maps throw nothing but TemplateError', () => {
    const texts = [
      '{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }}{{ end }}',
      '{{ range .Alerts }}{{ .Labels.alertname | toUpper }}{{ .Annotations.summary | title }}{{ end }}',
      '{{ range .Alerts }}{{ reReplaceAll "(.)" "$1$1" .Labels.service }}{{ match .Labels.service "x" }}{{ end }}',
      '{{ range $k, $v := .CommonAnnotations }}{{ printf "%q=%-5s|%x" $k $v $v }}{{ end }}',
      '{{ with .CommonLabels.Remove .GroupLabels.Names }}{{ join "," .Values }}{{ end }}',
      '{{ range .Alerts }}{{ humanizeDuration .Labels.service }}{{ .StartsAt.Format .Annotations.summary }}{{ end }}',
      '{{ range .Alerts }}{{ tz .Labels.service .StartsAt }}{{ end }}',
      '{{ range .Alerts }}{{ index .Labels .Annotations.summary }}{{ slice .Title 0 (len .Title) }}{{ end }}',
    ].map((t) => set.compile(t, 'user'));
    fc.assert(
      fc.property(dataArb, (data) => {
        const d = templateData(data);
        for (const c of texts) {
          isTemplateErrorOrOk(() => c.execute(d));
          isTemplateErrorOrOk(() => c.executeHtml(d));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('text without {{ renders as itself', () => {
    fc.assert(
      fc.property(
        fc
          .string({
            unit: fc.oneof(
              fc.constantFrom('{', '}', '-', ' ', '\n', '/*'),
              fc.string({ minLength: 1, maxLength: 1 }),
            ),
          })
          .filter((s) => !s.includes('{{')),
        (text) => {
          expect(set.compile(text, 'prop').execute(plainData({}))).toBe(text);
          expect(set.compile(text, 'prop').executeHtml(plainData({}))).toBe(text);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a string literal renders as its value (Go escapes round-trip through %q)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        fc.pre(!/[\ud800-\udfff]/.test(s));
        const quoted = set.compile('{{ printf "%q" .s }}', 'q').execute(plainData({ s }));
        expect(set.compile(`{{ ${quoted} }}`, 'lit').execute(null)).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});
