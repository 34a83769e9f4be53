import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseListen } from '../../src/config/load.js';

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:9097', '127.0.0.1', 9097],
    ['0.0.0.0:0', '0.0.0.0', 0],
    ['[::1]:9097', '::1', 9097],
    ['[::]:65535', '::', 65535],
    ['localhost:80', 'localhost', 80],
    ['sentinel.internal.example.org:9097', 'sentinel.internal.example.org', 9097],
  ])('%s', (input, host, port) => {
    expect(parseListen(input)).toEqual({ host, port });
  });

  it.each([
    ['127.0.0.1', /missing port/],
    [':9097', /missing host/],
    ['::1:9097', /IPv6 addresses must be in brackets/],
    ['[::1]9097', /invalid listen address/],
    ['[127.0.0.1]:80', /IPv6/],
    ['127.0.0.1:65536', /0 to 65535/],
    ['127.0.0.1:-1', /0 to 65535/],
    ['127.0.0.1:http', /0 to 65535/],
    ['bad host:80', /host must be/],
    ['', /missing port/],
  ])('rejects %j', (input, message) => {
    expect(() => parseListen(input)).toThrow(message);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    'localhost',
    'LOCALHOST',
  ])('%s is loopback', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::2', 'example.org', 'localhost.example.org', ''])(
    '%s is not loopback',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});
