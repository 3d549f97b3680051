// The long-polling bus on Tryton's wire contract (issue 14 items 2-6, seeds/004) through a real gateway and HTTP
// server: the queue's test vectors end to end, a poll released by a publish, 1000 polls released by one publish, the
// user: and client: channel rules, every credential scheme and 401, 501 for a disabled bus, every malformed body as a
// 400 with a message, notifications from system.bus.notify, and the SDK's bus client loop.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BusClient, connect, type BusMessage } from '../../client/index.ts';
import { UserSource } from '../../engine/users/user-source.ts';
import { useGateway } from '../helpers/fixture.ts';

const files = {
  'gateway-events/message/publish.ts': `export default function (payload: any) {
  return payload.messages.map((m: any) => system.bus.publish(payload.channel ?? m.channel, m));
}
`,
  'gateway-events/message/notify.ts': `export default function (payload: any) {
  try {
    return system.bus.notify(payload.title, payload.body, payload.priority, payload.user, payload.client);
  } catch (e: any) {
    return { code: e.code, message: e.message };
  }
}
`,
  'gateway-events/message/listen.ts': `export default async function (payload: any) {
  return await system.bus.subscribe(payload.channels, payload.last, payload.timeoutMs);
}
`,
  'session-events/message/notifyMe.ts': `export default function (session: any, payload: any) {
  return system.bus.notify(payload.title, 'from your session', 2);
}
`,
};

const t = useGateway({
  p: { files, config: { bus: { maxCount: 5 } } },
  quick: { files, config: { bus: { pollTimeoutMs: 1000 } } },
  off: { files, config: { bus: { enabled: false } } },
});

let url: string;
let aliceToken: string;
let bobToken: string;
beforeAll(async () => {
  url = (await t.http()).url;
  const users = new UserSource({ dataDir: join(t.root, 'data'), hashParams: { N: 1024, r: 8, p: 1 } });
  await users.add('alice', 'password-a', ['operator']);
  await users.add('bob', 'password-b', ['operator']);
  await t.waitFor(() => t.gateway.users.get('bob') !== undefined, 10_000, 'the users');
  aliceToken = (await t.gateway.logins.login('alice', 'password-a', '127.0.0.1')).token;
  bobToken = (await t.gateway.logins.login('bob', 'password-b', '127.0.0.1')).token;
});

const bearer = (token: string) => `Bearer ${token}`;
const tryton = (login: string, userId: string, key: string) => `Session ${Buffer.from(`${login}:${userId}:${key}`).toString('base64')}`;

async function post(project: string, body: unknown, authorization?: string, raw?: string) {
  const response = await fetch(`${url}/${encodeURIComponent(project)}/bus`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: raw ?? JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { message: BusMessage | null; channel: string | null; code?: string },
  };
}

const publish = (project: string, channel: string, messages: object[]) =>
  t.request(project, 'publish', { channel, messages }) as Promise<string[]>;

describe('the bus (seeds/004)', () => {
  it('answers the next retained message after last_message; an expired or unknown id, or none, gets the first retained', async () => {
    const ids = await publish(
      'p',
      'odd',
      Array.from({ length: 15 }, (_, n) => ({ type: 'test', n })),
    );
    // maxCount 5: ids 0..9 are no longer retained.
    const from = async (last: unknown, channels = ['odd']) => (await post('p', { last_message: last, channels }, bearer(aliceToken))).body;
    expect((await from(ids[11])).message).toMatchObject({ type: 'test', n: 12, message_id: ids[12] });
    expect((await from(ids[11])).channel).toBe('odd');
    expect((await from(ids[3])).message?.n).toBe(10);
    expect((await from(null)).message?.n).toBe(10);
    expect((await from(undefined)).message?.n).toBe(10);
    expect((await from('no such id')).message?.n).toBe(10);
    expect((await from(12345)).message?.n).toBe(10);
  });

  it('keeps channels apart and holds a poll until a publish on one of its channels releases it', async () => {
    const [last] = await publish('p', 'even', [{ type: 'test', n: 0 }]);
    const started = Date.now();
    const poll = post('p', { last_message: last, channels: ['even', 'other'] }, bearer(aliceToken));
    await t.waitFor(() => t.gateway.bus.waiting('p') === 1, 5000, 'the poll waiting');
    await publish('p', 'unrelated', [{ type: 'test', n: 1 }]);
    await publish('p', 'other', [{ type: 'test', n: 2 }]);
    const { status, body } = await poll;
    expect(status).toBe(200);
    expect(body).toMatchObject({ channel: 'other', message: { type: 'test', n: 2 } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers {"message": null, "channel": null} with 200 when the poll times out', async () => {
    const started = Date.now();
    const { status, body } = await post('quick', { last_message: null, channels: ['nothing'] }, bearer(aliceToken));
    expect(status).toBe(200);
    expect(body).toEqual({ message: null, channel: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('releases 1000 concurrent polls with one publish', async () => {
    const [last] = await publish('p', 'fan', [{ type: 'test', n: -1 }]);
    const polls = Array.from({ length: 1000 }, () => post('p', { last_message: last, channels: ['fan'] }, bearer(bobToken)));
    await t.waitFor(() => t.gateway.bus.waiting('p') === 1000, 20_000, '1000 polls waiting');
    const [id] = await publish('p', 'fan', [{ type: 'test', n: 1000 }]);
    const answers = await Promise.all(polls);
    expect(answers.every((a) => a.status === 200 && a.body.message?.message_id === id)).toBe(true);
  });

  it("drops a client-supplied user: channel and adds the poller's own; notifications reach only their user", async () => {
    const [last] = await publish('p', 'x', [{ type: 'test' }]);
    const alicePoll = post('p', { last_message: last, channels: ['user:bob'] }, bearer(aliceToken));
    const bobPoll = post('p', { last_message: last, channels: [] }, tryton('bob', 'bob', bobToken));
    await t.waitFor(() => t.gateway.bus.waiting('p') === 2, 5000, 'both polls');
    const id = (await t.request('p', 'notify', { title: 'For Bob', body: 'line 1\nline 2', priority: 3, user: 'bob' })) as string;
    const bob = await bobPoll;
    expect(bob.body).toEqual({
      channel: 'user:bob',
      message: { type: 'notification', kind: 'notification', title: 'For Bob', body: 'line 1\nline 2', priority: 3, message_id: id },
    });
    await t.request('p', 'notify', { title: 'For Alice', user: 'alice' });
    expect((await alicePoll).body).toMatchObject({ channel: 'user:alice', message: { title: 'For Alice', priority: 1, body: '' } });
  });

  it('validates notify: priority 0 to 3, and a gateway script needs a user or a client', async () => {
    expect(await t.request('p', 'notify', { title: 'x', priority: 4, user: 'bob' })).toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(await t.request('p', 'notify', { title: 'x', priority: 1.5, user: 'bob' })).toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(await t.request('p', 'notify', { title: 'x' })).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/give a user or a client/) as string,
    });
  });

  it("gives a session its own client: channel, refuses another user's, and delivers a session's notify to its bus client", async () => {
    const session = await connect({ url: `${url.replace('http', 'ws')}/session`, project: 'p', token: aliceToken, reconnect: false });
    const got: [BusMessage, string][] = [];
    const client = session.openBus({ onMessage: (message, channel) => got.push([message, channel]) });
    await t.request('p', 'publish', { channel: 'warmup', messages: [] });
    await session.request('notifyMe', { title: 'Hello' });
    await t.waitFor(() => got.some(([m]) => m.title === 'Hello'), 10_000, 'the notification');
    const [message, channel] = got.find(([m]) => m.title === 'Hello')!;
    expect(channel).toBe(`client:${session.sessionId}`);
    expect(message).toMatchObject({ type: 'notification', kind: 'notification', body: 'from your session', priority: 2 });
    // Bob may not listen to Alice's session; a client id that is no session's is anyone's own.
    const [last] = await publish('p', 'y', [{ type: 'test' }]);
    const bobOnP = post('p', { last_message: last, channels: [`client:${session.sessionId}`, 'client:tryton-client-1'] }, bearer(bobToken));
    await t.waitFor(() => t.gateway.bus.waiting('p') >= 2, 5000, "bob's poll");
    await publish('p', `client:${session.sessionId}`, [{ type: 'for alice' }]);
    await publish('p', 'client:tryton-client-1', [{ type: 'for the tryton client' }]);
    expect((await bobOnP).body).toMatchObject({ channel: 'client:tryton-client-1', message: { type: 'for the tryton client' } });
    client.stop();
    await session.logout();
  });

  it('lets a script wait on the bus with system.bus.subscribe', async () => {
    const [first] = await publish('p', 'script', [{ type: 'one' }]);
    const later = t.request('p', 'listen', { channels: ['script'], last: first, timeoutMs: 3000 });
    await t.waitFor(() => t.gateway.bus.waiting('p') >= 1, 5000, 'the script waiting');
    await publish('p', 'script', [{ type: 'two' }]);
    expect(await later).toMatchObject({ channel: 'script', message: { type: 'two' } });
    expect(await t.request('p', 'listen', { channels: ['empty'], timeoutMs: 50 })).toEqual({ message: null, channel: null });
  });

  it('refuses missing or wrong credentials with 401, a disabled bus with 501, an unknown project with 404', async () => {
    const body = { last_message: null, channels: ['a'] };
    for (const authorization of [
      undefined,
      'Bearer nope',
      'Basic YWxpY2U6cGFzc3dvcmQtYQ==',
      tryton('alice', 'alice', 'wrong'),
      tryton('bob', 'bob', aliceToken),
      tryton('alice', '1', aliceToken),
      'FlintSession nope:nope',
      'Bearer',
    ]) {
      const { status, body: answer } = await post('p', body, authorization);
      expect(status, authorization).toBe(401);
      expect(answer.code).toBe('UNAUTHORIZED');
    }
    expect((await post('off', body, bearer(aliceToken))).status).toBe(501);
    expect((await post('off', body)).status).toBe(501);
    expect((await post('nowhere', body, bearer(aliceToken))).status).toBe(404);
    expect((await post('..', body, bearer(aliceToken))).status).toBe(404);
  });

  it('refuses a malformed body with 400 and a message', async () => {
    const auth = bearer(aliceToken);
    const cases: [string | undefined, unknown, RegExp][] = [
      ['{not json', undefined, /not valid JSON/],
      ['[1]', undefined, /must be a JSON object/],
      [undefined, { last_message: null }, /"channels" must be a list/],
      [undefined, { channels: 'a' }, /"channels" must be a list/],
      [undefined, { channels: Array.from({ length: 101 }, (_, i) => `c${i}`) }, /at most 100 channels/],
      [undefined, { channels: [''] }, /"channels\[0\]": a channel is a string of 1 to 200/],
      [undefined, { channels: ['a\u0000b'] }, /no control characters/],
      [undefined, { channels: [42] }, /a channel is a string/],
      [undefined, { channels: ['a'], last_message: { id: 1 } }, /"last_message" must be/],
      [undefined, { channels: ['a'], extra: 1 }, /no field "extra"/],
    ];
    for (const [raw, value, message] of cases) {
      const { status, body } = await post('p', value, auth, raw);
      expect(status, raw ?? JSON.stringify(value)).toBe(400);
      expect((body as unknown as { message: string }).message).toMatch(message);
    }
    const big = await post('p', { channels: ['a'], pad: 'x'.repeat(70_000) }, auth);
    expect(big.status).toBe(413);
  });
});

describe('the SDK bus client', () => {
  it('stops at 501 and backs off, doubling up to its cap, on other errors', async () => {
    const stopped: string[] = [];
    const disabled = new BusClient({
      url,
      project: 'off',
      authorization: bearer(aliceToken),
      onMessage: () => undefined,
      onStop: (r) => stopped.push(r),
    });
    disabled.start();
    await t.waitFor(() => stopped.length === 1, 5000, 'the stop');
    expect(stopped[0]).toMatch(/disabled/);
    expect(disabled.isRunning).toBe(false);

    const failures: number[] = [];
    const refused = new BusClient({
      url,
      project: 'p',
      authorization: 'Bearer wrong',
      onMessage: () => undefined,
      onError: () => failures.push(Date.now()),
      retryDelayMs: 40,
      maxRetryDelayMs: 160,
    }).start();
    await t.waitFor(() => failures.length >= 6, 10_000, 'six failures');
    refused.stop();
    const gaps = failures.slice(1).map((at, i) => at - failures[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(gaps[2]).toBeGreaterThanOrEqual(150);
    expect(Math.max(...gaps)).toBeLessThan(1000); // capped at 160 ms (plus a request)
  });

  it('polls again at once after each message, so it gets every message once and in order', async () => {
    const got: unknown[] = [];
    // On "quick", which retains 10,000 messages: the client cannot fall behind what is retained.
    const client = new BusClient({
      url,
      project: 'quick',
      authorization: bearer(aliceToken),
      channels: ['stream'],
      onMessage: (m) => got.push(m.n),
    });
    const ids = await publish('quick', 'stream', [{ type: 'test', n: 'start' }]);
    client.lastMessage = ids[0];
    client.start();
    for (let n = 0; n < 20; n++) await publish('quick', 'stream', [{ type: 'test', n }]);
    await t.waitFor(() => got.length === 20, 10_000, 'every message');
    expect(got).toEqual(Array.from({ length: 20 }, (_, n) => n));
    client.stop();
  });
});
