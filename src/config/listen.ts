import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Listen addresses are written HOST:PORT like Alertmanager's --web.listen-address, with IPv6 hosts in
 * brackets ([::1]:9097). An empty host (":9097") is refused rather than read as "all interfaces":
 * exposing the API beyond the machine should be a visible choice (0.0.0.0:9097 or [::]:9097).
 */

export interface ListenAddress {
  host: string;
  port: number;
}

const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const PORT_RE = /^[0-9]{1,5}$/;
const EXAMPLE = 'expected HOST:PORT such as 127.0.0.1:9097, 0.0.0.0:9097 or [::1]:9097';

/** The host and port of a listen address, or an error message (never throws). */
export function checkListen(s: string): { ok: true; value: ListenAddress } | { ok: false; message: string } {
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':')
      return { ok: false, message: `invalid listen address; ${EXAMPLE}` };
    host = s.slice(1, close);
    portText = s.slice(close + 2);
    if (!isIPv6(host)) return { ok: false, message: 'the part in brackets must be an IPv6 address' };
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) return { ok: false, message: `missing port; ${EXAMPLE}` };
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    if (host === '') {
      return {
        ok: false,
        message:
          'missing host; write 0.0.0.0:PORT (all IPv4 interfaces) or [::]:PORT (all interfaces) explicitly',
      };
    }
    if (host.includes(':'))
      return { ok: false, message: 'IPv6 addresses must be in brackets, e.g. [::1]:9097' };
    if (!isIPv4(host) && !HOSTNAME_RE.test(host)) {
      return { ok: false, message: 'host must be an IPv4 address, a bracketed IPv6 address or a host name' };
    }
  }
  if (!PORT_RE.test(portText))
    return { ok: false, message: `port must be a number from 0 to 65535; ${EXAMPLE}` };
  const port = Number(portText);
  if (port > 65535) return { ok: false, message: 'port must be a number from 0 to 65535' };
  return { ok: true, value: { host, port } };
}

/** Parses HOST:PORT; throws an Error whose message says what is wrong. */
export function parseListen(s: string): ListenAddress {
  const result = checkListen(s);
  if (!result.ok) throw new Error(`${JSON.stringify(s)}: ${result.message}`);
  return result.value;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for 127.0.0.0/8, ::1 (in any spelling, and IPv4-mapped ::ffff:127.x.y.z) and localhost.
 * Used to decide whether serving without TLS or tokens is only reachable from this machine.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = h.toLowerCase();
  if (lower === 'localhost' || lower === 'localhost.') return true;
  if (isIPv4(h)) return LOOPBACK.check(h, 'ipv4');
  if (isIPv6(h)) return LOOPBACK.check(h, 'ipv6');
  return false;
}
