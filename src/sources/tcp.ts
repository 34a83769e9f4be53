import { connect, isIP } from 'node:net';
import { describeError, observed, parseTimeout, reportUnknown, requiredString } from './common.js';
import type { CollectContext, Source, SourceDefinition, SourceParseContext } from './source.js';

/*
 * `tcp`: whether a TCP connection to host:port can be opened, and how long it took. Connectivity is
 * the observation itself, so this source always yields a value: a refused connection, a DNS
 * failure or a connection that does not open within the timeout are `connected: false` with the
 * reason in `error`, for the check's conditions to judge.
 *
 * Value: { connected, response_time, error }
 */

export interface TcpSourceSettings {
  host: string;
  port: number;
  timeoutMs: number;
}

async function parse(
  raw: Record<string, unknown>,
  ctx: SourceParseContext,
): Promise<TcpSourceSettings | null> {
  reportUnknown(raw, ctx, ['host', 'port']);
  const timeoutMs = parseTimeout(raw, ctx);
  let host = requiredString(raw, ctx, 'host');
  if (host !== null) {
    // [::1] as in a URL is ::1 to the socket.
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    if (bare !== host && isIP(bare) !== 6) {
      ctx.issue('host', 'is not a valid IPv6 address');
      host = null;
    } else if (/[\s/]/.test(bare) || bare.includes(':') !== (isIP(bare) === 6)) {
      ctx.issue('host', 'must be a host name or an IP address (without a port or a scheme)');
      host = null;
    } else host = bare;
  }
  const port = raw.port;
  const portOk = typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
  if (port === undefined || port === null) ctx.issue('port', 'is required');
  else if (!portOk) ctx.issue('port', 'must be a whole number from 1 to 65535');
  if (host === null || !portOk) return null;
  return { host, port, timeoutMs };
}

interface Probe {
  connected: boolean;
  error: string | null;
}

function probe(settings: TcpSourceSettings, ctx: CollectContext): Promise<Probe> {
  return new Promise((resolve) => {
    if (ctx.signal.aborted) {
      resolve({ connected: false, error: 'aborted (the engine is stopping)' });
      return;
    }
    const socket = connect({ host: settings.host, port: settings.port });
    let done = false;
    const finish = (result: Probe): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ connected: false, error: 'aborted (the engine is stopping)' });
    const timer = setTimeout(
      () => finish({ connected: false, error: `timed out after ${settings.timeoutMs} ms` }),
      settings.timeoutMs,
    );
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ connected: true, error: null }));
    socket.once('error', (err) => finish({ connected: false, error: describeError(err) }));
  });
}

function create(settings: TcpSourceSettings): Source {
  return {
    async collect(ctx) {
      const start = performance.now();
      const result = await probe(settings, ctx);
      const responseTime = Math.max(0, Math.round(performance.now() - start));
      return observed(
        { connected: result.connected, response_time: responseTime, error: result.error },
        start,
      );
    },
  };
}

export const tcpSource: SourceDefinition<TcpSourceSettings> = { parse, create };
