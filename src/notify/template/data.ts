import type { NotificationAlert, NotificationData } from '../types.js';
import { parseRfc3339, timeFromMillis, ZERO_TIME } from './gotime.js';
import { ALERTS, KV } from './methods.js';
import { GoFloat, GoList, GoMap, GoStruct, STRING_SLICE, type Value } from './values.js';

/** What a template executes on (its dot). */
export type TemplateData = Value;

/** A label or annotation map as Alertmanager's KV: own properties only, values as strings. */
function kv(labels: Readonly<Record<string, string>> | undefined): GoMap {
  const m = new Map<string, Value>();
  if (labels) for (const [k, v] of Object.entries(labels)) m.set(k, String(v));
  return new GoMap(KV, m);
}

function time(s: string): Value {
  return parseRfc3339(s) ?? ZERO_TIME;
}

function alert(a: NotificationAlert): GoStruct {
  return new GoStruct(
    'template.Alert',
    new Map<string, Value>([
      ['Status', a.status],
      ['Labels', kv(a.labels)],
      ['Annotations', kv(a.annotations)],
      ['StartsAt', time(a.startsAt)],
      ['EndsAt', time(a.endsAt)],
      ['GeneratorURL', a.generatorURL ?? ''],
      ['Fingerprint', a.fingerprint ?? ''],
      ['Ref', a.ref ?? ''],
      ['Severity', a.severity ?? ''],
      ['Service', a.service ?? ''],
      ['Title', a.title ?? ''],
      ['Message', a.message ?? ''],
      ['Occurrences', Math.trunc(a.occurrences ?? 0)],
      ['NewOccurrences', Math.trunc(a.newOccurrences ?? 0)],
      ['Flapping', a.flapping === true],
    ]),
  );
}

/**
 * The value templates see for a notification: Alertmanager's template.Data (`.Receiver`, `.Status`,
 * `.Alerts`, `.GroupLabels`, `.CommonLabels`, `.CommonAnnotations`, `.ExternalURL`) plus `.GroupKey`
 * and `.TruncatedAlerts`; each alert has AM's fields plus Sentinel's (`.Ref`, `.Severity`, ...).
 */
export function templateData(data: NotificationData): TemplateData {
  return new GoStruct(
    '*template.Data',
    new Map<string, Value>([
      ['Receiver', data.receiver],
      ['Status', data.status],
      ['Alerts', new GoList(ALERTS, data.alerts.map(alert))],
      ['GroupLabels', kv(data.groupLabels)],
      ['CommonLabels', kv(data.commonLabels)],
      ['CommonAnnotations', kv(data.commonAnnotations)],
      ['ExternalURL', data.externalURL],
      ['GroupKey', data.groupKey],
      ['TruncatedAlerts', Math.trunc(data.truncatedAlerts)],
    ]),
  );
}

/**
 * Template data from plain JSON-like values (for tests and ad-hoc rendering): objects become maps
 * (of strings: KV, with its methods), arrays lists, integers ints, other numbers floats, Dates times.
 */
export function plainData(x: unknown, depth = 0): Value {
  if (depth > 64) throw new Error('plainData: value nested too deeply');
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'number':
      return Number.isSafeInteger(x) ? x : new GoFloat(x);
    case 'object':
      break;
    default:
      return String(x);
  }
  if (x instanceof Date) return timeFromMillis(x.getTime());
  if (Array.isArray(x)) {
    const items = x.map((v) => plainData(v, depth + 1));
    return new GoList(items.every((v) => typeof v === 'string') ? STRING_SLICE : '[]interface {}', items);
  }
  const m = new Map<string, Value>();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) m.set(k, plainData(v, depth + 1));
  const allStrings = [...m.values()].every((v) => typeof v === 'string');
  return new GoMap(allStrings ? KV : 'map[string]interface {}', m);
}
