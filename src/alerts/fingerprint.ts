import type { Alert, AlertHead, Labels } from './model.js';

/*
 * Alertmanager identifies an alert by the fingerprint of its label set (prometheus/common model
 * labelSetToFingerprint): FNV-1a 64 over the label names in sorted order, each name and value
 * followed by the separator byte 0xff, rendered as 16 lower-case hex digits. We use the same
 * definition so an alert has the same id in Sentinel and in Alertmanager.
 *
 * JavaScript numbers cannot hold 64-bit products and BigInt is slow on the ingest path, so the state
 * is four 16-bit limbs (least significant first) and the multiplication by the FNV prime
 * 2^40 + 0x1b3 is done as h * 0x1b3 + (h << 40) with explicit carries.
 */

const SEPARATOR = 0xff;
/** '00'..'ff', for rendering hashes without Number#toString. */
const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();

class Fnv1a64 {
  private a0 = 0x2325; // offset basis 0xcbf29ce484222325
  private a1 = 0x8422;
  private a2 = 0x9ce4;
  private a3 = 0xcbf2;

  byte(b: number): void {
    const a0 = this.a0 ^ b;
    const a1 = this.a1;
    const c0 = a0 * 0x1b3;
    const c1 = a1 * 0x1b3 + (c0 >>> 16);
    // (h << 40) contributes h's bits 0..7 to limb 2 (at bit 8) and bits 8..23 to limb 3.
    const c2 = this.a2 * 0x1b3 + (c1 >>> 16) + ((a0 & 0xff) << 8);
    const c3 = this.a3 * 0x1b3 + (c2 >>> 16) + ((a0 >>> 8) | ((a1 & 0xff) << 8));
    this.a0 = c0 & 0xffff;
    this.a1 = c1 & 0xffff;
    this.a2 = c2 & 0xffff;
    this.a3 = c3 & 0xffff;
  }

  string(s: string): void {
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      // For ASCII the UTF-8 bytes are the character codes: no encoder allocation on the hot path.
      for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
      return;
    }
    const bytes = encoder.encode(s);
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i]!);
  }

  hex(): string {
    return (
      HEX_BYTES[this.a3 >>> 8]! +
      HEX_BYTES[this.a3 & 0xff]! +
      HEX_BYTES[this.a2 >>> 8]! +
      HEX_BYTES[this.a2 & 0xff]! +
      HEX_BYTES[this.a1 >>> 8]! +
      HEX_BYTES[this.a1 & 0xff]! +
      HEX_BYTES[this.a0 >>> 8]! +
      HEX_BYTES[this.a0 & 0xff]!
    );
  }
}

/** Go sorts label names by byte order; comparing UTF-16 code units agrees for valid label names (ASCII). */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function fingerprintLabels(labels: Labels): string {
  const names = Object.keys(labels).sort(byCodeUnit);
  const h = new Fnv1a64();
  for (const name of names) {
    h.string(name);
    h.byte(SEPARATOR);
    h.string(labels[name]!);
    h.byte(SEPARATOR);
  }
  return h.hex();
}

/**
 * A 53-bit hash of UTF-16 code units (two Math.imul-mixed 32-bit lanes, as in cyrb53), several
 * times faster than the 4-limb FNV above. For Sentinel's own identities (signatures, content
 * equality), where Alertmanager compatibility does not apply.
 */
class FastHash {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  string(s: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  /** A string preceded by its length, so no two different sequences of parts hash alike by concatenation. */
  part(s: string): void {
    this.h1 = Math.imul(this.h1 ^ s.length, 2654435761);
    this.h2 = Math.imul(this.h2 ^ s.length, 1597334677);
    this.string(s);
  }

  hex(): string {
    let h1 = Math.imul(this.h1 ^ (this.h1 >>> 16), 2246822507);
    h1 ^= Math.imul(this.h2 ^ (this.h2 >>> 13), 3266489909);
    let h2 = Math.imul(this.h2 ^ (this.h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    // Byte by byte from a table: Number#toString(16) of a value above 2^31 takes V8's slow
    // floating-point path (about 1 µs a call, measured), several times an alert on the ingest path.
    const hi = 2097151 & h2;
    return (
      HEX_BYTES[hi >>> 16]! +
      HEX_BYTES[(hi >>> 8) & 0xff]! +
      HEX_BYTES[hi & 0xff]! +
      HEX_BYTES[h1 >>> 24]! +
      HEX_BYTES[(h1 >>> 16) & 0xff]! +
      HEX_BYTES[(h1 >>> 8) & 0xff]! +
      HEX_BYTES[h1 & 0xff]!
    );
  }
}

/** A hash of a sequence of strings; used for signatures. */
export function hashParts(parts: readonly string[]): string {
  const h = new FastHash();
  for (const part of parts) h.part(part);
  return h.hex();
}

// Hashes by object: an ingested alert and the stored alert made from it share the result.
const contentHashes = new WeakMap<object, string>();

/**
 * Everything a re-send of an alert can change, hashed: equal hashes mean a dedupe, not an update.
 * When the fingerprint is the hash of the labels (it is unless the sender chose one), equal
 * fingerprints already mean equal labels, so the labels are left out: they are most of the bytes.
 */
export function contentHash(a: {
  title: string;
  message: string;
  severity: string;
  source: string;
  generatorUrl: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint?: string;
  /** Whether `fingerprint` is fingerprintLabels(labels); worked out here when not given. */
  labelsFingerprinted?: boolean;
}): string {
  const known = contentHashes.get(a);
  if (known !== undefined) return known;
  const labelsKnown =
    a.labelsFingerprinted ?? (a.fingerprint !== undefined && a.fingerprint === fingerprintLabels(a.labels));
  const h = new FastHash();
  for (const s of [a.title, a.message, a.severity, a.source, a.generatorUrl ?? '']) h.part(s);
  for (const map of labelsKnown ? [a.annotations] : [a.labels, a.annotations]) {
    const names = Object.keys(map).sort(byCodeUnit);
    h.part(String(names.length));
    for (const name of names) {
      h.part(name);
      h.part(map[name]!);
    }
  }
  h.part(labelsKnown ? 'fingerprinted' : 'labelled');
  const hex = h.hex();
  contentHashes.set(a, hex);
  return hex;
}

/** Records that `b` has the same content as `a` (a stored alert made from an ingested one). */
export function shareContentHash(a: object, b: object): void {
  const known = contentHashes.get(a);
  if (known !== undefined) contentHashes.set(b, known);
}

export function headOf(a: Alert): AlertHead {
  return {
    ref: a.ref,
    fingerprint: a.fingerprint,
    state: a.state,
    occurrences: a.occurrences,
    lastSeenAt: a.lastSeenAt,
    updatedAt: a.updatedAt,
    contentHash: contentHash(a),
    resolveAfterMs: a.resolveAfterMs,
  };
}
