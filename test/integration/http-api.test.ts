import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../api/server.ts';
import { handler, useGateway } from '../helpers/fixture.ts';

let http: RunningServer;

const t = useGateway({
  p: {
    files: {
      'gateway-events/message/echo.ts': handler('{ got: payload }'),
      'gateway-events/message/fails.ts': `export default function () {\n  throw new Error('nope');\n}\n`,
    },
  },
});
beforeAll(async () => {
  http = await t.http();
});

async function call(method: string, path: string, options: { body?: string; token?: string | null; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? http.adminToken}`;
  if (options.body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  const response = await fetch(http.url + path, { method, headers, body: options.body });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
}

describe('the admin HTTP API', () => {
  it('answers /health without a token', async () => {
    expect(await call('GET', '/health', { token: null })).toMatchObject({ status: 200, json: { status: 'ok', projects: 1 } });
  });

  it('calls a handler and returns its value', async () => {
    expect(await call('POST', '/api/projects/p/request/echo', { body: '{"payload":{"a":1}}' })).toMatchObject({
      status: 200,
      json: { value: { got: { a: 1 } } },
    });
  });

  it("returns a handler's error with the user's file:line and no host stack", async () => {
    const { status, json } = await call('POST', '/api/projects/p/request/fails', { body: '{}' });
    expect(status).toBe(422);
    expect(json).toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('nope'), location: { line: 2 } });
    expect(JSON.stringify(json)).not.toMatch(/node_modules|engine\/|node:internal/);
  });

  it('reports status and diagnostics', async () => {
    expect((await call('GET', '/api/status')).json).toMatchObject({ projects: [{ name: 'p', status: 'loaded' }] });
    expect((await call('GET', '/api/projects/p')).json).toMatchObject({
      name: 'p',
      handlers: ['gateway:message:echo', 'gateway:message:fails'],
    });
    expect((await call('GET', '/api/diagnostics')).json).toEqual({ diagnostics: [] });
    expect((await call('GET', '/api/logs?limit=5&level=info')).status).toBe(200);
  });

  const malformed: [string, string, string, { body?: string; token?: string | null; type?: string }, number, RegExp][] = [
    ['no token', 'GET', '/api/status', { token: null }, 401, /bearer token/],
    ['a wrong token', 'GET', '/api/status', { token: 'guess' }, 401, /bearer token/],
    ['an unknown route', 'GET', '/api/nothing', {}, 404, /no route/],
    ['a wrong method', 'DELETE', '/api/status', {}, 405, /not allowed/],
    ['an unknown project', 'GET', '/api/projects/none', {}, 404, /does not exist/],
    ['a name with ..', 'GET', '/api/projects/..%2F..%2Fetc', {}, 400, /not a valid name/],
    [
      'a name starting with a dot',
      'GET',
      '/api/projects/.p',
      {},
      400,
      /not a valid name \(1 to 128 letters, digits, _ \. - or spaces, starting with a letter, digit or _\)/,
    ],
    ['a valid name with .. inside (no such project)', 'GET', '/api/projects/a..b', {}, 404, /"a..b" does not exist/],
    ['a name with NUL', 'POST', '/api/projects/p%00/request/echo', { body: '{}' }, 400, /not a valid name/],
    ['bad percent-encoding', 'GET', '/api/projects/%E0%A4%A', {}, 400, /percent-encoding/],
    ['invalid JSON', 'POST', '/api/projects/p/request/echo', { body: '{"payload":' }, 400, /not valid JSON/],
    ['a JSON array body', 'POST', '/api/projects/p/request/echo', { body: '[1]' }, 400, /must be a JSON object/],
    [
      'a wrong content type',
      'POST',
      '/api/projects/p/request/echo',
      { body: 'a=1', type: 'application/x-www-form-urlencoded' },
      400,
      /content-type/,
    ],
    ['an unknown field', 'POST', '/api/projects/p/request/echo', { body: '{"paylod":{}}' }, 400, /unknown field "paylod"/],
    [
      'a payload that is not an object',
      'POST',
      '/api/projects/p/request/echo',
      { body: '{"payload":"x"}' },
      400,
      /"payload" must be a JSON object/,
    ],
    ['a negative timeout', 'POST', '/api/projects/p/request/echo', { body: '{"timeoutSec":-1}' }, 400, /"timeoutSec"/],
    ['a timeout of 0', 'POST', '/api/projects/p/request/echo', { body: '{"timeoutSec":0}' }, 400, /"timeoutSec" must be at least 0.001$/],
    [
      'a timeout that rounds to 0 ms',
      'POST',
      '/api/projects/p/request/echo',
      { body: '{"timeoutSec":0.0004}' },
      400,
      /"timeoutSec" must be at least 0.001$/,
    ],
    [
      'a timeout over a day',
      'POST',
      '/api/projects/p/request/echo',
      { body: '{"timeoutSec":86401}' },
      400,
      /"timeoutSec" must be at most 86400$/,
    ],
    ['a bad scope', 'POST', '/api/projects/p/message/echo', { body: '{"scope":"Q"}' }, 400, /letters C, G and S/],
    ['an unknown handler', 'POST', '/api/projects/p/request/none', { body: '{}' }, 404, /no gateway message handler "none"/],
    ['a bad log level', 'GET', '/api/logs?level=loud', {}, 400, /"level"/],
    ['a bad log cursor', 'GET', '/api/logs?after=-3', {}, 400, /"after"/],
    [
      "a payload over the project's limit",
      'POST',
      '/api/projects/p/request/echo',
      { body: JSON.stringify({ payload: { x: 'y'.repeat(2_100_000) } }) },
      413,
      /larger than the payload limit/,
    ],
  ];
  for (const [what, method, path, options, status, message] of malformed) {
    it(`answers ${what} with ${status} and a message, and keeps serving`, async () => {
      const response = await call(method, path, options);
      expect(response.status).toBe(status);
      expect(response.json.message).toMatch(message);
      expect(response.text).not.toMatch(/\n\s+at /);
      expect((await call('GET', '/health', { token: null })).status).toBe(200);
    });
  }

  it('answers a wrong method with 405, the code BAD_REQUEST and an Allow header', async () => {
    const response = await fetch(http.url + '/health', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await response.json()).toEqual({ code: 'BAD_REQUEST', message: 'method POST is not allowed here; use GET' });
  });

  it("reports a project's sandbox in its own status, as /api/status does", async () => {
    const { json } = await call('GET', '/api/projects/p');
    expect(json.sandbox).toMatchObject({ id: expect.any(String), pid: expect.any(Number) });
    expect((await call('GET', '/api/status')).json.projects).toEqual([json]);
  });

  it('logs a client that aborts its request quietly, without a stack', async () => {
    const { request } = await import('node:http');
    const seen = t.logs().length;
    const req = request(http.url + '/api/projects/p/request/echo', {
      method: 'POST',
      headers: { authorization: `Bearer ${http.adminToken}`, 'content-type': 'application/json', 'content-length': '1000' },
    });
    req.on('error', () => {});
    req.write('{"payload":');
    await new Promise((resolve) => setTimeout(resolve, 100));
    req.destroy();
    const aborted = await t.waitFor(() => t.logs((r) => r.logger === 'http').slice(-1)[0], 5000, 'the abort to be logged');
    expect(aborted).toMatchObject({ level: 'debug', message: 'the client closed the connection while sending its request (aborted)' });
    expect(
      t
        .logs()
        .slice(seen)
        .filter((r) => r.level === 'error' || r.level === 'warn'),
    ).toEqual([]);
    expect((await call('GET', '/health', { token: null })).status).toBe(200);
  });

  it('answers a malformed HTTP request line with 400', async () => {
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(http.port, '127.0.0.1', () => socket.write('NONSENSE\r\n\r\n'));
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    expect((await call('GET', '/health', { token: null })).status).toBe(200);
  });
});
