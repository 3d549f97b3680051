import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSource } from '../../engine/users/user-source.ts';
import { launchChromium, SKIP_BROWSER_TESTS } from '../helpers/chromium.ts';
import { sampleFiles, useGateway } from '../helpers/fixture.ts';

const whoami = `export default function (session: any, payload: any) {
  return { greeting: session.custom.greeting, user: session.props.userName, payload };
}
`;

const t = useGateway(
  {
    samplequickstart: { files: sampleFiles() },
    plant: {
      files: {
        // Startup writes the live session; the page shows it, and the session's message handler reads it back.
        'session-events/startup.ts': `export default function (session: any) { session.custom.greeting = 'welcome, ' + (session.props.userName ?? 'guest'); }\n`,
        'session-events/message/whoami.ts': whoami,
        'gateway-events/message/alarm.ts': `export default function (payload: any) { return system.util.sendMessage('plant', 'alarm', payload, 'C'); }\n`,
        'gateway-events/message/notify.ts': `export default function (payload: any) { return system.bus.notify(payload.title, payload.body, 3, undefined, payload.client); }\n`,
        'gateway-events/message/announce.ts': `export default function (payload: any) { return system.perspective.pushMessage('Shift Change', payload); }\n`,
      },
    },
    closed: {
      config: { allowAnonymous: false },
      files: { 'session-events/message/whoami.ts': whoami },
    },
  },
  { tagsDir: new URL('../../tags', import.meta.url).pathname },
); // the sample tags, as `npm start` has them

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

    await page.fill('#subscribe [name=topic]', 'Shift Change');
    await page.click('#subscribe button');
    await t.waitFor(async () => (await t.request('plant', 'announce', { shift: 2 })) === 1, 5000, 'the topic subscribed');
    await until(() => page.textContent('#messages li[data-topic="Shift Change"]')).toContain('push Shift Change: {"shift":2}');

    await t.request('plant', 'notify', { title: 'Line 4 stopped', body: 'Jam at the labeller', client: id });
    const notification = page.locator('#notifications li[data-type="notification"]');
    await until(() => notification.textContent()).toBe('Line 4 stopped (priority 3) Jam at the labeller');
    expect(await notification.getAttribute('data-channel')).toBe(`client:${id}`);

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

  it('runs the sample: session custom props live, the NewItem view of seeds/000 and the Message example of seeds/002', async () => {
    const { page, errors } = await openPage('/session/samplequickstart/inventory?view=Inventory');
    await until(() => page.locator('#status').getAttribute('data-state')).toBe('ok');
    const id = await dd(page, 'props', 'id').textContent();
    // Startup and Page Startup wrote session.custom; the page shows it as the props frames come.
    await until(() => dd(page, 'custom', 'lastPage').textContent()).toBe('/inventory');
    expect(await dd(page, 'custom', 'startedAt').textContent()).toMatch(/^\d{4}-\d\d-\d\dT/);

    const component = (name: string) => page.locator(`#views [data-component="${name}"]`);
    await until(() => component('AddButton').locator('dd[data-key="text"]').textContent()).toBe('Add banana');
    await component('AddButton').locator('button[data-event="onActionPerformed"]').click();
    await until(() => component('AddButton').locator('dd[data-key="text"]').textContent()).toBe('Added banana');
    await until(async () => JSON.parse((await component('ItemList').locator('dd[data-key="items"]').textContent()) ?? '[]')).toEqual([
      { name: 'banana', quantity: 6 },
    ]);

    await component('HelloButton').locator('button[data-event="onActionPerformed"]').click();
    await t.waitFor(
      () => t.logs((r) => r.message === `Session ${id} received message: Hello World`).length === 1,
      10_000,
      'the Message example',
    );

    // A second instance of the view starts fresh: "view" scope reaches only the instance whose button was clicked.
    await page.fill('#mount [name=viewPath]', 'Inventory');
    await page.click('#mount button');
    await until(() => page.locator('#views article').count()).toBe(2);
    expect(await page.locator('#views article').nth(1).locator('[data-component="ItemList"] dd[data-key="items"]').textContent()).toBe(
      '[]',
    );
    await page.fill('#mount [name=viewPath]', 'Nowhere');
    await page.click('#mount button');
    await until(() => page.textContent('#view-error')).toMatch(/^NOT_FOUND: .*no view "Nowhere"/);
    expect(errors).toEqual([]);
  });

  it('shows bound tags and a tag-bound label live: the value a write gives, a bad path, an unbind', async () => {
    const tag = encodeURIComponent('[default]New Tag 5');
    const { page, errors } = await openPage(`/session/samplequickstart/?tag=${tag}&view=Scanner`);
    const row = (path: string) => page.locator(`#tags tr[data-path="${path}"]`);
    const cell = (path: string, field: string) => row(path).locator(`td[data-field="${field}"]`);
    await until(() => cell('[default]New Tag 5', 'quality').textContent()).toBe('Good');
    await t.gateway.tagSystem.write(['[default]New Tag 5'], ['4006381333931'], 'default');
    await until(() => cell('[default]New Tag 5', 'value').textContent()).toBe('4006381333931');
    // The sample's Scanner view: a label whose text prop is bound to the same tag (view.json "bindings").
    const label = page.locator('#views [data-component="ScannedLabel"] dd[data-key="text"]');
    await until(() => label.textContent()).toBe('4006381333931');
    await t.gateway.tagSystem.write(['[default]New Tag 5'], ['next scan'], 'default');
    await until(() => label.textContent()).toBe('next scan');
    // The seed's Barcode example by hand: the sample's barcode script writes the tag, the label follows.
    await page.fill('#barcode [name=text]', '9780201379624');
    await page.click('#barcode button');
    await until(() => page.textContent('#device-result')).toBe('Barcode 9780201379624 sent; the barcode script ran.');
    await until(() => label.textContent()).toBe('9780201379624');
    await page.selectOption('#device [name=kind]', 'nfc');
    await page.click('#device button');
    await until(() => page.textContent('#device-result')).toBe('Sent; the nfc script ran.');
    await page.selectOption('#device [name=kind]', 'bluetooth');
    await page.click('#device button');
    await until(() => page.textContent('#device-result')).toBe(
      'NOT_FOUND: project "samplequickstart" has no session-events/bluetooth script',
    );
    await page.selectOption('#device [name=kind]', 'nfc');
    await page.fill('#device [name=data]', '[{"type": 3}]');
    await page.click('#device button');
    await until(() => page.textContent('#device-result')).toMatch(/^BAD_REQUEST: "data\[0\].type" must be a string/);

    await page.fill('#bind [name=path]', 'Line 1/Count');
    await page.click('#bind button');
    await until(() => cell('Line 1/Count', 'value').textContent()).toBe('0');
    await t.gateway.tagSystem.write(['[default]Line 1/Count'], [41], 'default');
    await until(() => cell('Line 1/Count', 'value').textContent()).toBe('41');
    await page.fill('#bind [name=path]', 'Line 1//Count');
    await page.click('#bind button');
    await until(() => cell('Line 1//Count', 'quality').textContent()).toBe('Error_InvalidPathSyntax');

    const followed = t.gateway.sessions.tagBindings.followedCount;
    await row('Line 1/Count').locator('button').click();
    await until(() => row('Line 1/Count').count()).toBe(0);
    await t.waitFor(() => t.gateway.sessions.tagBindings.followedCount === followed - 1, 5000, 'unbound on the gateway');
    expect(errors).toEqual([]);
  });

  it("runs the seed's keystroke regex example on real KeyboardEvents, as a HID scanner types", async () => {
    const { page, errors } = await openPage('/session/samplequickstart/');
    await until(() => page.locator('#status').getAttribute('data-state')).toBe('ok');
    await until(() => dd(page, 'page', 'pageId').count()).toBe(1);
    await page.keyboard.type('98765');
    await page.keyboard.type('400638133393');
    await page.waitForTimeout(200);
    expect(await dd(page, 'custom', 'scannerInput').count()).toBe(0);
    await page.keyboard.type('@');
    await until(() => dd(page, 'custom', 'scannerInput').textContent()).toBe('Match found');
    expect(errors).toEqual([]);
  });

  it("submits the seed's email form, and a form submitted while offline once the gateway is back, processed once", async () => {
    const { page, errors } = await openPage('/session/samplequickstart/');
    await until(() => page.locator('#status').getAttribute('data-state')).toBe('ok');
    await page.click('#submission button');
    await until(() => page.textContent('#form-response strong')).toBe('Missing Required Field');
    expect(await page.textContent('#form-response li[data-field="email"]')).toBe('email: Required Please enter your email.');

    // Offline: the browser cannot reach the gateway, and the socket it had is gone.
    const id = await dd(page, 'props', 'id').textContent();
    await page.context().setOffline(true);
    for (const client of t.gateway.sessions.get(id!)!.clients.keys()) client.close(1001, 'network gone');
    await page.fill('#submission [name=data]', '{"email": "offline@example.com"}');
    await page.click('#submission button');
    await until(() => page.textContent('#forms-pending')).toBe('1');
    const received = () => t.logs((r) => r.logger === 'Form' && r.message.includes('offline@example.com')).length;
    await page.waitForTimeout(500);
    expect(received()).toBe(0);
    await page.context().setOffline(false);
    await until(() => page.textContent('#form-response strong')).toBe('Form Submitted');
    await until(() => page.textContent('#forms-pending')).toBe('0');
    expect(received()).toBe(1);
    expect(errors).toEqual([]);
  });

  it("shows an authentication challenge's prompt and runs the seed's supervisor example", async () => {
    const users = new UserSource({ dataDir: join(t.root, 'data'), hashParams: { N: 1024, r: 8, p: 1 } });
    await users.add('sue', 'password-sue', ['supervisor']);
    await t.waitFor(() => t.gateway.users.get('sue') !== undefined, 10_000, 'the user');
    const { page, errors } = await openPage('/session/samplequickstart/');
    await until(() => page.locator('#status').getAttribute('data-state')).toBe('ok');
    await page.fill('#request [name=handler]', 'approve');
    await page.fill('#request [name=payload]', '{"action": "release batch 9"}');
    await page.click('#request button');
    await until(() => page.isVisible('#challenge-section')).toBe(true);
    await page.fill('#challenge [name=userName]', 'sue');
    await page.fill('#challenge [name=password]', 'wrong-password');
    await page.click('#challenge button:not([type])');
    await until(() => page.textContent('#challenge-error')).toMatch(/^UNAUTHORIZED/);
    await page.fill('#challenge [name=password]', 'password-sue');
    await page.click('#challenge button:not([type])');
    await until(() => page.isVisible('#challenge-section')).toBe(false);
    await until(() => dd(page, 'custom', 'approved').textContent()).toBe('{"action":{"action":"release batch 9"},"by":"sue"}');
    expect(errors).toEqual([]);
  });
});
