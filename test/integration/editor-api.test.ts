import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../api/server.ts';
import { UserSource } from '../../engine/users/user-source.ts';
import { EditorClient } from '../helpers/editor-client.ts';
import { handler, useGateway } from '../helpers/fixture.ts';

// No watcher: whatever the editor saves runs because the save loaded it in the project, not because chokidar saw it.
const t = useGateway(
  {
    plant: {
      files: {
        'gateway-events/message/echo.ts': handler('{ version: 1, payload }'),
        'lib/format.ts': 'export const shout = (s: string) => s.toUpperCase();\n',
        'session-events/startup.ts': 'export default function () {}\n',
      },
    },
  },
  { watch: false },
);

let http: RunningServer;
let editor: EditorClient;
const onDisk = (path: string) => readFileSync(join(t.projectsDir, 'plant', path), 'utf8');

beforeAll(async () => {
  http = await t.http();
  editor = new EditorClient(http);
  expect((await editor.login({ token: http.adminToken })).status).toBe(200);
});

describe('editor login', () => {
  it('answers a session cookie that is HttpOnly and SameSite=Strict, and a CSRF token', async () => {
    const client = new EditorClient(http);
    const answer = await client.login({ token: http.adminToken });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ user: { userName: 'admin', roles: ['admin'] }, csrf: expect.stringMatching(/^[\w-]{32}$/) });
    const cookie = answer.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^flint_editor=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect((await client.get('/api/editor/session')).json).toEqual(answer.json);
  });

  it('refuses a wrong admin token (401), a body without credentials (400) and an unknown field (400)', async () => {
    const client = new EditorClient(http);
    expect(await client.login({ token: 'nope' })).toMatchObject({ status: 401, json: { code: 'UNAUTHORIZED' } });
    expect(await client.login({})).toMatchObject({ status: 400, json: { message: expect.stringContaining('"token"') } });
    expect(await client.login({ token: http.adminToken, extra: 1 })).toMatchObject({ status: 400 });
    expect(client.cookie).toBe('');
  });

  it('lets in a user with the designer role, and refuses one without it (403) with no login left behind', async () => {
    const users = new UserSource({ dataDir: join(t.root, 'data'), hashParams: { N: 1024, r: 8, p: 1 } });
    await users.add('dana', 'password-d', ['designer']);
    await users.add('otto', 'password-o', ['operator']);
    const dana = new EditorClient(http);
    expect((await dana.login({ userName: 'dana', password: 'password-d' })).json.user).toEqual({ userName: 'dana', roles: ['designer'] });
    expect((await dana.get('/api/editor/projects')).status).toBe(200);
    const before = t.gateway.logins.size;
    const otto = new EditorClient(http);
    const refused = await otto.login({ userName: 'otto', password: 'password-o' });
    expect(refused).toMatchObject({ status: 403, json: { code: 'FORBIDDEN', message: expect.stringContaining('designer') } });
    expect(t.gateway.logins.size).toBe(before);
    // Losing the role ends the editor session at the next request.
    users.setRoles('dana', ['operator']);
    await t.waitFor(async () => (await dana.get('/api/editor/projects')).status === 401, 5000, 'dana to be out');
  });

  it('answers 401 to every editor route without a session, and logout ends the session', async () => {
    const stranger = new EditorClient(http);
    for (const path of [
      '/api/editor/session',
      '/api/editor/projects',
      '/api/editor/types',
      '/api/editor/file?project=plant&path=lib/format.ts',
    ])
      expect((await stranger.get(path)).status).toBe(401);
    const client = new EditorClient(http);
    await client.login({ token: http.adminToken });
    expect((await client.post('/api/editor/logout', {})).status).toBe(204);
    expect((await client.get('/api/editor/projects')).status).toBe(401);
  });
});

describe('the project tree and files', () => {
  it('lists the projects with their files grouped by kind, from the event catalogue', async () => {
    const answer = await editor.get('/api/editor/projects');
    expect(answer.json.projects).toEqual([
      {
        name: 'plant',
        title: 'plant',
        status: 'loaded',
        files: [
          { path: 'gateway-events/message/echo.ts', group: 'gateway/message', failing: false },
          { path: 'lib/format.ts', group: 'lib', failing: false },
          { path: 'project.json', group: 'project', failing: false },
          { path: 'session-events/startup.ts', group: 'session/startup', failing: false },
        ],
      },
    ]);
    const templates = (await editor.get('/api/editor/templates')).json.templates;
    expect(templates).toContainEqual(
      expect.objectContaining({ kind: 'session/message', pattern: 'session-events/message/<name>.ts', needsName: true }),
    );
    expect((await editor.get('/api/editor/types')).json.dts).toContain('declare namespace system');
  });

  it('reads a file with its version, the SHA-256 of its bytes', async () => {
    const answer = await editor.file('plant', 'lib/format.ts');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      content: onDisk('lib/format.ts'),
      version: expect.stringMatching(/^sha256:[\w-]{43}$/),
      diagnostics: [],
    });
    expect((await editor.file('plant', 'lib/missing.ts')).status).toBe(404);
    expect((await editor.file('nowhere', 'lib/format.ts')).status).toBe(404);
  });
});

describe('save', () => {
  it('writes the file and loads it at once: the new version answers as soon as the save does, with no watcher', async () => {
    const { version } = (await editor.file('plant', 'gateway-events/message/echo.ts')).json;
    const saved = await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'gateway-events/message/echo.ts',
      content: handler('{ version: 2 }'),
      version,
    });
    expect(saved.status).toBe(200);
    expect(saved.json).toEqual({ path: 'gateway-events/message/echo.ts', version: expect.any(String), diagnostics: [], status: 'loaded' });
    expect(saved.json.version).not.toBe(version);
    expect(await t.request('plant', 'echo')).toEqual({ version: 2 });
    expect(onDisk('gateway-events/message/echo.ts')).toBe(handler('{ version: 2 }'));
  });

  it('answers the compile diagnostics of a broken save, and the last good version keeps answering', async () => {
    const { version } = (await editor.file('plant', 'gateway-events/message/echo.ts')).json;
    const saved = await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'gateway-events/message/echo.ts',
      content: 'export default function () {\n  return { version: 3 ;\n}\n',
      version,
    });
    expect(saved.status).toBe(200);
    expect(saved.json.diagnostics).toEqual([
      expect.objectContaining({ file: 'projects/plant/gateway-events/message/echo.ts', line: 2, severity: 'error' }),
    ]);
    expect(saved.json.status).toBe('failing');
    expect(await t.request('plant', 'echo')).toEqual({ version: 2 });
    const tree = (await editor.get('/api/editor/projects')).json.projects[0].files;
    expect(tree.find((f: { path: string }) => f.path === 'gateway-events/message/echo.ts').failing).toBe(true);
    // Fixed: the new version answers and the diagnostics are gone.
    const fixed = await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'gateway-events/message/echo.ts',
      content: handler('{ version: 3 }'),
      version: saved.json.version,
    });
    expect(fixed.json.diagnostics).toEqual([]);
    expect(await t.request('plant', 'echo')).toEqual({ version: 3 });
  });

  it('refuses a stale version with 409 and the version on disk, keeps both texts, and overwrites only when forced', async () => {
    const { version } = (await editor.file('plant', 'lib/format.ts')).json;
    t.write('plant', 'lib/format.ts', 'export const shout = (s: string) => s + "!";\n'); // a git pull meanwhile
    const stale = await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'lib/format.ts',
      content: 'export const x = 1;\n',
      version,
    });
    expect(stale.status).toBe(409);
    expect(stale.json).toEqual({
      code: 'CONFLICT',
      message: 'projects/plant/lib/format.ts changed on disk since you opened it: reload it, or overwrite it',
      version: (await editor.file('plant', 'lib/format.ts')).json.version,
    });
    expect(onDisk('lib/format.ts')).toContain('s + "!"');
    const noVersion = await editor.post('/api/editor/save', { project: 'plant', path: 'lib/format.ts', content: 'export const x = 1;\n' });
    expect(noVersion.status).toBe(409);
    const forced = await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'lib/format.ts',
      content: 'export const shout = (s: string) => s.toUpperCase();\n',
      version,
      force: true,
    });
    expect(forced.status).toBe(200);
    expect(onDisk('lib/format.ts')).toContain('toUpperCase');
  });

  it('refuses to create over an existing file (version null) and to save a file deleted meanwhile', async () => {
    const exists = await editor.post('/api/editor/save', { project: 'plant', path: 'lib/format.ts', content: '', version: null });
    expect(exists).toMatchObject({ status: 409, json: { message: 'projects/plant/lib/format.ts already exists' } });
    const made = await editor.post('/api/editor/save', { project: 'plant', path: 'lib/gone.ts', content: 'export {};\n', version: null });
    expect(made.status).toBe(200);
    t.remove('plant', 'lib/gone.ts');
    const gone = await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'lib/gone.ts',
      content: 'export {};\n',
      version: made.json.version,
    });
    expect(gone).toMatchObject({ status: 409, json: { version: null, message: expect.stringContaining('was deleted') } });
    expect(existsSync(join(t.projectsDir, 'plant', 'lib/gone.ts'))).toBe(false);
  });

  it('leaves no temporary file behind in the folder it wrote to', async () => {
    const { version } = (await editor.file('plant', 'lib/format.ts')).json;
    await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'lib/format.ts',
      content: 'export const shout = (s: string) => s;\n',
      version,
    });
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(t.projectsDir, 'plant', 'lib')).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('create, rename, delete', () => {
  it('creates a session message handler from the catalogue template, typed with its handler type', async () => {
    const created = await editor.post('/api/editor/create', { project: 'plant', kind: 'session/message', name: 'hello' });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ path: 'session-events/message/hello.ts', diagnostics: [] });
    const text = onDisk('session-events/message/hello.ts');
    expect(text).toContain('export default ((session, payload) => {');
    expect(text).toContain('satisfies Flint.SessionMessageHandler;');
    expect(t.gateway.project('plant')!.handlerNames('session/message')).toContain('hello');
    const again = await editor.post('/api/editor/create', { project: 'plant', kind: 'session/message', name: 'hello' });
    expect(again.status).toBe(409);
  });

  it('creates a timer with its sidecar from the schema example, and a lib module', async () => {
    expect((await editor.post('/api/editor/create', { project: 'plant', kind: 'gateway/timer', name: 'tick' })).status).toBe(200);
    expect(JSON.parse(onDisk('gateway-events/timer/tick.json'))).toEqual({ delayMs: 1000, mode: 'fixedDelay', enabled: true });
    expect((await editor.post('/api/editor/create', { project: 'plant', kind: 'lib', name: 'util' })).json.path).toBe('lib/util.ts');
  });

  it('refuses an unknown kind, a missing or bad name, and a bad view path with 400', async () => {
    for (const body of [
      { project: 'plant', kind: 'gateway/nothing', name: 'x' },
      { project: 'plant', kind: 'gateway/message' },
      { project: 'plant', kind: 'gateway/message', name: '../x' },
      { project: 'plant', kind: 'component/message', name: 'x', view: '../Main' },
      { project: 'plant', kind: 'gateway/message', name: 'x', extra: true },
    ])
      expect((await editor.post('/api/editor/create', body)).status, JSON.stringify(body)).toBe(400);
  });

  it('renames a handler: the new name answers, the old one is gone', async () => {
    await editor.post('/api/editor/create', { project: 'plant', kind: 'gateway/message', name: 'before' });
    const { version } = (await editor.file('plant', 'gateway-events/message/before.ts')).json;
    const renamed = await editor.post('/api/editor/rename', {
      project: 'plant',
      from: 'gateway-events/message/before.ts',
      to: 'gateway-events/message/after.ts',
      version,
    });
    expect(renamed.status).toBe(200);
    expect(await t.request('plant', 'after')).toEqual({});
    await expect(t.request('plant', 'before')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const onto = await editor.post('/api/editor/rename', {
      project: 'plant',
      from: 'gateway-events/message/after.ts',
      to: 'gateway-events/message/echo.ts',
      version: renamed.json.version,
    });
    expect(onto.status).toBe(409);
    expect(onDisk('gateway-events/message/echo.ts')).toBe(handler('{ version: 3 }'));
  });

  it('deletes a file at the version it was read, and the handler stops answering', async () => {
    await editor.post('/api/editor/create', { project: 'plant', kind: 'gateway/message', name: 'doomed' });
    const { version } = (await editor.file('plant', 'gateway-events/message/doomed.ts')).json;
    expect(
      (await editor.post('/api/editor/delete', { project: 'plant', path: 'gateway-events/message/doomed.ts', version: 'sha256:old' }))
        .status,
    ).toBe(409);
    expect((await editor.post('/api/editor/delete', { project: 'plant', path: 'gateway-events/message/doomed.ts', version })).status).toBe(
      200,
    );
    expect(existsSync(join(t.projectsDir, 'plant', 'gateway-events/message/doomed.ts'))).toBe(false);
    await expect(t.request('plant', 'doomed')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('the test panel route', () => {
  it('sends a request to a handler and answers its value, the logs it produced and the time it took', async () => {
    t.write('plant', 'gateway-events/message/logs.ts', '');
    await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'gateway-events/message/logs.ts',
      content:
        'export default function (payload: any) {\n  system.util.getLogger("probe").info("got " + payload.n);\n  return payload.n * 2;\n}\n',
      force: true,
    });
    const ran = await editor.post('/api/editor/run', { project: 'plant', handler: 'logs', payload: { n: 21 } });
    expect(ran.status).toBe(200);
    expect(ran.json).toMatchObject({ ok: true, value: 42, ms: expect.any(Number) });
    expect(ran.json.logs).toContainEqual(expect.objectContaining({ logger: 'probe', message: 'got 21', project: 'plant' }));
    const failed = await editor.post('/api/editor/run', { project: 'plant', handler: 'nothing', payload: {} });
    expect(failed.json).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const message = await editor.post('/api/editor/run', { project: 'plant', handler: 'logs', payload: { n: 1 }, mode: 'message' });
    expect(message.json).toMatchObject({ ok: true, value: ['type=Gateway,project=plant,messageHandler=logs'] });
    for (const body of [
      { project: 'plant', handler: '../x' },
      { project: 'plant', handler: 'logs', payload: [] },
      { project: 'plant', handler: 'logs', mode: 'x' },
    ])
      expect((await editor.post('/api/editor/run', body)).status, JSON.stringify(body)).toBe(400);
  });
});

describe('the page', () => {
  it('is served at /editor/ with a content security policy that allows only this origin', async () => {
    const page = await fetch(`${http.url}/editor/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/editor/main.js">');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'; worker-src 'self'");
    for (const file of ['main.js', 'main.css', 'editor.worker.js', 'ts.worker.js', 'json.worker.js'])
      expect((await fetch(`${http.url}/editor/${file}`)).status, file).toBe(200);
    expect((await fetch(`${http.url}/editor/nothing.js`)).status).toBe(404);
  });
});
