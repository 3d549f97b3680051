import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SKIP_BROWSER_TESTS } from '../helpers/chromium.ts';
import { useGateway } from '../helpers/fixture.ts';

/** The sample project as it is in projects/, so the editor is tried on exactly what `npm start` runs. */
function sampleFiles(): Record<string, string> {
  const root = new URL('../../projects/samplequickstart', import.meta.url).pathname;
  const files: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && entry.name !== 'project.json')
      files[relative(root, join(entry.parentPath, entry.name))] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  return files;
}

// With the watcher, as `npm start` runs: the editor's own loads and the watcher's events must agree.
const t = useGateway({ samplequickstart: { files: sampleFiles() } });
const PROJECT = 'samplequickstart';

let browser: Browser;
beforeAll(async () => {
  if (!SKIP_BROWSER_TESTS) browser = await launchChromium();
});
afterAll(() => browser?.close());

/** Polls what the page shows (a browser under load takes its time; Monaco's workers take a while to start). */
const until = <T>(read: () => Promise<T>, timeout = 20_000) => expect.poll(read, { timeout });

async function openEditor(): Promise<{ page: Page; errors: string[] }> {
  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] })
  ).newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const http = await t.http();
  await page.goto(`${http.url}/editor/`);
  await until(() => page.isVisible('#login-section')).toBe(true);
  await page.fill('#login [name=token]', http.adminToken);
  await page.click('#login button');
  await until(() => page.locator('#tree a').count()).toBeGreaterThan(3);
  return { page, errors };
}

/** What the editor shows (Monaco renders spaces as no-break spaces). */
const viewText = async (page: Page) => ((await page.textContent('#editor .view-lines')) ?? '').replace(/\u00a0/g, ' ');
const treeLink = (page: Page, project: string, path: string) => page.locator(`#tree a[data-project="${project}"][data-path="${path}"]`);

describe.skipIf(SKIP_BROWSER_TESTS)('project and settings files in the editor (Chromium)', () => {
  it('creates a project from the header, shows it in the tree, and creates a handler in it that answers', async () => {
    const { page, errors } = await openEditor();
    await page.click('#new-project');
    await page.fill('#new-project-form [name=name]', '../escape');
    await page.click('#new-project-form button:not([type])');
    await until(() => page.textContent('#new-project-error')).toContain('is not a valid name');
    await page.fill('#new-project-form [name=name]', 'Line 2');
    await page.fill('#new-project-form [name=title]', 'Packing line 2');
    await page.click('#new-project-form button:not([type])');
    await until(() => page.textContent('#file')).toBe('projects/Line 2/project.json');
    expect(await page.isHidden('#new-project-form')).toBe(true);
    await until(() => treeLink(page, 'Line 2', 'project.json').count()).toBe(1);
    await until(() => viewText(page)).toContain('"title": "Packing line 2"');
    expect(t.gateway.project('Line 2')?.status().title).toBe('Packing line 2');

    // The same name again: refused, and said so.
    await page.click('#new-project');
    await page.fill('#new-project-form [name=name]', 'Line 2');
    await page.click('#new-project-form button:not([type])');
    await until(() => page.textContent('#new-project-error')).toContain('already exists');
    await page.click('#new-project-cancel');

    // A handler in the new project, from the template: the new-file form offers the project at once.
    await page.click('#new');
    await page.selectOption('#new-form [name=project]', 'Line 2');
    await page.selectOption('#new-form [name=kind]', 'gateway/message');
    await page.fill('#new-form [name=name]', 'ping');
    await page.click('#new-form button:not([type])');
    await until(() => page.textContent('#file')).toBe('projects/Line 2/gateway-events/message/ping.ts');
    await until(() => treeLink(page, 'Line 2', 'gateway-events/message/ping.ts').count()).toBe(1);
    expect(await t.request('Line 2', 'ping')).toEqual({});
    expect(errors).toEqual([]);
  });
});
