// Push by topic (issue 14 item 1, seeds/003) point by point, through a real gateway, its WebSocket endpoint and the
// client SDK: the topic matches exactly and case-sensitively; only subscribers active at the moment of the push get it;
// restrictToOwnSession keeps it in the calling session and is refused from the gateway scope; permissions must all
// (or any) match the session user's roles; the payload arrives unchanged whatever JSON it is; topic subscriber scripts
// run per session; a payload past the limit is refused; another project's sessions never see it.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { connect, type FlintSession } from '../../client/index.ts';
import { MAX_TOPICS_PER_SOCKET } from '../../engine/sessions/topics.ts';
import { UserSource } from '../../engine/users/user-source.ts';
import { useGateway } from '../helpers/fixture.ts';
import { SessionSocket } from '../helpers/session-socket.ts';

const PUSH = `export default function (payload: any) {
  try {
    return system.perspective.pushMessage(payload.topic, payload.payload, payload.own, payload.permissions, payload.match);
  } catch (e: any) {
    return { code: e.code, message: e.message };
  }
}
`;
const files = {
  'gateway-events/message/push.ts': PUSH,
  // The seeds' keyword style: the options as one object after the payload.
  'gateway-events/message/pushKeywords.ts': `export default function (payload: any) {
  return system.perspective.pushMessage(payload.topic, payload.payload, { permissions: payload.permissions, permissionMatch: 'any' });
}
`,
  'session-events/message/push.ts': `export default function (session: any, payload: any) {
  try {
    return system.perspective.pushMessage(payload.topic, payload.payload, payload.own);
  } catch (e: any) {
    return { code: e.code, message: e.message };
  }
}
`,
  'session-events/push/orders.ts': `export default function (session: any, payload: any, topic: string) {
  session.custom.lastPush = { payload, topic };
}
`,
  'session-events/push/orders.json': JSON.stringify({ topic: 'Orders' }),
  'session-events/push/off.ts': `export default function (session: any) { session.custom.off = 'ran'; }\n`,
  'session-events/push/off.json': JSON.stringify({ topic: 'Orders', enabled: false }),
};

const t = useGateway({ p: { files, config: { limits: { maxPushPayloadBytes: 1000 } } }, q: { files: {} } });

let url: string;
beforeAll(async () => {
  url = `${(await t.http()).url.replace('http', 'ws')}/session`;
  const users = new UserSource({ dataDir: join(t.root, 'data'), hashParams: { N: 1024, r: 8, p: 1 } });
  await users.add('viewer', 'password-v', ['documents.view']);
  await users.add('editor', 'password-e', ['documents.view', 'documents.create']);
  await t.waitFor(() => t.gateway.users.get('editor') !== undefined, 10_000, 'the users');
});

async function open(project = 'p', login?: [string, string]) {
  const session = await connect({ url, project, reconnect: false, ...(login ? { userName: login[0], password: login[1] } : {}) });
  return session;
}

/** A session subscribed to `topic`, recording what it receives. */
async function subscriber(topic: string, project = 'p', login?: [string, string]) {
  const session = await open(project, login);
  const got: unknown[] = [];
  session.subscribe(topic, (payload) => got.push(payload));
  await session.subscribed();
  return { session, got };
}

const push = (body: Record<string, unknown>, project = 'p') => t.request(project, 'push', body);
/** Lets every frame of a push reach the clients: a request over the same socket is answered after them. */
const settle = (sessions: FlintSession[]) => Promise.all(sessions.map((s) => s.subscribed()));

describe('system.perspective.pushMessage (seeds/003)', () => {
  it('reaches the subscribers of exactly that topic, case-sensitive, with every kind of payload unchanged', async () => {
    const exact = await subscriber('Orders');
    const lower = await subscriber('orders');
    const payloads = [null, 'text', 42, 1.5, true, ['a', 'b'], { nested: { list: [1, null] } }, {}];
    for (const payload of payloads) await push({ topic: 'Orders', payload });
    await t.waitFor(() => exact.got.length === payloads.length, 5000, 'every push');
    expect(exact.got).toEqual(payloads);
    await settle([lower.session]);
    expect(lower.got).toEqual([]);
    exact.session.close();
    lower.session.close();
  });

  it('counts what it reached, and gives nothing to a subscriber that was not active at the moment of the push', async () => {
    const early = await subscriber('Shift');
    expect(await push({ topic: 'Shift', payload: 1 })).toBe(1);
    const late = await subscriber('Shift');
    const stop = early.session.subscribe('Shift', () => undefined);
    stop();
    expect(await push({ topic: 'Shift', payload: 2 })).toBe(2);
    await t.waitFor(() => early.got.length === 2, 5000, 'the second push'); // before its socket closes
    const leaving = early.session;
    const gone = t.waitFor(() => t.gateway.sessions.get(leaving.sessionId)?.clients.size === 0, 5000, 'the socket closed');
    leaving.close();
    await gone;
    expect(await push({ topic: 'Shift', payload: 3 })).toBe(1);
    await t.waitFor(() => late.got.length === 2, 5000, 'the late subscriber');
    expect(late.got).toEqual([2, 3]);
    expect(early.got).toEqual([1, 2]);
    late.session.close();
  });

  it('runs the topic subscriber scripts once per session reached, as (session, payload, topic); disabled ones not', async () => {
    const a = await open();
    const b = await open();
    const reached = (await push({ topic: 'Orders', payload: { id: 7 } })) as number;
    expect(reached).toBeGreaterThanOrEqual(2);
    for (const session of [a, b])
      await t.waitFor(() => JSON.stringify(session.custom.lastPush) === '{"payload":{"id":7},"topic":"Orders"}', 5000, 'the script');
    expect(a.custom.off).toBeUndefined();
    a.close();
    b.close();
  });

  it('restricts to the own session from a session script, and refuses that from the gateway scope', async () => {
    const mine = await subscriber('Alarm');
    const other = await subscriber('Alarm');
    expect(await mine.session.request('push', { topic: 'Alarm', payload: 'mine only', own: true })).toBe(1);
    expect(await mine.session.request('push', { topic: 'Alarm', payload: 'everyone', own: false })).toBe(2);
    await t.waitFor(() => mine.got.length === 2 && other.got.length === 1, 5000, 'the pushes');
    expect(mine.got).toEqual(['mine only', 'everyone']);
    expect(other.got).toEqual(['everyone']);
    expect(await push({ topic: 'Alarm', payload: 1, own: true })).toEqual({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/restrictToOwnSession needs the session of the calling script.*gateway scope/) as string,
    });
    mine.session.close();
    other.session.close();
  });

  it('delivers only to sessions whose user has all (or any) of the permissions', async () => {
    const anonymous = await subscriber('Docs');
    const viewer = await subscriber('Docs', 'p', ['viewer', 'password-v']);
    const editor = await subscriber('Docs', 'p', ['editor', 'password-e']);
    const both = ['documents.view', 'documents.create'];
    expect(await push({ topic: 'Docs', payload: 'all', permissions: both })).toBe(1);
    expect(await push({ topic: 'Docs', payload: 'any', permissions: both, match: 'any' })).toBe(2);
    expect(await t.request('p', 'pushKeywords', { topic: 'Docs', payload: 'keywords', permissions: ['documents.create'] })).toBe(1);
    expect(await push({ topic: 'Docs', payload: 'none' })).toBe(3);
    await t.waitFor(() => editor.got.length === 4, 5000, 'the pushes');
    await settle([anonymous.session, viewer.session]);
    expect(editor.got).toEqual(['all', 'any', 'keywords', 'none']);
    expect(viewer.got).toEqual(['any', 'none']);
    expect(anonymous.got).toEqual(['none']);
    for (const s of [anonymous, viewer, editor]) s.session.close();
  });

  it("never reaches another project's sessions", async () => {
    const elsewhere = await subscriber('Orders', 'q');
    const here = await subscriber('Orders');
    await push({ topic: 'Orders', payload: 'p only' });
    await t.waitFor(() => here.got.length === 1, 5000, 'the push');
    await settle([elsewhere.session]);
    expect(elsewhere.got).toEqual([]);
    elsewhere.session.close();
    here.session.close();
  });

  it('refuses a payload past the limit and bad arguments, sending nothing', async () => {
    const one = await subscriber('Big');
    expect(await push({ topic: 'Big', payload: 'x'.repeat(1000) })).toEqual({
      code: 'QUOTA_EXCEEDED',
      message: expect.stringMatching(/1002 bytes of JSON, more than this project's limit of 1000 \(limits.maxPushPayloadBytes\)/) as string,
    });
    expect(await push({ topic: '', payload: 1 })).toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(await push({ topic: 'Big', payload: 1, match: 'some' })).toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(await push({ topic: 'Big', payload: 1, permissions: [3] })).toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(await push({ topic: 'Big', payload: 'x'.repeat(900) })).toBe(1);
    await t.waitFor(() => one.got.length === 1, 5000, 'the push under the limit');
    one.session.close();
  });

  it('refuses bad subscribe frames with a clear error, and more than the topic limit', async () => {
    const { socket } = await SessionSocket.session(t, 'p');
    const refused = async (frame: object) => {
      const reply = await socket.call(frame);
      expect(reply.ok, JSON.stringify(frame)).toBe(false);
      return reply.error!;
    };
    expect((await refused({ type: 'subscribe', topic: '' })).code).toBe('BAD_REQUEST');
    expect((await refused({ type: 'subscribe', topic: 'x'.repeat(201) })).code).toBe('BAD_REQUEST');
    expect((await refused({ type: 'subscribe', topic: ['a'] })).code).toBe('BAD_REQUEST');
    expect((await refused({ type: 'subscribe' })).message).toMatch(/needs "topic"/);
    for (let i = 0; i < MAX_TOPICS_PER_SOCKET; i++) expect((await socket.call({ type: 'subscribe', topic: `T${i}` })).ok).toBe(true);
    expect((await refused({ type: 'subscribe', topic: 'one more' })).code).toBe('QUOTA_EXCEEDED');
    expect((await socket.call({ type: 'subscribe', topic: 'T0' })).ok).toBe(true);
    expect((await socket.call({ type: 'unsubscribe', topic: 'never' })).ok).toBe(true);
    await push({ topic: 'T5', payload: { at: 5 } });
    expect(await socket.next((f) => f.type === 'push')).toEqual({ v: 1, type: 'push', topic: 'T5', payload: { at: 5 } });
    socket.close();
  });
});
