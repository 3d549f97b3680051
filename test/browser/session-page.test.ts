import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSource } from '../../engine/users/user-source.ts';
import { launchChromium, SKIP_BROWSER_TESTS } from '../helpers/chromium.ts';
import { useGateway } from '../helpers/fixture.ts';

const whoami = `import { greetings } from '../../lib/greetings';
export default function (session: any, payload: any) {
  return { greeting: greetings.get(session.props.id), user: session.props.userName, payload };
}
`;

const t = useGateway({
  plant: {
    files: {
      // Handlers get copies of the session (writes to session.custom are not kept yet): Startup leaves what it sets
      // in a lib/ module of the project, where the session's message handler finds it.
      'lib/greetings.ts': 'export const greetings = new Map<string, string>();\n',
      'session-events/startup.ts': `import { greetings } from '../lib/greetings';
export default function (session: any) { greetings.set(session.props.id, 'welcome, ' + (session.props.userName ?? 'guest')); }
`,
      'session-events/message/whoami.ts': whoami,
      'gateway-events/message/alarm.ts': `export default function (payload: any) { return system.util.sendMessage('plant', 'alarm', payload, 'C'); }\n`,
    },
  },
  closed: {
    config: { allowAnonymous: false },
    files: { 'session-events/message/whoami.ts': whoami.replace('../../lib/greetings', '../../lib/none') },
  },
});

let browser: Browser;
beforeAll(async () => {
  if (!SKIP_BROWSER_TESTS) browser = await launchChromium();
});
afterAll(() => browser?.close());

/** A fresh browser context on the session page of `path`; page errors are collected for the test to check. */
async function openPage(path: string): Promise<{ page: Page; origin: string; errors: string[]; requested: string[] }> {
  const http = await t.http();
  const page = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  const requested: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(`${http.url}${path}`);
  return { page, origin: http.url, errors, requested };
}

/** Polls what the page shows (a browser under load takes its time: up to 10 s, not expect.poll's 1 s). */
const until = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000 });

const dd = (page: Page, list: string, key: string) => page.locator(`#${list} dd[data-key="${key}"]`);

describe.skipIf(SKIP_BROWSER_TESTS)('the session page in Chromium', () => {
  it('shows the session props and page, answers a request with what Startup set, lists a client message, and shows the end', async () => {
    const { page, origin, errors, requested } = await openPage('/session/plant/line/4');
    await until(() => page.locator('#status').getAttribute('data-state')).toBe('ok');
    const id = await dd(page, 'props', 'id').textContent();
    expect(t.gateway.sessions.get(id!)).toBeDefined();
    expect(await dd(page, 'props', 'userName').textContent()).toBe('null');
    expect(await dd(page, 'props', 'host').textContent()).toBe('127.0.0.1');
    expect(await dd(page, 'props', 'userAgent').textContent()).toContain('Chrome/');
    await until(() => dd(page, 'page', 'path').textContent()).toBe('/line/4');

    await page.fill('#request [name=handler]', 'whoami');
    await page.fill('#request [name=payload]', '{"line": 4}');
    await page.click('#request button');
    await until(async () => JSON.parse((await page.textContent('#reply')) ?? 'null')).toEqual({
      greeting: 'welcome, guest',
      user: null,
      payload: { line: 4 },
    });
    await page.fill('#request [name=handler]', 'missing');
    await page.click('#request button');
    await until(() => page.textContent('#reply')).toMatch(/^Error NOT_FOUND: .*no session message handler "missing"/);

    await page.fill('#listen [name=handler]', 'alarm');
    await page.click('#listen button');
    await t.waitFor(() => t.gateway.sessions.get(id!)?.clientsListening('alarm').length === 1, 5000, 'the client handler');
    expect(await t.request('plant', 'alarm', { level: 'high' })).toEqual([
      `type=Client,project=plant,messageHandler=alarm,sessionId=${id}`,
    ]);
    await until(() => page.textContent('#messages li[data-handler="alarm"]')).toContain('alarm: {"level":"high"}');

    await page.click('#logout');
    await until(() => page.textContent('#status')).toContain('The session ended: logout');
    expect(t.gateway.sessions.get(id!)).toBeUndefined();
    expect(errors).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
  });

  it('offers a login where the project refuses anonymous sessions, and shows the user it logged in', async () => {
    const users = new UserSource({ dataDir: join(t.root, 'data'), hashParams: { N: 1024, r: 8, p: 1 } });
    await users.add('dora', 'password-d', ['operator']);
    const { page, errors } = await openPage('/session/closed');
    await until(() => page.textContent('#status')).toBe('This project needs a login.');
    expect(await page.isVisible('#login-section')).toBe(true);
    await page.fill('#login [name=userName]', 'dora');
    await page.fill('#login [name=password]', 'wrong-password');
    await page.click('#login button');
    await until(() => page.textContent('#status')).toMatch(/^UNAUTHORIZED: /);
    await page.fill('#login [name=password]', 'password-d');
    await page.click('#login button');
    await until(() => page.locator('#status').getAttribute('data-state')).toBe('ok');
    expect(await dd(page, 'props', 'userName').textContent()).toBe('dora');
    expect(await dd(page, 'props', 'roles').textContent()).toBe('["operator"]');
    expect(await page.isVisible('#login-section')).toBe(false);
    expect(errors).toEqual([]);
  });

  it("shows session custom props live, as the gateway's props frames bring them", async () => {
    // No script can write session.custom yet (handlers get copies), so the frames are put into the page's socket
    // here, beside the gateway's own frames, in the shape protocol.ts declares.
    const http = await t.http();
    const context = await browser.newContext();
    const sockets: { send(text: string): void }[] = [];
    await context.routeWebSocket(/\/session$/, (socket) => {
      socket.connectToServer();
      sockets.push(socket);
    });
    const page = await context.newPage();
    await page.goto(`${http.url}/session/plant`);
    await until(() => page.locator('#status').getAttribute('data-state')).toBe('ok');
    const frame = (key: string, value: unknown) => JSON.stringify({ v: 1, type: 'props', object: 'session', group: 'custom', key, value });
    sockets[0].send(frame('line', 'running'));
    await until(() => dd(page, 'custom', 'line').textContent()).toBe('running');
    sockets[0].send(frame('line', 'stopped'));
    sockets[0].send(frame('count', 3));
    await until(() => dd(page, 'custom', 'line').textContent()).toBe('stopped');
    expect(await dd(page, 'custom', 'count').textContent()).toBe('3');
  });
});
