import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../api/server.ts';
import { removeStaleTemporaryFiles } from '../../engine/editor/editor-files.ts';
import { EditorClient } from '../helpers/editor-client.ts';
import { handler, useGateway } from '../helpers/fixture.ts';

const TICK = (logger: string) => `export default function () {\n  system.util.getLogger(${JSON.stringify(logger)}).info('tick');\n}\n`;

// No watcher: what the editor moves runs because the editor loaded it, not because chokidar saw it.
const t = useGateway(
  {
    plant: {
      files: {
        'gateway-events/message/echo.ts': handler('1'),
        'gateway-events/timer/slow.ts': TICK('slow'),
        'gateway-events/timer/slow.json': '{"delayMs": 20, "enabled": true}\n',
        'gateway-events/timer/taken.ts': TICK('taken'),
        'gateway-events/timer/lonely.json': '{"delayMs": 99999}\n',
        'gateway-events/timer/other.ts': TICK('other'),
        'gateway-events/timer/other.json': '{"delayMs": 86400000}\n',
      },
    },
  },
  { watch: false },
);

let http: RunningServer;
let editor: EditorClient;
const file = (path: string) => join(t.projectsDir, 'plant', path);
const onDisk = (path: string) => readFileSync(file(path), 'utf8');
const project = () => t.gateway.project('plant')!;
const ticks = (logger: string) => t.logs((r) => r.logger === logger).length;
const versionOf = async (path: string) => (await editor.file('plant', path)).json.version as string;

beforeAll(async () => {
  http = await t.http();
  editor = new EditorClient(http);
  expect((await editor.login({ token: http.adminToken })).status).toBe(200);
});

describe('renaming a handler with a sidecar', () => {
  it('moves the sidecar with it: the renamed timer runs with its settings, the old name is gone', async () => {
    await t.waitFor(() => ticks('slow') >= 2, 5000, 'the timer to tick');
    const renamed = await editor.post('/api/editor/rename', {
      project: 'plant',
      from: 'gateway-events/timer/slow.ts',
      to: 'gateway-events/timer/fast.ts',
      version: await versionOf('gateway-events/timer/slow.ts'),
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({
      path: 'gateway-events/timer/fast.ts',
      diagnostics: [],
      moved: [
        { from: 'gateway-events/timer/slow.json', to: 'gateway-events/timer/fast.json' },
        { from: 'gateway-events/timer/slow.ts', to: 'gateway-events/timer/fast.ts' },
      ],
    });
    for (const gone of ['gateway-events/timer/slow.ts', 'gateway-events/timer/slow.json']) expect(existsSync(file(gone))).toBe(false);
    expect(onDisk('gateway-events/timer/fast.ts')).toBe(TICK('slow'));
    expect(JSON.parse(onDisk('gateway-events/timer/fast.json'))).toEqual({ delayMs: 20, enabled: true });
    expect(project().handlerNames('gateway/timer')).toContain('fast');
    expect(project().handlerNames('gateway/timer')).not.toContain('slow');
    expect(project().settingsOf('gateway-events/timer/fast')).toEqual({ delayMs: 20, enabled: true });
    expect(project().settingsOf('gateway-events/timer/slow')).toBeUndefined();
    // Still ticking every 20 ms: the settings came along (without them a timer does not run at all).
    const before = ticks('slow');
    await t.waitFor(() => ticks('slow') >= before + 3, 5000, 'the renamed timer to tick');
    expect(
      project()
        .status()
        .diagnostics.filter((d) => /\/(fast|slow)\./.test(d.file)),
    ).toEqual([]);
  });

  it('refuses with 409 and moves nothing when the target sidecar exists', async () => {
    const from = 'gateway-events/timer/fast.ts';
    const refused = await editor.post('/api/editor/rename', {
      project: 'plant',
      from,
      to: 'gateway-events/timer/lonely.ts',
      version: await versionOf(from),
    });
    expect(refused).toMatchObject({
      status: 409,
      json: { code: 'CONFLICT', message: expect.stringContaining('lonely.json already exists') },
    });
    expect(existsSync(file(from))).toBe(true);
    expect(existsSync(file('gateway-events/timer/fast.json'))).toBe(true);
    expect(existsSync(file('gateway-events/timer/lonely.ts'))).toBe(false);
    expect(onDisk('gateway-events/timer/lonely.json')).toBe('{"delayMs": 99999}\n');
    expect(project().handlerNames('gateway/timer')).toContain('fast');
  });

  it('refuses with 409 when the target handler exists, and leaves both handlers and both sidecars as they were', async () => {
    const from = 'gateway-events/timer/fast.ts';
    const refused = await editor.post('/api/editor/rename', {
      project: 'plant',
      from,
      to: 'gateway-events/timer/other.ts',
      version: await versionOf(from),
    });
    expect(refused.status).toBe(409);
    expect(onDisk('gateway-events/timer/other.ts')).toBe(TICK('other'));
    expect(onDisk('gateway-events/timer/other.json')).toBe('{"delayMs": 86400000}\n');
    expect(existsSync(file('gateway-events/timer/fast.json'))).toBe(true);
  });

  it('refuses to rename a sidecar alone (400): its handler is renamed instead', async () => {
    const refused = await editor.post('/api/editor/rename', {
      project: 'plant',
      from: 'gateway-events/timer/fast.json',
      to: 'gateway-events/timer/faster.json',
      version: await versionOf('gateway-events/timer/fast.json'),
    });
    expect(refused).toMatchObject({ status: 400, json: { message: expect.stringContaining('rename the handler') } });
    expect(existsSync(file('gateway-events/timer/fast.json'))).toBe(true);
    expect(existsSync(file('gateway-events/timer/faster.json'))).toBe(false);
  });

  it('refuses to move a handler with settings to another kind of event (400), where they would not apply', async () => {
    const from = 'gateway-events/timer/fast.ts';
    const refused = await editor.post('/api/editor/rename', {
      project: 'plant',
      from,
      to: 'gateway-events/message/fast.ts',
      version: await versionOf(from),
    });
    expect(refused).toMatchObject({ status: 400, json: { message: expect.stringContaining('only a gateway/timer handler takes') } });
    expect(existsSync(file('gateway-events/message/fast.ts'))).toBe(false);
    expect(existsSync(file(from))).toBe(true);
  });

  it('renames a handler of a kind with settings that has none yet, and a handler without settings, as before', async () => {
    const renamed = await editor.post('/api/editor/rename', {
      project: 'plant',
      from: 'gateway-events/timer/taken.ts',
      to: 'gateway-events/timer/given.ts',
      version: await versionOf('gateway-events/timer/taken.ts'),
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json.moved).toBeUndefined();
    expect(existsSync(file('gateway-events/timer/given.json'))).toBe(false);
    const message = await editor.post('/api/editor/rename', {
      project: 'plant',
      from: 'gateway-events/message/echo.ts',
      to: 'gateway-events/message/echo2.ts',
      version: await versionOf('gateway-events/message/echo.ts'),
    });
    expect(message.status).toBe(200);
    expect(await t.request('plant', 'echo2')).toBe(1);
  });
});

describe('creating a project', () => {
  it('writes project.json, answers once the gateway has the project, and files can be created in it at once', async () => {
    const created = await editor.post('/api/editor/create-project', { name: 'Line 2', title: 'Packing line 2' });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ name: 'Line 2', title: 'Packing line 2', status: 'loaded', diagnostics: [] });
    expect(JSON.parse(readFileSync(join(t.projectsDir, 'Line 2', 'project.json'), 'utf8'))).toEqual({ title: 'Packing line 2' });
    expect(readdirSync(join(t.projectsDir, 'Line 2'))).toEqual(['project.json']); // no temporary file left
    expect(t.gateway.project('Line 2')?.status().status).toBe('loaded');
    const tree = (await editor.get('/api/editor/projects')).json.projects;
    expect(tree.find((p: { name: string }) => p.name === 'Line 2')).toMatchObject({
      title: 'Packing line 2',
      files: [{ path: 'project.json' }],
    });
    const handlerFile = await editor.post('/api/editor/create', { project: 'Line 2', kind: 'gateway/message', name: 'hello' });
    expect(handlerFile.status).toBe(200);
    expect(await t.request('Line 2', 'hello')).toEqual({});
  });

  it('takes the name as the title when none is given', async () => {
    const created = await editor.post('/api/editor/create-project', { name: 'untitled' });
    expect(created).toMatchObject({ status: 200, json: { title: 'untitled' } });
  });

  it('refuses a name that is taken (409): a project, a folder without project.json, a file, a link', async () => {
    mkdirSync(join(t.projectsDir, 'empty-folder'));
    writeFileSync(join(t.projectsDir, 'a-file'), 'x');
    const outside = mkdtempSync(join(tmpdir(), 'flint-outside-'));
    symlinkSync(outside, join(t.projectsDir, 'linked'));
    for (const name of ['plant', 'Line 2', 'empty-folder', 'a-file', 'linked']) {
      const refused = await editor.post('/api/editor/create-project', { name });
      expect(refused, name).toMatchObject({ status: 409, json: { code: 'CONFLICT', message: `projects/${name} already exists` } });
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(readFileSync(join(t.projectsDir, 'plant', 'project.json'), 'utf8')).toBe('{}');
  });

  it('refuses bad names and traversal with 400, writing nothing', async () => {
    const before = readdirSync(t.projectsDir).sort();
    for (const name of [
      '',
      '../escape',
      'a/b',
      '..',
      '.hidden',
      '/abs',
      'nul\u0000byte',
      'back\\slash',
      '%2e%2e',
      'dot\u2024dot',
      'x'.repeat(129),
      42,
      null,
    ]) {
      const refused = await editor.post('/api/editor/create-project', { name });
      expect(refused.status, JSON.stringify(name)).toBe(400);
    }
    expect((await editor.post('/api/editor/create-project', { name: 'ok', title: 'bad\u0000title' })).status).toBe(400);
    expect((await editor.post('/api/editor/create-project', { name: 'ok', extra: 1 })).status).toBe(400);
    expect((await editor.post('/api/editor/create-project', 'not json')).status).toBe(400);
    expect(readdirSync(t.projectsDir).sort()).toEqual(before);
    expect(existsSync(join(tmpdir(), 'escape'))).toBe(false);
  });

  it('refuses a write without the CSRF token or from another site (403), and without a session (401)', async () => {
    expect((await editor.post('/api/editor/create-project', { name: 'nocsrf' }, { 'x-flint-csrf': '' })).status).toBe(403);
    expect((await editor.post('/api/editor/create-project', { name: 'nocsrf' }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await new EditorClient(http).post('/api/editor/create-project', { name: 'nocsrf' })).status).toBe(401);
    expect(existsSync(join(t.projectsDir, 'nocsrf'))).toBe(false);
  });
});

describe('sidecar settings through the editor', () => {
  it('GET /api/editor/templates gives the JSON Schema of every kind with settings, made from the catalogue', async () => {
    const { templates } = (await editor.get('/api/editor/templates')).json as {
      templates: { kind: string; sidecarSchema?: { properties: Record<string, unknown>; required: string[] } }[];
    };
    const withSchema = templates.filter((tpl) => tpl.sidecarSchema).map((tpl) => tpl.kind);
    expect(withSchema.sort()).toEqual(['gateway/tag-change', 'gateway/timer', 'session/keystroke', 'session/push']);
    const timer = templates.find((tpl) => tpl.kind === 'gateway/timer')!.sidecarSchema!;
    expect(Object.keys(timer.properties)).toEqual(['delayMs', 'mode', 'enabled']);
    expect(timer.required).toEqual(['delayMs']);
    expect(templates.find((tpl) => tpl.kind === 'gateway/message')!.sidecarSchema).toBeUndefined();
  });

  it('answers a save the schema refuses with its diagnostic, and the last good settings keep running', async () => {
    const path = 'gateway-events/timer/fast.json';
    const refused = await editor.post('/api/editor/save', {
      project: 'plant',
      path,
      content: '{"delayMs": 5, "enabled": true}\n',
      version: await versionOf(path),
    });
    expect(refused.status).toBe(200);
    expect(refused.json.diagnostics).toEqual([
      expect.objectContaining({
        file: `projects/plant/${path}`,
        severity: 'error',
        message: '"delayMs" must be a number between 10 and 86400000; received 5',
      }),
    ]);
    expect(project().settingsOf('gateway-events/timer/fast')).toEqual({ delayMs: 20, enabled: true });
    const before = ticks('slow');
    await t.waitFor(() => ticks('slow') >= before + 2, 5000, 'the timer to keep ticking');
    const notJson = await editor.post('/api/editor/save', {
      project: 'plant',
      path,
      content: '{"delayMs": ',
      version: refused.json.version,
    });
    expect(notJson.json.diagnostics).toEqual([expect.objectContaining({ severity: 'error', file: `projects/plant/${path}` })]);

    // A good value: applied at once, and the diagnostic is gone.
    const fixed = await editor.post('/api/editor/save', {
      project: 'plant',
      path,
      content: '{"delayMs": 20, "enabled": false}\n',
      version: notJson.json.version,
    });
    expect(fixed.json.diagnostics).toEqual([]);
    expect(project().settingsOf('gateway-events/timer/fast')).toEqual({ delayMs: 20, enabled: false });
    await t.waitFor(
      async () => {
        const count = ticks('slow');
        await new Promise((resolve) => setTimeout(resolve, 100));
        return ticks('slow') === count;
      },
      5000,
      'the disabled timer to stop',
    );
  });
});

describe('temporary files of saves cut short', () => {
  it('are removed at start when older than the start; other hidden files, newer ones and hidden folders are left', async () => {
    const root = mkdtempSync(join(tmpdir(), 'flint-stale-'));
    const make = (path: string, ageMs: number) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), 'x');
      const when = new Date(Date.now() - ageMs);
      utimesSync(join(root, path), when, when);
    };
    make('p/gateway-events/message/.echo.ts.0123456789ab.flint-tmp', 60_000);
    make('p/.project.json.abcdef012345.flint-tmp', 60_000);
    make('p/lib/.fresh.ts.0123456789ab.flint-tmp', -60_000); // newer than the start: a save in flight
    make('p/lib/.other-tmp', 60_000);
    make('p/lib/not-hidden.0123456789ab.flint-tmp', 60_000);
    make('p/.git/.x.ts.0123456789ab.flint-tmp', 60_000);
    const removed = await removeStaleTemporaryFiles(root, Date.now());
    expect(removed.map((path) => path.slice(root.length + 1)).sort()).toEqual([
      'p/.project.json.abcdef012345.flint-tmp',
      'p/gateway-events/message/.echo.ts.0123456789ab.flint-tmp',
    ]);
    for (const kept of [
      'p/lib/.fresh.ts.0123456789ab.flint-tmp',
      'p/lib/.other-tmp',
      'p/lib/not-hidden.0123456789ab.flint-tmp',
      'p/.git/.x.ts.0123456789ab.flint-tmp',
    ])
      expect(existsSync(join(root, kept)), kept).toBe(true);
  });
});
