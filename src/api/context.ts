import type { GroupCommitter } from '../alerts/group-commit.js';
import type { IngestResult, PreparedAlert } from '../alerts/model.js';
import type { AlertService } from '../alerts/service.js';
import type { AlertLimits } from '../alerts/validate.js';
import type { Clock } from '../clock.js';
import type { IncidentService } from '../incidents/service.js';
import type { Metrics } from '../metrics.js';
import type { HealthService } from '../engine/health-service.js';
import type { Notifier } from '../notify/notifier.js';
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
  notifier: Notifier;
  health: HealthService;
  /** The Alertmanager sections of the running configuration as YAML, secrets masked (GET /api/v2/status). */
  configOriginal: () => string;
  /** Re-reads the configuration file and applies it; throws SentinelError('reload_failed') if it is invalid. */
  reload: () => Promise<void>;
  startedAt: number;
  version: string;
}
