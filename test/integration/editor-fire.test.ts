// The editor's test panel (issue 13 item 6): any Session Event of the catalogue fired into a simulated session of a
// project, through the session layer's own paths, with the handler's answer, the logs and frames it produced.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../api/server.ts';
import { MAX_SIMULATED_SESSIONS } from '../../engine/editor/simulated-sessions.ts';
import { EditorClient } from '../helpers/editor-client.ts';
import { useGateway } from '../helpers/fixture.ts';

const log = (text: string) => `system.util.getLogger('probe').info(${text});`;

const VIEW = {
  components: {
    Button: { props: { text: '' }, events: { onActionPerformed: 'clicked' } },
    Label: { props: { text: '' }, messageHandlers: [{ messageType: 'Hi', scopes: ['page'], script: 'hello' }] },
  },
};

const t = useGateway(
  {
    plant: {
      config: { limits: { timeoutMs: 1500, memoryMb: 32 } },
      files: {
        'session-events/startup.ts': `export default function (session: any) {\n  session.custom.count = 0;\n  ${log("'started for ' + session.props.userName")}\n}\n`,
        'session-events/shutdown.ts': `export default function (session: any) {\n  ${log("'shut down ' + session.props.id")}\n}\n`,
        'session-events/page-startup.ts': `export default function (page: any) {\n  ${log("'page at ' + page.props.path")}\n}\n`,
        'session-events/message/count.ts': `export default function (session: any, payload: any) {
  session.custom.count = (session.custom.count ?? 0) + (payload.by ?? 1);
  ${log("'count is ' + session.custom.count")}
  return { count: session.custom.count, user: session.props.userName, roles: session.props.roles, host: session.props.host };
}\n`,
        'session-events/message/boom.ts': `export default function () {\n  throw new Error('boom');\n}\n`,
        'session-events/message/spin.ts': `export default function () {\n  while (true) {}\n}\n`,
        'session-events/message/hog.ts': `export default function () {\n  const all: number[][] = [];\n  for (;;) all.push(new Array(1e6).fill(1));\n}\n`,
        'session-events/push/orders.ts': `export default function (session: any, payload: any, topic: string) {\n  session.custom.lastOrder = payload.orderId;\n  ${log("'pushed ' + topic + ' ' + payload.orderId")}\n}\n`,
        'session-events/push/orders.json': JSON.stringify({ topic: 'OrderCreated' }),
        'session-events/keystroke/enter.ts': `export default function (page: any, event: any) {\n  page.session.custom.lastKey = event.key;\n}\n`,
        'session-events/keystroke/enter.json': JSON.stringify({ mode: 'keyDown', key: 'Enter' }),
        'session-events/form-submission/order.ts': `export default function (session: any, data: any) {\n  return { success: true, message: 'got ' + data.quantity };\n}\n`,
        'session-events/barcode.ts': `export default function (session: any, data: any, context: any) {\n  session.custom.scanned = data.text;\n  ${log("'scanned ' + data.text + ' ' + JSON.stringify(context)")}\n}\n`,
        'session-events/bluetooth.ts': `export default function (session: any, data: any) {\n  ${log("'beacons ' + data.values.length")}\n}\n`,
        'session-events/accelerometer.ts': `export default function (session: any, data: any) {\n  ${log("'z ' + data.values.data[0].z")}\n}\n`,
        'session-events/nfc.ts': `export default function (session: any, data: any) {\n  ${log("'nfc ' + data[0].string")}\n}\n`,
        'session-events/auth-challenge.ts': `export default function (session: any, payload: any, result: any) {\n  ${log("'challenge ' + result.isSuccess() + ' ' + JSON.stringify(payload)")}\n}\n`,
        'views/Panel/view.json': JSON.stringify(VIEW),
        'views/Panel/clicked.ts': `export default function (self: any, event: any) {\n  self.props.text = 'clicked ' + event.n;\n}\n`,
        'views/Panel/hello.ts': `export default function (self: any, payload: any) {\n  self.props.text = 'hello ' + payload.who;\n}\n`,
      },
    },
    strict: {
      config: { allowAnonymous: false },
      files: { 'session-events/message/count.ts': 'export default function () { return 1; }\n' },
    },
  },
  { watch: false },
);

let http: RunningServer;
let editor: EditorClient;
let samples: Record<string, Record<string, unknown>>;

const fire = (body: Record<string, unknown>, client = editor) => client.post('/api/editor/fire', { project: 'plant', ...body });
const messages = (answer: { json: { logs: { message: string }[] } }) => answer.json.logs.map((r) => r.message);

beforeAll(async () => {
  http = await t.http();
  editor = new EditorClient(http);
  expect((await editor.login({ token: http.adminToken })).status).toBe(200);
  const events = await editor.get('/api/editor/events');
  expect(events.status).toBe(200);
  samples = Object.fromEntries(
    (events.json.events as { event: string; sample: Record<string, unknown> }[]).map((e) => [e.event, e.sample]),
  );
});

describe('the events the test panel fires', () => {
  it('lists every Session Event and the component message handler, each with a sample payload from the catalogue', async () => {
    const events = (await editor.get('/api/editor/events')).json.events as { event: string; needsName: boolean; needsView: boolean }[];
    expect(events.map((e) => e.event).sort()).toEqual(
      [
        'component/message',
        'session/accelerometer',
        'session/auth-challenge',
        'session/barcode',
        'session/bluetooth',
        'session/form-submission',
        'session/keystroke',
        'session/message',
        'session/nfc',
        'session/page-startup',
        'session/push',
        'session/shutdown',
        'session/startup',
      ].sort(),
    );
    expect(samples['session/barcode']).toEqual({
      data: { text: '012345678905', timestamp: expect.any(Number), barcodeType: 'UPC-A' },
      context: {},
    });
    expect(samples['session/startup']).toEqual({});
    expect(events.find((e) => e.event === 'component/message')).toMatchObject({ needsName: true, needsView: true });
    expect((await new EditorClient(http).get('/api/editor/events')).status).toBe(401);
  });
});

describe('firing each kind of Session Event', () => {
  it('runs a session message handler with the real session: its answer, its logs and the props frame of its write', async () => {
    await editor.post('/api/editor/fire/reset', { project: 'plant' });
    const answer = await fire({ event: 'session/message', name: 'count', payload: { payload: { by: 2 } } });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      ok: true,
      value: { count: 2, user: 'admin', roles: ['admin'], host: 'editor' },
      ms: expect.any(Number),
    });
    expect(messages(answer)).toContain('started for admin');
    expect(messages(answer)).toContain('count is 2');
    expect(answer.json.frames).toContainEqual({ v: 1, type: 'props', object: 'session', group: 'custom', key: 'count', value: 2 });
    expect(answer.json.ran.map((r: { event: string }) => r.event)).toEqual(['session/startup', 'session/message']);
    expect(answer.json.session).toMatchObject({ ended: false, custom: { count: 2 }, props: { host: 'editor', userName: 'admin' } });
  });

  it('fires the device events with their sample payloads through the same checks as a client', async () => {
    const barcode = await fire({ event: 'session/barcode', payload: samples['session/barcode'] });
    expect(barcode.json).toMatchObject({ ok: true, value: null });
    expect(messages(barcode)).toContain('scanned 012345678905 {}');
    expect(barcode.json.frames).toContainEqual(expect.objectContaining({ type: 'props', key: 'scanned', value: '012345678905' }));
    expect(messages(await fire({ event: 'session/bluetooth', payload: samples['session/bluetooth'] }))).toContain('beacons 1');
    expect(messages(await fire({ event: 'session/accelerometer', payload: samples['session/accelerometer'] }))).toContain('z 9.81');
    expect(messages(await fire({ event: 'session/nfc', payload: samples['session/nfc'] }))).toContain('nfc hello');
  });

  it('fires a push into the topic subscribers of the simulated session only', async () => {
    const answer = await fire({ event: 'session/push', payload: { payload: { orderId: 7 }, topic: 'OrderCreated' } });
    expect(answer.json).toMatchObject({ ok: true, ran: [{ event: 'session/push', name: 'orders', ok: true }] });
    expect(messages(answer)).toContain('pushed OrderCreated 7');
    expect(answer.json.session.custom.lastOrder).toBe(7);
    const nobody = await fire({ event: 'session/push', payload: { payload: {}, topic: 'Nobody' } });
    expect(nobody).toMatchObject({ status: 404, json: { message: expect.stringContaining('"Nobody"') } });
  });

  it('fires a keystroke on a page it opens (Page Startup runs first), a form submission and an authentication challenge', async () => {
    await editor.post('/api/editor/fire/reset', { project: 'plant' });
    const key = await fire({ event: 'session/keystroke', name: 'enter', payload: samples['session/keystroke'] });
    expect(key.json).toMatchObject({ ok: true, session: { custom: { lastKey: 'Enter' } } });
    expect(messages(key)).toContain('page at /');
    const form = await fire({ event: 'session/form-submission', name: 'order', payload: samples['session/form-submission'] });
    expect(form.json).toMatchObject({ ok: true, value: { success: true, message: 'got 5' } });
    const challenge = await fire({ event: 'session/auth-challenge', payload: samples['session/auth-challenge'] });
    expect(challenge.json.ok).toBe(true);
    expect(messages(challenge)).toContain('challenge true {"reason":"approve batch"}');
    expect(challenge.json.frames).toContainEqual(expect.objectContaining({ type: 'authChallenge', timeoutMinutes: 1 }));
    const cancelled = await fire({ event: 'session/auth-challenge', payload: { payload: null, result: { outcome: 'cancelled' } } });
    expect(messages(cancelled)).toContain('challenge false null');
  });

  it("fires a view's event script and its message handler in a mounted view, with the component's props frames", async () => {
    const clicked = await fire({ event: 'component/message', view: 'Panel', name: 'clicked', payload: { payload: { n: 3 } } });
    expect(clicked.json).toMatchObject({ ok: true, ran: [{ event: 'component/message', name: 'Panel/clicked', ok: true }] });
    expect(clicked.json.frames).toContainEqual(
      expect.objectContaining({ type: 'props', object: 'component', component: 'Button', key: 'text', value: 'clicked 3' }),
    );
    const hello = await fire({ event: 'component/message', view: 'Panel', name: 'hello', payload: { payload: { who: 'Ada' } } });
    expect(hello.json.ok).toBe(true);
    expect(hello.json.frames).toContainEqual(expect.objectContaining({ component: 'Label', key: 'text', value: 'hello Ada' }));
    const none = await fire({ event: 'component/message', view: 'Panel', name: 'nothing', payload: {} });
    expect(none.status).toBe(404);
  });

  it('fires Page Startup on a new page, Shutdown, and Startup as a new session', async () => {
    expect(messages(await fire({ event: 'session/page-startup', payload: {} }))).toContain('page at /');
    const before = (await fire({ event: 'session/message', name: 'count', payload: {} })).json.session.id as string;
    const shutdown = await fire({ event: 'session/shutdown', payload: {} });
    expect(shutdown.json).toMatchObject({ ok: true, session: { id: before, ended: true } });
    expect(messages(shutdown)).toContain(`shut down ${before}`);
    expect(shutdown.json.frames).toContainEqual(expect.objectContaining({ type: 'ended' }));
    const startup = await fire({ event: 'session/startup', payload: {} });
    expect(startup.json).toMatchObject({ ok: true, ran: [{ event: 'session/startup', ok: true }], session: { custom: { count: 0 } } });
    expect(startup.json.session.id).not.toBe(before);
  });

  it('answers a failing handler with its error at file:line:column', async () => {
    const answer = await fire({ event: 'session/message', name: 'boom', payload: {} });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      ok: false,
      error: {
        code: 'SCRIPT_ERROR',
        message: expect.stringContaining('boom'),
        location: { file: expect.stringContaining('session-events/message/boom.ts'), line: 2 },
      },
    });
  });
});

describe('the simulated session', () => {
  it('keeps its state between fires, resets on "new session", and shows in session lists as the editor\'s', async () => {
    await editor.post('/api/editor/fire/reset', { project: 'plant' });
    expect((await fire({ event: 'session/message', name: 'count', payload: {} })).json.value.count).toBe(1);
    const second = await fire({ event: 'session/message', name: 'count', payload: {} });
    expect(second.json.value.count).toBe(2);
    expect(second.json.ran.map((r: { event: string }) => r.event)).toEqual(['session/message']);
    const listed = t.gateway.sessions.info('plant').filter((s) => s.id === second.json.session.id);
    expect(listed).toEqual([expect.objectContaining({ clientAddress: 'editor', userAgent: 'Flint editor test panel' })]);
    expect(await editor.post('/api/editor/fire/reset', { project: 'plant' })).toMatchObject({ status: 200, json: { ended: true } });
    expect(t.gateway.sessions.get(second.json.session.id)).toBeUndefined();
    expect((await fire({ event: 'session/message', name: 'count', payload: {} })).json.value.count).toBe(1);
  });

  it('runs as a chosen user, whose name and roles the script sees', async () => {
    const answer = await fire({ event: 'session/message', name: 'count', payload: {}, user: { userName: 'olga', roles: ['operator'] } });
    expect(answer.json.value).toMatchObject({ count: 1, user: 'olga', roles: ['operator'] });
    const anonymous = await fire({ event: 'session/message', name: 'count', payload: {}, user: { userName: null, roles: [] } });
    expect(anonymous.json.value).toMatchObject({ count: 1, user: null, roles: [] });
    const refused = await fire({
      project: 'strict',
      event: 'session/message',
      name: 'count',
      payload: {},
      user: { userName: null, roles: [] },
    });
    expect(refused).toMatchObject({ status: 400, json: { message: expect.stringContaining('anonymous') } });
  });

  it('is one per editor login: another login has its own, and logout ends it with its Shutdown script', async () => {
    const other = new EditorClient(http);
    await other.login({ token: http.adminToken });
    const mine = (await fire({ event: 'session/message', name: 'count', payload: {} })).json.session.id as string;
    const theirs = await fire({ event: 'session/message', name: 'count', payload: {} }, other);
    expect(theirs.json.session.id).not.toBe(mine);
    expect(theirs.json.value.count).toBe(1);
    const count = t.gateway.editor.simulatedSessionCount();
    expect((await other.post('/api/editor/logout', {})).status).toBe(204);
    await t.waitFor(() => t.gateway.sessions.get(theirs.json.session.id) === undefined, 5000, 'the simulated session to end');
    expect(t.gateway.editor.simulatedSessionCount()).toBe(count - 1);
    await t.waitFor(() => t.logs((r) => r.message === `shut down ${theirs.json.session.id}`).length === 1, 5000, 'its Shutdown');
    expect(t.gateway.sessions.get(mine)).toBeDefined();
  });
});

describe('the time a fire takes', () => {
  it('is measured from the dispatch until what it set off has run, and printed here as a figure', async () => {
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await fire({ event: 'session/message', name: 'count', payload: {} });
      expect(answer.json.ms).toBeGreaterThan(0);
      ms.push(answer.json.ms as number);
    }
    const barcode: number[] = [];
    for (let i = 0; i < 10; i++)
      barcode.push((await fire({ event: 'session/barcode', payload: samples['session/barcode'] })).json.ms as number);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    process.stdout.write(
      `editor fire, session message handler: median ${median(ms).toFixed(2)} ms of 20; barcode: median ${median(barcode).toFixed(2)} ms of 10\n`,
    );
    expect(median(ms)).toBeLessThan(1500);
  });
});

describe('the number of simulated sessions', () => {
  it('is capped: past MAX_SIMULATED_SESSIONS the least recently used one ends', async () => {
    const fireAs = (owner: string) =>
      t.gateway.editor.fire(owner, { userName: 'admin', roles: ['admin'] }, 'plant', 'session/message', 'count', undefined, {});
    const first = await fireAs('owner-0');
    for (let i = 1; i < MAX_SIMULATED_SESSIONS; i++) await fireAs(`owner-${i}`);
    expect(t.gateway.editor.simulatedSessionCount()).toBe(MAX_SIMULATED_SESSIONS);
    expect(t.gateway.sessions.get(first.session.id)).toBeDefined();
    await fireAs('one-more');
    expect(t.gateway.editor.simulatedSessionCount()).toBe(MAX_SIMULATED_SESSIONS);
    expect(t.gateway.sessions.get(first.session.id)).toBeUndefined();
    await Promise.all(Array.from({ length: MAX_SIMULATED_SESSIONS }, (_, i) => t.gateway.editor.endSimulations(`owner-${i}`)));
    await t.gateway.editor.endSimulations('one-more');
  });
});

describe('hostile handlers', () => {
  it('answers an endless loop with a timeout and a memory bomb with the memory limit; the gateway keeps answering', async () => {
    const spin = await fire({ event: 'session/message', name: 'spin', payload: {} });
    expect(spin).toMatchObject({ status: 200, json: { ok: false, error: { code: 'TIMEOUT' } } });
    expect(spin.json.ms).toBeLessThan(10_000);
    const hog = await fire({ event: 'session/message', name: 'hog', payload: {} });
    expect(hog).toMatchObject({ status: 200, json: { ok: false, error: { code: 'MEMORY_LIMIT' } } });
    const after = await fire({ event: 'session/message', name: 'count', payload: {} });
    expect(after.json.ok).toBe(true);
  });
});

describe('bad input', () => {
  it('refuses each malformed fire with a 4xx naming what is wrong, and runs nothing', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ event: 'session/nothing', payload: {} }, 400, 'session/nothing'],
      [{ event: 'gateway/message', name: 'x', payload: {} }, 400, 'gateway/message'],
      [{ event: 'session/message', payload: {} }, 400, 'name'],
      [{ event: 'session/message', name: '../count', payload: {} }, 400, '../count'],
      [{ event: 'component/message', name: 'clicked', view: '../Panel', payload: {} }, 400, 'view'],
      [{ event: 'session/message', name: 'count', payload: [] }, 400, 'payload'],
      [{ event: 'session/message', name: 'count', payload: { extra: 1 } }, 400, '"extra"'],
      [{ event: 'session/message', name: 'count', payload: { payload: 'text' } }, 400, '"payload"'],
      [{ event: 'session/barcode', payload: { data: { text: 'x', timestamp: 'now' } } }, 400, 'data.timestamp'],
      [{ event: 'session/barcode', payload: { context: {} } }, 400, '"data"'],
      [{ event: 'session/nfc', payload: { data: [{ type: 'T' }] } }, 400, 'typeNameFormat'],
      [{ event: 'session/keystroke', name: 'enter', payload: { event: { key: 'Enter' } } }, 400, 'event.'],
      [{ event: 'session/keystroke', name: 'nothing', payload: samples['session/keystroke'] }, 404, 'nothing'],
      [{ event: 'session/auth-challenge', payload: { result: { outcome: 'maybe' } } }, 400, 'outcome'],
      [{ event: 'session/push', payload: { topic: '' } }, 400, 'topic'],
      [{ event: 'session/message', name: 'count', payload: {}, user: { userName: 'x' } }, 400, 'roles'],
      [{ event: 'session/message', name: 'count', payload: {}, user: 'admin' }, 400, 'user'],
      [{ event: 'session/message', name: 'count', payload: {}, extra: true }, 400, 'extra'],
      [{ project: 'nowhere', event: 'session/message', name: 'count', payload: {} }, 404, 'nowhere'],
    ];
    for (const [body, status, mentions] of cases) {
      const answer = await fire(body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.json.message, JSON.stringify(body)).toContain(mentions);
    }
    expect((await fire({ event: 'session/message', name: 'count', payload: {} })).json.ok).toBe(true);
  });

  it('refuses a fire without the CSRF token (403) or without a session (401)', async () => {
    const body = { project: 'plant', event: 'session/message', name: 'count', payload: {} };
    expect((await editor.post('/api/editor/fire', body, { 'x-flint-csrf': 'wrong' })).status).toBe(403);
    expect((await editor.post('/api/editor/fire', body, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await new EditorClient(http).post('/api/editor/fire', body)).status).toBe(401);
    expect((await new EditorClient(http).post('/api/editor/fire/reset', { project: 'plant' })).status).toBe(401);
  });
});
