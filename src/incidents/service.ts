import type { Alert, EventDraft, Severity } from '../alerts/model.js';
import type { Clock } from '../clock.js';
import { SentinelError } from '../errors.js';
import { refs } from '../ids.js';
import type { Store } from '../store/store.js';
import {
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  type Incident,
  type IncidentSeverity,
  type IncidentStatus,
} from './model.js';

export interface IncidentPolicy {
  /** Inside this window after a triage ran for a signature, new alerts only add a note. */
  triageCooldownMs: number;
  defaultDedupeWindowMs: number;
  defaultSeverityCap: IncidentSeverity;
}

export type TriageOutcome = 'requested' | 'cooldown' | 'none';

export interface FromAlertResult {
  incident: Incident;
  created: boolean;
  attached: boolean;
  triage: TriageOutcome;
}

// P0 is kept for humans declaring an outage; alerts map to P1..P3 and a cap can only lower that.
const SEVERITY_LEVEL: Record<Severity, IncidentSeverity> = { critical: 'P1', warning: 'P2', info: 'P3' };

function rank(s: IncidentSeverity): number {
  return INCIDENT_SEVERITIES.indexOf(s);
}

export function cappedSeverity(alert: Severity, cap: IncidentSeverity): IncidentSeverity {
  const mapped = SEVERITY_LEVEL[alert];
  return rank(mapped) < rank(cap) ? cap : mapped;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function incidentEvent(
  type: EventDraft['type'],
  incident: Incident,
  at: number,
  actor: string | null,
  data: Record<string, unknown>,
  alertRef: string | null = null,
): EventDraft {
  return { type, at, alertRef, incidentRef: incident.ref, actor, data };
}

/** Turns alerts into incidents and moves incidents through open -> mitigating -> resolved -> closed. */
export class IncidentService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policy: IncidentPolicy,
  ) {}

  /**
   * Opens an incident for an alert, or attaches the alert to the open incident with the same
   * signature created inside the dedupe window. Work on one signature is serialised through its
   * signature_state row, so two callers (or replicas) never open two incidents for one problem.
   */
  fromAlert(
    alertRef: string,
    opts: { severityCap?: IncidentSeverity; dedupeWindowMs?: number; actor: string | null },
  ): Promise<FromAlertResult> {
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const alert = await tx.alertForUpdate(alertRef);
      if (!alert) throw new SentinelError('alert_not_found', `no alert ${alertRef}`);
      const sig = await tx.lockSignature(alert.signature);
      if (alert.incidentRef !== null) {
        const existing = await tx.incidentForUpdate(alert.incidentRef);
        if (existing) return { incident: existing, created: false, attached: false, triage: 'none' as const };
      }
      const cap = opts.severityCap ?? this.policy.defaultSeverityCap;
      const severity = cappedSeverity(alert.severity, cap);
      const window = opts.dedupeWindowMs ?? this.policy.defaultDedupeWindowMs;
      const events: EventDraft[] = [];
      let incident = await tx.openIncidentForSignature(alert.signature, now - window);
      let created = false;
      if (incident === null) {
        incident = {
          id: 0,
          ref: refs.next('inc_', now),
          signature: alert.signature,
          service: alert.service,
          title: alert.title,
          severity,
          status: 'open',
          alertCount: 1,
          createdAt: now,
          updatedAt: now,
          resolvedAt: null,
          closedAt: null,
        };
        created = true;
        await tx.insertIncident(incident);
        events.push(
          incidentEvent('incident_opened', incident, now, opts.actor, {
            from_alert: alert.ref,
            severity_cap: cap,
            changes: {
              ref: incident.ref,
              signature: incident.signature,
              service: incident.service,
              title: incident.title,
              severity: incident.severity,
              status: incident.status,
              created_at: iso(now),
            },
          }),
        );
      } else {
        const raised = rank(severity) < rank(incident.severity) ? severity : incident.severity;
        incident = { ...incident, alertCount: incident.alertCount + 1, severity: raised, updatedAt: now };
        await tx.updateIncident(incident);
      }
      await tx.attachAlertToIncident(incident.ref, alert.ref, now);
      const attachedAlert: Alert = { ...alert, incidentRef: incident.ref, updatedAt: now };
      await tx.updateAlerts([attachedAlert]);
      events.push(
        incidentEvent(
          'incident_alert_attached',
          incident,
          now,
          opts.actor,
          {
            alert_count: incident.alertCount,
            severity: incident.severity,
            changes: { incident_ref: incident.ref, updated_at: iso(now) },
          },
          alert.ref,
        ),
      );

      let triage: TriageOutcome;
      if (sig.lastTriageAt !== null && now - sig.lastTriageAt < this.policy.triageCooldownMs) {
        triage = 'cooldown';
        events.push(
          incidentEvent('incident_note', incident, now, 'sentinel', {
            text: `alert ${alert.ref} arrived during the triage cooldown for this signature; no new triage`,
            alert_ref: alert.ref,
          }),
        );
      } else {
        triage = 'requested';
        events.push(
          incidentEvent('incident_triage_requested', incident, now, opts.actor, { alert_ref: alert.ref }),
        );
        sig.lastTriageAt = now;
      }
      sig.lastIncidentRef = incident.ref;
      await tx.saveSignature(sig);
      tx.appendEvents(events);
      return { incident, created, attached: true, triage };
    });
  }

  addNote(ref: string, opts: { text: string; actor: string | null }): Promise<Incident> {
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const incident = await tx.incidentForUpdate(ref);
      if (!incident) throw new SentinelError('incident_not_found', `no incident ${ref}`);
      const next = { ...incident, updatedAt: now };
      await tx.updateIncident(next);
      tx.appendEvents([incidentEvent('incident_note', next, now, opts.actor, { text: opts.text })]);
      return next;
    });
  }

  /** Statuses only move forward (open -> mitigating -> resolved -> closed); steps may be skipped. */
  setStatus(
    ref: string,
    status: IncidentStatus,
    opts: { actor: string | null; note: string | null },
  ): Promise<Incident> {
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const incident = await tx.incidentForUpdate(ref);
      if (!incident) throw new SentinelError('incident_not_found', `no incident ${ref}`);
      const from = INCIDENT_STATUSES.indexOf(incident.status);
      const to = INCIDENT_STATUSES.indexOf(status);
      if (to <= from) {
        throw new SentinelError(
          'invalid_transition',
          `incident ${ref} is ${incident.status}; it can only move forward (${INCIDENT_STATUSES.slice(from + 1).join(', ') || 'nothing left'})`,
        );
      }
      const reachesResolved = to >= INCIDENT_STATUSES.indexOf('resolved');
      const next: Incident = {
        ...incident,
        status,
        updatedAt: now,
        resolvedAt: reachesResolved ? (incident.resolvedAt ?? now) : null,
        closedAt: status === 'closed' ? now : null,
      };
      await tx.updateIncident(next);
      tx.appendEvents([
        incidentEvent('incident_status_changed', next, now, opts.actor, {
          from: incident.status,
          to: status,
          note: opts.note,
          changes: {
            status,
            resolved_at: iso(next.resolvedAt),
            closed_at: iso(next.closedAt),
            updated_at: iso(now),
          },
        }),
      ]);
      return next;
    });
  }
}
