import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../api/server.ts';
import { EditorClient } from '../helpers/editor-client.ts';
import { handler, useGateway } from '../helpers/fixture.ts';

const t = useGateway({ plant: { files: { 'gateway-events/message/echo.ts': handler('1'), 'lib/format.ts': 'export {};\n' } } });

let http: RunningServer;
let editor: EditorClient;
/** A folder beside the projects folder that nothing may reach through the editor. */
let outside: string;

beforeAll(async () => {
  http = await t.http();
  editor = new EditorClient(http);
  await editor.login({ token: http.adminToken });
  outside = join(t.root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.ts'), 'export const secret = "s3cret";\n');
  // Links inside the project pointing out of it: a file, a folder of handlers, and a whole project folder.
  symlinkSync(join(outside, 'secret.ts'), join(t.projectsDir, 'plant', 'lib', 'secret.ts'));
  symlinkSync(outside, join(t.projectsDir, 'plant', 'session-events'));
  mkdirSync(join(t.projectsDir, 'elsewhere'));
  writeFileSync(join(outside, 'project.json'), '{}');
  symlinkSync(outside, join(t.projectsDir, 'linked'));
});

/** Every file under the test's root but the data folder, with its size and time: a refused request must change none. */
function snapshot(): string {
  const rows: string[] = [];
  for (const entry of readdirSync(t.root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const rel = relative(t.root, path);
    if (rel.startsWith('data')) continue;
    const stats = statSync(path, { throwIfNoEntry: false });
    rows.push(`${rel} ${entry.isSymbolicLink() ? 'link' : (stats?.size ?? '-')} ${stats?.mtimeMs ?? ''}`);
  }
  return rows.sort().join('\n');
}

const BAD_PATHS: [string, unknown][] = [
  ['parent segments', '../elsewhere/gateway-events/message/x.ts'],
  ['parent segments in the middle', 'gateway-events/message/../../../outside/x.ts'],
  ['an absolute path', '/etc/passwd'],
  ['an absolute path to the outside folder', '/tmp/x/gateway-events/message/x.ts'],
  ['an encoded separator (sent as text)', 'gateway-events%2Fmessage%2Fx.ts'],
  ['encoded parent segments', '..%2F..%2Foutside%2Fsecret.ts'],
  ['a NUL byte', 'gateway-events/message/x.ts\u0000.json'],
  ['a control character', 'gateway-events/message/x\u0007.ts'],
  ['a backslash', 'gateway-events\\message\\x.ts'],
  ['.git', '.git/config'],
  ['.git inside a folder', 'lib/.git/hooks/pre-commit.ts'],
  ['a hidden file', 'gateway-events/message/.x.ts'],
  ['a fullwidth full stop as a dot', 'lib/\uff0e\uff0e/x.ts'],
  ['a division slash as a separator', 'lib\u2215x.ts'],
  ['a one dot leader', 'lib/\u2024\u2024/x.ts'],
  ['a Unicode letter', 'lib/caf\u00e9.ts'],
  ['a character names do not allow', 'gateway-events/message/x$y.ts'],
  ['a file outside the layout', 'README.md'],
  ['a script under a folder the layout does not have', 'scripts/x.ts'],
  ['an empty segment', 'lib//x.ts'],
  ['a trailing slash', 'lib/'],
  ['an empty path', ''],
  ['a path that is not a string', 42],
  ['a very long path', `lib/${'a'.repeat(120)}/`.repeat(6) + 'x.ts'],
];

describe('editor paths: every malformed or escaping path is a 400 with a message, and nothing is written', () => {
  it.each(BAD_PATHS)('save refuses %s', async (_what, path) => {
    const before = snapshot();
    const answer = await editor.post('/api/editor/save', { project: 'plant', path, content: 'export {};\n', force: true });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/path/) });
    expect(snapshot()).toBe(before);
  });

  it.each(BAD_PATHS.filter(([, path]) => typeof path === 'string'))('read refuses %s (query parameter)', async (_what, path) => {
    const answer = await editor.file('plant', path as string);
    expect(answer.status).toBe(400);
  });

  it('read refuses percent-encoded parent segments and separators in the raw query string', async () => {
    for (const raw of ['..%2F..%2Foutside%2Fsecret.ts', '%2E%2E/%2E%2E/outside/secret.ts', 'lib%5C..%5C..%5Csecret.ts', 'lib/x.ts%00.json'])
      expect((await editor.get(`/api/editor/file?project=plant&path=${raw}`)).status, raw).toBe(400);
  });

  it('refuses bad project names and projects that are links, for reads and writes', async () => {
    const before = snapshot();
    for (const project of ['..', '../outside', 'plant/../elsewhere', '.git', '', 'plant\u0000'])
      expect((await editor.post('/api/editor/save', { project, path: 'lib/x.ts', content: '', force: true })).status, project).toBe(400);
    // A folder without project.json is no project; a link to a project is not followed.
    expect((await editor.post('/api/editor/save', { project: 'elsewhere', path: 'lib/x.ts', content: '', force: true })).status).toBe(404);
    expect((await editor.post('/api/editor/save', { project: 'linked', path: 'lib/x.ts', content: '', force: true })).status).toBe(404);
    expect(snapshot()).toBe(before);
  });

  it('does not follow a link to a file outside the projects folder, to read it or to write through it', async () => {
    const before = snapshot();
    const read = await editor.file('plant', 'lib/secret.ts');
    expect(read.status).toBe(400);
    expect(read.json.message).toContain('symbolic link');
    expect(JSON.stringify(read.json)).not.toContain('s3cret');
    const write = await editor.post('/api/editor/save', { project: 'plant', path: 'lib/secret.ts', content: 'pwned', force: true });
    expect(write.status).toBe(400);
    expect(readFileSync(join(outside, 'secret.ts'), 'utf8')).toContain('s3cret');
    // Nor rename or delete it.
    expect((await editor.post('/api/editor/delete', { project: 'plant', path: 'lib/secret.ts', force: true })).status).toBe(400);
    expect(
      (await editor.post('/api/editor/rename', { project: 'plant', from: 'lib/secret.ts', to: 'lib/mine.ts', force: true })).status,
    ).toBe(400);
    expect(snapshot()).toBe(before);
  });

  it('does not write into a linked folder that leads outside', async () => {
    const before = snapshot();
    const answer = await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'session-events/message/x.ts',
      content: 'export default function () {}\n',
      force: true,
    });
    expect(answer.status).toBe(400);
    expect(answer.json.message).toContain('symbolic link');
    const created = await editor.post('/api/editor/create', { project: 'plant', kind: 'session/message', name: 'x' });
    expect(created.status).toBe(400);
    expect(readdirSync(outside).sort()).toEqual(['project.json', 'secret.ts']);
    expect(snapshot()).toBe(before);
  });

  it('refuses a rename whose target escapes, and leaves the source in place', async () => {
    const before = snapshot();
    for (const to of ['../../outside/echo.ts', '/tmp/echo.ts', 'gateway-events/message/.echo.ts', 'lib/secret.ts'])
      expect(
        (await editor.post('/api/editor/rename', { project: 'plant', from: 'gateway-events/message/echo.ts', to, force: true })).status,
        to,
      ).toBe(400);
    expect(snapshot()).toBe(before);
  });

  it('refuses a file over 1 MiB (400) and a body over the route limit (413), writing nothing', async () => {
    const before = snapshot();
    const big = await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'lib/big.ts',
      content: 'x'.repeat(1024 * 1024 + 1),
      force: true,
    });
    expect(big).toMatchObject({ status: 400, json: { message: expect.stringContaining('larger than 1048576 bytes') } });
    const huge = await editor.post('/api/editor/save', {
      project: 'plant',
      path: 'lib/big.ts',
      content: 'x'.repeat(9 * 1024 * 1024),
      force: true,
    });
    expect(huge.status).toBe(413);
    expect(snapshot()).toBe(before);
  });
});

describe('editor requests without a session or from another site', () => {
  it('answers 401 to a write without a session cookie, whatever CSRF header it sends', async () => {
    const before = snapshot();
    const stranger = new EditorClient(http);
    const answer = await stranger.post(
      '/api/editor/save',
      { project: 'plant', path: 'lib/x.ts', content: '', force: true },
      { 'x-flint-csrf': editor.csrf },
    );
    expect(answer.status).toBe(401);
    expect(snapshot()).toBe(before);
  });

  it('answers 403 to a write with the cookie but without the CSRF token, or with a wrong one', async () => {
    const before = snapshot();
    const body = { project: 'plant', path: 'lib/x.ts', content: 'export {};\n', force: true };
    const missing = await editor.send('POST', '/api/editor/save', body);
    expect(missing).toMatchObject({ status: 403, json: { code: 'FORBIDDEN', message: expect.stringContaining('CSRF') } });
    expect((await editor.post('/api/editor/save', body, { 'x-flint-csrf': 'guessed' })).status).toBe(403);
    expect((await editor.post('/api/editor/logout', {}, { 'x-flint-csrf': '' })).status).toBe(403);
    expect((await editor.get('/api/editor/session')).status).toBe(200); // the session survived the forged logout
    expect(snapshot()).toBe(before);
  });

  it('answers 403 to a cross-site write even with the right cookie and token', async () => {
    const before = snapshot();
    const body = { project: 'plant', path: 'lib/x.ts', content: 'export {};\n', force: true };
    expect((await editor.post('/api/editor/save', body, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await editor.post('/api/editor/save', body, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await editor.post('/api/editor/login', { token: http.adminToken }, { origin: 'http://evil.example' })).status).toBe(403);
    expect(snapshot()).toBe(before);
    // The same write from the gateway's own origin goes through.
    expect((await editor.post('/api/editor/save', body, { origin: http.url })).status).toBe(200);
  });
});
