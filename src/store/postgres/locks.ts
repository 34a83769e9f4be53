/*
 * Advisory lock keys, in the two-int4 form pg_advisory_xact_lock(class, key): the class says what
 * is locked, the key which Sentinel installation (schema) it belongs to. Installations that share a
 * database in different schemas then never wait for each other, while every replica of one
 * installation computes the same key.
 *
 * Replicas running different Sentinel versions during a rolling upgrade must agree on these
 * numbers, so neither the constants nor schemaLockKey may ever change.
 */

/** Serialises migrations. */
export const MIGRATION_LOCK_CLASS = 0x53454e54; // "SENT"

/** Held from the events insert to commit: see PgTx.flushEvents. */
export const EVENT_LOG_LOCK_CLASS = 0x45564e54; // "EVNT"

/** 32-bit FNV-1a of the schema name as a signed int4. */
export function schemaLockKey(schema: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(schema, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
