import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, FlintClientError } from '../../client/index.ts';
import { MAX_WAITING_HANDLERS } from '../../engine/sessions/session-manager.ts';
import { UserSource } from '../../engine/users/user-source.ts';
import { useGateway } from '../helpers/fixture.ts';

const t = useGateway({
  shop: {
    config: { sessionTimeoutMs: 1000 },
    files: {
      'session-events/startup.ts': `export default function (session: any) { system.util.getLogger('life').info('started ' + session.props.id); }\n`,
      'session-events/shutdown.ts': `export default function (session: any) { system.util.getLogger('life').info('ended ' + session.props.id); }\n`,
      'session-events/page-startup.ts': `export default function (page: any) { system.util.getLogger('life').info('page ' + page.props.path + ' of ' + page.session.props.id); }\n`,
      'session-events/message/myMessage.ts': `export default function (session: any, payload: any) { system.util.getLogger('msg').info('Session ' + session.props.id + ' received message: ' + payload.message); return { echo: payload.message }; }\n`,
      'session-events/message/slow.ts': `export default function () { const end = Date.now() + 5; while (Date.now() < end); return 'done'; }\n`,
      'gateway-events/message/broadcast.ts': `export default function (payload: any) { return system.util.sendMessage('shop', 'myMessage', payload, payload.scope); }\n`,
    },
  },
  closed: { config: { allowAnonymous: false }, files: {} },
  closing: {
    files: {
      'session-events/shutdown.ts': `export default function (session: any) { system.util.getLogger('life').info('closing ended ' + session.props.id); }\n`,
    },
  },
});

const logged = (text: string) => t.logs((r) => r.message === text).length > 0;

async function open(project = 'shop') {
  const http = await t.http();
  return connect({ url: `${http.url.replace('http', 'ws')}/session`, project, reconnectDelayMs: 50 });
}

describe('sessions over the session protocol', () => {
  it('runs Startup, Page Startup (new pages only) and a session message handler, in order', async () => {
    const session = await open();
    await t.waitFor(() => logged(`started ${session.sessionId}`), 5000, 'Startup');
    const page = await session.openPage('/line/1');
    expect(page.isNew).toBe(true);
    await t.waitFor(() => logged(`page /line/1 of ${session.sessionId}`), 5000, 'Page Startup');
    expect((await session.openPage('/line/2', page.pageId)).isNew).toBe(false);
    expect(await session.request('myMessage', { message: 'Hello World' })).toEqual({ echo: 'Hello World' });
    expect(logged(`Session ${session.sessionId} received message: Hello World`)).toBe(true);
    await session.logout();
    await t.waitFor(() => logged(`ended ${session.sessionId}`), 5000, 'Shutdown');
  });

  it('delivers system.util.sendMessage to session handlers (S) and client handlers (C), and lists each target', async () => {
    const session = await open();
    const received: unknown[] = [];
    session.onMessage('myMessage', (payload) => received.push(payload));
    await t.waitFor(() => t.gateway.sessions.get(session.sessionId)?.clientsListening('myMessage').length === 1, 5000, 'registered');
    const targets = (await t.request('shop', 'broadcast', { message: 'hi', scope: 'CS' })) as string[];
    expect(targets).toContain(`type=Session,project=shop,messageHandler=myMessage,sessionId=${session.sessionId}`);
    expect(targets).toContain(`type=Client,project=shop,messageHandler=myMessage,sessionId=${session.sessionId}`);
    await t.waitFor(() => received.length === 1, 5000, 'the client message');
    expect(received[0]).toEqual({ message: 'hi', scope: 'CS' });
    await t.waitFor(() => logged(`Session ${session.sessionId} received message: hi`), 5000, 'the session handler');
    await session.logout();
  });

  it('resumes the same session after a dropped socket, and ends it with Shutdown once it stays away past the timeout', async () => {
    const session = await open();
    const id = session.sessionId;
    session.dropConnection();
    await t.waitFor(async () => (await session.openPage('/back').catch(() => undefined)) !== undefined, 5000, 'the resumed session');
    expect(session.sessionId).toBe(id);
    session.close();
    await t.waitFor(() => logged(`ended ${id}`), 5000, 'Shutdown after the session timeout');
    expect(t.gateway.sessions.get(id)).toBeUndefined();
  });

  it('refuses an anonymous session where the project does not allow it, and bad frames with an error', async () => {
    await expect(open('closed')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(open('nowhere')).rejects.toBeInstanceOf(FlintClientError);
    const http = await t.http();
    const socket = new WebSocket(`${http.url.replace('http', 'ws')}/session`);
    const frames: { type: string; code?: string }[] = [];
    socket.onmessage = (event) => frames.push(JSON.parse(String(event.data)));
    await new Promise((resolve) => (socket.onopen = resolve));
    socket.send('not json');
    socket.send(JSON.stringify({ v: 1, type: 'openPage', path: '/' }));
    await t.waitFor(() => frames.length === 2, 5000, 'two error frames');
    expect(frames.map((f) => [f.type, f.code])).toEqual([
      ['error', 'BAD_REQUEST'],
      ['error', 'BAD_REQUEST'],
    ]);
    socket.close();
  });

  it('logs in with a user name and password or a login token in hello, and ends the sessions when the user is removed', async () => {
    // Another writer of the gateway's users.json, as `flint user add` is (cheap scrypt parameters).
    const users = new UserSource({ dataDir: join(t.root, 'data'), hashParams: { N: 1024, r: 8, p: 1 } });
    await users.add('carol', 'password-c', ['operator']);
    const http = await t.http();
    const url = `${http.url.replace('http', 'ws')}/session`;
    await expect(connect({ url, project: 'closed', userName: 'carol', password: 'wrong' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const byPassword = await connect({ url, project: 'closed', userName: 'carol', password: 'password-c', reconnect: false });
    expect(byPassword.props).toMatchObject({ userName: 'carol', roles: ['operator'] });
    const login = await fetch(`${http.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userName: 'carol', password: 'password-c' }),
    });
    const { token } = (await login.json()) as { token: string };
    const byToken = await connect({ url, project: 'closed', token, reconnect: false });
    expect(byToken.props).toMatchObject({ userName: 'carol' });
    await expect(connect({ url, project: 'closed', token: 'not-a-token' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    const ended: string[] = [];
    byPassword.onEnded((reason) => ended.push(reason));
    byToken.onEnded((reason) => ended.push(reason));
    users.remove('carol');
    await t.waitFor(() => ended.length === 2, 5000, 'both sessions ended');
    expect(t.gateway.sessions.get(byPassword.sessionId)).toBeUndefined();
    expect(t.gateway.sessions.get(byToken.sessionId)).toBeUndefined();
  });

  it('ends anonymous sessions, with Shutdown, once the project stops allowing them, and all of them when it is disabled', async () => {
    const session = await open('closing');
    const ended: string[] = [];
    session.onEnded((reason) => ended.push(reason));
    t.write('closing', 'project.json', JSON.stringify({ allowAnonymous: false }));
    await t.waitFor(() => ended.length === 1, 10_000, 'the ended frame');
    expect(ended).toEqual(['the project no longer allows anonymous sessions']);
    await t.waitFor(() => logged(`closing ended ${session.sessionId}`), 5000, 'Shutdown');
    await expect(open('closing')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    t.write('closing', 'project.json', JSON.stringify({}));
    await t.waitFor(
      async () =>
        (await open('closing')
          .then((s) => (s.close(), true))
          .catch(() => false)) === true,
      10_000,
      'anonymous again',
    );
    const second = await open('closing');
    const endedAgain: string[] = [];
    second.onEnded((reason) => endedAgain.push(reason));
    t.write('closing', 'project.json', JSON.stringify({ enabled: false }));
    await t.waitFor(() => endedAgain.length === 1, 10_000, 'the ended frame after disabling');
    expect(endedAgain).toEqual(['the project stopped']);
    await t.waitFor(() => logged(`closing ended ${second.sessionId}`), 5000, 'Shutdown before the project unloaded');
  });

  it('answers every frame past the rate limit that has an id with QUOTA_EXCEEDED, so no caller waits for ever', async () => {
    const http = await t.http();
    const socket = new WebSocket(`${http.url.replace('http', 'ws')}/session`);
    const replies = new Map<number, { ok: boolean; error?: { code: string } }>();
    socket.onmessage = (event) => {
      const frame = JSON.parse(String(event.data));
      if (frame.type === 'reply') replies.set(frame.id, frame);
    };
    await new Promise((resolve) => (socket.onopen = resolve));
    for (let id = 1; id <= 250; id++) socket.send(JSON.stringify({ v: 1, type: 'ping', id }));
    await t.waitFor(() => replies.size === 250, 5000, 'a reply to each of the 250 frames');
    const refused = [...replies.values()].filter((r) => !r.ok);
    expect(refused.length).toBeGreaterThanOrEqual(50);
    expect(refused.every((r) => r.error?.code === 'QUOTA_EXCEEDED')).toBe(true);
    socket.close();
  });

  it('bounds the handlers waiting on one session: past the limit a request fails at once with QUOTA_EXCEEDED', async () => {
    const session = await open();
    const results = await Promise.allSettled(Array.from({ length: MAX_WAITING_HANDLERS + 20 }, () => session.request('slow')));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(19);
    expect(refused.every((r) => (r.reason as FlintClientError).code === 'QUOTA_EXCEEDED')).toBe(true);
    expect(results.filter((r) => r.status === 'fulfilled').every((r) => r.value === 'done')).toBe(true);
    expect(await session.request('slow')).toBe('done'); // the line drained
    session.close();
  });
});
