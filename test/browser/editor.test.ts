import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SKIP_BROWSER_TESTS } from '../helpers/chromium.ts';
import { SCENARIO_TIMEOUT_MS, createFromTemplate, newEditorPage, replaceText, until, viewText } from '../helpers/editor-page.ts';
import { sampleFiles, useGateway } from '../helpers/fixture.ts';

const t = useGateway({ samplequickstart: { files: sampleFiles() } });
const PROJECT = 'samplequickstart';
const HELLO = 'gateway-events/message/hello.ts';

let browser: Browser;
beforeAll(async () => {
  if (!SKIP_BROWSER_TESTS) browser = await launchChromium();
});
afterAll(() => browser?.close());

const newPage = () => newEditorPage(browser);

async function logIn(page: Page): Promise<void> {
  const http = await t.http();
  await page.goto(`${http.url}/editor/`);
  await until(() => page.isVisible('#login-section')).toBe(true);
  await page.fill('#login [name=token]', 'not-the-token');
  await page.click('#login button');
  await until(() => page.textContent('#login-error')).toContain('wrong admin token');
  await page.fill('#login [name=token]', http.adminToken);
  await page.click('#login button');
  await until(() => page.locator('#tree a').count()).toBeGreaterThan(3);
}

const treeLink = (page: Page, path: string) => page.locator(`#tree a[data-project="${PROJECT}"][data-path="${path}"]`);

describe.skipIf(SKIP_BROWSER_TESTS)('the editor in Chromium', () => {
  it(
    'logs in, opens a file, completes system., creates a handler, shows a compile error, loads the fix and resolves conflicts',
    async () => {
      const { page, errors, requested } = await newPage();
      const http = await t.http();
      await logIn(page);

      // The tree groups the sample's files by kind, from the event catalogue.
      expect(await page.locator('#tree h4').allTextContents()).toEqual(
        expect.arrayContaining(['gateway-events/message/', 'lib/', 'named-queries/', 'session-events/message/']),
      );
      await treeLink(page, 'gateway-events/message/echo.ts').click();
      await until(() => viewText(page)).toContain('echoing');
      expect(await page.textContent('#file')).toBe(`projects/${PROJECT}/gateway-events/message/echo.ts`);

      // IntelliSense from the generated system.d.ts: `system.` offers the namespaces, `system.util.` its functions.
      await page.click('#editor .view-lines');
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('system.');
      const suggestions = page.locator('.suggest-widget .monaco-list-row');
      await until(() => suggestions.allTextContents().then((rows) => rows.join(' '))).toMatch(/util.*|.*util/);
      await page.keyboard.type('util.');
      await until(() => suggestions.allTextContents().then((rows) => rows.join(' '))).toContain('sendRequest');
      await page.keyboard.press('Escape');
      expect(await page.getAttribute('#status', 'data-state')).toBe('dirty');
      // Left unsaved: what is on disk is still the sample's.
      expect(readFileSync(join(t.projectsDir, PROJECT, 'gateway-events/message/echo.ts'), 'utf8')).toBe(
        sampleFiles()['gateway-events/message/echo.ts'],
      );

      // A gateway message handler from the catalogue's template: it is on disk, typed, and answers at once.
      await createFromTemplate(page, PROJECT, 'gateway/message', 'hello');
      await until(() => page.textContent('#file')).toBe(`projects/${PROJECT}/${HELLO}`);
      await until(() => viewText(page)).toContain('satisfies Flint.GatewayMessageHandler');
      expect(readFileSync(join(t.projectsDir, PROJECT, HELLO), 'utf8')).toContain('export default ((payload) => {');
      expect(await t.request(PROJECT, 'hello')).toEqual({});
      await until(() => treeLink(page, HELLO).count()).toBe(1);

      // A syntax error: the gateway's diagnostic becomes a marker and a problem, the tree marks the file, and the last good version answers.
      await replaceText(page, 'export default function (payload: unknown) {\n  return { version: 2 \n}\n');
      await page.keyboard.press('Control+S');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('problems');
      await until(() => page.textContent('#problems')).toContain(`projects/${PROJECT}/${HELLO}:`);
      await until(() => page.locator('#editor .squiggly-error').count()).toBeGreaterThan(0);
      await until(() => treeLink(page, HELLO).getAttribute('class')).toContain('failing');
      expect(await t.request(PROJECT, 'hello')).toEqual({});
      // docs/editor.png is refreshed on request only (FLINT_SCREENSHOTS=1): a test run leaves the checkout as it was.
      const shot = await page.screenshot(
        process.env.FLINT_SCREENSHOTS === '1' ? { path: new URL('../../docs/editor.png', import.meta.url).pathname } : {},
      );
      expect(shot.length).toBeGreaterThan(10_000);

      await replaceText(page, 'export default function (payload: unknown) {\n  return { version: 2 };\n}\n');
      await page.keyboard.press('Control+S');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('saved');
      expect(await page.textContent('#problems')).toBe('');
      // The save's answer came after the engine loaded the file: the new version answers now, with no wait for the watcher.
      expect(await t.request(PROJECT, 'hello')).toEqual({ version: 2 });
      await until(async () => (await treeLink(page, HELLO).getAttribute('class')) ?? '').not.toContain('failing');

      // Changed on disk while the editor has no unsaved edits (a git pull): the open editor follows it live.
      t.write(PROJECT, HELLO, 'export default function () {\n  return { version: "pulled" };\n}\n');
      await until(() => viewText(page)).toContain('pulled');
      expect(await page.getAttribute('#status', 'data-state')).toBe('open');

      // Changed on disk while it has unsaved edits: the edits stay, the conflict bar shows, and overwriting is the user's choice.
      await replaceText(page, 'export default function () {\n  return { version: 3 };\n}\n');
      t.write(PROJECT, HELLO, 'export default function () {\n  return { version: "from disk" };\n}\n');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('conflict');
      expect(await page.isVisible('#conflict')).toBe(true);
      expect(await viewText(page)).toContain('version: 3');
      // A save now is refused (409) as well: the editor still names the version it read.
      await page.keyboard.press('Control+S');
      await until(() => page.textContent('#status')).toBe('not saved: the file changed on disk');
      expect(readFileSync(join(t.projectsDir, PROJECT, HELLO), 'utf8')).toContain('from disk');
      await page.click('#overwrite');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('saved');
      expect(readFileSync(join(t.projectsDir, PROJECT, HELLO), 'utf8')).toContain('version: 3');
      expect(await t.request(PROJECT, 'hello')).toEqual({ version: 3 });

      // Or the disk's version wins: reload drops the edit.
      await replaceText(page, 'export default function () {\n  return { version: 4 };\n}\n');
      t.write(PROJECT, HELLO, 'export default function () {\n  return { version: "disk again" };\n}\n');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('conflict');
      await page.click('#reload');
      await until(() => viewText(page)).toContain('disk again');
      expect(await page.isVisible('#conflict')).toBe(false);

      // Log out: the session cookie no longer opens the API.
      await page.click('#logout');
      await until(() => page.isVisible('#login-section')).toBe(true);
      const after = await page.evaluate("fetch('/api/editor/projects').then((r) => r.status)");
      expect(after).toBe(401);
      expect(errors).toEqual([]);
      expect(requested.filter((url) => !url.startsWith(`${http.url}/`))).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it('loads with a session until the tree and an open file show, fetching nothing from outside the gateway', async () => {
    const { page, errors, requested, bytes } = await newPage();
    const http = await t.http();
    await logIn(page);
    const started = Date.now();
    await page.goto(`${http.url}/editor/?project=${PROJECT}&path=gateway-events/message/greet.ts`);
    await until(() => viewText(page)).toContain('greet');
    await until(() => page.locator('#tree a').count()).toBeGreaterThan(3);
    const loadMs = Date.now() - started;
    // Wait for the TypeScript worker too: what the browser downloads for IntelliSense counts.
    await until(() => Promise.resolve(requested.some((url) => url.endsWith('/editor/ts.worker.js')))).toBe(true);
    await page.waitForLoadState('networkidle');
    // On the wire: each editor file the page fetched, as the gateway sends it to a browser that accepts gzip.
    const dist = new URL('../../dist/editor/', import.meta.url).pathname;
    const fetched = new Set(
      requested.map((url) => new URL(url).pathname).filter((path) => path.startsWith('/editor/') && path !== '/editor/'),
    );
    const wire = [...fetched].reduce((sum, path) => {
      const file = join(dist, path.slice('/editor/'.length));
      return sum + statSync(existsSync(`${file}.gz`) ? `${file}.gz` : file).size;
    }, 0);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(2);
    process.stdout.write(
      `editor page load until the tree and an open file show: ${loadMs} ms; downloaded ${mib(bytes())} MiB decoded, ${mib(wire)} MiB gzipped on the wire\n`,
    );
    expect(requested.filter((url) => !url.startsWith(`${http.url}/`))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
