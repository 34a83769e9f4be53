/*
 * The values templates see. Go's type system is modelled only as far as templates can observe it:
 * ints and floats are distinct (eq 1 1.0 is an error in Go), a list or map carries the name of its Go
 * type (which selects its methods, see methods.ts), and data objects are Maps, never plain JS objects,
 * so no template can reach a prototype.
 */

/** A Go float64 (ints are plain JS numbers holding integers). */
export class GoFloat {
  constructor(readonly v: number) {}
}

/** html/template's HTML type: a string that HTML mode prints without escaping (`safeHtml`). */
export class SafeHtml {
  constructor(readonly s: string) {}
}

/** A Go time.Duration, in nanoseconds (int64 range). */
export class GoDuration {
  constructor(readonly ns: bigint) {}
}

/** A Go time.Time: Unix seconds, nanoseconds within the second, and an IANA zone name ('UTC' for UTC). */
export class GoTime {
  constructor(
    readonly sec: number,
    readonly nsec: number,
    readonly zone: string = 'UTC',
  ) {}
}

/** A Go slice. `type` is its Go type name, e.g. `template.Alerts`, `[]string`. */
export class GoList {
  constructor(
    readonly type: string,
    readonly items: readonly Value[],
  ) {}
}

/** A Go map with string keys. `type` is e.g. `template.KV`. */
export class GoMap {
  constructor(
    readonly type: string,
    readonly entries: ReadonlyMap<string, Value>,
  ) {}
}

/** A Go struct: a missing field is an error, unlike a missing map key. Fields keep their order. */
export class GoStruct {
  constructor(
    readonly type: string,
    readonly fields: ReadonlyMap<string, Value>,
  ) {}
}

/**
 * `undefined` is Go's invalid reflect.Value (what a missing map key yields; prints `<no value>`),
 * `null` is nil.
 */
export type Value =
  | undefined
  | null
  | string
  | number
  | boolean
  | GoFloat
  | SafeHtml
  | GoDuration
  | GoTime
  | GoList
  | GoMap
  | GoStruct;

export const STRING_SLICE = '[]string';

export function typeName(v: Value): string {
  if (v === undefined) return '<invalid>';
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'int';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof GoFloat) return 'float64';
  if (v instanceof SafeHtml) return 'template.HTML';
  if (v instanceof GoDuration) return 'time.Duration';
  if (v instanceof GoTime) return 'time.Time';
  return v.type;
}

/** The text of a string-kind value (string or SafeHtml), else null. */
export function stringOf(v: Value): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof SafeHtml) return v.s;
  return null;
}

/** Go's truth: empty string/list/map, 0, false, nil and invalid are false; structs are true. */
export function isTrue(v: Value): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'boolean':
      return v;
  }
  if (v instanceof GoFloat) return v.v !== 0;
  if (v instanceof SafeHtml) return v.s.length > 0;
  if (v instanceof GoDuration) return v.ns !== 0n;
  if (v instanceof GoList) return v.items.length > 0;
  if (v instanceof GoMap) return v.entries.size > 0;
  return true;
}

export type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';

/** The kind Go's comparison functions (eq, lt, ...) classify a value by. */
export function basicKind(v: Value): BasicKind {
  if (v === undefined || v === null) return 'invalid';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'int';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof GoFloat) return 'float';
  if (v instanceof SafeHtml) return 'string';
  if (v instanceof GoDuration) return 'int';
  return 'other';
}

/** Go orders strings by their UTF-8 bytes, which is code point order (not JS's UTF-16 order). */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800-0xDFFF) stands for a code point above 0xFFFF, so it sorts after 0xE000-0xFFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Map entries in Go's sorted key order (as range and fmt use). */
export function sortedEntries(m: GoMap): [string, Value][] {
  return [...m.entries].sort((a, b) => compareGoStrings(a[0], b[0]));
}

/** Number of bytes of the UTF-8 encoding (Go's len of a string). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
