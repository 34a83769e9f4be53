import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  intervalContains,
  namedIntervalActive,
  parseTimeIntervals,
  TimeIntervalError,
  type TimeInterval,
} from '../../src/routing/time-intervals.js';

const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
};

/** One interval, parsed as the single entry of a single named time interval. */
function interval(raw: Record<string, unknown>): TimeInterval {
  return parseTimeIntervals([{ name: 'x', time_intervals: [raw] }], 'time_intervals').get('x')![0]!;
}

function errorOf(fn: () => unknown): TimeIntervalError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TimeIntervalError) return err;
    throw err;
  }
  throw new Error('expected a TimeIntervalError');
}

describe('parseTimeIntervals', () => {
  it('parses the documented example', () => {
    const set = parseTimeIntervals(
      [
        {
          name: 'business-hours',
          time_intervals: [
            {
              times: [{ start_time: '09:00', end_time: '17:30' }],
              weekdays: ['monday:friday', 'Sunday'],
              days_of_month: ['1:5', '-3:-1', 10],
              months: ['january:March', '12', 'MAY'],
              years: ['2020:2022', 2030],
              location: 'Europe/Berlin',
            },
          ],
        },
        { name: 'always', time_intervals: [{}] },
        { name: 'never', time_intervals: [] },
        { name: 'no-list' },
      ],
      'time_intervals',
    );
    expect([...set.keys()]).toEqual(['business-hours', 'always', 'never', 'no-list']);
    expect(set.get('business-hours')).toEqual([
      {
        times: [{ startMinute: 540, endMinute: 1050 }],
        weekdays: [
          { begin: 1, end: 5 },
          { begin: 0, end: 0 },
        ],
        daysOfMonth: [
          { begin: 1, end: 5 },
          { begin: -3, end: -1 },
          { begin: 10, end: 10 },
        ],
        months: [
          { begin: 1, end: 3 },
          { begin: 12, end: 12 },
          { begin: 5, end: 5 },
        ],
        years: [
          { begin: 2020, end: 2022 },
          { begin: 2030, end: 2030 },
        ],
        location: 'Europe/Berlin',
      },
    ]);
    expect(set.get('always')).toEqual([
      { times: null, weekdays: null, daysOfMonth: null, months: null, years: null, location: null },
    ]);
    expect(set.get('never')).toEqual([]);
    expect(set.get('no-list')).toEqual([]);
  });

  it('treats a missing list as empty', () => {
    expect(parseTimeIntervals(undefined, 'time_intervals').size).toBe(0);
    expect(parseTimeIntervals(null, 'time_intervals').size).toBe(0);
  });

  it.each<[string, Record<string, unknown>, Partial<TimeInterval>]>([
    [
      'a whole day',
      { times: [{ start_time: '00:00', end_time: '24:00' }] },
      { times: [{ startMinute: 0, endMinute: 1440 }] },
    ],
    [
      'the last minute',
      { times: [{ start_time: '23:59', end_time: '24:00' }] },
      { times: [{ startMinute: 1439, endMinute: 1440 }] },
    ],
    ['case-insensitive names', { weekdays: ['MONDAY:Friday'] }, { weekdays: [{ begin: 1, end: 5 }] }],
    // Go's strings.ToLower maps U+0130 to a plain i.
    ['Go lower-casing', { weekdays: ['FR\u0130DAY'] }, { weekdays: [{ begin: 5, end: 5 }] }],
    [
      'numeric months, unchecked',
      { months: ['13', '0:2', '-1'] },
      {
        months: [
          { begin: 13, end: 13 },
          { begin: 0, end: 2 },
          { begin: -1, end: -1 },
        ],
      },
    ],
    ['a month range ending in a month name', { months: ['2:april'] }, { months: [{ begin: 2, end: 4 }] }],
    [
      'negative and mixed days',
      { days_of_month: ['-31', '25:-3', '+7'] },
      {
        daysOfMonth: [
          { begin: -31, end: -31 },
          { begin: 25, end: -3 },
          { begin: 7, end: 7 },
        ],
      },
    ],
    [
      'unchecked years',
      { years: ['-5:0', '99999'] },
      {
        years: [
          { begin: -5, end: 0 },
          { begin: 99999, end: 99999 },
        ],
      },
    ],
    ['UTC', { location: 'UTC' }, { location: 'UTC' }],
    ['an empty location (UTC, as time.LoadLocation)', { location: '' }, { location: 'UTC' }],
    ['Local', { location: 'Local' }, { location: 'Local' }],
    ['a zone alias', { location: 'US/Eastern' }, { location: 'US/Eastern' }],
    ['an empty list', { weekdays: [] }, { weekdays: [] }],
    // A null item decodes to Go's zero value: Sunday, or a time range that never matches.
    [
      'null items',
      { weekdays: [null], times: [null] },
      { weekdays: [{ begin: 0, end: 0 }], times: [{ startMinute: 0, endMinute: 0 }] },
    ],
  ])('accepts %s', (_, raw, expected) => {
    expect(interval(raw)).toMatchObject(expected);
  });

  it.each<[unknown, string, RegExp]>([
    [{ time_intervals: [] }, 'time_intervals[0].name', /missing name/],
    [{ name: '', time_intervals: [] }, 'time_intervals[0].name', /missing name/],
    [{ name: 'x', time_intervals: [], extra: 1 }, 'time_intervals[0].extra', /unknown field/],
    [{ name: 'x', time_intervals: {} }, 'time_intervals[0].time_intervals', /must be a list/],
    ['x', 'time_intervals[0]', /must be a mapping/],
  ])('rejects the entry %j at %s', (entry, path, message) => {
    const err = errorOf(() => parseTimeIntervals([entry], 'time_intervals'));
    expect(err.path).toBe(path);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`${path}: `)).toBe(true);
  });

  it('rejects a list that is not a list, and duplicate names', () => {
    expect(errorOf(() => parseTimeIntervals({ name: 'x' }, 'mute_time_intervals')).path).toBe(
      'mute_time_intervals',
    );
    const dup = errorOf(() =>
      parseTimeIntervals(
        [
          { name: 'a', time_intervals: [] },
          { name: 'a', time_intervals: [] },
        ],
        'time_intervals',
      ),
    );
    expect(dup.path).toBe('time_intervals[1].name');
    expect(dup.message).toMatch(/"a" is not unique/);
  });

  const P = 'time_intervals[0].time_intervals[0]';
  it.each<[Record<string, unknown>, string, RegExp]>([
    [{ weekdays: ['saturday:monday'] }, `${P}.weekdays[0]`, /do not wrap around the week/],
    [{ weekdays: ['monday', 'funday'] }, `${P}.weekdays[1]`, /"funday" is not a valid weekday/],
    [{ weekdays: ['1'] }, `${P}.weekdays[0]`, /not a valid weekday/],
    [{ weekdays: ['mon'] }, `${P}.weekdays[0]`, /not a valid weekday/],
    [{ weekdays: [' monday'] }, `${P}.weekdays[0]`, /not a valid weekday/],
    [{ weekdays: ['monday:tuesday:friday'] }, `${P}.weekdays[0]`, /not a valid range/],
    [{ weekdays: 'monday' }, `${P}.weekdays`, /must be a list/],
    [{ weekdays: [['monday']] }, `${P}.weekdays[0]`, /must be a weekday/],
    [{ months: ['december:january'] }, `${P}.months[0]`, /do not wrap around the year/],
    [{ months: ['jan'] }, `${P}.months[0]`, /"jan" is not a valid month/],
    [{ months: ['1.5'] }, `${P}.months[0]`, /not a valid month/],
    [{ days_of_month: ['0'] }, `${P}.days_of_month[0]`, /0 is not a valid day of the month/],
    [{ days_of_month: ['32'] }, `${P}.days_of_month[0]`, /32 is not a valid day/],
    [{ days_of_month: ['-32:-1'] }, `${P}.days_of_month[0]`, /-32 is not a valid day/],
    [{ days_of_month: ['-3:5'] }, `${P}.days_of_month[0]`, /must be negative/],
    [{ days_of_month: ['10:-20'] }, `${P}.days_of_month[0]`, /always before the start day/],
    [{ days_of_month: ['26:-3'] }, `${P}.days_of_month[0]`, /always before the start day/],
    [{ days_of_month: ['5:1'] }, `${P}.days_of_month[0]`, /always before the start day/],
    [{ days_of_month: ['first'] }, `${P}.days_of_month[0]`, /not an integer/],
    [{ days_of_month: ['1 '] }, `${P}.days_of_month[0]`, /not an integer/],
    [{ years: ['2022:2020'] }, `${P}.years[0]`, /end year 2020 is before the start year 2022/],
    [{ years: ['99999999999999999999'] }, `${P}.years[0]`, /not an integer/],
    [{ times: [{ start_time: '22:00', end_time: '02:00' }] }, `${P}.times[0]`, /cannot cross midnight/],
    [{ times: [{ start_time: '10:00', end_time: '10:00' }] }, `${P}.times[0]`, /before end_time/],
    [{ times: [{ start_time: '24:00', end_time: '24:00' }] }, `${P}.times[0]`, /before end_time/],
    [
      { times: [{ start_time: '9:00', end_time: '12:00' }] },
      `${P}.times[0].start_time`,
      /"9:00" is not a valid time/,
    ],
    [{ times: [{ start_time: '09:00', end_time: '24:01' }] }, `${P}.times[0].end_time`, /not a valid time/],
    [{ times: [{ start_time: '09:00', end_time: '23:60' }] }, `${P}.times[0].end_time`, /not a valid time/],
    [{ times: [{ start_time: '09:00' }] }, `${P}.times[0]`, /both start_time and end_time/],
    [{ times: [{ start_time: '09:00', end_time: '' }] }, `${P}.times[0]`, /both start_time and end_time/],
    [{ times: [{ start: '09:00', end_time: '10:00' }] }, `${P}.times[0].start`, /unknown field/],
    [
      { times: [{ start_time: 540, end_time: '10:00' }] },
      `${P}.times[0].start_time`,
      /"540" is not a valid time/,
    ],
    [{ location: 'europe/berlin' }, `${P}.location`, /case-sensitive \(Europe\/Berlin\)/],
    [{ location: 'Mars/Olympus_Mons' }, `${P}.location`, /unknown time zone/],
    [{ location: '+01:00' }, `${P}.location`, /unknown time zone/],
    [{ location: '../../etc/passwd' }, `${P}.location`, /invalid location name/],
    [{ location: ['UTC'] }, `${P}.location`, /must be a time zone name/],
    [{ weekday: ['monday'] }, `${P}.weekday`, /unknown field/],
  ])('rejects %j at %s', (raw, path, message) => {
    const err = errorOf(() => interval(raw));
    expect(err.path).toBe(path);
    expect(err.message).toMatch(message);
  });

  it('throws TimeIntervalError, and nothing else, for any YAML-like value', () => {
    const scalar = fc.oneof(
      fc.constantFrom(
        'monday',
        'sunday:saturday',
        '1:5',
        '-1',
        '09:00',
        '24:00',
        'UTC',
        'Europe/Berlin',
        ':',
        '',
      ),
      fc.string({ maxLength: 8 }),
      fc.integer({ min: -40, max: 3000 }),
      fc.boolean(),
      fc.constant(null),
    );
    const field = fc.oneof(
      scalar,
      fc.array(scalar, { maxLength: 3 }),
      fc.array(fc.dictionary(fc.constantFrom('start_time', 'end_time', 'x'), scalar), { maxLength: 2 }),
    );
    const intervalRaw = fc.dictionary(
      fc.constantFrom('times', 'weekdays', 'days_of_month', 'months', 'years', 'location', 'other'),
      field,
      { maxKeys: 4 },
    );
    const entry = fc.oneof(
      fc.record({
        name: fc.string({ maxLength: 3 }),
        time_intervals: fc.array(fc.oneof(intervalRaw, fc.constant(null)), { maxLength: 2 }),
      }),
      scalar,
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(entry, { maxLength: 3 }), scalar), (raw) => {
        try {
          const set = parseTimeIntervals(raw, 'time_intervals');
          for (const name of set.keys())
            expect(typeof namedIntervalActive(set, name, at('2024-02-29T12:00:00Z'))).toBe('boolean');
        } catch (err) {
          expect(err).toBeInstanceOf(TimeIntervalError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('intervalContains', () => {
  it('matches everything when no field is given, and nothing when a field is an empty list', () => {
    expect(intervalContains(interval({}), at('2021-06-01T12:00:00Z'))).toBe(true);
    expect(intervalContains(interval({ weekdays: [] }), at('2021-06-01T12:00:00Z'))).toBe(false);
    expect(intervalContains(interval({ times: [] }), at('2021-06-01T12:00:00Z'))).toBe(false);
  });

  it.each<[string, Record<string, unknown>, string, boolean]>([
    // Times: start included, end excluded; 24:00 is the end of the day.
    ['evening, start', { times: [{ start_time: '22:00', end_time: '24:00' }] }, '2021-06-01T22:00:00Z', true],
    [
      'evening, last minute',
      { times: [{ start_time: '22:00', end_time: '24:00' }] },
      '2021-06-01T23:59:59.999Z',
      true,
    ],
    [
      'evening, midnight',
      { times: [{ start_time: '22:00', end_time: '24:00' }] },
      '2021-06-02T00:00:00Z',
      false,
    ],
    [
      'office, end excluded',
      { times: [{ start_time: '09:00', end_time: '17:00' }] },
      '2021-06-01T17:00:00Z',
      false,
    ],
    [
      'office, in Berlin (CEST)',
      { times: [{ start_time: '09:00', end_time: '17:00' }], location: 'Europe/Berlin' },
      '2021-06-01T07:00:00Z',
      true,
    ],
    [
      'office, in Berlin, before 09:00',
      { times: [{ start_time: '09:00', end_time: '17:00' }], location: 'Europe/Berlin' },
      '2021-06-01T06:59:59Z',
      false,
    ],
    // Europe/Berlin springs forward on 2021-03-28 at 01:00Z (02:00 CET becomes 03:00 CEST).
    [
      'Berlin gap hour never happens',
      { times: [{ start_time: '02:00', end_time: '03:00' }], location: 'Europe/Berlin' },
      '2021-03-28T00:59:59Z',
      false,
    ],
    [
      'Berlin gap, after the jump',
      { times: [{ start_time: '02:00', end_time: '03:00' }], location: 'Europe/Berlin' },
      '2021-03-28T01:00:00Z',
      false,
    ],
    [
      'Berlin 02:30 the day before',
      { times: [{ start_time: '02:00', end_time: '03:00' }], location: 'Europe/Berlin' },
      '2021-03-27T01:30:00Z',
      true,
    ],
    // It falls back on 2021-10-31 at 01:00Z: 02:00-03:00 local happens twice.
    [
      'Berlin repeated hour, first',
      { times: [{ start_time: '02:00', end_time: '03:00' }], location: 'Europe/Berlin' },
      '2021-10-31T00:30:00Z',
      true,
    ],
    [
      'Berlin repeated hour, second',
      { times: [{ start_time: '02:00', end_time: '03:00' }], location: 'Europe/Berlin' },
      '2021-10-31T01:30:00Z',
      true,
    ],
    [
      'Berlin after the repeated hour',
      { times: [{ start_time: '02:00', end_time: '03:00' }], location: 'Europe/Berlin' },
      '2021-10-31T02:00:00Z',
      false,
    ],
    // America/New_York: 2021-03-14 07:00Z (02:00 EST -> 03:00 EDT), 2021-11-07 06:00Z (02:00 EDT -> 01:00 EST).
    [
      'New York 01:59 EST',
      { times: [{ start_time: '01:00', end_time: '02:00' }], location: 'America/New_York' },
      '2021-03-14T06:59:00Z',
      true,
    ],
    [
      'New York 03:00 EDT',
      { times: [{ start_time: '03:00', end_time: '04:00' }], location: 'America/New_York' },
      '2021-03-14T07:00:00Z',
      true,
    ],
    [
      'New York 01:30 EDT',
      { times: [{ start_time: '01:00', end_time: '02:00' }], location: 'America/New_York' },
      '2021-11-07T05:30:00Z',
      true,
    ],
    [
      'New York 01:30 EST',
      { times: [{ start_time: '01:00', end_time: '02:00' }], location: 'America/New_York' },
      '2021-11-07T06:30:00Z',
      true,
    ],
    [
      'New York 02:00 EST',
      { times: [{ start_time: '01:00', end_time: '02:00' }], location: 'America/New_York' },
      '2021-11-07T07:00:00Z',
      false,
    ],
    // Weekdays are those of the zone: 2021-03-27T23:30Z is Saturday in UTC and Sunday in Berlin.
    ['Sunday in Berlin', { weekdays: ['sunday'], location: 'Europe/Berlin' }, '2021-03-27T23:30:00Z', true],
    ['Saturday in UTC', { weekdays: ['sunday'] }, '2021-03-27T23:30:00Z', false],
    ['weekend range', { weekdays: ['saturday', 'sunday:monday'] }, '2021-03-29T10:00:00Z', true],
    ['midweek', { weekdays: ['saturday', 'sunday:monday'] }, '2021-03-31T10:00:00Z', false],
    // Months and years in the zone: New Year comes earlier in Tokyo.
    [
      'January in Tokyo',
      { months: ['january'], years: ['2022'], location: 'Asia/Tokyo' },
      '2021-12-31T16:00:00Z',
      true,
    ],
    ['December in UTC', { months: ['january'] }, '2021-12-31T16:00:00Z', false],
    ['years range', { years: ['2020:2022'] }, '2022-12-31T23:59:59Z', true],
    ['after years range', { years: ['2020:2022'] }, '2023-01-01T00:00:00Z', false],
    ['month 13 never', { months: ['13'] }, '2021-12-15T00:00:00Z', false],
    // Month ends, in UTC.
    ['-1 on Feb 29 (leap)', { days_of_month: ['-1'] }, '2024-02-29T12:00:00Z', true],
    ['-1 on Feb 28 (leap)', { days_of_month: ['-1'] }, '2024-02-28T12:00:00Z', false],
    ['-1 on Feb 28', { days_of_month: ['-1'] }, '2023-02-28T12:00:00Z', true],
    ['-1 on Dec 31', { days_of_month: ['-1'] }, '2021-12-31T23:59:00Z', true],
    ['-3:-1 on Apr 28', { days_of_month: ['-3:-1'] }, '2021-04-28T00:00:00Z', true],
    ['-3:-1 on Apr 27', { days_of_month: ['-3:-1'] }, '2021-04-27T23:59:59Z', false],
    ['1:31 clamped in February', { days_of_month: ['1:31'] }, '2023-02-28T12:00:00Z', true],
    ['31 never in April', { days_of_month: ['31'] }, '2021-04-30T12:00:00Z', false],
    ['29:31 in a short February', { days_of_month: ['29:31'] }, '2023-02-28T12:00:00Z', false],
    ['-31:-1 covers April', { days_of_month: ['-31:-1'] }, '2021-04-01T00:00:00Z', true],
    ['25:-3 on the 26th of April', { days_of_month: ['25:-3'] }, '2021-04-26T00:00:00Z', true],
    ['25:-3 on the 29th of April', { days_of_month: ['25:-3'] }, '2021-04-29T00:00:00Z', false],
    // The calendar's last day, also where the clocks spring forward that month (Alertmanager 0.25
    // counted elapsed hours / 24 there and got 30 days for March in Berlin; later versions fixed it).
    [
      'Berlin March: -1 is the 31st',
      { days_of_month: ['-1'], location: 'Europe/Berlin' },
      '2021-03-31T12:00:00Z',
      true,
    ],
    [
      'Berlin March: the 30th is not -1',
      { days_of_month: ['-1'], location: 'Europe/Berlin' },
      '2021-03-30T12:00:00Z',
      false,
    ],
    [
      'Berlin March: 1:31 reaches the 31st',
      { days_of_month: ['1:31'], location: 'Europe/Berlin' },
      '2021-03-31T12:00:00Z',
      true,
    ],
    [
      'Berlin October: -1 is the 31st',
      { days_of_month: ['-1'], location: 'Europe/Berlin' },
      '2021-10-31T12:00:00Z',
      true,
    ],
    ['UTC March: -1 is the 31st', { days_of_month: ['-1'] }, '2021-03-31T12:00:00Z', true],
    [
      'New York March: -1 is the 31st',
      { days_of_month: ['-1'], location: 'America/New_York' },
      '2021-03-31T16:00:00Z',
      true,
    ],
    [
      'New York November: -1 is the 30th',
      { days_of_month: ['-1'], location: 'America/New_York' },
      '2021-11-30T16:00:00Z',
      true,
    ],
    [
      'New York November: -2 is the 29th',
      { days_of_month: ['-2'], location: 'America/New_York' },
      '2021-11-29T16:00:00Z',
      true,
    ],
    // Pacific/Chatham springs forward in late September; September still has 30 days.
    [
      'Chatham September 30th',
      { days_of_month: ['30'], location: 'Pacific/Chatham' },
      '2056-09-29T10:15:00Z',
      true,
    ],
    [
      'Chatham September 29th is not -1',
      { days_of_month: ['-1'], location: 'Pacific/Chatham' },
      '2056-09-28T10:15:00Z',
      false,
    ],
    [
      'Berlin Feb 29 (no change)',
      { days_of_month: ['-1'], location: 'Europe/Berlin' },
      '2024-02-29T12:00:00Z',
      true,
    ],
    // The day itself is the zone's: 2021-04-30T22:30Z is already May 1st in Berlin.
    [
      'Berlin first of May',
      { days_of_month: ['1'], months: ['may'], location: 'Europe/Berlin' },
      '2021-04-30T22:30:00Z',
      true,
    ],
  ])('%s', (_, raw, instant, expected) => {
    expect(intervalContains(interval(raw), at(instant))).toBe(expected);
  });

  it('namedIntervalActive is true when any interval of the entry contains the instant', () => {
    const set = parseTimeIntervals(
      [
        {
          name: 'off-hours',
          time_intervals: [
            {
              times: [
                { start_time: '00:00', end_time: '09:00' },
                { start_time: '17:00', end_time: '24:00' },
              ],
            },
            { weekdays: ['saturday', 'sunday'] },
          ],
        },
      ],
      'mute_time_intervals',
    );
    expect(namedIntervalActive(set, 'off-hours', at('2021-06-01T08:59:00Z'))).toBe(true);
    expect(namedIntervalActive(set, 'off-hours', at('2021-06-01T09:00:00Z'))).toBe(false);
    expect(namedIntervalActive(set, 'off-hours', at('2021-06-05T12:00:00Z'))).toBe(true);
    expect(namedIntervalActive(set, 'unknown', at('2021-06-05T12:00:00Z'))).toBe(false);
  });
});

describe('intervalContains properties', () => {
  const instant = fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) });
  const zone = fc.constantFrom(
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
    'Pacific/Chatham',
    'America/Sao_Paulo',
  );

  /** The wall clock from Intl directly: an oracle independent of the module's offset arithmetic. */
  function wall(
    z: string,
    ms: number,
  ): { year: number; month: number; day: number; hour: number; minute: number; weekday: number } {
    const parts: Record<string, string> = {};
    const f = new Intl.DateTimeFormat('en-US', {
      timeZone: z,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    for (const p of f.formatToParts(ms)) parts[p.type] = p.value;
    const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      weekday: weekdays.indexOf(parts.weekday!),
    };
  }

  const hhmm = (m: number): string =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

  it('each field agrees with the wall clock in the zone', () => {
    fc.assert(
      fc.property(
        instant,
        zone,
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 1440 }),
        (ms, z, a, b) => {
          const w = wall(z, ms);
          const [start, end] = a < b ? [a, b] : [b - 1, a + 1];
          const minute = w.hour * 60 + w.minute;
          const t = interval({ times: [{ start_time: hhmm(start), end_time: hhmm(end) }], location: z });
          expect(intervalContains(t, ms)).toBe(minute >= start && minute < end);
          expect(intervalContains(interval({ weekdays: [WEEKDAY_NAMES[w.weekday]], location: z }), ms)).toBe(
            true,
          );
          expect(
            intervalContains(interval({ weekdays: [WEEKDAY_NAMES[(w.weekday + 1) % 7]], location: z }), ms),
          ).toBe(false);
          expect(intervalContains(interval({ days_of_month: [String(w.day)], location: z }), ms)).toBe(true);
          expect(
            intervalContains(
              interval({ months: [String(w.month)], years: [String(w.year)], location: z }),
              ms,
            ),
          ).toBe(true);
          expect(intervalContains(interval({ months: [String((w.month % 12) + 1)], location: z }), ms)).toBe(
            false,
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('full ranges contain every instant', () => {
    const full = interval({
      times: [{ start_time: '00:00', end_time: '24:00' }],
      weekdays: ['sunday:saturday'],
      months: ['january:december'],
      location: 'America/New_York',
    });
    const allDays = interval({ days_of_month: ['1:31'], location: 'America/New_York' });
    fc.assert(
      fc.property(instant, (ms) => {
        expect(intervalContains(full, ms)).toBe(true);
        expect(intervalContains(allDays, ms)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('in a zone without daylight saving time, -1 is the calendar last day of the month', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom('UTC', 'Asia/Tokyo', 'Asia/Kolkata'), (ms, z) => {
        const w = wall(z, ms);
        const last = new Date(Date.UTC(w.year, w.month, 0)).getUTCDate();
        expect(intervalContains(interval({ days_of_month: ['-1'], location: z }), ms)).toBe(w.day === last);
      }),
      { numRuns: 500 },
    );
  });
});
