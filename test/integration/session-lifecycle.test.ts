// How sessions end and come back (docs/protocol.md, Ending a session; Resuming): when their project is disabled or
// its folder deleted, and when the gateway stops, every session ends once, with an `ended` frame to each socket still
// attached and its Shutdown script run once; a client that reconnects within the session timeout gets the same
// session back, with its pages, its mounted views and their components' state.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, type FlintSession } from '../../client/index.ts';
import { startGateway, useGateway, type TestGateway } from '../helpers/fixture.ts';
import { SessionSocket } from '../helpers/session-socket.ts';

const VIEW = {
  components: { Button: { props: { count: 0, text: 'Press' }, custom: { clicks: 0 }, events: { onActionPerformed: 'click' } } },
};

/** A project whose session scripts log what ran, for which session or page, and a view whose button counts its clicks. */
const files = {
  'session-events/startup.ts': `export default function (session: any) { system.util.getLogger('life').info('started ' + session.props.id); }\n`,
  'session-events/shutdown.ts': `export default function (session: any) { system.util.getLogger('life').info('shutdown ' + session.props.id); }\n`,
  'session-events/page-startup.ts': `export default function (page: any) { system.util.getLogger('life').info('page ' + page.props.pageId); }\n`,
  'session-events/message/echo.ts': `export default function (session: any, payload: any) { return payload; }\n`,
  'views/Panel/view.json': JSON.stringify(VIEW),
  'views/Panel/click.ts': `export default function (self: any, event: any) {
  self.props.count = self.props.count + 1;
  self.custom.clicks = self.custom.clicks + 1;
  self.page.session.custom.lastClick = event.at;
}\n`,
};

const t = useGateway({
  life: { config: { sessionTimeoutMs: 60_000 }, files },
  brief: { config: { sessionTimeoutMs: 1000 }, files },
  off: { config: { sessionTimeoutMs: 60_000 }, files },
  gone: { config: { sessionTimeoutMs: 60_000 }, files },
});

const count = (g: TestGateway, message: string) => g.logs((r) => r.message === message).length;

/** Asserts `check` holds for `ms`: how a test shows that something (a second Shutdown) does not happen. */
async function holds(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(check()).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sdk(g: TestGateway, project: string): Promise<FlintSession> {
  const http = await g.http();
  return connect({ url: `${http.url.replace('http', 'ws')}/session`, project, reconnectDelayMs: 50 });
}

/**
 * Three sessions of `project`: one on the SDK, one on a raw socket, and one whose client left (it waits for its
 * timeout). Each has had its Startup.
 */
async function threeSessions(g: TestGateway, project: string) {
  const client = await sdk(g, project);
  const ended: string[] = [];
  client.onEnded((reason) => ended.push(reason));
  const raw = await SessionSocket.session(g, project);
  const left = await SessionSocket.session(g, project);
  left.socket.close();
  const ids = [client.sessionId, raw.welcome.sessionId, left.welcome.sessionId];
  await g.waitFor(() => ids.every((id) => count(g, `started ${id}`) === 1), 5000, 'the Startups');
  await g.waitFor(() => g.gateway.sessions.get(left.welcome.sessionId)?.clients.size === 0, 5000, 'the left session detached');
  return { client, ended, raw: raw.socket, ids };
}

/** Every session ended once with `reason`, each socket told, each Shutdown run exactly once. */
async function expectEnded(g: TestGateway, sessions: Awaited<ReturnType<typeof threeSessions>>, reason: string) {
  await g.waitFor(() => sessions.ended.length > 0, 10_000, 'the SDK to see the end');
  expect(sessions.ended).toEqual([reason]);
  expect(await sessions.raw.whenClosed(10_000)).toEqual({ code: 1000, reason: `session ended: ${reason}` });
  expect(sessions.raw.frames.at(-1)).toEqual({ v: 1, type: 'ended', reason });
  await g.waitFor(() => sessions.ids.every((id) => count(g, `shutdown ${id}`) === 1), 10_000, 'every Shutdown');
  for (const id of sessions.ids) expect(g.gateway.sessions.get(id)).toBeUndefined();
}

describe('sessions end with their project', () => {
  it('when project.json disables it: every session gets ended and its Shutdown once, and a new hello is refused until it is enabled again', async () => {
    const sessions = await threeSessions(t, 'off');
    t.write('off', 'project.json', JSON.stringify({ enabled: false, sessionTimeoutMs: 60_000 }));
    await expectEnded(t, sessions, 'the project stopped');
    // Shutdown ran while the project was still loaded, before it unloaded.
    const unloaded = 'project "off" unloaded: disabled in project.json';
    await t.waitFor(() => count(t, unloaded) === 1, 10_000, 'the project to unload');
    const messages = t.logs((r) => r.project === 'off').map((r) => r.message);
    const lastShutdown = Math.max(...sessions.ids.map((id) => messages.indexOf(`shutdown ${id}`)));
    expect(lastShutdown).toBeLessThan(messages.indexOf(unloaded));
    const refused = await SessionSocket.open(t);
    refused.send({ type: 'hello', project: 'off' });
    expect(await refused.whenClosed()).toMatchObject({ code: 1008 });
    expect(refused.of('error')).toMatchObject([{ code: 'PROJECT_UNAVAILABLE' }]);
    t.write('off', 'project.json', JSON.stringify({ sessionTimeoutMs: 60_000 }));
    const again = (await t.waitFor(() => SessionSocket.session(t, 'off').catch(() => undefined), 10_000, 'the project back'))!;
    expect(await again.socket.value({ type: 'request', handler: 'echo', payload: { back: true } })).toEqual({ back: true });
    again.socket.close();
    // Nothing runs a second Shutdown later (the left session's timeout was cleared when it ended).
    await holds(() => sessions.ids.every((id) => count(t, `shutdown ${id}`) === 1), 300);
    sessions.client.close();
  });

  it('when its folder is deleted: every session gets ended and its Shutdown once', async () => {
    const sessions = await threeSessions(t, 'gone');
    rmSync(join(t.projectsDir, 'gone'), { recursive: true });
    await expectEnded(t, sessions, 'the project stopped');
    await t.waitFor(() => t.gateway.project('gone') === undefined, 10_000, 'the project to go');
    sessions.client.close();
  });
});

describe('sessions end when the gateway stops', () => {
  it('each once, with an ended frame to every socket and its Shutdown script, before the projects unload', async () => {
    const g = await startGateway({ life: { config: { sessionTimeoutMs: 60_000 }, files } });
    let stopped = false;
    try {
      const sessions = await threeSessions(g, 'life');
      // The engine's stop, while the HTTP server still has its sockets (flint start closes them first, with 1001).
      await g.gateway.stop();
      stopped = true;
      await expectEnded(g, sessions, 'the gateway is stopping');
      const messages = g.logs((r) => r.project === 'life').map((r) => r.message);
      const lastShutdown = Math.max(...sessions.ids.map((id) => messages.indexOf(`shutdown ${id}`)));
      expect(lastShutdown).toBeLessThan(messages.findIndex((m) => m.startsWith('project "life" unloaded')));
    } finally {
      if (stopped) {
        await (await g.http()).close();
        rmSync(g.root, { recursive: true, force: true });
      } else await g.stop();
    }
  });
});

describe('a client that reconnects within the session timeout', () => {
  it('gets the same session back with its pages, mounted views and component state, and shows its page again without Page Startup', async () => {
    const first = await SessionSocket.session(t, 'life');
    const { sessionId, resumeToken } = first.welcome;
    const a = (await first.socket.value({ type: 'openPage', path: '/a' })) as { pageId: string };
    const b = (await first.socket.value({ type: 'openPage', path: '/b' })) as { pageId: string };
    const view = (await first.socket.value({ type: 'mountView', pageId: a.pageId, viewPath: 'Panel' })) as { instanceId: string };
    await first.socket.value({
      type: 'componentEvent',
      pageId: a.pageId,
      instanceId: view.instanceId,
      component: 'Button',
      event: 'onActionPerformed',
      payload: { at: 1 },
    });
    await first.socket.value({ type: 'navigate', pageId: b.pageId, path: '/b/2' });
    first.socket.close();
    await t.waitFor(() => t.gateway.sessions.get(sessionId)?.clients.size === 0, 5000, 'the session detached');

    const second = await SessionSocket.session(t, 'life', { sessionId, resumeToken });
    expect(second.welcome).toMatchObject({ resumed: true, sessionId, resumeToken, custom: { lastClick: 1 } });
    expect(second.welcome.pages).toEqual([
      {
        pageId: a.pageId,
        path: '/a',
        views: [
          {
            instanceId: view.instanceId,
            viewPath: 'Panel',
            components: { Button: { props: { count: 1, text: 'Press' }, custom: { clicks: 1 }, events: ['onActionPerformed'] } },
          },
        ],
      },
      { pageId: b.pageId, path: '/b/2', views: [] },
    ]);
    // The page is shown again by the new socket: the same page, no Page Startup, and its view's writes reach this socket.
    expect(await second.socket.value({ type: 'openPage', path: '/a', pageId: a.pageId })).toEqual({
      pageId: a.pageId,
      path: '/a',
      isNew: false,
    });
    await second.socket.value({
      type: 'componentEvent',
      pageId: a.pageId,
      instanceId: view.instanceId,
      component: 'Button',
      event: 'onActionPerformed',
      payload: { at: 2 },
    });
    await second.socket.next((f) => f.type === 'props' && f.object === 'component' && f.key === 'count' && f.value === 2);
    await second.socket.next((f) => f.type === 'props' && f.object === 'session' && f.key === 'lastClick' && f.value === 2);
    expect(count(t, `page ${a.pageId}`)).toBe(1);
    expect(count(t, `started ${sessionId}`)).toBe(1);
    expect(count(t, `shutdown ${sessionId}`)).toBe(0);
    second.socket.send({ type: 'logout' });
    await second.socket.whenClosed();
    await t.waitFor(() => count(t, `shutdown ${sessionId}`) === 1, 5000, 'Shutdown after logout');
  });

  it('on the SDK keeps its views, and component writes after the reconnect reach it', async () => {
    const session = await sdk(t, 'life');
    const { pageId } = await session.openPage('/sdk');
    const view = await session.mountView(pageId, 'Panel');
    await session.componentEvent(pageId, view.instanceId, 'Button', 'onActionPerformed', { at: 1 });
    await t.waitFor(() => session.views.get(view.instanceId)?.components.Button.props.count === 1, 5000, 'the first click shown');
    session.dropConnection();
    await t.waitFor(
      async () => (await session.request('echo', { n: 1 }).catch(() => undefined)) !== undefined,
      5000,
      'the resumed session',
    );
    expect(session.views.get(view.instanceId)?.components.Button).toEqual({
      props: { count: 1, text: 'Press' },
      custom: { clicks: 1 },
      events: ['onActionPerformed'],
    });
    await session.componentEvent(pageId, view.instanceId, 'Button', 'onActionPerformed', { at: 2 });
    await t.waitFor(() => session.views.get(view.instanceId)?.components.Button.props.count === 2, 5000, 'the second click shown');
    await session.logout();
  });

  it('past the timeout is refused with UNAUTHORIZED, after the session ended with Shutdown once', async () => {
    const first = await SessionSocket.session(t, 'brief');
    const { sessionId, resumeToken } = first.welcome;
    first.socket.close();
    await t.waitFor(() => count(t, `shutdown ${sessionId}`) === 1, 5000, 'Shutdown after the timeout');
    const late = await SessionSocket.open(t);
    late.send({ type: 'hello', project: 'brief', resumeSessionId: sessionId, resumeToken });
    expect(await late.whenClosed()).toMatchObject({ code: 1008 });
    expect(late.of('error')).toMatchObject([{ code: 'UNAUTHORIZED' }]);
    expect(count(t, `shutdown ${sessionId}`)).toBe(1);
  });
});
