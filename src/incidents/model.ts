/** Incidents group alerts that describe the same problem and carry a timeline. */

export const INCIDENT_STATUSES = ['open', 'mitigating', 'resolved', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

export interface Incident {
  id: number;
  ref: string;
  signature: string;
  service: string;
  title: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  alertCount: number;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  closedAt: number | null;
}

/** Per-signature state that must survive restarts: when triage last ran for it. */
export interface SignatureState {
  signature: string;
  lastTriageAt: number | null;
  lastIncidentRef: string | null;
}
