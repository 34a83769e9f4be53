import { describe, expect, it } from 'vitest';
import { createTemplateSet, TemplateError, templateData } from '../../../src/notify/template/index.js';
import type { NotificationData } from '../../../src/notify/types.js';
import { GO_ZERO_TIME } from '../../../src/notify/types.js';

/* Go time formatting (https://pkg.go.dev/time#pkg-constants) on the alerts' StartsAt/EndsAt. */

function data(startsAt: string, endsAt = GO_ZERO_TIME): NotificationData {
  return {
    receiver: 'r',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: {},
        annotations: {},
        startsAt,
        endsAt,
        generatorURL: '',
        fingerprint: 'f',
        ref: 'alrt_1',
        severity: 'warning',
        service: 's',
        title: 't',
        message: '',
        occurrences: 1,
        newOccurrences: 1,
        flapping: false,
      },
    ],
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    groupKey: 'k',
    truncatedAlerts: 0,
  };
}

const NOW = Date.parse('2026-01-02T16:06:08.623Z');
const set = createTemplateSet([], { clock: { now: () => NOW } });
const at = (text: string, startsAt = '2026-01-02T15:04:05.123456789Z', endsAt?: string) =>
  set
    .compile(`{{ with index .Alerts 0 }}${text}{{ end }}`, 'test')
    .execute(templateData(data(startsAt, endsAt)));
const fmt = (layout: string, startsAt?: string) =>
  at(`{{ .StartsAt.Format ${JSON.stringify(layout)} }}`, startsAt);

describe('Time.Format with Go layouts', () => {
  it.each([
    ['2006-01-02T15:04:05Z07:00', '2026-01-02T15:04:05Z'],
    ['2006-01-02T15:04:05.999999999Z07:00', '2026-01-02T15:04:05.123456789Z'],
    ['Jan 2 15:04:05', 'Jan 2 15:04:05'],
    ['Jan _2 15:04:05.000', 'Jan  2 15:04:05.123'],
    ['Mon Jan 2 15:04:05 MST 2006', 'Fri Jan 2 15:04:05 UTC 2026'],
    ['Monday, 02-Jan-06 15:04:05 MST', 'Friday, 02-Jan-26 15:04:05 UTC'],
    ['02 Jan 06 15:04 -0700', '02 Jan 26 15:04 +0000'],
    ['January 2, 2006', 'January 2, 2026'],
    ['1/2/06 3:04PM', '1/2/26 3:04PM'],
    ['03:04:05 pm', '03:04:05 pm'],
    ['.000|.999|.000000|.999999999|,000', '.123|.123|.123456|.123456789|,123'],
    ['002 __2 _2', '002   2  2'],
    ['Z0700 Z07:00 -07 -07:00:00 Z070000', 'Z Z +00 +00:00:00 Z'],
    ['2006-01-02', '2026-01-02'],
    // Not layout elements: kept as they are.
    ['Janet Monet 7 8 9 x', 'Janet Monet 7 8 9 x'],
    // The long names need no word boundary: "Mondays" is Monday + s.
    ['Mondays', 'Fridays'],
  ])('%s', (layout, expected) => {
    expect(fmt(layout)).toBe(expected);
  });

  it('".999" drops trailing zeros and the dot when the fraction is zero; ".000" keeps them', () => {
    expect(fmt('05.999', '2026-01-02T15:04:05.120Z')).toBe('05.12');
    expect(fmt('05.999', '2026-01-02T15:04:05Z')).toBe('05');
    expect(fmt('05.000', '2026-01-02T15:04:05Z')).toBe('05.000');
  });

  it('12-hour clock around midnight and noon', () => {
    expect(fmt('3:04PM', '2026-01-02T00:30:00Z')).toBe('12:30AM');
    expect(fmt('3:04PM', '2026-01-02T12:05:00Z')).toBe('12:05PM');
    expect(fmt('03 PM', '2026-01-02T23:00:00Z')).toBe('11 PM');
  });

  it('offsets from RFC 3339 inputs are converted to UTC', () => {
    expect(fmt('2006-01-02 15:04 MST', '2026-01-02T17:04:00+02:00')).toBe('2026-01-02 15:04 UTC');
  });
});

describe('printing and methods', () => {
  it('prints as Go default format "2006-01-02 15:04:05.999999999 -0700 MST" in UTC', () => {
    expect(at('{{ .StartsAt }}', '2026-01-02T15:04:05.123Z')).toBe('2026-01-02 15:04:05.123 +0000 UTC');
    expect(at('{{ .StartsAt }}', '2026-01-02T15:04:05Z')).toBe('2026-01-02 15:04:05 +0000 UTC');
    expect(at('{{ .EndsAt }}')).toBe('0001-01-01 00:00:00 +0000 UTC');
  });

  it('IsZero, Unix, UnixMilli, UTC and the date fields', () => {
    expect(at('{{ .EndsAt.IsZero }} {{ .StartsAt.IsZero }}')).toBe('true false');
    expect(at('{{ .StartsAt.Unix }} {{ .StartsAt.UnixMilli }}')).toBe('1767366245 1767366245123');
    expect(at('{{ .EndsAt.Unix }}')).toBe('-62135596800');
    expect(at('{{ .StartsAt.UTC.Format "15:04" }}')).toBe('15:04');
    expect(
      at(
        '{{ .StartsAt.Year }} {{ .StartsAt.YearDay }} {{ .StartsAt.Day }} {{ .StartsAt.Hour }} {{ .StartsAt.Minute }} {{ .StartsAt.Second }}',
      ),
    ).toBe('2026 2 2 15 4 5');
    // Year 1 started on a Monday in the proleptic Gregorian calendar.
    expect(at('{{ .EndsAt.Format "Monday 2006" }}')).toBe('Monday 0001');
  });

  it('Sub, Before, After and Equal compare times', () => {
    const t = at(
      '{{ .EndsAt.Sub .StartsAt }}|{{ .StartsAt.Before .EndsAt }}|{{ .StartsAt.After .EndsAt }}|{{ .StartsAt.Equal .StartsAt }}',
      '2026-01-02T15:00:00Z',
      '2026-01-02T16:30:00.5Z',
    );
    expect(t).toBe('1h30m0.5s|true|false|true');
  });

  it('a time is a struct: always true, and eq compares instants', () => {
    expect(at('{{ if .EndsAt }}true{{ end }}')).toBe('true');
    expect(at('{{ eq .StartsAt .StartsAt }} {{ eq .StartsAt .EndsAt }}')).toBe('true false');
  });
});

describe('time functions', () => {
  it('date formats a time with a layout', () => {
    expect(at('{{ date "2006-01-02" .StartsAt }} {{ .StartsAt | date "15:04" }}')).toBe('2026-01-02 15:04');
  });

  it('tz moves a time to a zone, with its offset and abbreviation', () => {
    expect(
      at('{{ (tz "America/New_York" .StartsAt).Format "15:04 MST -07:00" }}', '2026-01-15T12:00:00Z'),
    ).toBe('07:00 EST -05:00');
    expect(
      at('{{ (tz "America/New_York" .StartsAt).Format "15:04 MST Z07:00" }}', '2026-07-01T12:00:00Z'),
    ).toBe('08:00 EDT -04:00');
    expect(
      at('{{ (.StartsAt | tz "Asia/Kolkata").Format "2006-01-02 15:04 Z0700" }}', '2026-01-02T20:00:00Z'),
    ).toBe('2026-01-03 01:30 +0530');
    expect(at('{{ tz "Europe/Paris" .StartsAt }}', '2026-01-02T15:04:05Z')).toBe(
      '2026-01-02 16:04:05 +0100 CET',
    );
    expect(at('{{ (tz "UTC" .StartsAt).Format "MST" }}')).toBe('UTC');
  });

  it('tz with an unknown zone is an exec error', () => {
    const e = (() => {
      try {
        at('{{ tz "Nowhere/Atlantis" .StartsAt }}');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(TemplateError);
    expect((e as TemplateError).reason).toBe('error calling tz: unknown time zone Nowhere/Atlantis');
  });

  it('since gives a Duration printed as Go does', () => {
    expect(at('{{ since .StartsAt }}', '2026-01-02T15:04:05.123Z')).toBe('1h2m3.5s');
    expect(at('{{ since .StartsAt }}', '2026-01-02T16:06:08.123Z')).toBe('500ms');
    expect(at('{{ since .StartsAt }}', '2026-01-02T16:06:08.623Z')).toBe('0s');
    expect(at('{{ since .StartsAt }}', '2026-01-02T16:06:09.623Z')).toBe('-1s');
    expect(
      at('{{ (since .StartsAt).Seconds }} {{ (since .StartsAt).Minutes }}', '2026-01-02T16:05:08.623Z'),
    ).toBe('60 1');
    expect(at('{{ since .StartsAt | humanizeDuration }}', '2026-01-01T15:04:05.623Z')).toBe('1d 1h 2m 3s');
    // Go saturates durations at about 292 years.
    expect(at('{{ since .EndsAt }}')).toBe('2562047h47m16.854775807s');
  });
});
