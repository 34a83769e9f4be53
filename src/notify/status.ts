import type { Alert } from '../alerts/model.js';
import { InhibitIndex } from '../routing/inhibit.js';
import { matchRoutes } from '../routing/route.js';
import type { SilenceService } from '../routing/silences.js';
import type { Store } from '../store/store.js';
import type { NotifyConfig } from './config-types.js';
import { routingLabels, upstreamSuppression } from './labels.js';

/** Where an alert goes and what mutes it, as the APIs show it (Alertmanager's alert status). */
export interface AlertRouting {
  receivers: string[];
  silencedBy: string[];
  /** Fingerprints of the firing alerts that inhibit it. */
  inhibitedBy: string[];
  /** Upstream services a health finding is blamed on (not paged while they are in trouble). */
  suppressedByUpstream: string | null;
  state: 'active' | 'suppressed';
}

/**
 * A snapshot for judging many alerts at once: silences refreshed from the store, every inhibit
 * source loaded once. Build one per API request.
 */
export class RoutingView {
  private constructor(
    private readonly config: NotifyConfig,
    private readonly silences: SilenceService,
    private readonly inhibit: InhibitIndex,
    private readonly now: number,
  ) {}

  static async load(
    store: Store,
    config: NotifyConfig,
    silences: SilenceService,
    now: number,
  ): Promise<RoutingView> {
    await silences.refresh();
    const sources = config.inhibitRules.length > 0 ? await store.notify.allInhibitSources() : [];
    return new RoutingView(config, silences, new InhibitIndex(sources), now);
  }

  of(alert: Alert): AlertRouting {
    const labels = routingLabels(alert);
    const receivers = this.config.route
      ? [...new Set(matchRoutes(this.config.route, labels).map((r) => r.options.receiver))]
      : [];
    const silencedBy = this.silences.mutedBy(labels, this.now);
    const inhibitedBy =
      alert.state === 'firing'
        ? this.inhibit.inhibitedBy(this.config.inhibitRules, alert.fingerprint, labels)
        : [];
    const upstream = upstreamSuppression(alert);
    return {
      receivers,
      silencedBy,
      inhibitedBy,
      suppressedByUpstream: upstream,
      state: silencedBy.length > 0 || inhibitedBy.length > 0 || upstream !== null ? 'suppressed' : 'active',
    };
  }
}
