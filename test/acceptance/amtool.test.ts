import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/stores.js';
import { liveApp, type LiveApp } from '../helpers/live-app.js';

/*
 * amtool 0.25 (Debian's prometheus-alertmanager) against Sentinel, as an operator would use it
 * against Alertmanager. .ci/run installs the package; without it these tests cannot run, and they
 * say so instead of passing.
 */

const run = promisify(execFile);
const AMTOOL = '/usr/bin/amtool';
const present = existsSync(AMTOOL);

const CONFIG = `
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 1s
  routes:
    - receiver: pager
      matchers: [severity="critical"]
receivers:
  - name: ops
  - name: pager
`;

for (const backend of BACKENDS) {
  describe.runIf(present)(`amtool against Sentinel (${backend})`, () => {
    let live: LiveApp;
    let dir: string;
    const amtool = async (...args: string[]): Promise<string> => {
      const { stdout } = await run(AMTOOL, [`--alertmanager.url=${live.url}`, ...args], { timeout: 20_000 });
      return stdout;
    };

    beforeAll(async () => {
      live = await liveApp(backend, CONFIG);
      dir = mkdtempSync(join(tmpdir(), 'sentinel-amtool-'));
    });
    afterAll(async () => {
      await live.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('alert add, then alert query shows it with its labels and receivers', async () => {
      await amtool(
        'alert',
        'add',
        'alertname=DiskFull',
        'severity=critical',
        'instance=db1',
        '--annotation=summary=Disk is full',
      );
      await amtool('alert', 'add', 'alertname=Slow', 'severity=warning');
      const simple = await amtool('alert', 'query');
      expect(simple).toMatch(/DiskFull/);
      expect(simple).toMatch(/Slow/);
      const json = JSON.parse(await amtool('alert', 'query', '-o', 'json', 'alertname=DiskFull')) as Array<{
        labels: Record<string, string>;
        annotations: Record<string, string>;
        receivers: Array<{ name: string }>;
        status: { state: string };
      }>;
      expect(json).toHaveLength(1);
      expect(json[0]).toMatchObject({
        labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db1' },
        annotations: { summary: 'Disk is full' },
        receivers: [{ name: 'pager' }],
        status: { state: 'active' },
      });
    });

    it('silence add, silence query, then the alert shows as silenced; silence expire lifts it', async () => {
      const id = (
        await amtool(
          'silence',
          'add',
          'alertname=Slow',
          '--comment=deploy',
          '--author=alice',
          '--duration=1h',
        )
      ).trim();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const listed = await amtool('silence', 'query');
      expect(listed).toContain(id);
      expect(listed).toContain('alice');
      expect(listed).toMatch(/alertname="Slow"/);
      const silenced = JSON.parse(
        await amtool('alert', 'query', '-o', 'json', '--silenced', 'alertname=Slow'),
      ) as Array<{
        status: { state: string; silencedBy: string[] };
      }>;
      expect(silenced[0]!.status).toMatchObject({ state: 'suppressed', silencedBy: [id] });
      // Silenced alerts are hidden from the default query, as in Alertmanager.
      expect(await amtool('alert', 'query', 'alertname=Slow')).not.toMatch(/Slow/);

      await amtool('silence', 'expire', id);
      expect(await amtool('silence', 'query')).not.toContain(id);
      expect(await amtool('silence', 'query', '--expired')).toContain(id);
      expect(await amtool('alert', 'query', 'alertname=Slow')).toMatch(/Slow/);
    });

    it('silence import restores exported silences', async () => {
      await amtool(
        'silence',
        'add',
        'job=~"api|web"',
        '--comment=export me',
        '--author=bob',
        '--duration=2h',
      );
      const exported = await amtool('silence', 'query', '-o', 'json', 'job=~"api|web"');
      const file = join(dir, 'silences.json');
      writeFileSync(file, exported);
      const before = JSON.parse(exported) as Array<{ id: string }>;
      expect(before).toHaveLength(1);
      await amtool('silence', 'expire', before[0]!.id);
      await amtool('silence', 'import', file);
      const after = JSON.parse(await amtool('silence', 'query', '-o', 'json', 'job=~"api|web"')) as Array<{
        id: string;
        comment: string;
        createdBy: string;
        matchers: Array<{ name: string; value: string; isRegex: boolean }>;
      }>;
      expect(after).toHaveLength(1);
      expect(after[0]).toMatchObject({
        comment: 'export me',
        createdBy: 'bob',
        matchers: [{ name: 'job', value: 'api|web', isRegex: true }],
      });
    });

    it('config show prints the routing configuration', async () => {
      const shown = await amtool('config', 'show');
      expect(shown).toMatch(/receiver: ops/);
      expect(shown).toMatch(/severity="critical"/);
    });
  });
}

// Without amtool the acceptance tests above cannot run; this one fails so that it is noticed.
describe('amtool', () => {
  it('is installed (apt-get install prometheus-alertmanager)', () => {
    expect(present).toBe(true);
  });
});
