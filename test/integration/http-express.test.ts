import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningServer } from '../../api/server.ts';
import { handler, useGateway } from '../helpers/fixture.ts';

let http: RunningServer;
const t = useGateway({ p: { files: { 'gateway-events/message/echo.ts': handler('{ got: payload }') } } });

beforeAll(async () => {
  http = await t.http();
  const site = mkdtempSync(join(tmpdir(), 'flint-static-'));
  mkdirSync(join(site, 'app', 'sub'), { recursive: true });
  writeFileSync(join(site, 'app', 'index.html'), '<!doctype html><title>editor</title>');
  writeFileSync(join(site, 'app', 'main.js'), 'console.log(1);');
  writeFileSync(join(site, 'app', 'sub', 'style.css'), 'body{}');
  writeFileSync(join(site, 'app', '.secret'), 'token');
  writeFileSync(join(site, 'outside.txt'), 'not served');
  http.mountStatic('/site', join(site, 'app'));
  http.websockets.add({
    path: '/test/echo',
    handle: (socket) => socket.on('message', (data) => socket.send(`echo:${(data as Buffer).toString('utf8')}`)),
  });
  http.websockets.add({ path: '/test/public', public: true, maxPayload: 16, handle: () => undefined });
});

/** A raw request, so paths are sent exactly as written (fetch would normalise them). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: http.port, method, path, headers: { authorization: `Bearer ${http.adminToken}`, ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function opened(path: string, headers: Record<string, string> = {}): Promise<{ socket?: WebSocket; status?: number; body?: string }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${http.port}${path}`, { headers });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    socket.once('error', () => undefined);
  });
}

describe('the API on Express', () => {
  it.each([
    ['a trailing slash', 'GET', '/api/status/', 404],
    ['another case', 'GET', '/API/STATUS', 404],
    ['a path Express cannot decode', 'GET', '/api/projects/%E0%A4%A', 400],
    ['an unknown route', 'POST', '/nothing/here', 404],
    ['a wrong method on a POST route', 'GET', '/api/projects/p/request/echo', 405],
    ['HEAD on an unknown route', 'HEAD', '/nothing', 404],
  ])('answers %s with JSON, never an HTML page or a stack', async (_what, method, path, status) => {
    const answer = await raw(method, path);
    expect(answer.status).toBe(status);
    if (method !== 'HEAD') {
      expect(answer.type).toMatch(/^application\/json/);
      expect(JSON.parse(answer.text)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(answer.text).not.toMatch(/<html|<pre|at [A-Za-z]+ \(|node_modules/);
    }
  });

  it.each([
    ['bad JSON', '/api/projects/p/request/echo', { 'content-type': 'application/json' }, '{"payload":', 400, /not valid JSON/],
    [
      'a wrong content type',
      '/api/projects/p/request/echo',
      { 'content-type': 'text/plain' },
      '{}',
      400,
      /content-type must be application\/json/,
    ],
    [
      'a body that is not an object',
      '/api/projects/p/request/echo',
      { 'content-type': 'application/json' },
      '[1]',
      400,
      /must be a JSON object/,
    ],
    [
      'a huge body',
      '/api/projects/p/request/echo',
      { 'content-type': 'application/json' },
      `{"payload":{"x":"${'y'.repeat(70 * 1024 * 1024)}"}}`,
      413,
      /larger than/,
    ],
    [
      'a bad project name',
      '/api/projects/..%2f..%2fetc/request/echo',
      { 'content-type': 'application/json' },
      '{}',
      400,
      /is not a valid name/,
    ],
    ['a bad handler name', '/api/projects/p/request/-x', { 'content-type': 'application/json' }, '{}', 400, /is not a valid name/],
    ['an unknown project', '/api/projects/nope/request/echo', { 'content-type': 'application/json' }, '{}', 404, /nope/],
  ])('answers a POST with %s with a JSON 4xx and its message', async (_what, path, headers, body, status, message) => {
    const answer = await raw('POST', path, headers, body);
    expect(answer.status).toBe(status);
    expect(answer.type).toMatch(/^application\/json/);
    const error = JSON.parse(answer.text) as { code: string; message: string };
    expect(error.message).toMatch(message);
    expect(answer.text).not.toMatch(/<html|<pre|at [A-Za-z]+ \(|node_modules/);
  });

  it('sends no x-powered-by header and no etag on API answers', async () => {
    const response = await fetch(`${http.url}/api/status`, { headers: { authorization: `Bearer ${http.adminToken}` } });
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('etag')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('reads no body before the token is checked', async () => {
    const answer = await raw(
      'POST',
      '/api/projects/p/request/echo',
      { authorization: 'Bearer wrong', 'content-type': 'application/json' },
      '{"payload":',
    );
    expect(answer.status).toBe(401);
  });
});

describe('static folders', () => {
  it('serves files with their content types and index.html for the folder', async () => {
    expect(await raw('GET', '/site/main.js', {})).toMatchObject({
      status: 200,
      type: expect.stringMatching(/javascript/),
      text: 'console.log(1);',
    });
    expect(await raw('GET', '/site/sub/style.css')).toMatchObject({ status: 200, type: expect.stringMatching(/^text\/css/) });
    expect(await raw('GET', '/site/')).toMatchObject({
      status: 200,
      type: expect.stringMatching(/^text\/html/),
      text: expect.stringContaining('editor'),
    });
  });

  it('lists no folder, serves no dotfile and nothing outside its root', async () => {
    for (const path of [
      '/site/sub/',
      '/site/.secret',
      '/site/../outside.txt',
      '/site/%2e%2e/outside.txt',
      '/site/..%2foutside.txt',
      '/site/sub/..%2f..%2foutside.txt',
    ]) {
      const answer = await raw('GET', path);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.text, path).not.toMatch(/not served|token|style\.css/);
    }
  });
});

describe('WebSocket endpoints', () => {
  it('connects an endpoint with the admin token and talks to it', async () => {
    const { socket } = await opened('/test/echo', { authorization: `Bearer ${http.adminToken}` });
    const reply = new Promise<string>((resolve) => socket!.once('message', (d) => resolve((d as Buffer).toString('utf8'))));
    socket!.send('hi');
    expect(await reply).toBe('echo:hi');
    socket!.close();
  });

  it('refuses an unknown path with a JSON 404 and a missing token with a 401', async () => {
    const unknown = await opened('/nowhere');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body!)).toEqual({ code: 'NOT_FOUND', message: 'no WebSocket endpoint at /nowhere' });
    const noToken = await opened('/test/echo');
    expect(noToken.status).toBe(401);
    expect(JSON.parse(noToken.body!)).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('closes a socket that sends a frame over its endpoint limit with 1009', async () => {
    const { socket } = await opened('/test/public');
    const closed = new Promise<number>((resolve) => socket!.once('close', (code) => resolve(code)));
    socket!.send('x'.repeat(100));
    expect(await closed).toBe(1009);
  });

  it('answers a plain request to an upgrade path through the API (404 JSON), and the gateway keeps serving', async () => {
    expect((await raw('GET', '/test/echo')).status).toBe(404);
    expect((await raw('POST', '/api/projects/p/request/echo', { 'content-type': 'application/json' }, '{"payload":{"a":1}}')).text).toBe(
      '{"value":{"got":{"a":1}}}',
    );
  });
});
