import { execFile, type ChildProcess, type ExecFileException } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { isRecord } from '../notify/receivers/common.js';
import {
  describeError,
  jsonOrText,
  KEEP_BYTES,
  observed,
  parseTimeout,
  positiveIntOption,
  reportUnknown,
  requiredString,
  unavailable,
  withDeadline,
} from './common.js';
import type { Source, SourceDefinition, SourceParseContext } from './source.js';

/*
 * `exec` (opt-in): runs a command the operator listed in `health.exec.allow`, directly (execFile:
 * no shell, so no globbing, pipes or variable expansion in args), with a small environment and a
 * bounded output, killed with SIGKILL at the timeout. The exit code is an observation (a check
 * script saying "3: degraded" is read by the conditions); a command that cannot start, is killed at
 * the timeout or writes more than max_output leaves the cycle without a value.
 *
 * Value: { exit_code, signal, stdout, stderr, duration }
 */

export const EXEC_DEFAULT_MAX_OUTPUT = 64 * 1024;
const EXEC_MAX_OUTPUT_LIMIT = 16 * 1024 * 1024;
/** The most of stderr a value keeps (its end: where errors usually are). */
export const EXEC_STDERR_KEEP = 4096;
/** What the command inherits from Sentinel's environment (never Sentinel's own secrets). */
export const EXEC_INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

export interface ExecSourceSettings {
  command: string;
  args: string[];
  env: Record<string, string>;
  maxOutput: number;
  timeoutMs: number;
}

const KEYS = ['command', 'args', 'env', 'max_output'];
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function parse(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
): Promise<ExecSourceSettings | null> {
  reportUnknown(raw, ctx, KEYS);
  const timeoutMs = parseTimeout(raw, ctx);
  let command = requiredString(raw, ctx, 'command');
  if (command !== null) {
    if (!isAbsolute(command)) {
      ctx.issue('command', 'must be an absolute path (commands are run without a shell or a PATH search)');
      command = null;
    } else if (ctx.execAllowlist.length === 0) {
      ctx.issue(
        'command',
        `the exec source is disabled: to let it run ${command}, list it in health.exec.allow (e.g. health: { exec: { allow: [${command}] } })`,
      );
      command = null;
    } else if (!ctx.execAllowlist.includes(command)) {
      ctx.issue(
        'command',
        `${command} is not in health.exec.allow: add it there (the exact path) to let the exec source run it`,
      );
      command = null;
    }
  }
  const args: string[] = [];
  if (raw.args !== undefined && raw.args !== null) {
    if (!Array.isArray(raw.args)) ctx.issue('args', 'must be a list of strings');
    else
      raw.args.forEach((a: unknown, i) => {
        if (typeof a === 'string') args.push(a);
        else ctx.issue(`args[${i}]`, 'must be a string');
      });
  }
  const env: Record<string, string> = {};
  if (raw.env !== undefined && raw.env !== null) {
    if (!isRecord(raw.env)) ctx.issue('env', 'must be a mapping of variable names to strings');
    else
      for (const [name, value] of Object.entries(raw.env)) {
        if (!ENV_NAME_RE.test(name)) ctx.issue(`env.${name}`, 'is not a valid variable name');
        else if (typeof value !== 'string') ctx.issue(`env.${name}`, 'must be a string');
        else env[name] = value;
      }
  }
  const maxOutput = positiveIntOption(raw, ctx, 'max_output', EXEC_DEFAULT_MAX_OUTPUT, EXEC_MAX_OUTPUT_LIMIT);
  if (command === null) return null;
  return { command, args, env, maxOutput, timeoutMs };
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of EXEC_INHERITED_ENV) {
    const v = process.env[name];
    if (v !== undefined) env[name] = v;
  }
  return { ...env, ...extra };
}

interface Finished {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function run(settings: ExecSourceSettings, signal: AbortSignal): Promise<Finished> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess | null = null;
    const kill = (): void => {
      child?.kill('SIGKILL');
    };
    child = execFile(
      settings.command,
      settings.args,
      {
        env: childEnv(settings.env),
        encoding: 'buffer',
        maxBuffer: settings.maxOutput,
        killSignal: 'SIGKILL',
        // A second guard, should the deadline's own kill not be reached.
        timeout: settings.timeoutMs + 1000,
        windowsHide: true,
      },
      (err: ExecFileException | null, stdout: Buffer, stderr: Buffer) => {
        signal.removeEventListener('abort', kill);
        const out = { stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') };
        if (!err) {
          resolve({ exitCode: 0, signal: null, ...out });
          return;
        }
        if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          reject(
            new Error(`the command wrote more than max_output (${settings.maxOutput} bytes) and was killed`),
          );
          return;
        }
        if (typeof err.code === 'number') {
          resolve({ exitCode: err.code, signal: null, ...out });
          return;
        }
        if (err.signal) {
          resolve({ exitCode: null, signal: err.signal, ...out });
          return;
        }
        reject(new Error(`cannot run ${settings.command}: ${describeError(err)}`));
      },
    );
    if (signal.aborted) kill();
    else signal.addEventListener('abort', kill, { once: true });
  });
}

function create(settings: ExecSourceSettings): Source {
  return {
    async collect(ctx) {
      const start = performance.now();
      try {
        const done = await withDeadline(ctx, settings.timeoutMs, (signal) => run(settings, signal));
        const stderr = done.stderr.trim();
        return observed(
          {
            exit_code: done.exitCode,
            signal: done.signal,
            stdout: jsonOrText(done.stdout.trim(), Math.max(settings.maxOutput, KEEP_BYTES)),
            stderr: stderr.length > EXEC_STDERR_KEEP ? `…${stderr.slice(-EXEC_STDERR_KEEP)}` : stderr,
            duration: Math.max(0, Math.round(performance.now() - start)),
          },
          start,
        );
      } catch (err) {
        const reason = describeError(err);
        return unavailable(reason.startsWith('timed out') ? `${reason} (killed)` : reason, start);
      }
    },
  };
}

export const execSource: SourceDefinition<ExecSourceSettings> = { parse, create };
