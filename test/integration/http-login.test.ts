import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../api/server.ts';
import { UserSource } from '../../engine/users/user-source.ts';
import { useGateway } from '../helpers/fixture.ts';

const t = useGateway();
let http: RunningServer;
let users: UserSource;

beforeAll(async () => {
  http = await t.http();
  // Another writer of the gateway's users.json, as `flint user add` is (cheap scrypt parameters: these tests log in often).
  users = new UserSource({ dataDir: join(t.root, 'data'), hashParams: { N: 1024, r: 8, p: 1 } });
  await users.add('alice', 'password-a', ['operator', 'supervisor']);
});

async function post(path: string, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${http.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

const login = (userName: unknown, password: unknown) => post('/api/login', JSON.stringify({ userName, password }));

describe('POST /api/login', () => {
  it('answers 200 with a token, the user and when the login ends, without an admin token', async () => {
    const answer = await login('alice', 'password-a');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      user: { userName: 'alice', roles: ['operator', 'supervisor'] },
      expiresAt: expect.any(String),
    });
    expect(Date.parse(answer.json.expiresAt)).toBeGreaterThan(Date.now() + 7.9 * 3600_000);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(t.gateway.logins.verify(answer.json.token)).toEqual({ userName: 'alice', roles: ['operator', 'supervisor'] });
  });

  it('answers 401 with the same JSON error for a wrong password and an unknown user', async () => {
    const wrong = await login('alice', 'password-x');
    const unknown = await login('nobody', 'password-a');
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ code: 'UNAUTHORIZED', message: 'wrong user name or password' });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toEqual(wrong.json);
  });

  it('logs logins and failures as audit records, never the password', async () => {
    await login('alice', 'password-a');
    await login('alice', 'not-her-password');
    const records = t.logs((r) => r.logger === 'users');
    expect(records.some((r) => r.fields?.event === 'login' && r.fields.userName === 'alice')).toBe(true);
    expect(records.some((r) => r.fields?.event === 'login-failed' && r.fields.address === '127.0.0.1')).toBe(true);
    expect(JSON.stringify(t.logs())).not.toMatch(/password-a|not-her-password/);
  });

  it.each([
    ['no body', undefined, 400, /field "userName" is missing/],
    ['no password', '{"userName":"alice"}', 400, /field "password" is missing/],
    ['a user name that is a number', '{"userName":1,"password":"password-a"}', 400, /field "userName" must be a string/],
    ['an empty password', '{"userName":"alice","password":""}', 400, /field "password" must be a string of 1 to 1024/],
    ['a password over 1024 characters', JSON.stringify({ userName: 'alice', password: 'x'.repeat(1025) }), 400, /1 to 1024/],
    ['an unknown field', '{"userName":"alice","password":"password-a","remember":true}', 400, /unknown field "remember"/],
    ['bad JSON', '{"userName":', 400, /not valid JSON/],
    ['a list', '["alice","password-a"]', 400, /must be a JSON object/],
    ['a body over 8 KiB', JSON.stringify({ userName: 'alice', password: 'x'.repeat(9000) }), 413, /larger than 8192 bytes/],
  ])('answers a login with %s with a JSON %i and its message', async (_what, body, status, message) => {
    const answer = await post('/api/login', body);
    expect(answer.status).toBe(status);
    expect(answer.json.message).toMatch(message);
    expect((await fetch(`${http.url}/health`)).status).toBe(200);
  });

  it('answers a name that cannot exist as an unknown user (401), not as a bad request', async () => {
    expect((await login('no such name!', 'password-a')).status).toBe(401);
  });

  it('answers GET with 405', async () => {
    expect((await fetch(`${http.url}/api/login`)).status).toBe(405);
  });
});

describe('POST /api/logout', () => {
  it('ends the login of its bearer token with 204 and no body', async () => {
    const { json } = await login('alice', 'password-a');
    const answer = await post('/api/logout', undefined, { authorization: `Bearer ${json.token}` });
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(t.gateway.logins.verify(json.token)).toBeUndefined();
  });

  it('answers 204 for a token that is no longer live, and 401 without a token', async () => {
    expect((await post('/api/logout', undefined, { authorization: 'Bearer not-a-live-token' })).status).toBe(204);
    const none = await post('/api/logout');
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/Authorization: Bearer/) });
  });
});

describe('logins and users.json changing under a running gateway', () => {
  it('ends the logins of a user removed from the file', async () => {
    await users.add('bob', 'password-b', []);
    const { json } = await login('bob', 'password-b');
    expect(t.gateway.logins.verify(json.token)).toBeTruthy();
    users.remove('bob');
    await t.waitFor(() => t.gateway.logins.verify(json.token) === undefined, 5000, "bob's login to end");
    expect((await login('bob', 'password-b')).status).toBe(401);
  });

  it('answers 503 without the path while users.json is corrupt, and logs the file by name', async () => {
    const path = join(t.root, 'data', 'users.json');
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, '{"version": 1, "users": [');
    const answer = await login('alice', 'password-a');
    expect(answer.status).toBe(503);
    expect(answer.json).toEqual({ code: 'DATA_FILE_INVALID', message: expect.stringMatching(/see the gateway log/) });
    expect(answer.text).not.toContain(t.root);
    expect(t.logs((r) => r.level === 'error' && r.message.includes(path)).length).toBeGreaterThan(0);
    expect(readFileSync(path, 'utf8')).toBe('{"version": 1, "users": [');
    writeFileSync(path, good);
    expect((await login('alice', 'password-a')).status).toBe(200);
  });

  // Last in this file: it leaves 127.0.0.1 refused for a minute.
  it('refuses the 11th failure of a minute from one address with 429 and Retry-After', async () => {
    let status = 0;
    for (let i = 0; i < 12 && status !== 429; i++) status = (await login('alice', `wrong-${i}-password`)).status;
    expect(status).toBe(429);
    const refused = await login('alice', 'password-a');
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringMatching(/too many failed logins/) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });
});
