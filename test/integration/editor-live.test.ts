import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../../api/server.ts';
import { EditorClient } from '../helpers/editor-client.ts';
import { useGateway } from '../helpers/fixture.ts';
import { SessionSocket } from '../helpers/session-socket.ts';
import { waitFor } from '../helpers/wait-for.ts';

const logging = (name: string) =>
  `export default function (payload: any) {\n  system.util.getLogger(${JSON.stringify(name)}).info('said ' + payload.word);\n  if (payload.warn) system.util.getLogger(${JSON.stringify(name)}).warn('warned ' + payload.word);\n  return payload.word;\n}\n`;

// The watcher on: the live feed reports what it saw change on disk.
const t = useGateway({
  plant: {
    files: { 'gateway-events/message/say.ts': logging('plant.say'), 'session-events/startup.ts': 'export default function () {}\n' },
  },
  yard: { files: { 'gateway-events/message/say.ts': logging('yard.say') } },
});

type Frame = Record<string, unknown> & { type: string };

/** The editor's live socket as the page opens it: the login's cookie and this gateway's origin. */
class LiveSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly socket: WebSocket;

  constructor(http: RunningServer, headers: Record<string, string>) {
    this.socket = new WebSocket(`${http.url.replace('http', 'ws')}/api/editor/live`, { headers });
    this.socket.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8')) as Frame));
    this.socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async open(http: RunningServer, client: EditorClient): Promise<LiveSocket> {
    const live = new LiveSocket(http, { cookie: client.cookie, origin: http.url });
    await new Promise((resolve, reject) => {
      live.socket.once('open', resolve);
      live.socket.once('error', reject);
    });
    await live.next((f) => f.type === 'welcome');
    return live;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  next(match: (frame: Frame) => boolean, from = 0, timeoutMs = 5000): Promise<Frame> {
    return waitFor(() => this.frames.slice(from).find(match), timeoutMs, 'a live frame') as Promise<Frame>;
  }

  /** Every log message received since frame `from`. */
  messages(from = 0): string[] {
    return this.frames
      .slice(from)
      .filter((f) => f.type === 'logs')
      .flatMap((f) => (f.records as { message: string }[]).map((r) => r.message));
  }

  async filter(filter: Record<string, unknown>): Promise<Frame> {
    const from = this.frames.length;
    this.send({ type: 'filter', ...filter });
    return this.next((f) => f.type === 'logs' && f.reset === true, from);
  }
}

/** Refusal of an upgrade: the HTTP status it was answered with. */
function upgradeStatus(http: RunningServer, headers: Record<string, string>): Promise<number> {
  const socket = new WebSocket(`${http.url.replace('http', 'ws')}/api/editor/live`, { headers });
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => undefined);
  });
}

let http: RunningServer;
let editor: EditorClient;
beforeAll(async () => {
  http = await t.http();
  editor = new EditorClient(http);
  expect((await editor.login({ token: http.adminToken })).status).toBe(200);
});

const say = (project: string, word: string, warn = false) => t.gateway.request(project, 'say', { word, warn }, 5);

describe('the editor live connection', () => {
  it('refuses a browser without an editor login (401) and a page of another origin (403)', async () => {
    expect(await upgradeStatus(http, {})).toBe(401);
    expect(await upgradeStatus(http, { cookie: 'flint_editor=forged', origin: http.url })).toBe(401);
    expect(await upgradeStatus(http, { cookie: editor.cookie, origin: 'http://evil.example' })).toBe(403);
    // The admin token alone is not an editor login either.
    expect(await upgradeStatus(http, { authorization: `Bearer ${http.adminToken}` })).toBe(401);
  });

  it('streams the records that pass the filter, after a backlog of the latest ones', async () => {
    await say('plant', 'before');
    const live = await LiveSocket.open(http, editor);
    const backlog = await live.filter({ project: 'plant', backlog: 50 });
    expect((backlog.records as { message: string }[]).map((r) => r.message)).toContain('said before');

    let from = live.frames.length;
    await say('plant', 'one');
    await say('yard', 'other project');
    await live.next((f) => f.type === 'logs' && JSON.stringify(f).includes('said one'), from);
    await say('plant', 'marker');
    await live.next((f) => JSON.stringify(f).includes('said marker'), from);
    expect(live.messages(from)).not.toContain('said other project');

    await live.filter({ minLevel: 'warn', backlog: 0 });
    from = live.frames.length;
    await say('yard', 'loud', true);
    await live.next((f) => JSON.stringify(f).includes('warned loud'), from);
    expect(live.messages(from)).not.toContain('said loud');

    await live.filter({ logger: 'yard.', text: 'MARK', backlog: 0 });
    from = live.frames.length;
    await say('plant', 'mark plant');
    await say('yard', 'mark yard');
    await say('yard', 'plain');
    await live.next((f) => JSON.stringify(f).includes('said mark yard'), from);
    expect(live.messages(from)).toEqual(['said mark yard']);

    // A backlog gives the latest records that pass, oldest first.
    const again = await live.filter({ project: 'yard', text: 'said', backlog: 2 });
    expect((again.records as { message: string }[]).map((r) => r.message)).toEqual(['said mark yard', 'said plain']);
    live.socket.close();
  });

  it('answers a bad frame with an error frame and stays open; an oversized frame closes it (1009)', async () => {
    const live = await LiveSocket.open(http, editor);
    const bad: [unknown, string][] = [
      ['not json', 'JSON object'],
      [[1, 2], 'JSON object'],
      [{ type: 'subscribe' }, 'unknown frame type'],
      [{ type: 'filter', minLevel: 'loud' }, 'minLevel'],
      [{ type: 'filter', project: 7 }, '"project"'],
      [{ type: 'filter', text: 'x'.repeat(201) }, '"text"'],
      [{ type: 'filter', backlog: -1 }, 'backlog'],
      [{ type: 'filter', backlog: 1.5 }, 'backlog'],
      [{ type: 'filter', extra: true }, 'unknown field "extra"'],
    ];
    for (const [frame, message] of bad) {
      const from = live.frames.length;
      live.send(frame);
      const error = await live.next((f) => f.type === 'error', from);
      expect(error.message).toContain(message);
    }
    expect(live.closed).toBeUndefined();
    expect((await live.filter({ backlog: 1 })).type).toBe('logs');
    live.send(JSON.stringify({ type: 'filter', text: 'x'.repeat(20_000) }));
    await waitFor(() => live.closed, 5000, 'the socket to close');
    expect(live.closed?.code).toBe(1009);
  });

  it('sends the session list when it changes: a session opening, its page, its end', async () => {
    const live = await LiveSocket.open(http, editor);
    const first = await live.next((f) => f.type === 'sessions');
    expect(first.total).toBe(0);
    const { socket, welcome } = await SessionSocket.session(t, 'plant');
    const listed = await live.next((f) => f.type === 'sessions' && f.total === 1);
    expect(listed.sessions).toEqual([
      expect.objectContaining({ id: welcome.sessionId, project: 'plant', userName: null, connected: true, pages: [] }),
    ]);
    await socket.value({ type: 'openPage', path: '/line/1' });
    const withPage = await live.next((f) => f.type === 'sessions' && JSON.stringify(f).includes('/line/1'));
    expect((withPage.sessions as { pages: { path: string }[] }[])[0].pages[0].path).toBe('/line/1');
    await t.gateway.sessions.end(t.gateway.sessions.get(welcome.sessionId)!, 'the test ends it');
    await live.next((f) => f.type === 'sessions' && f.total === 0, live.frames.indexOf(withPage));
    socket.close();
    live.socket.close();
  });

  it('reports files changed and removed on disk after their project applied them, and a new project', async () => {
    const live = await LiveSocket.open(http, editor);
    const path = join(t.projectsDir, 'plant', 'gateway-events/message/say.ts');
    writeFileSync(path, 'export default function () {\n  return "changed on disk";\n}\n');
    const changed = await live.next((f) => f.type === 'files' && JSON.stringify(f).includes('say.ts'), 0, 10_000);
    expect(changed.changes).toContainEqual({ project: 'plant', path: 'gateway-events/message/say.ts', removed: false });
    // Applied before it was reported: the new version already answers.
    expect(await t.gateway.request('plant', 'say', {}, 5)).toBe('changed on disk');

    rmSync(path);
    await live.next(
      (f) => f.type === 'files' && JSON.stringify(f.changes).includes('"removed":true'),
      live.frames.indexOf(changed) + 1,
      10_000,
    );
    t.project('extra', {});
    const added = await live.next((f) => f.type === 'files' && JSON.stringify(f).includes('"extra"'), 0, 10_000);
    expect(added.changes).toContainEqual(expect.objectContaining({ project: 'extra', removed: false }));
    expect(t.gateway.project('extra')).toBeDefined();
    live.socket.close();
  });

  it('closes with 4401 when the editor login behind it ends', async () => {
    const client = new EditorClient(http);
    await client.login({ token: http.adminToken });
    const live = await LiveSocket.open(http, client);
    expect((await client.post('/api/editor/logout', {})).status).toBe(204);
    await waitFor(() => live.closed, 10_000, 'the socket to close');
    expect(live.closed).toEqual({ code: 4401, reason: 'the editor login ended: log in again' });
  });
});
