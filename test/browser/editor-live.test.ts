import type { Duplex } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SKIP_BROWSER_TESTS } from '../helpers/chromium.ts';
import { SCENARIO_TIMEOUT_MS, logInToEditor, newEditorPage, until, viewText } from '../helpers/editor-page.ts';
import { useGateway } from '../helpers/fixture.ts';
import { SessionSocket } from '../helpers/session-socket.ts';

const t = useGateway({
  plant: {
    files: {
      'gateway-events/message/say.ts':
        'export default function (payload: any) {\n  const log = system.util.getLogger("plant.say");\n  if (payload.error) log.error("failed " + payload.word);\n  else log.info("said " + payload.word);\n  return payload.word;\n}\n',
      'lib/units.ts': 'export const unit = "kg";\n',
    },
  },
});

let browser: Browser;
beforeAll(async () => {
  if (!SKIP_BROWSER_TESTS) browser = await launchChromium();
});
afterAll(() => browser?.close());

const logLines = (page: Page) => page.locator('#log-list li .message').allTextContents();
const say = (word: string, error = false) => t.gateway.request('plant', 'say', { word, error }, 5);

describe.skipIf(SKIP_BROWSER_TESTS)('the editor live panels in Chromium', () => {
  it(
    'streams the filtered log, lists sessions, follows a file changed on disk, and reconnects after a drop',
    async () => {
      const http = await t.http();
      // The server side of every live connection the page opens, so the test can cut one as a network would.
      const liveSockets: Duplex[] = [];
      http.server.on('upgrade', (request: { url?: string }, socket: Duplex) => {
        if (request.url === '/api/editor/live') liveSockets.push(socket);
      });
      const { page, errors } = await newEditorPage(browser);
      await logInToEditor(page, http);
      await until(() => page.getAttribute('#live-state', 'data-state')).toBe('live');

      // The log: records as the project writes them, filtered on the gateway.
      await page.click('#panel-tabs [data-tab=log]');
      await say('first');
      await until(() => logLines(page)).toContain('said first');
      await page.selectOption('#log-filter [name=minLevel]', 'error');
      await until(() => logLines(page).then((lines) => lines.includes('said first'))).toBe(false);
      await say('quiet');
      await say('loud', true);
      await until(() => logLines(page)).toContain('failed loud');
      expect(await logLines(page)).not.toContain('said quiet');
      await page.selectOption('#log-filter [name=minLevel]', '');
      await page.fill('#log-filter [name=text]', 'quiet');
      await until(() => logLines(page)).toEqual(['said quiet']);
      await page.fill('#log-filter [name=text]', '');

      // Sessions: one opening shows with its page, and goes when it ends.
      await page.click('#panel-tabs [data-tab=sessions]');
      await until(() => page.textContent('#sessions-total')).toBe('No live sessions.');
      const { socket, welcome } = await SessionSocket.session(t, 'plant');
      await socket.value({ type: 'openPage', path: '/line/7' });
      const row = page.locator(`#sessions-table tr[data-session="${welcome.sessionId}"]`);
      await until(() => row.textContent()).toContain('/line/7');
      expect(await page.textContent('#panel-tabs [data-tab=sessions] .badge')).toBe('1');
      await t.gateway.sessions.end(t.gateway.sessions.get(welcome.sessionId)!, 'the test ends it');
      await until(() => row.count()).toBe(0);
      socket.close();

      // An open file with no unsaved edits follows the disk.
      await page.locator('#tree a[data-path="lib/units.ts"]').click();
      await until(() => viewText(page)).toContain('"kg"');
      t.write('plant', 'lib/units.ts', 'export const unit = "lb";\n');
      await until(() => viewText(page)).toContain('"lb"');

      // The connection drops: a notice, a reconnect, and the panels carry on; a change on disk meanwhile is caught up.
      expect(liveSockets.length).toBeGreaterThan(0);
      for (const cut of liveSockets.splice(0)) cut.destroy();
      await until(() => page.getAttribute('#live-state', 'data-state')).toBe('down');
      expect(await page.textContent('#live-state')).toContain('reconnecting');
      t.write('plant', 'lib/units.ts', 'export const unit = "t";\n');
      await until(() => page.getAttribute('#live-state', 'data-state')).toBe('live');
      await until(() => viewText(page)).toContain('"t"');
      await page.click('#panel-tabs [data-tab=log]');
      await say('after the drop');
      await until(() => logLines(page)).toContain('said after the drop');
      // docs/editor-log.png is refreshed on request only (FLINT_SCREENSHOTS=1), as docs/editor.png is.
      const shot = await page.screenshot(
        process.env.FLINT_SCREENSHOTS === '1' ? { path: new URL('../../docs/editor-log.png', import.meta.url).pathname } : {},
      );
      expect(shot.length).toBeGreaterThan(10_000);

      // A script's log record names its source: a click opens the file at that line.
      await page.locator('#log-list li', { hasText: 'said after the drop' }).locator('a.source').click();
      await until(() => page.textContent('#file')).toBe('projects/plant/gateway-events/message/say.ts');
      await until(() =>
        page.locator('#editor .current-line ~ .line-numbers, #editor .line-numbers.active-line-number').first().textContent(),
      ).toBe('4');
      expect(errors).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
