import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlintError } from '../../../engine/errors.ts';
import { LogHub } from '../../../engine/logging/logger.ts';
import { DEFAULT_SCRYPT } from '../../../engine/users/password-hash.ts';
import { UserSource, type UserChange } from '../../../engine/users/user-source.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };
let dir: string;
let sources: UserSource[];
let logs: LogHub;

function source(hashParams = CHEAP): UserSource {
  const users = new UserSource({ dataDir: dir, hashParams, logger: logs.logger('users') });
  sources.push(users);
  return users;
}

function thrown(fn: () => unknown): FlintError {
  try {
    fn();
  } catch (error) {
    return error as FlintError;
  }
  throw new Error('expected an error');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flint-users-'));
  sources = [];
  logs = new LogHub({ stdoutLevel: 'off' });
});
afterEach(() => {
  for (const users of sources) users.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the user source', () => {
  it('starts with no users when there is no users.json', () => {
    expect(source().list()).toEqual([]);
  });

  it('adds users with their roles and lists them by name, never with a hash', async () => {
    const users = source();
    await users.add('zoe', 'password-z', []);
    await users.add('alice@plant.example', 'password-a', ['operator', 'supervisor']);
    expect(users.list()).toEqual([
      { userName: 'alice@plant.example', roles: ['operator', 'supervisor'] },
      { userName: 'zoe', roles: [] },
    ]);
    expect(JSON.stringify(users.list())).not.toMatch(/hash|salt|password/);
    const file = readFileSync(users.path, 'utf8');
    expect(file).not.toContain('password-a');
    expect(JSON.parse(file).users[1].password).toMatchObject({ algorithm: 'scrypt', N: 1024, r: 8, p: 1 });
  });

  it('authenticates the right password and answers undefined for a wrong one and an unknown name', async () => {
    const users = source();
    await users.add('alice', 'password-a', ['operator']);
    expect(await users.authenticate('alice', 'password-a')).toEqual({ userName: 'alice', roles: ['operator'] });
    expect(await users.authenticate('alice', 'password-b')).toBeUndefined();
    expect(await users.authenticate('ALICE', 'password-a')).toBeUndefined();
    expect(await users.authenticate('nobody', 'password-a')).toBeUndefined();
  });

  it('takes as long for an unknown name as for a known one (it verifies a dummy hash)', async () => {
    const users = source(DEFAULT_SCRYPT);
    await users.add('alice', 'password-a', []);
    await users.authenticate('warm-up', 'x');
    const once = async (name: string) => {
      const start = performance.now();
      await users.authenticate(name, 'wrong-password');
      return performance.now() - start;
    };
    // Interleaved and the best of each: a busy machine slows both alike rather than one of them.
    let known = Infinity;
    let unknown = Infinity;
    for (let i = 0; i < 4; i++) {
      known = Math.min(known, await once('alice'));
      unknown = Math.min(unknown, await once('nobody'));
    }
    // Without the dummy hash an unknown name would answer in well under a millisecond against about 100 ms.
    expect(unknown).toBeGreaterThan(known * 0.25);
    expect(known).toBeGreaterThan(unknown * 0.25);
  });

  it.each([
    ['a name with a space', 'al ice', [], 'password-a', /user name "al ice" is not valid/],
    ['a name over 64 characters', 'a'.repeat(65), [], 'password-a', /is not valid/],
    ['an empty name', '', [], 'password-a', /is not valid/],
    ['a bad role', 'alice', ['ok', 'no way'], 'password-a', /role name "no way" is not valid/],
    ['a role twice', 'alice', ['a', 'a'], 'password-a', /role "a" is listed twice/],
    ['a short password', 'alice', [], 'short', /at least 8 characters/],
  ])('refuses %s', async (_what, name, roles, password, message) => {
    const users = source();
    await expect(users.add(name, password, roles)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(message) });
    expect(users.list()).toEqual([]);
  });

  it('refuses a name that exists, also in another case, and removing or changing one that does not', async () => {
    const users = source();
    await users.add('alice', 'password-a', []);
    await expect(users.add('alice', 'password-b', [])).rejects.toMatchObject({ message: expect.stringMatching(/"alice" already exists/) });
    await expect(users.add('Alice', 'password-b', [])).rejects.toMatchObject({ message: expect.stringMatching(/differing only in case/) });
    expect(thrown(() => users.remove('bob'))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(users.path) });
    expect(thrown(() => users.setRoles('bob', []))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('writes users.json with mode 0600 by replacing it whole, and leaves no temp or lock file', async () => {
    const users = source();
    await users.add('alice', 'password-a', []);
    expect(statSync(users.path).mode & 0o777).toBe(0o600);
    const before = statSync(users.path).ino;
    await users.add('bob', 'password-b', []);
    // A new inode: the file was renamed into place, not rewritten where a reader could see half of it.
    expect(statSync(users.path).ino).not.toBe(before);
    expect(statSync(users.path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['users.json']);
  });

  it('takes over a lock left behind by a writer that died', async () => {
    const users = source();
    writeFileSync(`${users.path}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${users.path}.lock`, old, old);
    await users.add('alice', 'password-a', []);
    expect(readdirSync(dir)).toEqual(['users.json']);
  });

  it('reads the file again when another process changed it', async () => {
    const gateway = source();
    const cli = source();
    expect(gateway.list()).toEqual([]);
    await cli.add('alice', 'password-a', ['operator']);
    expect(gateway.get('alice')).toEqual({ userName: 'alice', roles: ['operator'] });
    cli.setRoles('alice', ['supervisor']);
    expect(await gateway.authenticate('alice', 'password-a')).toEqual({ userName: 'alice', roles: ['supervisor'] });
    cli.remove('alice');
    expect(gateway.get('alice')).toBeUndefined();
  });

  it('tells listeners, while watching, of users removed and changed elsewhere without being asked', async () => {
    const gateway = source();
    const cli = source();
    await cli.add('alice', 'password-a', ['operator']);
    await cli.add('bob', 'password-b', []);
    const changes: UserChange[] = [];
    const removed: string[] = [];
    gateway.onUserChanged((change) => changes.push(change));
    gateway.onUserRemoved((name) => removed.push(name));
    gateway.watch();
    cli.setRoles('alice', ['operator', 'supervisor']);
    await waitFor(() => changes.length === 1, 5000, 'the roles change');
    expect(changes[0]).toEqual({
      user: { userName: 'alice', roles: ['operator', 'supervisor'] },
      previousRoles: ['operator'],
      passwordChanged: false,
    });
    cli.remove('bob');
    await waitFor(() => removed.length === 1, 5000, 'the removal');
    expect(removed).toEqual(['bob']);
    // A new password (here: removed and added again between two reads) is a change with passwordChanged.
    const file = JSON.parse(readFileSync(cli.path, 'utf8'));
    const otherDir = mkdtempSync(join(tmpdir(), 'flint-users-other-'));
    const other = new UserSource({ dataDir: otherDir, hashParams: CHEAP });
    await other.add('alice', 'password-new', ['operator', 'supervisor']);
    file.users[0].password = JSON.parse(readFileSync(other.path, 'utf8')).users[0].password;
    rmSync(otherDir, { recursive: true });
    writeFileSync(cli.path, JSON.stringify(file));
    await waitFor(() => changes.length === 2, 5000, 'the password change');
    expect(changes[1]).toMatchObject({ passwordChanged: true, previousRoles: ['operator', 'supervisor'] });
    expect(await gateway.authenticate('alice', 'password-new')).toBeTruthy();
  });

  it.each([
    ['not JSON', '{"version": 1, "users": [', /is not valid JSON/],
    ['no version', '{"users": []}', /must have "version": 1/],
    ['users that are not a list', '{"version": 1, "users": {}}', /must have "users": a list/],
    ['an unknown key', '{"version": 1, "users": [], "admins": []}', /unknown key "admins"/],
    ['a bad user name', '{"version": 1, "users": [{"userName": "a b", "roles": [], "password": {}}]}', /users\[0\]: user name "a b"/],
    ['a bad role', '{"version": 1, "users": [{"userName": "a", "roles": [1], "password": {}}]}', /users\[0\]: role name 1/],
    [
      'a bad hash',
      '{"version": 1, "users": [{"userName": "a", "roles": [], "password": {"algorithm": "scrypt"}}]}',
      /users\[0\] \("a"\): password N/,
    ],
  ])('refuses a users file with %s, naming the file, and never overwrites it', async (_what, text, message) => {
    const users = source();
    writeFileSync(users.path, text);
    const error = thrown(() => users.list());
    expect(error).toMatchObject({ code: 'DATA_FILE_INVALID' });
    expect(error.message).toContain(users.path);
    expect(error.message).toMatch(message);
    await expect(users.add('bob', 'password-b', [])).rejects.toMatchObject({ code: 'DATA_FILE_INVALID' });
    expect(thrown(() => users.remove('a'))).toMatchObject({ code: 'DATA_FILE_INVALID' });
    await expect(users.authenticate('a', 'x')).rejects.toMatchObject({ code: 'DATA_FILE_INVALID' });
    expect(readFileSync(users.path, 'utf8')).toBe(text);
  });

  it('keeps the last users it read while the file is corrupt, logs it once, and recovers when it is fixed', async () => {
    const users = source();
    await users.add('alice', 'password-a', ['operator']);
    const good = readFileSync(users.path, 'utf8');
    writeFileSync(users.path, good.slice(0, 40));
    expect(users.get('alice')).toEqual({ userName: 'alice', roles: ['operator'] });
    expect(users.get('alice')).toBeTruthy();
    const errors = logs.ring.query().filter((r) => r.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain(users.path);
    writeFileSync(users.path, good);
    expect(await users.authenticate('alice', 'password-a')).toBeTruthy();
  });
});
