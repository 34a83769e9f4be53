import { discordReceiver } from './discord.js';
import { emailReceiver } from './email.js';
import { matrixReceiver } from './matrix.js';
import { ntfyReceiver } from './ntfy.js';
import { pagerdutyReceiver } from './pagerduty.js';
import type { ReceiverDefinition } from './receiver.js';
import { slackReceiver } from './slack.js';
import { telegramReceiver } from './telegram.js';
import { webhookReceiver } from './webhook.js';

/**
 * Every receiver kind Sentinel can send to. Keyed by a union, so adding a kind without its
 * implementation (or the reverse) fails to compile.
 */
export type ReceiverKind =
  'webhook' | 'slack' | 'matrix' | 'email' | 'pagerduty' | 'telegram' | 'discord' | 'ntfy';

// Method-syntax members make ReceiverDefinition bivariant in its settings, so each kind's own
// settings type fits `unknown` here without a cast.
export const RECEIVER_KINDS: Record<ReceiverKind, ReceiverDefinition<unknown>> = {
  webhook: webhookReceiver,
  slack: slackReceiver,
  matrix: matrixReceiver,
  email: emailReceiver,
  pagerduty: pagerdutyReceiver,
  telegram: telegramReceiver,
  discord: discordReceiver,
  ntfy: ntfyReceiver,
};

/**
 * Alertmanager integrations Sentinel does not implement. A configuration that uses them still loads
 * (with a warning); their notifications are recorded as failed, with the reason, so nothing is lost
 * silently.
 */
export const UNSUPPORTED_CONFIG_KEYS = [
  'opsgenie_configs',
  'victorops_configs',
  'pushover_configs',
  'wechat_configs',
  'sns_configs',
  'webex_configs',
  'msteams_configs',
] as const;
