// Session bindings (issue 12 item 4) through a real gateway, its WebSocket endpoint and the client SDK: a session binds
// tags and its own session.custom props and gets each change once, in order; bindings end with the socket and the
// session, survive a reconnect, follow the project's default provider and a tag defined later; every bad bind frame
// gets a clear error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, FlintClientError, type FlintSession, type TagValue } from '../../client/index.ts';
import { MAX_BOUND_TAGS } from '../../engine/sessions/tag-bindings.ts';
import { startGateway, type TestGateway } from '../helpers/fixture.ts';
import { SessionSocket } from '../helpers/session-socket.ts';

const DEFAULT = {
  tags: [
    { name: 'New Tag 5', dataType: 'String', value: '' },
    { name: 'Line', tags: [{ name: 'Count', dataType: 'Int', value: 0 }] },
  ],
};
const OTHER = { tags: [{ name: 'Level', dataType: 'Float', value: 3 }] };

const files = {
  // Writes `payload.values` to `payload.path` one blocking write after another, as fast as the script can.
  'gateway-events/message/count.ts': `export default function (payload: any) {
  for (const value of payload.values) system.tag.writeBlocking([payload.path], [value]);
  return payload.values.length;
}
`,
  // The same, for a session that may have no socket right now: through its session message handler.
  'gateway-events/message/setCustom.ts': `export default function (payload: any) {
  return system.util.sendMessage('p', 'custom', payload, 'S', payload.sessionId);
}
`,
  // A view whose labels follow tags; its button's script reports what its component's props hold.
  'views/Scanner/view.json': JSON.stringify({
    components: {
      Count: { props: { text: 'unset' }, bindings: { text: { tag: 'Line/Count' } }, events: { onActionPerformed: 'report' } },
      Quality: { bindings: { text: { tag: '[default]Line/Count.Quality' }, missing: { tag: 'Nowhere' } } },
    },
  }),
  'views/Scanner/report.ts': `export default function (self: any) {
  self.page.session.custom.reported = self.props.text;
}
`,
  'session-events/message/custom.ts': `export default function (session: any, payload: any) {
  for (const value of payload.values) session.custom[payload.key] = value;
  return null;
}
`,
};

let t: TestGateway;
let tagsDir: string;
let url: string;
const writeDefs = (provider: string, defs: unknown) => writeFileSync(join(tagsDir, `${provider}.json`), JSON.stringify(defs, null, 2));

beforeAll(async () => {
  tagsDir = mkdtempSync(join(tmpdir(), 'flint-bindings-'));
  writeDefs('default', DEFAULT);
  writeDefs('other', OTHER);
  t = await startGateway(
    { p: { files, config: { sessionTimeoutMs: 5000 } }, q: { files, config: { defaultTagProvider: 'other' } } },
    { tagsDir },
  );
  await t.waitFor(() => t.gateway.project('p')?.isRunning && t.gateway.project('q')?.isRunning, 10_000, 'projects running');
  url = `${(await t.http()).url.replace('http', 'ws')}/session`;
});
afterAll(async () => {
  await t.stop();
  rmSync(tagsDir, { recursive: true, force: true });
});

const open = (project = 'p') => connect({ url, project, reconnectDelayMs: 50 });
const write = (path: string, values: unknown[], project = 'p') => t.request(project, 'count', { path, values });

/** Every value a listener gets, in order. */
function recorder() {
  const seen: TagValue[] = [];
  return { seen, listener: (value: TagValue) => seen.push(value), values: () => seen.map((v) => v.value) };
}

describe('session tag bindings', () => {
  it('gives the current value, then each change once and in order, under any spelling of the path', async () => {
    const session = await open();
    const a = recorder();
    const b = recorder();
    await Promise.all([session.bindTag('Line/Count', a.listener), session.bindTag('[default]Line/Count', b.listener)]);
    expect(a.seen).toEqual([{ value: 0, quality: 'Good', qualityCode: 192, timestamp: expect.any(Number) as number }]);
    const values = Array.from({ length: 200 }, (_, i) => i + 1);
    await write('Line/Count', values);
    await t.waitFor(() => a.seen.length === 201 && b.seen.length === 201, 10_000, 'every change');
    expect(a.values()).toEqual([0, ...values]);
    expect(b.values()).toEqual([0, ...values]);
    expect(session.tagValue('Line/Count')?.value).toBe(200);
    // One subscription to the tag feed for both spellings of the one socket.
    expect(t.gateway.sessions.tagBindings.boundCount([...t.gateway.sessions.get(session.sessionId)!.clients.keys()][0])).toBe(1);
    await session.logout();
  });

  it('sends a change to the sockets that bound the tag only, and none after they unbind', async () => {
    const [bound, other] = await Promise.all([SessionSocket.session(t, 'p'), SessionSocket.session(t, 'p')]);
    const reply = await bound.socket.call({ type: 'bindTags', paths: ['New Tag 5', 'Line/Count.Quality', 'Line//Count'] });
    expect(reply.ok).toBe(true);
    const tags = (reply.value as { tags: { path: string; tagPath: string | null; quality: string }[] }).tags;
    expect(tags.map((x) => [x.path, x.tagPath, x.quality])).toEqual([
      ['New Tag 5', '[default]New Tag 5', 'Good'],
      ['Line/Count.Quality', '[default]Line/Count.Quality', 'Good'],
      ['Line//Count', null, 'Error_InvalidPathSyntax'],
    ]);
    await write('New Tag 5', ['scanned']);
    const frame = await bound.socket.next((f) => f.type === 'tag' && f.path === '[default]New Tag 5');
    expect(frame).toMatchObject({ v: 1, type: 'tag', value: 'scanned', quality: 'Good', qualityCode: 192 });
    expect((await bound.socket.call({ type: 'unbindTags', paths: ['[default]New Tag 5'] })).ok).toBe(true);
    await write('New Tag 5', ['again']);
    // The .Quality binding of the same socket still follows Line/Count: a write there is the marker that all came.
    await write('Line/Count', [7]);
    await bound.socket.next((f) => f.type === 'tag' && f.path === '[default]Line/Count.Quality');
    expect(bound.socket.frames.filter((f) => f.type === 'tag' && f.value === 'again')).toEqual([]);
    expect(other.socket.frames.filter((f) => f.type === 'tag')).toEqual([]);
    bound.socket.close();
    other.socket.close();
  });

  it('ends a socket’s bindings when it closes and when its session ends', async () => {
    // The sockets of the tests before have closed: the gateway follows no tag for them.
    await t.waitFor(() => t.gateway.sessions.tagBindings.followedCount === 0, 5000, 'earlier sockets unbound');
    const before = 0;
    const one = await SessionSocket.session(t, 'p');
    await one.socket.call({ type: 'bindTags', paths: ['Line/Count', 'New Tag 5'] });
    expect(t.gateway.sessions.tagBindings.followedCount).toBe(before + 2);
    one.socket.close();
    await t.waitFor(() => t.gateway.sessions.tagBindings.followedCount === before, 5000, 'unbound on close');
    const session = await open();
    await session.bindTag('Line/Count', () => undefined);
    expect(t.gateway.sessions.tagBindings.followedCount).toBe(before + 1);
    await session.logout();
    await t.waitFor(() => t.gateway.sessions.tagBindings.followedCount === before, 5000, 'unbound at the end');
  });

  it('binds again after a reconnect and gives the value that changed while the socket was down', async () => {
    const session = await open();
    const seen = recorder();
    await session.bindTag('New Tag 5', seen.listener);
    const resumed = new Promise<void>((resolve) => {
      const id = setInterval(() => {
        if (t.gateway.sessions.get(session.sessionId)?.clients.size === 0) {
          clearInterval(id);
          void write('New Tag 5', ['while away', 'latest']).then(() => resolve());
        }
      }, 5);
    });
    session.dropConnection();
    await resumed;
    await t.waitFor(() => seen.values().at(-1) === 'latest', 10_000, 'the value after the reconnect');
    await write('New Tag 5', ['after']);
    await t.waitFor(() => seen.values().at(-1) === 'after', 5000, 'a change after the reconnect');
    expect(seen.values().filter((v) => v === 'after')).toHaveLength(1);
    await session.logout();
  });

  it("follows the project's default provider and a tag that is defined later", async () => {
    const session = await open('q');
    const level = recorder();
    const later = recorder();
    await session.bindTag('Level', level.listener);
    await session.bindTag('Later', later.listener);
    expect(level.values()).toEqual([3]);
    expect(later.seen.map((v) => v.quality)).toEqual(['Bad_NotFound']);
    writeDefs('other', { tags: [...OTHER.tags, { name: 'Later', dataType: 'Int', value: 5 }] });
    await t.waitFor(() => later.seen.some((v) => v.quality === 'Good'), 10_000, 'the tag defined');
    expect(later.seen.at(-1)).toMatchObject({ value: 5, quality: 'Good' });
    await write('Level', [4.5], 'q');
    await t.waitFor(() => level.values().at(-1) === 4.5, 5000, 'the default provider tag');
    await session.logout();
  });

  it('follows session.custom props: the current value, then each write in order, again after a reconnect', async () => {
    // Reconnecting after a second: time for the writes while away to be done before it.
    const session = await connect({ url, project: 'p', reconnectDelayMs: 1000 });
    const seen: unknown[] = [];
    const stop = session.bindSessionProp('scannerInput', (value) => seen.push(value));
    expect(seen).toEqual([undefined]);
    await session.request('custom', { key: 'scannerInput', values: ['a', 'b', 'Match found'] });
    await t.waitFor(() => seen.length === 4, 5000, 'the custom prop changes');
    expect(seen).toEqual([undefined, 'a', 'b', 'Match found']);
    const down = t.waitFor(() => t.gateway.sessions.get(session.sessionId)?.clients.size === 0, 5000, 'the socket down');
    session.dropConnection();
    await down;
    await t.request('p', 'setCustom', { key: 'scannerInput', values: ['x', 'while away'], sessionId: session.sessionId });
    const gatewaySide = () => t.gateway.sessions.get(session.sessionId)?.custom.toObject().scannerInput;
    await t.waitFor(() => gatewaySide() === 'while away', 5000, 'the writes while away');
    expect(t.gateway.sessions.get(session.sessionId)?.clients.size).toBe(0);
    await t.waitFor(() => seen.at(-1) === 'while away', 10_000, 'the value after the reconnect');
    expect(seen).toEqual([undefined, 'a', 'b', 'Match found', 'while away']);
    stop();
    await session.request('custom', { key: 'scannerInput', values: ['ignored'] });
    await t.waitFor(() => session.custom.scannerInput === 'ignored', 5000, 'the write');
    expect(seen).toHaveLength(5);
    await session.logout();
  });

  it('refuses bad bind frames with a clear error and keeps the socket', async () => {
    const { socket } = await SessionSocket.session(t, 'p');
    const refused = async (frame: object) => {
      const reply = await socket.call(frame);
      expect(reply.ok, JSON.stringify(frame)).toBe(false);
      return reply.error!;
    };
    expect((await refused({ type: 'bindTags', paths: [] })).message).toMatch(/"paths" of a "bindTags" frame must have at least 1 items/);
    expect((await refused({ type: 'bindTags', paths: Array.from({ length: 101 }, (_, i) => `T${i}`) })).message).toMatch(
      /at most 100 items/,
    );
    expect((await refused({ type: 'bindTags', paths: [42] })).code).toBe('BAD_REQUEST');
    expect((await refused({ type: 'bindTags', paths: ['x'.repeat(2001)] })).code).toBe('BAD_REQUEST');
    expect((await refused({ type: 'bindTags' })).message).toMatch(/needs "paths"/);
    expect((await refused({ type: 'unbindTags', paths: 'Line/Count' })).code).toBe('BAD_REQUEST');
    // Past MAX_BOUND_TAGS on one socket (tags that do not exist are bound too: they may be defined later).
    for (let i = 0; i < MAX_BOUND_TAGS / 100; i++) {
      const reply = await socket.call({ type: 'bindTags', paths: Array.from({ length: 100 }, (_, j) => `Many/T${i * 100 + j}`) });
      expect(reply.ok).toBe(true);
    }
    const over = await refused({ type: 'bindTags', paths: ['One more'] });
    expect(over.code).toBe('QUOTA_EXCEEDED');
    // A tag already bound is not one more.
    expect((await socket.call({ type: 'bindTags', paths: ['[default]Many/T0'] })).ok).toBe(true);
    expect((await socket.call({ type: 'ping' })).ok).toBe(true);
    expect(socket.closed).toBeUndefined();
    socket.close();
  });

  it('refuses a bind before hello, and the SDK rejects a refused bind', async () => {
    const socket = await SessionSocket.open(t);
    const reply = await socket.call({ type: 'bindTags', paths: ['Line/Count'] });
    expect(reply.error?.message).toMatch(/before "hello"/);
    socket.close();
    const session: FlintSession = await open();
    const binds = Array.from({ length: MAX_BOUND_TAGS + 1 }, (_, i) => session.bindTag(`Many/T${i}`, () => undefined));
    const results = await Promise.allSettled(binds);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0].reason).toBeInstanceOf(FlintClientError);
    expect((rejected[0].reason as FlintClientError).code).toBe('QUOTA_EXCEEDED');
    await session.logout();
  });

  it("keeps a view's tag-bound props at the tag's value while it is mounted, pushed to the client", async () => {
    const session = await open();
    const { pageId } = await session.openPage('/scanner');
    await write('Line/Count', [10]);
    const view = await session.mountView(pageId, 'Scanner');
    expect(view.components.Count.props).toEqual({ text: 10 });
    expect(view.components.Quality.props).toEqual({ text: 'Good', missing: null });
    const changes: unknown[] = [];
    session.onComponentProps((c) => changes.push([c.component, c.key, c.value]));
    await write('Line/Count', [11, 12]);
    await t.waitFor(() => view.components.Count.props.text === 12, 5000, 'the bound prop');
    expect(changes.filter((c) => (c as string[])[0] === 'Count')).toEqual([
      ['Count', 'text', 11],
      ['Count', 'text', 12],
    ]);
    // The gateway's copy is what scripts see as self.props.
    const mounted = t.gateway.sessions.get(session.sessionId)!.pages.get(pageId)!.views.get(view.instanceId)!;
    expect(mounted.components.get('Count')!.props.toObject()).toEqual({ text: 12 });
    await session.componentEvent(pageId, view.instanceId, 'Count', 'onActionPerformed');
    await t.waitFor(() => session.custom.reported === 12, 5000, 'what the script saw');
    await session.unmountView(pageId, view.instanceId);
    expect(mounted.unbind).toEqual([]);
    const second = await session.mountView(pageId, 'Scanner');
    await session.closePage(pageId);
    // A tag frame bound after the views went comes after any component frame of the same change.
    const marker = recorder();
    await session.bindTag('Line/Count', marker.listener);
    await write('Line/Count', [13]);
    await t.waitFor(() => marker.values().includes(13), 5000, 'the marker');
    expect(changes.filter((c) => (c as unknown[])[2] === 13)).toEqual([]);
    expect(second.components.Count.props.text).toBe(12);
    await session.logout();
  });
});
