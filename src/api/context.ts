import type { GroupCommitter } from '../alerts/group-commit.js';
import type { IngestResult, PreparedAlert } from '../alerts/model.js';
import type { AlertService } from '../alerts/service.js';
import type { AlertLimits } from '../alerts/validate.js';
import type { Clock } from '../clock.js';
import type { IncidentService } from '../incidents/service.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';
import type { TokenAuthenticator } from './auth.js';

/** What route handlers need, built once by buildApp. */
export interface ApiContext {
  store: Store;
  clock: Clock;
  alerts: AlertService;
  incidents: IncidentService;
  ingest: GroupCommitter<PreparedAlert, IngestResult>;
  auth: TokenAuthenticator;
  metrics: Metrics;
  limits: AlertLimits;
  maxAlertsPerRequest: number;
  defaultDedupeTtlMinutes: number;
  defaultSource: string;
}
