import type { Clock } from '../../clock.js';
import type { TemplateSet } from '../template/index.js';
import type { NotificationData } from '../types.js';

/*
 * One receiver kind per file, each implementing this small interface (as openstatus' and Uptime
 * Kuma's notification providers): parse its `<kind>_configs` entry at config load (every problem
 * reported then, templates compiled then), and send one message, saying whether it was delivered,
 * may be retried, or never will be.
 */

export type SendResult =
  | { outcome: 'delivered'; statusCode?: number }
  /** Worth trying again (network error, timeout, HTTP 429 or 5xx); retryAfterMs if the server said. */
  | { outcome: 'retryable'; error: string; statusCode?: number; retryAfterMs?: number }
  /** Trying again cannot help (HTTP 4xx, a message the receiver cannot represent). */
  | { outcome: 'permanent'; error: string; statusCode?: number };

export interface OutboundMessage {
  /** The notification's ref: the idempotency key (Matrix txnId, webhook Idempotency-Key header). */
  ref: string;
  data: NotificationData;
}

export interface Receiver {
  send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult>;
}

/** Resolved `global:` settings that receivers fall back to, as Alertmanager's. */
export interface GlobalSettings {
  resolveTimeoutMs: number;
  smtp: {
    from: string | null;
    hello: string;
    smarthost: string | null;
    authUsername: string | null;
    authPassword: string | null;
    authIdentity: string | null;
    authSecret: string | null;
    requireTls: boolean;
  };
  slackApiUrl: string | null;
  pagerdutyUrl: string;
  telegramApiUrl: string;
  /** Matrix homeserver and access token (Sentinel's own global keys). */
  matrixHomeserver: string | null;
  matrixAccessToken: string | null;
  httpConfig: Record<string, unknown> | null;
}

/** What a receiver's parser gets: its raw entry, where it is, and helpers that record problems. */
export interface ParseContext {
  /** e.g. `receivers[2].slack_configs[0]`; issue paths are relative to it. */
  path: string;
  global: GlobalSettings;
  templates: TemplateSet;
  /** Records a problem with a key of this entry (`''` for the entry itself). */
  issue(key: string, message: string): void;
  /** Records a non-fatal note (an ignored Alertmanager option, an inline secret). */
  warn(key: string, message: string): void;
  /**
   * Reads a secret given as `<key>` (inline), `<key>_file` (Alertmanager's form) or `<key>_env`
   * (Sentinel's); null when none is given. Problems (missing file, two forms at once) are issues.
   * `within` is the dotted path of `raw` inside this entry (e.g. `http_config.basic_auth`).
   */
  secret(raw: Record<string, unknown>, key: string, within?: string): Promise<string | null>;
}

export interface ReceiverDeps {
  clock: Clock;
  /** Sentinel's version, for User-Agent headers. */
  version: string;
}

export interface ReceiverDefinition<Settings> {
  /** The key in a receiver's configuration, e.g. `webhook_configs`. */
  configKey: string;
  /** send_resolved when the entry does not say, as Alertmanager defaults it for this kind. */
  sendResolvedDefault: boolean;
  parse(raw: Record<string, unknown>, ctx: ParseContext): Promise<Settings | null>;
  create(settings: Settings, deps: ReceiverDeps): Receiver;
}
