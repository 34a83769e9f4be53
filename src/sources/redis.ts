import { Redis } from 'ioredis';
import { isRecord } from '../notify/receivers/common.js';
import {
  describeError,
  observed,
  parseTimeout,
  reportUnknown,
  secretUrl,
  unavailable,
  urlSecrets,
  withDeadline,
  stoppable,
} from './common.js';
import type { Source, SourceDefinition, SourceParseContext } from './source.js';

/*
 * `redis`: a few read-only commands per cycle, each under a name of the entry's choosing, on one
 * client per source (connected in start(), or at the first collect; closed in stop()). Only the
 * read-only commands listed in REDIS_COMMANDS are accepted, checked when the configuration loads.
 * Replies keep Redis' types (integers are numbers, bulk strings strings, a GET of "42" is "42":
 * conditions use number()), except where a shape reads better: HGETALL gives an object, ZSCORE a
 * number, ZRANGE ... WITHSCORES a list of { member, score }, XINFO STREAM an object and INFO an
 * object of its fields.
 *
 * Value: { <name>: reply, ... }
 */

/** Read-only commands and their argument counts [min, max]. */
export const REDIS_COMMANDS: Readonly<Record<string, readonly [number, number]>> = {
  GET: [1, 1],
  MGET: [1, Infinity],
  EXISTS: [1, Infinity],
  TTL: [1, 1],
  PTTL: [1, 1],
  TYPE: [1, 1],
  STRLEN: [1, 1],
  LLEN: [1, 1],
  LRANGE: [3, 3],
  LINDEX: [2, 2],
  SCARD: [1, 1],
  SISMEMBER: [2, 2],
  SMEMBERS: [1, 1],
  ZCARD: [1, 1],
  ZCOUNT: [3, 3],
  ZSCORE: [2, 2],
  ZRANGE: [3, 9],
  ZRANGEBYSCORE: [3, 7],
  HGET: [2, 2],
  HGETALL: [1, 1],
  HLEN: [1, 1],
  HMGET: [2, Infinity],
  XLEN: [1, 1],
  XINFO: [2, 2],
  INFO: [0, Infinity],
  DBSIZE: [0, 0],
  PING: [0, 1],
};

export interface RedisCommand {
  /** The key of its reply in the value. */
  name: string;
  command: string;
  args: string[];
}

export interface RedisSourceSettings {
  url: string;
  commands: RedisCommand[];
  timeoutMs: number;
}

const KEYS = ['url', 'url_file', 'url_env', 'commands'];
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseCommand(name: string, v: unknown, ctx: SourceParseContext): RedisCommand | null {
  const at = `commands.${name}`;
  if (!NAME_RE.test(name)) {
    ctx.issue(at, 'names must be letters, digits and underscores (they are keys of the value)');
    return null;
  }
  if (!Array.isArray(v) || v.length === 0 || typeof v[0] !== 'string') {
    ctx.issue(at, 'must be a list: the command, then its arguments (e.g. [ZCARD, queue:pending])');
    return null;
  }
  const command = v[0].toUpperCase();
  const arity = REDIS_COMMANDS[command];
  if (!arity) {
    ctx.issue(
      at,
      `${command} is not allowed: only read-only commands may be used (${Object.keys(REDIS_COMMANDS).join(', ')})`,
    );
    return null;
  }
  const args: string[] = [];
  for (const [i, a] of v.slice(1).entries()) {
    if (typeof a === 'string') args.push(a);
    else if (typeof a === 'number' && Number.isFinite(a)) args.push(String(a));
    else {
      ctx.issue(`${at}[${i + 1}]`, 'must be a string or a number');
      return null;
    }
  }
  const [min, max] = arity;
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    ctx.issue(
      at,
      `${command} takes ${want} argument${min === 1 && max === 1 ? '' : 's'}, not ${args.length}`,
    );
    return null;
  }
  if (command === 'XINFO' && args[0]!.toUpperCase() !== 'STREAM') {
    ctx.issue(at, 'only XINFO STREAM <key> is allowed');
    return null;
  }
  if (command === 'XINFO') args[0] = 'STREAM';
  if (command === 'ZRANGE' && args.some((a) => a.toUpperCase() === 'STORE')) {
    ctx.issue(at, 'ZRANGE may not store');
    return null;
  }
  return { name, command, args };
}

async function parse(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
): Promise<RedisSourceSettings | null> {
  reportUnknown(raw, ctx, KEYS);
  const timeoutMs = parseTimeout(raw, ctx);
  const url = await secretUrl(raw, ctx, ['redis:', 'rediss:']);
  const commands: RedisCommand[] = [];
  let ok = true;
  if (raw.commands === undefined || raw.commands === null) {
    ctx.issue(
      'commands',
      'is required: a mapping of names to commands, e.g. {pending: [ZCARD, queue:pending]}',
    );
    ok = false;
  } else if (!isRecord(raw.commands) || Object.keys(raw.commands).length === 0) {
    ctx.issue('commands', 'must be a mapping of names to commands, e.g. {pending: [ZCARD, queue:pending]}');
    ok = false;
  } else {
    for (const [name, v] of Object.entries(raw.commands)) {
      const c = parseCommand(name, v, ctx);
      if (c) commands.push(c);
      else ok = false;
    }
  }
  if (url === null || !ok) return null;
  return { url, commands, timeoutMs };
}

// ---- replies ----------------------------------------------------------------------------------

function pairs(reply: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

/** A stream entry [id, [field, value, ...]] as { id, fields }. */
function streamEntry(v: unknown): unknown {
  if (!Array.isArray(v) || v.length !== 2) return v ?? null;
  return { id: v[0], fields: Array.isArray(v[1]) ? pairs(v[1]) : v[1] };
}

function numberOr(text: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/**
 * INFO's text as one object: `field: value` lines (numbers as numbers), keyspace lines
 * (`db0:keys=1,expires=0`) as objects; section headers dropped (field names are unique).
 */
export function parseInfo(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (/^db\d+$/.test(key) && value.includes('=')) {
      const db: Record<string, unknown> = {};
      for (const part of value.split(',')) {
        const eq = part.indexOf('=');
        if (eq > 0) db[part.slice(0, eq)] = numberOr(part.slice(eq + 1));
      }
      out[key] = db;
    } else out[key] = numberOr(value);
  }
  return out;
}

/** A sorted set reply WITH SCORES (flat [member, score, ...] or pairs) as [{ member, score }]. */
function withScores(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  const flat: unknown[] = reply.flatMap((x: unknown) => (Array.isArray(x) ? x : [x]));
  const out: { member: unknown; score: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ member: flat[i], score: Number(flat[i + 1]) });
  return out;
}

function convert(cmd: RedisCommand, reply: unknown): unknown {
  switch (cmd.command) {
    case 'HGETALL':
      return Array.isArray(reply) ? pairs(reply) : reply;
    case 'ZSCORE':
      return typeof reply === 'string' ? Number(reply) : reply;
    case 'ZRANGE':
    case 'ZRANGEBYSCORE':
      return cmd.args.some((a) => a.toUpperCase() === 'WITHSCORES') ? withScores(reply) : reply;
    case 'INFO':
      return typeof reply === 'string' ? parseInfo(reply) : reply;
    case 'XINFO': {
      if (!Array.isArray(reply)) return reply;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(pairs(reply))) {
        const key = k.replace(/-/g, '_');
        out[key] = key === 'first_entry' || key === 'last_entry' ? streamEntry(v) : v;
      }
      return out;
    }
    default:
      return reply;
  }
}

// ---- the source -------------------------------------------------------------------------------

function create(settings: RedisSourceSettings): Source {
  const secrets = urlSecrets(settings.url);
  let client: Redis | null = null;
  let lastError: string | null = null;

  const getClient = (): Redis => {
    if (client) return client;
    const c = new Redis(settings.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: settings.timeoutMs,
      connectTimeout: settings.timeoutMs,
      connectionName: 'sentinel',
      // RESP2 replies on every server version: integers as numbers, doubles and maps as strings and
      // flat arrays, which convert() shapes the same way whatever ioredis would do with RESP3.
      protocol: 2,
    });
    c.on('error', (err: unknown) => {
      lastError = describeError(err);
    });
    c.on('ready', () => {
      lastError = null;
    });
    client = c;
    return c;
  };

  /** Resolves once the client can take commands; throws when it cannot now. */
  const ready = async (c: Redis, signal: AbortSignal): Promise<void> => {
    switch (c.status) {
      case 'ready':
        return;
      case 'wait':
        await c.connect();
        return;
      case 'connecting':
      case 'connect':
        // The first connection is under way (start() began it): wait for it, or for its failure.
        await new Promise<void>((resolve, reject) => {
          const done = (): void => {
            c.off('ready', onReady);
            c.off('close', onClose);
            signal.removeEventListener('abort', onAbort);
          };
          const onReady = (): void => {
            done();
            resolve();
          };
          const onClose = (): void => {
            done();
            reject(new Error(`not connected${lastError ? ` (${lastError})` : ''}`));
          };
          const onAbort = (): void => {
            done();
            reject(signal.reason as Error);
          };
          c.once('ready', onReady);
          c.once('close', onClose);
          signal.addEventListener('abort', onAbort, { once: true });
        });
        return;
      default:
        // Reconnecting after a lost connection: answer now, the client keeps trying.
        throw new Error(`not connected${lastError ? ` (${lastError})` : ''}`);
    }
  };

  return stoppable({
    start() {
      const c = getClient();
      if (c.status === 'wait') c.connect().catch(() => {});
    },

    async collect(ctx, start) {
      try {
        const value = await withDeadline(ctx, settings.timeoutMs, async (signal) => {
          const c = getClient();
          await ready(c, signal);
          const replies = await Promise.all(
            settings.commands.map(async (cmd) => {
              try {
                return convert(cmd, await c.call(cmd.command.toLowerCase(), cmd.args));
              } catch (err) {
                throw new Error(`${cmd.name} (${cmd.command}): ${describeError(err)}`);
              }
            }),
          );
          const out: Record<string, unknown> = {};
          settings.commands.forEach((cmd, i) => (out[cmd.name] = replies[i]));
          return out;
        });
        return observed(value, start);
      } catch (err) {
        const reason = describeError(err);
        const detail = lastError && !reason.includes(lastError) ? ` (${lastError})` : '';
        return unavailable(`${reason}${detail}`, start, secrets);
      }
    },

    async release() {
      const c = client;
      client = null;
      if (!c) return;
      if (c.status !== 'ready') {
        c.disconnect();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const quit = c.quit().then(
        () => {},
        () => c.disconnect(),
      );
      const giveUp = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          c.disconnect();
          resolve();
        }, settings.timeoutMs);
      });
      await Promise.race([quit, giveUp]);
      clearTimeout(timer);
    },
  });
}

export const redisSource: SourceDefinition<RedisSourceSettings> = { parse, create };
