import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

// Crockford base32, as ULID uses: references sort by creation time and are URL-safe.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[bytes[i]! % 32];
  return out;
}

/**
 * A ULID-shaped identifier (26 characters, time first) behind a prefix such as `alrt_` or `inc_`.
 * Randomness comes in blocks to keep the ingest path from calling into the kernel once per alert.
 */
export class RefGenerator {
  private pool = Buffer.alloc(0);
  private offset = 0;

  next(prefix: string, ms: number): string {
    if (this.offset + 16 > this.pool.length) {
      this.pool = randomBytes(16 * 256);
      this.offset = 0;
    }
    const slice = this.pool.subarray(this.offset, this.offset + 16);
    this.offset += 16;
    return `${prefix}${encodeTime(ms)}${encodeRandom(slice)}`;
  }
}

export const refs = new RefGenerator();

/** This process among replicas (host, pid and a random part), for leases and claims. */
export function replicaId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
