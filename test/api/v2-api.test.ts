import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { checkApiRegex } from '../../src/routing/matchers.js';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';

/*
 * The Alertmanager API v2 endpoints Sentinel adds with notifications, and the native endpoints
 * around them: bad input gets a coded 4xx naming the field, never a 5xx; reload keeps the running
 * configuration when the new one is invalid.
 */

const CONFIG = `
route: { receiver: ops, routes: [{ receiver: pager, matchers: ['severity="critical"'] }] }
receivers: [{ name: ops }, { name: pager }]
`;

describe('API v2 and notification endpoints', () => {
  let t: NotifyTestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  const silence = (fields: Record<string, unknown> = {}) => ({
    matchers: [{ name: 'alertname', value: 'X', isRegex: false }],
    startsAt: '2026-03-01T12:00:00Z',
    endsAt: '2026-03-01T13:00:00Z',
    createdBy: 'alice',
    comment: 'maintenance',
    ...fields,
  });

  it.each([
    ['no matchers', { matchers: [] }, 'matchers'],
    [
      'a matcher that matches everything',
      { matchers: [{ name: 'a', value: '.*', isRegex: true }] },
      'matchers',
    ],
    [
      'a bad label name',
      { matchers: [{ name: 'bad-name', value: 'x', isRegex: false }] },
      'matchers[0].name',
    ],
    [
      'a bad regular expression',
      { matchers: [{ name: 'a', value: '(', isRegex: true }] },
      'matchers[0].value',
    ],
    [
      'a catastrophic regular expression',
      { matchers: [{ name: 'a', value: '(a+)+b', isRegex: true }] },
      'matchers[0].value',
    ],
    ['an end before the start', { endsAt: '2026-03-01T11:00:00Z' }, 'endsAt'],
    ['an end in the past', { startsAt: '2026-03-01T10:00:00Z', endsAt: '2026-03-01T11:00:00Z' }, 'endsAt'],
    ['no author', { createdBy: ' ' }, 'createdBy'],
    ['a start that is not a date', { startsAt: 'tomorrow' }, 'startsAt'],
  ])('refuses a silence with %s (400, naming the field)', async (_name, fields, field) => {
    t = await notifyApp('sqlite', CONFIG);
    const r = await t.app.http.inject({ method: 'POST', url: '/api/v2/silences', payload: silence(fields) });
    expect(r.statusCode).toBe(400);
    const body = r.json<{ error: { code: string; details: Array<{ field: string }> } }>();
    expect(['invalid_silence', 'invalid_request']).toContain(body.error.code);
    expect(body.error.details.map((d) => d.field)).toContain(field);
  });

  it('answers 404 for unknown silences and 409 for expiring an expired one', async () => {
    t = await notifyApp('sqlite', CONFIG);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await t.app.http.inject({ url: `/api/v2/silence/${missing}` })).statusCode).toBe(404);
    expect(
      (await t.app.http.inject({ method: 'DELETE', url: `/api/v2/silence/${missing}` })).statusCode,
    ).toBe(404);
    const { silenceID } = (
      await t.app.http.inject({ method: 'POST', url: '/api/v2/silences', payload: silence() })
    ).json<{ silenceID: string }>();
    expect(
      (await t.app.http.inject({ method: 'DELETE', url: `/api/v2/silence/${silenceID}` })).statusCode,
    ).toBe(200);
    const again = await t.app.http.inject({ method: 'DELETE', url: `/api/v2/silence/${silenceID}` });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ error: { code: string } }>().error.code).toBe('silence_expired');
    // Updating with an unknown id is a 404, as in Alertmanager.
    const update = await t.app.http.inject({
      method: 'POST',
      url: '/api/v2/silences',
      payload: silence({ id: missing }),
    });
    expect(update.statusCode).toBe(404);
  });

  it('keeps a silence id when the change is allowed in place, and replaces it otherwise', async () => {
    t = await notifyApp('sqlite', CONFIG);
    const create = await t.app.http.inject({ method: 'POST', url: '/api/v2/silences', payload: silence() });
    const id = create.json<{ silenceID: string }>().silenceID;
    const longer = await t.app.http.inject({
      method: 'POST',
      url: '/api/v2/silences',
      payload: silence({ id, endsAt: '2026-03-01T15:00:00Z' }),
    });
    expect(longer.json<{ silenceID: string }>().silenceID).toBe(id);
    const other = await t.app.http.inject({
      method: 'POST',
      url: '/api/v2/silences',
      payload: silence({ id, matchers: [{ name: 'alertname', value: 'Y', isRegex: false }] }),
    });
    const newId = other.json<{ silenceID: string }>().silenceID;
    expect(newId).not.toBe(id);
    const old = (await t.app.http.inject({ url: `/api/v2/silence/${id}` })).json<{
      status: { state: string };
    }>();
    expect(old.status.state).toBe('expired');
  });

  it('refuses bad filters and unknown query values with 400', async () => {
    t = await notifyApp('sqlite', CONFIG);
    for (const url of [
      '/api/v2/alerts?filter=' + encodeURIComponent('a=~"(x+)+y"'),
      '/api/v2/alerts?filter=' + encodeURIComponent('no operator'),
      '/api/v2/alerts?active=maybe',
      '/api/v2/alerts?receiver=' + encodeURIComponent('('),
      '/api/v2/silences?filter=' + encodeURIComponent('="x"'),
      '/api/v1/deliveries?status_in=lost',
      '/api/v1/deliveries/ntf_nope',
    ]) {
      const r = await t.app.http.inject({ url });
      expect(r.statusCode, url).toBe(400);
    }
  });

  it('reports status and receivers as Alertmanager does, with secrets masked', async () => {
    t = await notifyApp(
      'sqlite',
      CONFIG.replace(
        '[{ name: ops }, { name: pager }]',
        '[{ name: ops, webhook_configs: [{url: "https://u:SECRET@example.org/x"}] }, { name: pager }]',
      ),
    );
    const status = (await t.app.http.inject({ url: '/api/v2/status' })).json<{
      cluster: { status: string };
      config: { original: string };
      versionInfo: Record<string, string>;
      uptime: string;
    }>();
    expect(status.cluster.status).toBe('disabled');
    expect(status.config.original).toContain('receiver: ops');
    expect(status.config.original).not.toContain('SECRET');
    expect(Object.keys(status.versionInfo).sort()).toEqual([
      'branch',
      'buildDate',
      'buildUser',
      'goVersion',
      'revision',
      'version',
    ]);
    const receivers = (await t.app.http.inject({ url: '/api/v2/receivers' })).json<unknown>();
    expect(receivers).toEqual([{ name: 'ops' }, { name: 'pager' }]);
  });

  it('reloads a valid configuration and keeps the running one when the new one is invalid', async () => {
    t = await notifyApp('sqlite', CONFIG);
    t.writeConfig(CONFIG.replace('pager', 'oncall').replace('pager', 'oncall'));
    expect((await t.app.http.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    expect((await t.app.http.inject({ url: '/api/v2/receivers' })).json<unknown>()).toEqual([
      { name: 'ops' },
      { name: 'oncall' },
    ]);
    t.writeConfig('route: { receiver: nobody }\nreceivers: [{ name: ops }]\n');
    const failed = await t.app.http.inject({ method: 'POST', url: '/-/reload' });
    expect(failed.statusCode).toBe(400);
    const body = failed.json<{
      error: { code: string; details: Array<{ field: string; message: string }> };
    }>();
    expect(body.error.code).toBe('reload_failed');
    expect(body.error.details).toEqual([
      expect.objectContaining({
        field: 'route.receiver',
        message: 'undefined receiver "nobody" used in route',
      }),
    ]);
    expect((await t.app.http.inject({ url: '/api/v2/receivers' })).json<unknown>()).toEqual([
      { name: 'ops' },
      { name: 'oncall' },
    ]);
  });

  it('refuses an Alertmanager webhook payload that is not one, naming the field', async () => {
    t = await notifyApp('sqlite', CONFIG);
    const cases: Array<[unknown, string]> = [
      [{ version: '4' }, 'alerts'],
      [{ version: '3', alerts: [] }, 'version'],
      [{ version: '4', alerts: [{ status: 'weird', labels: { a: 'b' } }] }, 'alerts[0].status'],
      [
        { version: '4', alerts: [{ status: 'firing', labels: { 'bad-name': 'b' } }] },
        'alerts[0].labels.bad-name',
      ],
    ];
    for (const [payload, field] of cases) {
      const r = await t.app.http.inject({
        method: 'POST',
        url: '/api/v1/alertmanager/webhook',
        payload: payload as object,
      });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      const details = r
        .json<{ error: { details: Array<{ field: string }> } }>()
        .error.details.map((d) => d.field);
      expect(
        details.some((d) => d.startsWith(field)),
        `${JSON.stringify(details)} names ${field}`,
      ).toBe(true);
    }
  });
});

describe('checkApiRegex', () => {
  it.each([
    ['api|web', null],
    ['[a-z]+', null],
    ['(foo|bar)', null],
    ['(?:foo)+', null],
    ['(foo|bar)+', 'repeated group'],
    ['(a|a)+', 'repeated group'],
    ['(a?)+', 'repeated group'],
    ['(a+)+b', 'repeated group'],
    ['(x*)*', 'repeated group'],
    ['((ab)+c)*', 'repeated group'],
    ['(a{2,})+', 'repeated group'],
    ['\\(a+\\)+', null],
    ['[(a+)]+', null],
    ['a'.repeat(2000), 'longer'],
  ])('%s', (re, expected) => {
    const problem = checkApiRegex(re);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toContain(expected);
  });

  it('never throws on any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = checkApiRegex(s);
        expect(r === null || typeof r === 'string').toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
