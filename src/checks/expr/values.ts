/*
 * The values conditions work on: JSON's. What sources return is read defensively: only own data
 * properties of plain objects and arrays are visible (never prototypes, getters or class instances),
 * a Date reads as its RFC 3339 string, a bigint as a number, and anything else that is not JSON (NaN,
 * Infinity, undefined, functions, Buffers, Maps) as null.
 */

export type JsonObject = { readonly [key: string]: unknown };
/** A value as conditions see it. Containers are the source's own; their members are read with `member`. */
export type Value = null | boolean | number | string | readonly unknown[] | JsonObject;

/** A failure while evaluating: a type error, a bad argument. Turned into an `error` result. */
export class EvalFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalFailure';
  }
}

export function isPlainObject(v: unknown): v is JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The value a condition sees for what a source returned. */
export function normalize(v: unknown): Value {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint': {
      const n = Number(v);
      return Number.isFinite(n) ? n : null;
    }
    case 'object':
      if (v === null) return null;
      if (Array.isArray(v) || isPlainObject(v)) return v as Value;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      return null;
    default:
      return null;
  }
}

export type TypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function typeName(v: Value): TypeName {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as TypeName;
}

/** An own data property's value, without running getters; undefined when there is none. */
function own(container: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(container, key)?.value;
}

/** `v.key` / `v[index]`: a missing member, or a member of something that is not a container, is null. */
export function member(v: Value, key: string | number): Value {
  if (Array.isArray(v)) {
    return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < v.length
      ? normalize(own(v, String(key)))
      : null;
  }
  if (v !== null && typeof v === 'object') return normalize(own(v, String(key)));
  return null;
}

/** The own enumerable string keys of a plain object. */
export function keys(v: JsonObject): string[] {
  return Object.keys(v);
}

const MAX_COMPARE_DEPTH = 256;

/** Equality by type and value, deep for arrays and objects; no coercion (1 == "1" is false). */
export function equal(a: Value, b: Value, depth = 0): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (depth > MAX_COMPARE_DEPTH) throw new EvalFailure('values are nested too deeply to compare');
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(member(a, i), member(b, i), depth + 1)) return false;
    return true;
  }
  const ka = keys(a as JsonObject);
  const kb = keys(b as JsonObject);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !equal(member(a, k), member(b, k), depth + 1)) return false;
  }
  return true;
}

/** Limits of the copies of values reported in `observed`. */
export const SNAPSHOT_LIMITS = { depth: 8, items: 100, stringLength: 1000 } as const;

/**
 * A copy of a value for `observed`, safe to serialize: plain JSON, with long strings cut (ending in
 * "…"), containers cut to their first 100 members, and members nested deeper than 8 levels as "…".
 */
export function snapshot(v: Value, depth = 0): unknown {
  if (typeof v === 'string') {
    return v.length > SNAPSHOT_LIMITS.stringLength ? v.slice(0, SNAPSHOT_LIMITS.stringLength) + '…' : v;
  }
  if (v === null || typeof v !== 'object') return v;
  if (depth >= SNAPSHOT_LIMITS.depth) return '…';
  if (Array.isArray(v)) {
    const n = Math.min(v.length, SNAPSHOT_LIMITS.items);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(snapshot(member(v, i), depth + 1));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys(v as JsonObject).slice(0, SNAPSHOT_LIMITS.items)) {
    // defineProperty, so that a key "__proto__" stays a key.
    Object.defineProperty(out, k, {
      value: snapshot(member(v, k), depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** A short rendering of a value for error messages: scalars as JSON, containers by type. */
export function preview(v: Value): string {
  if (v === null || typeof v !== 'object') {
    const text = JSON.stringify(v);
    return text.length > 60 ? text.slice(0, 57) + '...' : text;
  }
  return Array.isArray(v) ? `an array of ${v.length}` : `an object of ${keys(v as JsonObject).length} keys`;
}

/** `null`, `number 5`, `string "x"`, `an array of 3`: what a value is, for messages. */
export function describeValue(v: Value): string {
  if (v === null) return 'null';
  return typeof v === 'object' ? preview(v) : `${typeName(v)} ${preview(v)}`;
}
