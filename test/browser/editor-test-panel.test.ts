// The editor's test panel in Chromium (issue 13 items 6 and 7): a handler made from its template answers from the
// panel, a syntax error leaves the old version answering there, the fix answers next, and a Session Event fired into
// the simulated session shows its logs and the frames the session's client got.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SKIP_BROWSER_TESTS } from '../helpers/chromium.ts';
import { SCENARIO_TIMEOUT_MS, createFromTemplate, logInToEditor, newEditorPage, replaceText, until } from '../helpers/editor-page.ts';
import { useGateway } from '../helpers/fixture.ts';

const PROJECT = 'plant';
const HELLO = 'gateway-events/message/hello.ts';
const BARCODE = 'session-events/barcode.ts';

const t = useGateway({
  [PROJECT]: {
    files: {
      [BARCODE]: `export default function (session: any, data: any) {
  session.custom.scanned = data.text;
  system.util.getLogger('scanner').info('scanned ' + data.text);
}\n`,
      'session-events/startup.ts': 'export default function (session: any) {\n  session.custom.started = true;\n}\n',
      'session-events/message/count.ts': `export default function (session: any) {
  session.custom.count = (session.custom.count ?? 0) + 1;
  return session.custom.count;
}\n`,
    },
  },
});

let browser: Browser;
beforeAll(async () => {
  if (!SKIP_BROWSER_TESTS) browser = await launchChromium();
});
afterAll(() => browser?.close());

const newPage = () => newEditorPage(browser);

const panel = '#panels [data-panel="test"]';
const result = (page: Page) => page.textContent(`${panel} .test-result`);
const treeLink = (page: Page, path: string) => page.locator(`#tree a[data-project="${PROJECT}"][data-path="${path}"]`);

/** Runs the panel's current target and waits for its answer (the state leaves "running"). */
async function run(page: Page): Promise<string> {
  await page.click(`${panel} [name=run]`);
  await until(() => page.getAttribute(`${panel} .test-result`, 'data-state')).not.toBe('running');
  return (await result(page)) ?? '';
}

describe.skipIf(SKIP_BROWSER_TESTS)('the test panel in Chromium', () => {
  it(
    'runs a new handler, keeps the old version answering past a syntax error, runs the fix, and fires a Session Event',
    async () => {
      const { page, errors } = await newPage();
      const http = await t.http();
      await logInToEditor(page, http);

      // A gateway message handler from the template: the panel follows the file it opened, and the handler answers.
      await createFromTemplate(page, PROJECT, 'gateway/message', 'hello');
      await until(() => page.textContent('#file')).toBe(`projects/${PROJECT}/${HELLO}`);
      await page.click('#panel-tabs [data-tab=test]');
      await until(() => page.inputValue(`${panel} [name=target]`)).toBe('gateway:request');
      expect(await page.inputValue(`${panel} [name=name]`)).toBe('hello');
      expect(await page.inputValue(`${panel} [name=project]`)).toBe(PROJECT);
      expect(JSON.parse(await page.inputValue(`${panel} [name=payload]`))).toEqual({ message: 'Hello' });
      let answer = await run(page);
      expect(answer).toMatch(/OK in [\d.]+ ms/);
      expect(answer).toContain('gateway/message ran');

      // A syntax error: a marker and the failing file in the tree, while the old version still answers in the panel.
      await replaceText(page, 'export default function (payload: unknown) {\n  return { version: 2 \n}\n');
      await page.keyboard.press('Control+S');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('problems');
      await until(() => page.locator('#editor .squiggly-error').count()).toBeGreaterThan(0);
      await until(() => treeLink(page, HELLO).getAttribute('class')).toContain('failing');
      answer = await run(page);
      expect(answer).toMatch(/OK in/);
      expect(answer).toContain('gateway/message ran');
      expect(answer).not.toContain('version');

      // The fix answers from the panel at once (Ctrl+Enter in the payload runs too).
      await replaceText(page, 'export default function (payload: any) {\n  return { version: 2, got: payload.message };\n}\n');
      await page.keyboard.press('Control+S');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('saved');
      await page.click(`${panel} [name=payload]`);
      await page.keyboard.press('Control+Enter');
      await until(() => result(page)).toContain('"version": 2');
      expect(await result(page)).toContain('"got": "Hello"');

      // A handler that throws: the panel names the file, line and column.
      await replaceText(page, 'export default function () {\n  throw new Error("no hello today");\n}\n');
      await page.keyboard.press('Control+S');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('saved');
      answer = await run(page);
      expect(answer).toMatch(new RegExp(`Failed in [\\d.]+ ms: SCRIPT_ERROR .*${HELLO}:2:\\d+ .*no hello today`));

      // A Session Event: opening the barcode script selects it with the catalogue's sample; firing it runs it in the
      // simulated session, and the panel shows its log and the props frame of its write to session.custom.
      await treeLink(page, BARCODE).click();
      await until(() => page.inputValue(`${panel} [name=target]`)).toBe('session/barcode');
      expect(JSON.parse(await page.inputValue(`${panel} [name=payload]`))).toMatchObject({ data: { text: '012345678905' }, context: {} });
      answer = await run(page);
      expect(answer).toMatch(/OK in/);
      expect(answer).toContain('info scanner: scanned 012345678905');
      expect(answer).toContain('"type":"props","object":"session","group":"custom","key":"scanned","value":"012345678905"');
      expect(answer).toContain('session/startup: ok');
      // docs/editor-test-panel.png is refreshed on request only (FLINT_SCREENSHOTS=1), as docs/editor.png is.
      if (process.env.FLINT_SCREENSHOTS === '1')
        await page.screenshot({ path: new URL('../../docs/editor-test-panel.png', import.meta.url).pathname });

      // State persists in the simulated session across fires, until "New session".
      await page.selectOption(`${panel} [name=target]`, 'session/message');
      await page.fill(`${panel} [name=name]`, 'count');
      await page.fill(`${panel} [name=payload]`, '{"payload": {}}');
      expect(await run(page)).toContain('"scanned": "012345678905"');
      expect(await run(page)).toContain('"count": 2');
      await page.click(`${panel} [name=reset]`);
      await until(() => result(page)).toContain('The simulated session ended');
      expect(await run(page)).toContain('"count": 1');

      // A payload the gateway refuses from a client is refused here too, naming the field.
      await page.selectOption(`${panel} [name=target]`, 'session/barcode');
      await page.fill(`${panel} [name=payload]`, '{"data": {"text": "x", "timestamp": "now"}}');
      expect(await run(page)).toContain('data.timestamp');
      expect(errors).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
