import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenAuthenticator } from '../../src/api/auth.js';
import { TOKENS, bearer, testApp, type TestApp } from '../helpers/app.js';

describe('bearer-token auth with scopes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp('sqlite', { tokens: TOKENS });
  });
  afterAll(async () => {
    await t.close();
  });
  const req = (
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    payload?: unknown,
  ) =>
    t.app.http.inject({
      method,
      url,
      headers,
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  it('answers 401 without a token or with a wrong one', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-0123456789abcdef' },
      { authorization: 'Basic abc' },
    ];
    for (const headers of attempts) {
      const r = await req('GET', '/api/v1/alerts', headers);
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('unauthorized');
    }
  });

  it('checks the token before reading the body', async () => {
    const r = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(r.statusCode).toBe(401);
  });

  it('answers 403 when the token lacks the scope', async () => {
    const r = await req('POST', '/api/v1/alerts', bearer('reader'), { service: 's', title: 't' });
    expect(r.statusCode).toBe(403);
    expect(r.json().error).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('alerts:ingest'),
    });
    expect((await req('POST', '/api/v1/alerts/claim', bearer('prometheus'), { owner: 'x' })).statusCode).toBe(
      403,
    );
    expect((await req('GET', '/api/v1/events', bearer('prometheus'))).statusCode).toBe(403);
  });

  it('allows what the scopes allow, admin allows everything, and records the token name as actor', async () => {
    const ingest = await req('POST', '/api/v1/alerts', bearer('prometheus'), { service: 's', title: 't' });
    expect(ingest.statusCode).toBe(200);
    expect((await req('GET', '/api/v1/alerts', bearer('reader'))).statusCode).toBe(200);
    const ref = ingest.json().alert_ref;
    const ack = await req('POST', `/api/v1/alerts/${ref}/ack`, bearer('worker'), { note: 'seen' });
    expect(ack.json().alert.acked_by).toBe('worker');
    expect((await req('GET', '/api/v1/events', bearer('root'))).statusCode).toBe(200);
  });

  it('leaves health, readiness and metrics open', async () => {
    for (const url of ['/-/healthy', '/-/ready', '/metrics'])
      expect((await req('GET', url)).statusCode).toBe(200);
  });

  it('matches tokens whatever their length without throwing', () => {
    const auth = new TokenAuthenticator(TOKENS);
    expect(auth.authenticate('Bearer x')).toBeNull();
    expect(auth.authenticate(`Bearer ${'y'.repeat(10_000)}`)).toBeNull();
    expect(auth.authenticate(`bearer ${TOKENS[0]!.token}`)?.name).toBe('prometheus');
  });
});
