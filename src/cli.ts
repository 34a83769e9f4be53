#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerAlertsCommands } from './cli/alerts.js';
import { registerHealthCommands } from './cli/health.js';
import { processIo, type CliIo } from './cli/io.js';
import { ConfigError, loadConfig } from './config/load.js';
import { migrate, serve } from './server.js';
import { VERSION } from './version.js';

export type { CliIo } from './cli/io.js';

/**
 * The whole command line, without running it. Failures go through `command.error()`, which writes to
 * io.stderr and throws a CommanderError carrying the exit code (exitOverride), so the program can be
 * driven in-process by tests and by runCli alike.
 */
export function buildProgram(io: CliIo = processIo()): Command {
  const program = new Command('sentinel')
    .description('Runtime-health sentinel and durable, Alertmanager-compatible alert manager')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('serve')
    .description('run the server')
    .option('--config <file>', 'configuration file (YAML)')
    .option('--listen <host:port>', 'listen address, overrides SENTINEL_LISTEN and server.listen')
    .option(
      '--database <url>',
      'sqlite:PATH or postgres://..., overrides SENTINEL_DATABASE_URL and database.url',
    )
    .action(async (o: { config?: string; listen?: string; database?: string }) => {
      await serve({ configPath: o.config, listen: o.listen, database: o.database });
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .option('--config <file>', 'configuration file (YAML)')
    .option(
      '--database <url>',
      'sqlite:PATH or postgres://..., overrides SENTINEL_DATABASE_URL and database.url',
    )
    .action(async (o: { config?: string; database?: string }) => {
      const result = await migrate({ configPath: o.config, database: o.database });
      if (result.applied.length === 0) {
        io.stdout(`${result.backend}: up to date (schema version ${result.current})\n`);
      } else {
        io.stdout(
          `${result.backend}: applied ${result.applied.length} migration(s), now at schema version ${result.current}\n`,
        );
        for (const name of result.applied) io.stdout(`  ${name}\n`);
      }
    });

  program
    .command('check-config')
    .description('validate a configuration file, resolving its secrets as serve would, and exit')
    .argument('<file>', 'configuration file (YAML)')
    .action(async function (this: Command, file: string) {
      try {
        const loaded = await loadConfig({ path: file, env: io.env });
        io.stdout(`config OK: ${file}\n`);
        for (const w of loaded.warnings) io.stderr(`warning: ${w}\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        this.error(`config invalid: ${file}\n${err.message}`, {
          exitCode: 1,
          code: 'sentinel.configInvalid',
        });
      }
    });

  registerAlertsCommands(program, io);
  registerHealthCommands(program, io);
  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so a caller decides when the process ends. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...argv]);
    return 0;
  } catch (err) {
    // Commander has already printed its message (usage errors, --help, --version, command.error()).
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      io.stderr(`sentinel: invalid configuration\n${err.message}\n`);
      return 1;
    }
    io.stderr(`sentinel: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    // realpath: the installed bin is a symlink in node_modules/.bin.
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  process.exitCode = await runCli(process.argv);
}
