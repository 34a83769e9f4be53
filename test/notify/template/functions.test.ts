import { describe, expect, it } from 'vitest';
import {
  createTemplateSet,
  plainData,
  TemplateError,
  templateData,
} from '../../../src/notify/template/index.js';
import type { NotificationAlert, NotificationData } from '../../../src/notify/types.js';

/* Alertmanager's template functions and data model (template/template.go of Alertmanager 0.25). */

const set = createTemplateSet();
const render = (text: string, data: unknown = {}) => set.compile(text, 'test').execute(plainData(data));
const renderHtml = (text: string, data: unknown = {}) =>
  set.compile(text, 'test').executeHtml(plainData(data));

function execError(text: string, data: unknown = {}): TemplateError {
  try {
    render(text, data);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error('expected an error');
}

function alert(over: Partial<NotificationAlert> = {}): NotificationAlert {
  return {
    status: 'firing',
    labels: { alertname: 'HighLatency', service: 'api', instance: 'a:9090' },
    annotations: { summary: 'p99 over 2s' },
    startsAt: '2026-01-02T15:04:05Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint: '0123456789abcdef',
    ref: 'alrt_01',
    severity: 'warning',
    service: 'api',
    title: 'p99 over 2s',
    message: '',
    occurrences: 3,
    newOccurrences: 2,
    flapping: false,
    ...over,
  };
}

const notification: NotificationData = {
  receiver: 'team-api',
  status: 'firing',
  alerts: [
    alert(),
    alert({ status: 'resolved', labels: { alertname: 'HighLatency', service: 'api', instance: 'b:9090' } }),
    alert({ labels: { alertname: 'HighLatency', service: 'api', instance: 'c:9090' } }),
  ],
  groupLabels: { alertname: 'HighLatency' },
  commonLabels: { alertname: 'HighLatency', service: 'api', env: 'prod' },
  commonAnnotations: { summary: 'p99 over 2s' },
  externalURL: 'https://sentinel.example.com',
  groupKey: '{}:{alertname="HighLatency"}',
  truncatedAlerts: 0,
};
const am = (text: string) => set.compile(text, 'test').execute(templateData(notification));

describe('Alertmanager functions', () => {
  it.each([
    ['{{ toUpper "abc é" }} {{ "DEF" | toLower }}', 'ABC É def'],
    ['{{ toUpper "straße" }}', 'STRAßE'],
    [
      '{{ title "hELLO wORLD" }} {{ title "don\'t stop" }} {{ title "high-latency alert" }}',
      "Hello World Don't Stop High-Latency Alert",
    ],
    // x/text's word breaking: _ and digits continue a word, a single . too, two in a row do not.
    ['{{ title "foo_bar a.b a..b 3rd" }}', 'Foo_bar A.b A..B 3Rd'],
    ['{{ join ", " (stringSlice "a" "b" "c") }}|{{ stringSlice | join "-" }}|', 'a, b, c||'],
    ['{{ trimSpace "  x y \\n\\t" }}|', 'x y|'],
    [
      '{{ match "^a.c$" "abc" }} {{ match "b" "abc" }} {{ match "^B" "bob" }} {{ match "(?i)^B" "bob" }}',
      'true true false true',
    ],
    [
      '{{ match "^[[:alpha:]]+\\\\d$" "abc1" }} {{ match "\\\\Aab\\\\z" "ab" }} {{ match "\\\\-" "a-b" }}',
      'true true true',
    ],
    ['{{ reReplaceAll "(a+)" "<$1>" "baaac" }}', 'b<aaa>c'],
    [
      '{{ reReplaceAll "(a)(b)" "${2}${1}x" "ab" }}|{{ reReplaceAll "(a)(b)" "$1x" "ab" }}|{{ reReplaceAll "a" "$$" "ab" }}',
      'bax||$b',
    ],
    ['{{ reReplaceAll "(?P<host>[^:]+):(?P<port>\\\\d+)" "$port@$host" "web:8080" }}', '8080@web'],
    // Go skips an empty match right after a previous match.
    ['{{ reReplaceAll "a*" "X" "baaac" }}', 'XbXcX'],
    ['{{ reReplaceAll ":.*" "" "host:9090" }}', 'host'],
    [
      '{{ humanizeDuration 0 }}|{{ humanizeDuration 1 }}|{{ humanizeDuration 1.5 }}|{{ humanizeDuration 59.99 }}',
      '0s|1s|1.5s|59.99s',
    ],
    [
      '{{ humanizeDuration 60 }}|{{ humanizeDuration 3661 }}|{{ humanizeDuration 90061 }}|{{ humanizeDuration -90 }}',
      '1m 0s|1h 1m 1s|1d 1h 1m 1s|-1m 30s',
    ],
    [
      '{{ humanizeDuration 0.5 }}|{{ humanizeDuration 0.0000015 }}|{{ humanizeDuration "123" }}',
      '500ms|1.5us|2m 3s',
    ],
  ])('%s', (text, expected) => {
    expect(render(text)).toBe(expected);
  });

  it('reports bad arguments and bad regexes as exec errors', () => {
    expect(execError('{{ toUpper 3 }}').reason).toBe('wrong type for value; expected string; got int');
    expect(execError('{{ join "," .m }}', { m: { a: '1' } }).reason).toBe(
      'wrong type for value; expected []string; got template.KV',
    );
    expect(execError('{{ match "(" "x" }}').reason).toMatch(/^error calling match: error parsing regexp/);
    expect(execError('{{ reReplaceAll "a(?=b)" "" "ab" }}').reason).toMatch(
      /^error calling reReplaceAll: error parsing regexp/,
    );
    expect(execError('{{ humanizeDuration "soon" }}').reason).toMatch(
      /^error calling humanizeDuration: strconv.ParseFloat/,
    );
    expect(execError('{{ title }}').reason).toBe('wrong number of args for title: want 1 got 0');
    expect(() => set.compile('{{ nope "x" }}', 't')).toThrow(/function "nope" not defined/);
  });
});

describe('HTML mode', () => {
  it('escapes every action, not the template text', () => {
    expect(renderHtml('<p>{{ .x }}</p>', { x: `<b>&'"+` })).toBe('<p>&lt;b&gt;&amp;&#39;&#34;&#43;</p>');
  });

  it('leaves safeHtml values alone', () => {
    expect(renderHtml('{{ .x | safeHtml }}', { x: '<b>bold</b>' })).toBe('<b>bold</b>');
    expect(render('{{ safeHtml "<b>" }}')).toBe('<b>');
  });

  it('escapes once after html, and prints nothing for missing values', () => {
    expect(renderHtml('{{ html .x }}', { x: '<i>' })).toBe('&lt;i&gt;');
    expect(
      createTemplateSet([], { missingKey: 'default' })
        .compile('[{{ .nope }}]', 't')
        .executeHtml(plainData({})),
    ).toBe('[]');
  });

  it('escapes inside called templates', () => {
    const s = createTemplateSet([{ name: 'x.tmpl', text: '{{ define "item" }}<li>{{ . }}</li>{{ end }}' }]);
    expect(
      s
        .compile('<ul>{{ range .l }}{{ template "item" . }}{{ end }}</ul>', 't')
        .executeHtml(plainData({ l: ['a<b'] })),
    ).toBe('<ul><li>a&lt;b</li></ul>');
  });
});

describe('the notification data', () => {
  it('has the Alertmanager fields', () => {
    expect(
      am('{{ .Receiver }}|{{ .Status }}|{{ .ExternalURL }}|{{ .GroupKey }}|{{ .TruncatedAlerts }}'),
    ).toBe('team-api|firing|https://sentinel.example.com|{}:{alertname="HighLatency"}|0');
    expect(am('{{ len .Alerts }} {{ len .Alerts.Firing }} {{ .Alerts.Resolved | len }}')).toBe('3 2 1');
    expect(am('{{ range .Alerts.Resolved }}{{ .Labels.instance }}{{ end }}')).toBe('b:9090');
    expect(
      am(
        '{{ with index .Alerts 0 }}{{ .Status }} {{ .Fingerprint }} {{ .GeneratorURL }} {{ .Annotations.summary }}{{ end }}',
      ),
    ).toBe('firing 0123456789abcdef http://prometheus/graph p99 over 2s');
  });

  it("has Sentinel's alert fields", () => {
    expect(
      am(
        '{{ with index .Alerts 0 }}{{ .Ref }} {{ .Severity }} {{ .Service }} {{ .Title }} [{{ .Message }}] {{ .Occurrences }} {{ .NewOccurrences }} {{ .Flapping }}{{ end }}',
      ),
    ).toBe('alrt_01 warning api p99 over 2s [] 3 2 false');
  });

  it('a missing struct field is an error (unlike a missing label)', () => {
    expect(() => am('{{ .Recevier }}')).toThrow(/can't evaluate field Recevier in type \*template.Data/);
    expect(() => am('{{ (index .Alerts 0).Nope }}')).toThrow(
      /can't evaluate field Nope in type template.Alert/,
    );
    expect(am('[{{ .CommonLabels.nope }}]')).toBe('[]');
  });

  it('KV methods: SortedPairs (alertname first), Names, Values, Remove', () => {
    expect(am('{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}')).toBe(
      'alertname=HighLatency env=prod service=api ',
    );
    expect(am('{{ .CommonLabels.Names }} {{ .CommonLabels.Values }}')).toBe(
      '[alertname env service] [HighLatency prod api]',
    );
    expect(
      am('{{ .CommonLabels.SortedPairs.Names }} {{ .CommonLabels.SortedPairs.Values | join "," }}'),
    ).toBe('[alertname env service] HighLatency,prod,api');
    expect(am('{{ .CommonLabels.Remove (stringSlice "env" "nope") }}')).toBe(
      'map[alertname:HighLatency service:api]',
    );
    expect(am('{{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}')).toBe(
      'prod api',
    );
    expect(am('{{ .GroupLabels.SortedPairs }}')).toBe('[{alertname HighLatency}]');
    expect(am('{{ range .CommonLabels }}{{ . }},{{ end }}')).toBe('HighLatency,prod,api,');
  });

  it('the usual Alertmanager snippets work unchanged', () => {
    expect(am('{{ .CommonLabels.alertname | toUpper }}')).toBe('HIGHLATENCY');
    expect(am('{{ if eq .Status "firing" }}🔥{{ end }}')).toBe('🔥');
    expect(am('{{ range .Alerts }}{{ .Annotations.summary }}{{ "\\n" }}{{ end }}')).toBe(
      'p99 over 2s\np99 over 2s\np99 over 2s\n',
    );
    expect(am('{{ range .Alerts }}{{ .StartsAt.Format "2006-01-02 15:04" }};{{ end }}')).toBe(
      '2026-01-02 15:04;2026-01-02 15:04;2026-01-02 15:04;',
    );
    expect(
      am(
        '{{ range .Alerts.Firing }}{{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}|{{ end }}',
      ),
    ).toBe(
      'alertname=HighLatency instance=a:9090 service=api |alertname=HighLatency instance=c:9090 service=api |',
    );
  });
});
