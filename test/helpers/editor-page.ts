// The editor page in Chromium, as the browser tests drive it: a fresh page that records errors, requests and bytes,
// the login with the admin token, and reading or replacing what Monaco shows.
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { RunningServer } from '../../api/server.ts';

/** Polls what the page shows (a browser under load takes its time; the TypeScript worker takes seconds to start). */
export const until = <T>(read: () => Promise<T>, timeout = 20_000) => expect.poll(read, { timeout });

export async function newEditorPage(browser: Browser): Promise<{ page: Page; errors: string[]; requested: string[]; bytes: () => number }> {
  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 760 }, permissions: ['clipboard-read', 'clipboard-write'] })
  ).newPage();
  const errors: string[] = [];
  const requested: string[] = [];
  let bytes = 0;
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requested.push(request.url()));
  page.on('response', (response) => {
    void response.body().then(
      (body) => (bytes += body.length),
      () => undefined,
    );
  });
  return { page, errors, requested, bytes: () => bytes };
}

/** Opens /editor/ and logs in with the admin token, until the tree shows. */
export async function logInToEditor(page: Page, http: RunningServer): Promise<void> {
  await page.goto(`${http.url}/editor/`);
  await until(() => page.isVisible('#login-section')).toBe(true);
  await page.fill('#login [name=token]', http.adminToken);
  await page.click('#login button');
  await until(() => page.locator('#tree a').count()).toBeGreaterThan(0);
}

/** What the editor shows (Monaco renders spaces as no-break spaces). */
export const viewText = async (page: Page) => ((await page.textContent('#editor .view-lines')) ?? '').replace(/\u00a0/g, ' ');

/** Replaces the whole text of the open model by a paste (typing would add the brackets Monaco closes by itself). */
export async function replaceText(page: Page, text: string): Promise<void> {
  await page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(text)})`);
  await page.click('#editor .view-lines');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
  await until(() => viewText(page)).toBe(text.replace(/\n/g, ''));
}

/** Makes a new file from the catalogue's template of `kind` through the New file form, until the editor shows it. */
export async function createFromTemplate(page: Page, project: string, kind: string, name: string): Promise<void> {
  await page.click('#new');
  await page.selectOption('#new-form [name=project]', project);
  await page.selectOption('#new-form [name=kind]', kind);
  await page.fill('#new-form [name=name]', name);
  await page.click('#new-form button:not([type])');
  await until(() => page.textContent('#file')).toContain(`projects/${project}/`);
}

/**
 * The time a whole editor scenario may take: tens of steps, each polled for up to 20 s, in a browser that shares two
 * cores with the gateway and the other test files (a loaded run took past the default 30 s).
 */
export const SCENARIO_TIMEOUT_MS = 120_000;
