import { randomUUID } from 'node:crypto';
import type { Labels } from '../alerts/model.js';
import type { Clock } from '../clock.js';
import { SentinelError, type FieldIssue } from '../errors.js';
import { silenceState, type Silence, type StoredMatcher } from '../notify/model.js';
import type { Store } from '../store/store.js';
import { allMatch, checkApiRegex, checkMatcher, LABEL_NAME_RE } from './matchers.js';

/*
 * Silences with Alertmanager's semantics (silence/silence.go): a silence mutes the alerts all its
 * matchers match while it is active (startsAt <= now < endsAt). Changing a silence keeps its id only
 * when the change is one Alertmanager allows in place (same matchers; an active silence keeps its
 * start and may move its end; a pending one may move both into the future); otherwise the old one is
 * expired and a new one created. Expired silences stay listed for the retention period.
 */

export interface SilenceInput {
  id?: string | undefined;
  matchers: StoredMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** Checks what Alertmanager's API checks; issues name the field. */
export function validateSilence(s: SilenceInput, now: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (s.matchers.length === 0)
    issues.push({ field: 'matchers', code: 'required', message: 'a silence needs at least one matcher' });
  s.matchers.forEach((m, i) => {
    if (!LABEL_NAME_RE.test(m.name))
      issues.push({
        field: `matchers[${i}].name`,
        code: 'invalid_format',
        message: `invalid label name ${JSON.stringify(m.name)}`,
      });
    const problem = checkMatcher(m) ?? (m.type === '=~' || m.type === '!~' ? checkApiRegex(m.value) : null);
    if (problem !== null)
      issues.push({ field: `matchers[${i}].value`, code: 'invalid_format', message: problem });
  });
  if (s.matchers.length > 0 && issues.length === 0 && allMatch(s.matchers, {})) {
    issues.push({
      field: 'matchers',
      code: 'invalid_format',
      message: 'at least one matcher must not match the empty string (it would silence every alert)',
    });
  }
  if (s.endsAt <= s.startsAt)
    issues.push({ field: 'endsAt', code: 'out_of_range', message: 'endsAt must be after startsAt' });
  if (s.endsAt <= now)
    issues.push({ field: 'endsAt', code: 'out_of_range', message: "endsAt can't be in the past" });
  if (s.createdBy.trim() === '')
    issues.push({ field: 'createdBy', code: 'required', message: 'createdBy must not be empty' });
  if (s.comment.trim() === '')
    issues.push({ field: 'comment', code: 'required', message: 'comment must not be empty' });
  return issues;
}

function sameMatchers(a: readonly StoredMatcher[], b: readonly StoredMatcher[]): boolean {
  const key = (ms: readonly StoredMatcher[]): string =>
    JSON.stringify(ms.map((m) => [m.name, m.type, m.value]).sort());
  return key(a) === key(b);
}

/** Whether `next` may replace `prev` in place (Alertmanager's canUpdate). */
export function canUpdateInPlace(prev: Silence, next: SilenceInput, now: number): boolean {
  if (!sameMatchers(prev.matchers, next.matchers)) return false;
  switch (silenceState(prev, now)) {
    case 'active':
      return next.startsAt === prev.startsAt && next.endsAt >= now;
    case 'pending':
      return next.startsAt >= now;
    case 'expired':
      return false;
  }
}

/** Alertmanager's listing order: active by end, then pending by start, then expired newest first. */
export function sortSilences(silences: Silence[], now: number): Silence[] {
  const rank = { active: 0, pending: 1, expired: 2 } as const;
  return silences.sort((a, b) => {
    const sa = silenceState(a, now);
    const sb = silenceState(b, now);
    if (sa !== sb) return rank[sa] - rank[sb];
    if (sa === 'active') return a.endsAt - b.endsAt;
    if (sa === 'pending') return a.startsAt - b.startsAt;
    return b.endsAt - a.endsAt;
  });
}

export class SilenceService {
  private cached: Silence[] = [];
  private version: string | null = null;
  private refreshedAt = -Infinity;

  /**
   * refresh(), unless one ran less than `maxAgeMs` ago and nothing changed here since: for paths
   * that run per ingest batch. Changes on this replica reset the version, so they apply at once;
   * other replicas' changes apply within maxAgeMs.
   */
  async refreshIfStale(maxAgeMs = 1000): Promise<void> {
    if (this.version !== null && this.clock.now() - this.refreshedAt < maxAgeMs) return;
    await this.refresh();
  }

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Creates or changes a silence; returns its id (a new one when the change cannot be made in place). */
  async save(input: SilenceInput): Promise<string> {
    const now = this.clock.now();
    const issues = validateSilence(input, now);
    if (issues.length > 0)
      throw new SentinelError('invalid_silence', `${issues.length} invalid field(s)`, issues);
    const id = await this.store.transaction(async (tx) => {
      let prev: Silence | null = null;
      if (input.id !== undefined && input.id !== '') {
        prev = await tx.notify.silence(input.id);
        if (!prev) throw new SentinelError('silence_not_found', `no silence ${input.id}`);
        if (canUpdateInPlace(prev, input, now)) {
          await tx.notify.saveSilence({ ...prev, ...input, id: prev.id, updatedAt: now });
          return prev.id;
        }
        if (silenceState(prev, now) !== 'expired') await tx.notify.saveSilence(expired(prev, now));
      }
      const created: Silence = {
        id: randomUUID(),
        matchers: input.matchers,
        startsAt: Math.max(input.startsAt, now),
        endsAt: input.endsAt,
        createdBy: input.createdBy,
        comment: input.comment,
        createdAt: now,
        updatedAt: now,
      };
      await tx.notify.saveSilence(created);
      return created.id;
    });
    this.version = null;
    return id;
  }

  async expire(id: string): Promise<void> {
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      const s = await tx.notify.silence(id);
      if (!s) throw new SentinelError('silence_not_found', `no silence ${id}`);
      if (silenceState(s, now) === 'expired')
        throw new SentinelError('silence_expired', `silence ${id} already expired`);
      await tx.notify.saveSilence(expired(s, now));
    });
    this.version = null;
  }

  async get(id: string): Promise<Silence | null> {
    return this.store.notify.silence(id);
  }

  /** Every stored silence (expired ones until retention deletes them), in Alertmanager's order. */
  async list(): Promise<Silence[]> {
    return sortSilences(await this.store.notify.silences(), this.clock.now());
  }

  /**
   * Reloads the cached silences if any replica changed them since the last load. Cheap when nothing
   * changed (one aggregate query), so callers run it before each use.
   */
  async refresh(): Promise<void> {
    this.refreshedAt = this.clock.now();
    const version = await this.store.notify.silencesVersion();
    if (version === this.version) return;
    const now = this.clock.now();
    this.cached = (await this.store.notify.silences()).filter((s) => silenceState(s, now) !== 'expired');
    this.version = version;
  }

  /** Ids of the silences that mute an alert with these labels now (as of the last refresh). */
  mutedBy(labels: Labels, now: number): string[] {
    const out: string[] = [];
    for (const s of this.cached) {
      if (silenceState(s, now) === 'active' && allMatch(s.matchers, labels)) out.push(s.id);
    }
    return out;
  }

  /** Deletes silences that expired more than `retentionMs` ago. */
  async purge(retentionMs: number): Promise<number> {
    const n = await this.store.transaction((tx) => tx.notify.purgeSilences(this.clock.now() - retentionMs));
    if (n > 0) this.version = null;
    return n;
  }
}

function expired(s: Silence, now: number): Silence {
  // A pending silence that is expired never started: both ends become now.
  return { ...s, startsAt: Math.min(s.startsAt, now), endsAt: now, updatedAt: now };
}
