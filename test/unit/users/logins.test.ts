import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttemptLimiter, TooManyAttempts } from '../../../engine/users/attempt-limiter.ts';
import { Logins, WRONG_LOGIN, type LoginOptions } from '../../../engine/users/logins.ts';
import { UserSource } from '../../../engine/users/user-source.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };
let dir: string;
let users: UserSource;
let open: Logins[];

function logins(options: LoginOptions = {}): Logins {
  const made = new Logins(users, options);
  open.push(made);
  return made;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message, error };
  }
  throw new Error('expected the login to fail');
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flint-logins-'));
  users = new UserSource({ dataDir: dir, hashParams: CHEAP });
  open = [];
  await users.add('alice', 'password-a', ['operator']);
  await users.add('bob', 'password-b', []);
});
afterEach(() => {
  for (const l of open) l.close();
  users.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('logins', () => {
  it('hand out a random 32-byte base64url token that verifies to the user until it expires', async () => {
    const before = Date.now();
    const result = await logins().login('alice', 'password-a', '10.0.0.1');
    expect(result.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(result.token, 'base64url')).toHaveLength(32);
    expect(result.user).toEqual({ userName: 'alice', roles: ['operator'] });
    const expires = Date.parse(result.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 8 * 3600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 8 * 3600_000);
    expect(open[0].verify(result.token)).toEqual({ userName: 'alice', roles: ['operator'] });
    const other = await open[0].login('alice', 'password-a', '10.0.0.1');
    expect(other.token).not.toBe(result.token);
  });

  it('keep only the SHA-256 of a token', async () => {
    const l = logins();
    const { token } = await l.login('alice', 'password-a', '10.0.0.1');
    const keys = [...(l as unknown as { byDigest: Map<string, unknown> }).byDigest.keys()];
    expect(keys).toEqual([createHash('sha256').update(token).digest('base64url')]);
  });

  it('answer an unknown user and a wrong password with the same error', async () => {
    const l = logins();
    const unknown = await failure(l.login('nobody', 'password-a', '10.0.0.1'));
    const wrong = await failure(l.login('alice', 'password-x', '10.0.0.1'));
    expect(unknown).toMatchObject({ code: 'UNAUTHORIZED', message: WRONG_LOGIN });
    expect(wrong).toMatchObject({ code: unknown.code, message: unknown.message });
  });

  it('verify nothing but a live token', async () => {
    const l = logins();
    const { token } = await l.login('alice', 'password-a', '10.0.0.1');
    for (const bad of ['', 'x', token.slice(1), token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), token + 'A'])
      expect(l.verify(bad), bad).toBeUndefined();
  });

  it('end when revoked', async () => {
    const l = logins();
    const { token } = await l.login('alice', 'password-a', '10.0.0.1');
    expect(l.revoke(token)).toBe(true);
    expect(l.verify(token)).toBeUndefined();
    expect(l.revoke(token)).toBe(false);
    expect(l.size).toBe(0);
  });

  it('expire after their lifetime', async () => {
    const l = logins({ ttlMs: 300 });
    const { token, expiresAt } = await l.login('alice', 'password-a', '10.0.0.1');
    expect(l.verify(token)).toBeTruthy();
    await waitFor(() => l.verify(token) === undefined, 5000, 'the login to expire');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    expect(l.size).toBe(0);
  });

  it('refuse a user name after 10 failures a minute, from any address, even with the right password', async () => {
    const l = logins();
    for (let i = 0; i < 10; i++) expect((await failure(l.login('alice', 'wrong-pass', `10.0.0.${i}`))).code).toBe('UNAUTHORIZED');
    const refused = await failure(l.login('alice', 'password-a', '10.0.1.1'));
    expect(refused.error).toBeInstanceOf(TooManyAttempts);
    expect(refused.code).toBe('QUOTA_EXCEEDED');
    expect(refused.message).toMatch(/too many failed logins .* try again in (5\d|60) s/);
    // Another case of the name counts as the same name.
    expect((await failure(l.login('ALICE', 'x', '10.0.1.2'))).code).toBe('QUOTA_EXCEEDED');
    // Other users are not affected.
    expect((await l.login('bob', 'password-b', '10.0.1.1')).user.userName).toBe('bob');
  });

  it('refuse an address after 10 failures a minute, whatever names it tries', async () => {
    const l = logins();
    for (let i = 0; i < 10; i++) await failure(l.login(`guess${i}`, 'password-a', '192.0.2.7'));
    expect((await failure(l.login('alice', 'password-a', '192.0.2.7'))).code).toBe('QUOTA_EXCEEDED');
    expect((await l.login('alice', 'password-a', '192.0.2.8')).user.userName).toBe('alice');
  });

  it('let a name try again once its failures have left the window', async () => {
    const l = logins({ attempts: { max: 3, windowMs: 400 } });
    for (let i = 0; i < 3; i++) await failure(l.login('alice', 'wrong-pass', '10.0.0.1'));
    expect((await failure(l.login('alice', 'password-a', '10.0.0.1'))).code).toBe('QUOTA_EXCEEDED');
    await waitFor(async () => (await l.login('alice', 'password-a', '10.0.0.1').catch(() => undefined)) !== undefined, 5000, 'the window');
  });

  it('count attempts that run in parallel, so a burst cannot pass the limit', async () => {
    const l = logins();
    const results = await Promise.all(Array.from({ length: 30 }, () => failure(l.login('alice', 'wrong-pass', '10.0.0.1'))));
    expect(results.filter((r) => r.code === 'UNAUTHORIZED')).toHaveLength(10);
    expect(results.filter((r) => r.code === 'QUOTA_EXCEEDED')).toHaveLength(20);
  });

  it('do not count successful logins against the limit', async () => {
    const l = logins();
    for (let i = 0; i < 15; i++) await l.login('alice', 'password-a', '10.0.0.1');
    expect(l.size).toBe(15);
  });

  it('end when the user is removed, also by another process, and answer the new roles when they change', async () => {
    const l = logins();
    users.watch();
    const a = await l.login('alice', 'password-a', '10.0.0.1');
    const b = await l.login('bob', 'password-b', '10.0.0.1');
    const cli = new UserSource({ dataDir: dir, hashParams: CHEAP });
    cli.setRoles('alice', ['operator', 'supervisor']);
    expect(l.verify(a.token)).toEqual({ userName: 'alice', roles: ['operator', 'supervisor'] });
    cli.remove('bob');
    // The watcher ends bob's login without anyone asking for it.
    await waitFor(() => l.size === 1, 5000, "bob's login to end");
    expect(l.verify(b.token)).toBeUndefined();
    expect(l.verify(a.token)).toBeTruthy();
  });

  it('end when the user is given a new password', async () => {
    const l = logins();
    const { token } = await l.login('bob', 'password-b', '10.0.0.1');
    // Removed and added again by another process between two reads: to this source, bob has a new password.
    const cli = new UserSource({ dataDir: dir, hashParams: CHEAP });
    cli.remove('bob');
    await cli.add('bob', 'password-new', []);
    expect(l.verify(token)).toBeUndefined();
    expect((await failure(l.login('bob', 'password-b', '10.0.0.1'))).code).toBe('UNAUTHORIZED');
    expect(await l.login('bob', 'password-new', '10.0.0.1')).toBeTruthy();
  });

  it("end a user's oldest login past the most a user may have", async () => {
    const l = logins({ maxPerUser: 2 });
    const first = await l.login('alice', 'password-a', '10.0.0.1');
    const second = await l.login('alice', 'password-a', '10.0.0.1');
    const third = await l.login('alice', 'password-a', '10.0.0.1');
    expect(l.verify(first.token)).toBeUndefined();
    expect(l.verify(second.token)).toBeTruthy();
    expect(l.verify(third.token)).toBeTruthy();
  });

  it('remember a bounded number of failing names and addresses', () => {
    const limiter = new AttemptLimiter();
    for (let i = 0; i < 100_050; i++) limiter.fail(`user:guess${i}`);
    expect(limiter.size).toBe(100_000);
    // The newest keys are the ones kept.
    expect(limiter.waitMs('user:guess100049')).toBe(0);
    for (let i = 0; i < 9; i++) limiter.fail('user:guess100049');
    expect(limiter.waitMs('user:guess100049')).toBeGreaterThan(0);
  });
});
