import { InvalidArgumentError, Option, type Command } from 'commander';
import { ALERT_STATES, PROCESSING_STATUSES, SEVERITIES } from '../alerts/model.js';
import {
  ApiError,
  ConnectionError,
  DEFAULT_SERVER_URL,
  SentinelClient,
  type AlertSummary,
} from './client.js';
import { formatAlerts } from './format.js';
import type { CliIo } from './io.js';

/** `sentinel alerts list|ack|claim`: clients of a running server's /api/v1. */

export function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${name} must be a whole number of at least 1`);
    }
    return Number(value);
  };
}

function statusList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = items.filter((s) => !(PROCESSING_STATUSES as readonly string[]).includes(s));
  if (items.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `statuses are a comma-separated list of ${PROCESSING_STATUSES.join(', ')}`,
    );
  }
  return items;
}

export interface ConnectionFlags {
  url?: string;
  token?: string;
}

export function withConnection(cmd: Command): Command {
  // No default values here: commander prints defaults in --help, and the token one is a secret.
  return cmd
    .option('--url <url>', `server URL (default: $SENTINEL_URL or ${DEFAULT_SERVER_URL})`)
    .option('--token <token>', 'bearer token (default: $SENTINEL_TOKEN)');
}

export function clientFor(flags: ConnectionFlags, io: CliIo, cmd: Command): SentinelClient {
  const url = flags.url ?? (io.env.SENTINEL_URL || DEFAULT_SERVER_URL);
  const token = flags.token ?? (io.env.SENTINEL_TOKEN || undefined);
  try {
    return new SentinelClient({ url, token });
  } catch (err) {
    return cmd.error(err instanceof Error ? err.message : String(err), {
      exitCode: 1,
      code: 'sentinel.badUrl',
    });
  }
}

/** Runs one request and turns its failure into a one-line (or few-line) message and exit code 1. */
export async function guarded<T>(cmd: Command, client: SentinelClient, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConnectionError)
      return cmd.error(err.message, { exitCode: 1, code: 'sentinel.connection' });
    if (err instanceof ApiError) {
      const lines = [`${err.code}: ${err.message}`];
      for (const d of err.details)
        lines.push(`  ${d.field ?? ''}${d.field ? ': ' : ''}${d.message ?? d.code ?? ''}`);
      if (err.status === 401 && !client.hasToken)
        lines.push('hint: give a token with --token or SENTINEL_TOKEN');
      return cmd.error(lines.join('\n'), { exitCode: 1, code: 'sentinel.api' });
    }
    throw err;
  }
}

function printAlerts(io: CliIo, alerts: readonly AlertSummary[], empty: string): void {
  io.stdout(alerts.length === 0 ? `${empty}\n` : formatAlerts(alerts));
}

/** Added with program.command() rather than addCommand() so that output and exit settings are inherited. */
export function registerAlertsCommands(program: Command, io: CliIo): Command {
  const alerts = program
    .command('alerts')
    .description('list, acknowledge and claim alerts on a running server');

  withConnection(
    alerts
      .command('list')
      .description('list alerts, newest first')
      .option('--service <name>', 'only this service')
      .addOption(new Option('--severity <severity>', 'only this severity').choices(SEVERITIES))
      .addOption(new Option('--state <state>', 'only this state').choices(ALERT_STATES))
      .option(
        '--status <list>',
        `only these processing statuses, comma-separated (${PROCESSING_STATUSES.join(',')})`,
        statusList,
      )
      .option('--window <minutes>', 'only alerts seen in the last MINUTES', positiveInt('--window'))
      .option('--limit <n>', 'at most N alerts', positiveInt('--limit'))
      .option('--cursor <cursor>', 'continue from the next_cursor of an earlier page')
      .option('--json', 'print the server response as JSON'),
  ).action(async function (this: Command) {
    const o = this.opts<
      ConnectionFlags & {
        service?: string;
        severity?: string;
        state?: string;
        status?: string[];
        window?: number;
        limit?: number;
        cursor?: string;
        json?: boolean;
      }
    >();
    const client = clientFor(o, io, this);
    const page = await guarded(this, client, () =>
      client.listAlerts({
        service: o.service,
        severity: o.severity,
        state: o.state,
        statusIn: o.status,
        windowMinutes: o.window,
        limit: o.limit,
        cursor: o.cursor,
      }),
    );
    if (o.json) {
      io.stdout(`${JSON.stringify(page, null, 2)}\n`);
      return;
    }
    printAlerts(io, page.alerts, 'no alerts');
    if (page.next_cursor !== null) io.stdout(`more: --cursor ${page.next_cursor}\n`);
  });

  withConnection(
    alerts
      .command('ack')
      .description('acknowledge an alert')
      .argument('<ref>', 'alert reference')
      .option('--note <text>', 'why, for the audit trail')
      .option('--json', 'print the server response as JSON'),
  ).action(async function (this: Command, ref: string) {
    const o = this.opts<ConnectionFlags & { note?: string; json?: boolean }>();
    const client = clientFor(o, io, this);
    const result = await guarded(this, client, () => client.ackAlert(ref, o.note));
    io.stdout(o.json ? `${JSON.stringify(result, null, 2)}\n` : `acked ${ref}\n`);
  });

  withConnection(
    alerts
      .command('claim')
      .description('claim new alerts for processing (locks them for OWNER)')
      .requiredOption('--owner <name>', 'who is claiming, e.g. a worker name')
      .option('--limit <n>', 'at most N alerts', positiveInt('--limit'))
      .option('--lock-ttl <seconds>', 'how long the claim holds', positiveInt('--lock-ttl'))
      .option('--window <minutes>', 'only alerts seen in the last MINUTES', positiveInt('--window'))
      .option('--json', 'print the server response as JSON'),
  ).action(async function (this: Command) {
    const o = this.opts<
      ConnectionFlags & { owner: string; limit?: number; lockTtl?: number; window?: number; json?: boolean }
    >();
    const client = clientFor(o, io, this);
    const result = await guarded(this, client, () =>
      client.claimAlerts({
        owner: o.owner,
        limit: o.limit,
        lockTtlSeconds: o.lockTtl,
        windowMinutes: o.window,
      }),
    );
    if (o.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else printAlerts(io, result.alerts, 'no alerts to claim');
  });

  return alerts;
}
