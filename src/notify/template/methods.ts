import { ExecFailure } from './errors.js';
import { DEFAULT_LAYOUT, durationString, fields, formatTime, isZeroTime, subTimes } from './gotime.js';
import {
  compareGoStrings,
  GoDuration,
  GoFloat,
  GoList,
  GoMap,
  GoStruct,
  GoTime,
  STRING_SLICE,
  stringOf,
  typeName,
  type Value,
} from './values.js';

/*
 * The methods templates may call, per Go type. This table is the only way from a template to behaviour:
 * nothing is looked up on JS objects, so `{{ .constructor }}` or `{{ .Labels.__proto__ }}` find nothing.
 */

/** What a parameter accepts (Go's assignability, for the types our functions use). */
export type ParamKind = 'any' | 'string' | 'strings' | 'int' | 'time';

const PARAM_TYPE_NAMES: Record<ParamKind, string> = {
  any: 'interface {}',
  string: 'string',
  strings: '[]string',
  int: 'int',
  time: 'time.Time',
};

/** Checks (and for 'any', normalises) one argument. Invalid values become nil where Go allows nil. */
export function convertArg(v: Value, kind: ParamKind): Value {
  switch (kind) {
    case 'any':
      return v === undefined ? null : v;
    case 'string': {
      const s = stringOf(v);
      if (s !== null) return s;
      break;
    }
    case 'strings':
      if (v instanceof GoList && v.type === STRING_SLICE) return v;
      if (v === null || v === undefined) return new GoList(STRING_SLICE, []);
      break;
    case 'int':
      if (typeof v === 'number') return v;
      break;
    case 'time':
      if (v instanceof GoTime) return v;
      break;
  }
  if (v === undefined) throw new ExecFailure(`invalid value; expected ${PARAM_TYPE_NAMES[kind]}`);
  throw new ExecFailure(`wrong type for value; expected ${PARAM_TYPE_NAMES[kind]}; got ${typeName(v)}`);
}

export interface MethodDef {
  params: readonly ParamKind[];
  call(recv: Value, args: Value[]): Value;
}

export const PAIR = 'template.Pair';
export const PAIRS = 'template.Pairs';
export const KV = 'template.KV';
export const ALERTS = 'template.Alerts';
export const ALERT_SLICE = '[]template.Alert';

export function stringList(items: readonly string[]): GoList {
  return new GoList(STRING_SLICE, items);
}

/** KV.SortedPairs: sorted by name, except that `alertname` comes first (as Alertmanager). */
export function sortedPairs(kv: GoMap): GoList {
  const names = [...kv.entries.keys()].sort((a, b) =>
    a === 'alertname' ? -1 : b === 'alertname' ? 1 : compareGoStrings(a, b),
  );
  return new GoList(
    PAIRS,
    names.map(
      (n) =>
        new GoStruct(
          PAIR,
          new Map<string, Value>([
            ['Name', n],
            ['Value', kv.entries.get(n)],
          ]),
        ),
    ),
  );
}

function pairField(pairs: GoList, field: 'Name' | 'Value'): GoList {
  return stringList(pairs.items.map((p) => String((p as GoStruct).fields.get(field) ?? '')));
}

const byStatus = (status: string) => (recv: Value) =>
  new GoList(
    ALERT_SLICE,
    (recv as GoList).items.filter((a) => a instanceof GoStruct && a.fields.get('Status') === status),
  );

const t = (v: Value) => v as GoTime;
const d = (v: Value) => v as GoDuration;

const METHODS = new Map<string, ReadonlyMap<string, MethodDef>>([
  [
    ALERTS,
    new Map<string, MethodDef>([
      ['Firing', { params: [], call: byStatus('firing') }],
      ['Resolved', { params: [], call: byStatus('resolved') }],
    ]),
  ],
  [
    KV,
    new Map<string, MethodDef>([
      ['SortedPairs', { params: [], call: (r) => sortedPairs(r as GoMap) }],
      ['Names', { params: [], call: (r) => pairField(sortedPairs(r as GoMap), 'Name') }],
      ['Values', { params: [], call: (r) => pairField(sortedPairs(r as GoMap), 'Value') }],
      [
        'Remove',
        {
          params: ['strings'],
          call: (r, [keys]) => {
            const drop = new Set((keys as GoList).items.map(String));
            return new GoMap(KV, new Map([...(r as GoMap).entries].filter(([k]) => !drop.has(k))));
          },
        },
      ],
    ]),
  ],
  [
    PAIRS,
    new Map<string, MethodDef>([
      ['Names', { params: [], call: (r) => pairField(r as GoList, 'Name') }],
      ['Values', { params: [], call: (r) => pairField(r as GoList, 'Value') }],
    ]),
  ],
  [
    'time.Time',
    new Map<string, MethodDef>([
      ['Format', { params: ['string'], call: (r, [layout]) => formatTime(t(r), layout as string) }],
      ['String', { params: [], call: (r) => formatTime(t(r), DEFAULT_LAYOUT) }],
      ['Unix', { params: [], call: (r) => t(r).sec }],
      ['UnixMilli', { params: [], call: (r) => t(r).sec * 1000 + Math.floor(t(r).nsec / 1e6) }],
      ['UTC', { params: [], call: (r) => new GoTime(t(r).sec, t(r).nsec) }],
      // Sentinel renders in UTC: Local is UTC.
      ['Local', { params: [], call: (r) => new GoTime(t(r).sec, t(r).nsec) }],
      ['IsZero', { params: [], call: (r) => isZeroTime(t(r)) }],
      ['Year', { params: [], call: (r) => fields(t(r)).year }],
      ['YearDay', { params: [], call: (r) => fields(t(r)).yday }],
      ['Day', { params: [], call: (r) => fields(t(r)).day }],
      ['Hour', { params: [], call: (r) => fields(t(r)).hour }],
      ['Minute', { params: [], call: (r) => fields(t(r)).minute }],
      ['Second', { params: [], call: (r) => fields(t(r)).second }],
      ['Nanosecond', { params: [], call: (r) => t(r).nsec }],
      ['Sub', { params: ['time'], call: (r, [u]) => subTimes(t(r), t(u)) }],
      ['Before', { params: ['time'], call: (r, [u]) => subTimes(t(r), t(u)).ns < 0n }],
      ['After', { params: ['time'], call: (r, [u]) => subTimes(t(r), t(u)).ns > 0n }],
      ['Equal', { params: ['time'], call: (r, [u]) => subTimes(t(r), t(u)).ns === 0n }],
    ]),
  ],
  [
    'time.Duration',
    new Map<string, MethodDef>([
      ['Seconds', { params: [], call: (r) => new GoFloat(Number(d(r).ns) / 1e9) }],
      ['Minutes', { params: [], call: (r) => new GoFloat(Number(d(r).ns) / 6e10) }],
      ['Hours', { params: [], call: (r) => new GoFloat(Number(d(r).ns) / 3.6e12) }],
      ['Milliseconds', { params: [], call: (r) => Number(d(r).ns / 1_000_000n) }],
      ['String', { params: [], call: (r) => durationString(d(r)) }],
    ]),
  ],
]);

/** The method `name` of `v`'s type, if it has one. */
export function lookupMethod(v: Value, name: string): MethodDef | undefined {
  if (v === undefined || v === null || typeof v !== 'object') return undefined;
  const type = typeName(v);
  return METHODS.get(type)?.get(name);
}
