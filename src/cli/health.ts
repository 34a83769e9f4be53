import type { Command } from 'commander';
import { clientFor, guarded, withConnection, type ConnectionFlags } from './alerts.js';
import { formatTable, sanitize } from './format.js';
import type { CliIo } from './io.js';

/*
 * `sentinel run-cycle` and `sentinel health`: the health engine on a running server. run-cycle
 * exits 0 whatever the checks found (the cycle ran); a non-zero exit means the cycle did not run.
 */

interface CycleOut {
  checks_run?: number;
  sources_unavailable?: string[];
  violations?: Array<{ check: string; service: string; severity: string; message: string }>;
  transitions?: { raised?: string[]; cleared?: string[] };
  cycle_duration_ms?: number;
}

interface HealthOut {
  status?: string;
  services?: Array<{ name: string; status: string; reason: string; truth_age_ms: number | null }>;
}

const str = (v: unknown): string => sanitize(String(v));

export function registerHealthCommands(program: Command, io: CliIo): void {
  withConnection(
    program
      .command('run-cycle')
      .description('run one evaluation cycle over every check on a running server and print what it found')
      .option('--json', 'print the server response as JSON'),
  ).action(async function (this: Command) {
    const o = this.opts<ConnectionFlags & { json?: boolean }>();
    const client = clientFor(o, io, this);
    const cycle = (await guarded(this, client, () => client.runCycle())) as CycleOut;
    if (o.json) {
      io.stdout(`${JSON.stringify(cycle, null, 2)}\n`);
      return;
    }
    io.stdout(
      `checks_run: ${str(cycle.checks_run)}  cycle_duration_ms: ${str(cycle.cycle_duration_ms)}\n` +
        `sources_unavailable: ${(cycle.sources_unavailable ?? []).map(str).join(', ') || 'none'}\n` +
        `raised: ${(cycle.transitions?.raised ?? []).map(str).join(', ') || 'none'}\n` +
        `cleared: ${(cycle.transitions?.cleared ?? []).map(str).join(', ') || 'none'}\n`,
    );
    const v = cycle.violations ?? [];
    io.stdout(
      v.length === 0
        ? 'violations: none\n'
        : `violations:\n${formatTable(
            ['CHECK', 'SERVICE', 'SEVERITY', 'MESSAGE'],
            v.map((x) => [str(x.check), str(x.service), str(x.severity), str(x.message)]),
          )}\n`,
    );
  });

  withConnection(
    program
      .command('health')
      .description('show every service as healthy, degraded, critical, stale or unknown, with the reason')
      .option('--json', 'print the server response as JSON'),
  ).action(async function (this: Command) {
    const o = this.opts<ConnectionFlags & { json?: boolean }>();
    const client = clientFor(o, io, this);
    const report = (await guarded(this, client, () => client.health())) as HealthOut;
    if (o.json) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    io.stdout(`overall: ${str(report.status)}\n`);
    io.stdout(
      `${formatTable(
        ['SERVICE', 'STATUS', 'TRUTH AGE', 'REASON'],
        (report.services ?? []).map((s) => [
          str(s.name),
          str(s.status),
          s.truth_age_ms === null ? '-' : `${Math.round(s.truth_age_ms / 1000)}s`,
          str(s.reason),
        ]),
      )}\n`,
    );
  });
}
