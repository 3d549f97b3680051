import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../api/server.ts';
import { connect } from '../../client/index.ts';
import { Gateway } from '../../engine/gateway.ts';
import { UserSource } from '../../engine/users/user-source.ts';

const SAMPLES = new URL('../../projects', import.meta.url).pathname;
const SAMPLE_TAGS = new URL('../../tags', import.meta.url).pathname;
let gateway: Gateway;
let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flint-samples-'));
  cpSync(SAMPLES, join(dir, 'projects'), { recursive: true });
  cpSync(SAMPLE_TAGS, join(dir, 'tags'), { recursive: true }); // where the gateway looks by default: beside the projects
  await new UserSource({ dataDir: join(dir, 'data'), hashParams: { N: 1024, r: 8, p: 1 } }).add('alice', 'password-a', ['operator']);
  gateway = await Gateway.start({ projectsDir: join(dir, 'projects'), dataDir: join(dir, 'data'), stdoutLevel: 'off', watch: false });
  server = await serve(gateway, 0);
});
afterAll(async () => {
  await server.close();
  await gateway.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the sample project samplequickstart', () => {
  it('loads without diagnostics and logs from its startup script', () => {
    expect(gateway.project('samplequickstart')!.status()).toMatchObject({ status: 'loaded', diagnostics: [] });
    expect(gateway.logs.ring.query({ project: 'samplequickstart' }).map((r) => r.message)).toContain('Sample quick start project is up');
  });

  it('echoes through its lib module', async () => {
    expect(await gateway.request('samplequickstart', 'echo', { message: 'hello' })).toEqual({
      echo: 'hello',
      at: expect.stringMatching(/^\[\d{4}-.*\] hello$/),
    });
  });

  it('greets by awaiting its own echo handler', async () => {
    expect(await gateway.request('samplequickstart', 'greet', { name: 'ada lovelace' })).toEqual({ greeting: 'Hello, Ada Lovelace!' });
  });

  it('runs its session events, its Inventory view (seeds/000) and greets the sessions of one user', async () => {
    const logged = (text: string) => gateway.logs.ring.query({ project: 'samplequickstart' }).some((r) => r.message.includes(text));
    const session = await connect({ url: `${server.url.replace('http', 'ws')}/session`, project: 'samplequickstart' });
    const { pageId } = await session.openPage('/inventory');
    const view = await session.mountView(pageId, 'Inventory');
    await session.componentEvent(pageId, view.instanceId, 'AddButton', 'onActionPerformed', { itemName: 'banana' });
    expect(view.components.AddButton.props.text).toBe('Added banana');
    await waitFor(() => (view.components.ItemList.props.items as unknown[]).length === 1);
    expect(view.components.ItemList.props.items).toEqual([{ name: 'banana', quantity: 6 }]);
    await waitFor(() => logged(`started in session ${session.sessionId}`));
    expect(gateway.sessions.get(session.sessionId)!.custom.toObject()).toMatchObject({
      startedAt: expect.any(String),
      lastPage: '/inventory',
    });
    const url = `${server.url.replace('http', 'ws')}/session`;
    const alice = await connect({ url, project: 'samplequickstart', userName: 'alice', password: 'password-a' });
    expect(await gateway.request('samplequickstart', 'greetUser', { user: 'alice' })).toEqual({ greeted: [alice.sessionId] });
    const [info] = gateway.sessions.info('samplequickstart', 'alice');
    expect(info).toMatchObject({ id: alice.sessionId, userName: 'alice', roles: ['operator'], project: 'samplequickstart', pages: [] });
    expect(gateway.sessions.info('samplequickstart').find((s) => s.id === session.sessionId)).toMatchObject({
      userName: null,
      pageIds: [pageId],
      pages: [{ pageId, path: '/inventory' }],
      connected: true,
    });
    await waitFor(() => logged(`Session ${alice.sessionId} received message: Hello alice`));
    expect(logged(`Session ${session.sessionId} received message`)).toBe(false);
    expect(await gateway.request('samplequickstart', 'greetUser', { user: 'nobody' })).toEqual({ greeted: [] });
    await alice.logout();
    await session.logout();
    await waitFor(() => logged(`Session ${session.sessionId} ended`));
  });

  it('logs each change of [default]New Tag 5 from its tag-change script', async () => {
    const logged = (text: string) => gateway.logs.ring.query({ project: 'samplequickstart' }).some((r) => r.message === text);
    await waitFor(() => logged('[default]New Tag 5 holds "" (Good)'));
    const [written] = await gateway.tagSystem.write(['[default]New Tag 5'], ['4006381333931'], 'default');
    expect(written.quality).toBe('Good');
    await waitFor(() => logged('[default]New Tag 5 changed from "" to "4006381333931" (change 1)'));
  });

  it('records session start and end in the sessions table through its Startup and Shutdown named queries (seeds/002)', async () => {
    const url = `${server.url.replace('http', 'ws')}/session`;
    const session = await connect({ url, project: 'samplequickstart' });
    const db = new DatabaseSync(join(dir, 'data', 'database.sqlite'), { readOnly: true });
    try {
      const row = () =>
        db.prepare('SELECT session_id, start_time, end_time FROM sessions WHERE session_id = ?').get(session.sessionId) as
          { session_id: string; start_time: string; end_time: string | null } | undefined;
      await waitFor(() => row() !== undefined);
      expect(row()).toEqual({
        session_id: session.sessionId,
        start_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
        end_time: null,
      });
      await session.logout();
      await waitFor(() => row()?.end_time != null);
      expect(row()!.end_time! >= row()!.start_time).toBe(true);
      expect(gateway.project('samplequickstart')!.status().diagnostics).toEqual([]);
    } finally {
      db.close();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
