import type { Labels } from '../alerts/model.js';
import type { InhibitRule } from '../notify/config-types.js';
import type { InhibitSource } from '../notify/model.js';
import { allMatch } from './matchers.js';

/*
 * Inhibition with Alertmanager's semantics (inhibit/inhibit.go): a firing alert that matches a
 * rule's source matchers mutes every alert that matches its target matchers and has the same values
 * of the `equal` labels (a missing label counts as empty). When an alert matches both the source
 * and the target side, sources that also match both are ignored for it, so such alerts do not mute
 * each other (or themselves).
 *
 * The firing sources are kept in the store (inhibit_sources), written in the transaction that
 * raises or resolves them, so every replica sees the same inhibitions and a restart loses none.
 */

export function equalKey(rule: InhibitRule, labels: Labels): string {
  return JSON.stringify(rule.equal.map((name) => labels[name] ?? ''));
}

/** The source rows a firing alert contributes (empty if it matches no rule's source side). */
export function inhibitSourcesOf(
  rules: readonly InhibitRule[],
  fingerprint: string,
  labels: Labels,
): InhibitSource[] {
  const out: InhibitSource[] = [];
  for (const rule of rules) {
    if (!allMatch(rule.sourceMatchers, labels)) continue;
    out.push({
      ruleId: rule.id,
      equalKey: equalKey(rule, labels),
      fingerprint,
      alsoTarget: allMatch(rule.targetMatchers, labels),
    });
  }
  return out;
}

/** What to look up to decide whether an alert is inhibited: one entry per rule it is a target of. */
export interface InhibitLookup {
  ruleId: string;
  equalKey: string;
  /** The alert matches the rule's source side too (two-sided match). */
  alsoSource: boolean;
}

export function inhibitLookups(rules: readonly InhibitRule[], labels: Labels): InhibitLookup[] {
  const out: InhibitLookup[] = [];
  for (const rule of rules) {
    if (!allMatch(rule.targetMatchers, labels)) continue;
    out.push({
      ruleId: rule.id,
      equalKey: equalKey(rule, labels),
      alsoSource: allMatch(rule.sourceMatchers, labels),
    });
  }
  return out;
}

/** The fingerprints of the firing alerts that inhibit an alert, given the source rows for its lookups. */
export function inhibitingFingerprints(
  lookups: readonly InhibitLookup[],
  sources: readonly InhibitSource[],
  fingerprint: string,
): string[] {
  const out = new Set<string>();
  for (const l of lookups) {
    for (const s of sources) {
      if (s.ruleId !== l.ruleId || s.equalKey !== l.equalKey || s.fingerprint === fingerprint) continue;
      if (l.alsoSource && s.alsoTarget) continue;
      out.add(s.fingerprint);
    }
  }
  return [...out].sort();
}

/** An in-memory index of source rows, for checking many alerts at once (API listings). */
export class InhibitIndex {
  private readonly byKey = new Map<string, InhibitSource[]>();

  constructor(sources: readonly InhibitSource[]) {
    for (const s of sources) {
      const key = `${s.ruleId}\u0000${s.equalKey}`;
      let list = this.byKey.get(key);
      if (!list) this.byKey.set(key, (list = []));
      list.push(s);
    }
  }

  sourcesFor(lookups: readonly InhibitLookup[]): InhibitSource[] {
    const out: InhibitSource[] = [];
    for (const l of lookups) out.push(...(this.byKey.get(`${l.ruleId}\u0000${l.equalKey}`) ?? []));
    return out;
  }

  inhibitedBy(rules: readonly InhibitRule[], fingerprint: string, labels: Labels): string[] {
    const lookups = inhibitLookups(rules, labels);
    if (lookups.length === 0) return [];
    return inhibitingFingerprints(lookups, this.sourcesFor(lookups), fingerprint);
  }
}
