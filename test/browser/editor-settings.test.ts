import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SKIP_BROWSER_TESTS } from '../helpers/chromium.ts';
import {
  SCENARIO_TIMEOUT_MS,
  createFromTemplate,
  logInToEditor,
  newEditorPage,
  replaceText,
  until,
  viewText,
} from '../helpers/editor-page.ts';
import { sampleFiles, useGateway } from '../helpers/fixture.ts';

// With the watcher, as `npm start` runs: the editor's own loads and the watcher's events must agree.
const t = useGateway({ samplequickstart: { files: sampleFiles() } });
const PROJECT = 'samplequickstart';

let browser: Browser;
beforeAll(async () => {
  if (!SKIP_BROWSER_TESTS) browser = await launchChromium();
});
afterAll(() => browser?.close());

async function openEditor(): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await newEditorPage(browser);
  await logInToEditor(page, await t.http());
  await until(() => page.locator('#tree a').count()).toBeGreaterThan(3);
  return { page, errors };
}

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
    await createFromTemplate(page, 'Line 2', 'gateway/message', 'ping');
    await until(() => page.textContent('#file')).toBe('projects/Line 2/gateway-events/message/ping.ts');
    await until(() => treeLink(page, 'Line 2', 'gateway-events/message/ping.ts').count()).toBe(1);
    expect(await t.request('Line 2', 'ping')).toEqual({});
    expect(errors).toEqual([]);
  });

  it(
    'edits a keystroke sidecar with the form generated from its schema, and flags a bad value typed as JSON',
    async () => {
      const { page, errors } = await openEditor();
      const SCANNER = 'session-events/keystroke/scanner.json';
      const settingsNow = () => t.gateway.project(PROJECT)!.settingsOf('session-events/keystroke/scanner') as Record<string, unknown>;
      const onDisk = () => JSON.parse(readFileSync(join(t.projectsDir, PROJECT, SCANNER), 'utf8')) as Record<string, unknown>;
      await treeLink(page, PROJECT, SCANNER).click();
      await until(() => page.isVisible('#settings-form')).toBe(true);
      expect(await page.inputValue('#settings-mode')).toBe('"regex"'); // options hold JSON text
      expect(await page.inputValue('#settings-regex')).toBe('[0-9]{12}@$');
      expect(await page.inputValue('#settings-bufferLength')).toBe('13');
      expect(await page.getAttribute('#settings-bufferLength', 'min')).toBe('1');
      expect(await page.locator('#settings-fields .settings-row').count()).toBe(8); // every key of the catalogue's schema

      // A value changed in the form goes into the JSON, and the form's Save is the normal save.
      await page.fill('#settings-bufferLength', '20');
      await page.selectOption('#settings-preventDefault', { label: 'true' });
      await until(() => viewText(page)).toContain('"bufferLength": 20');
      await page.click('#settings-save');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('saved');
      expect(onDisk()).toEqual({ mode: 'regex', regex: '[0-9]{12}@$', bufferLength: 20, preventDefault: true });
      expect(settingsNow()).toMatchObject({ bufferLength: 20, preventDefault: true });

      // As JSON: a value the schema refuses is underlined as it is typed, and the save lists the gateway's diagnostic.
      await page.click('#settings-toggle');
      expect(await page.getAttribute('#settings-form', 'data-mode')).toBe('json');
      expect(await page.isHidden('#settings-fields')).toBe(true);
      await replaceText(page, '{ "mode": "sometimes", "regex": "[0-9]{12}@$", "bufferLength": 20 }\n');
      await until(() => page.locator('#editor .squiggly-error').count()).toBeGreaterThan(0);
      await page.keyboard.press('Control+S');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('problems');
      await until(() => page.textContent('#problems')).toContain('"mode" must be one of "keyDown", "keyUp", "regex"');
      expect(settingsNow()).toMatchObject({ mode: 'regex', bufferLength: 20 }); // the last good settings keep running

      // Back to the form: it shows what the JSON holds, and fixing the value there saves good settings again.
      await page.click('#settings-toggle');
      expect(await page.inputValue('#settings-mode')).toBe('"sometimes"'); // shown as it is, marked not allowed
      await page.selectOption('#settings-mode', { label: 'keyDown' });
      await page.fill('#settings-key', 'Enter');
      await page.click('#settings-save');
      await until(() => page.getAttribute('#status', 'data-state')).toBe('saved');
      await until(() => page.locator('#editor .squiggly-error').count()).toBe(0);
      expect(onDisk()).toEqual({ mode: 'keyDown', key: 'Enter', regex: '[0-9]{12}@$', bufferLength: 20 });
      expect(settingsNow()).toMatchObject({ mode: 'keyDown', key: 'Enter' });

      // Any other file hides the form.
      await treeLink(page, PROJECT, 'gateway-events/message/echo.ts').click();
      await until(() => page.isHidden('#settings-form')).toBe(true);
      expect(errors).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
