import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSource } from '../../engine/users/user-source.ts';
import { useGateway } from '../helpers/fixture.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const FLINT = join(ROOT, 'bin/flint.mjs');
const NODE24 = process.execPath;
const HAS_PYTHON = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' }).status === 0;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flint-user-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real CLI in its own process; `input` is its stdin (a pipe, so never a terminal). */
function flint(args: string[], input = '', env: Record<string, string> = {}) {
  const result = spawnSync(NODE24, [FLINT, ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('flint user', () => {
  it('adds users from --password-stdin, lists names and roles, never hashes, and removes them', async () => {
    const data = join(dir, 'a');
    const added = flint(['user', 'add', 'alice', '--roles', 'operator, supervisor', '--password-stdin', '--data', data], 'pass word 1\n');
    expect(added).toMatchObject({ code: 0, stdout: `added user "alice" (roles: operator, supervisor) to ${join(data, 'users.json')}\n` });
    expect(flint(['user', 'add', 'bob', '--password-stdin', '--data', data], 'password-b').code).toBe(0);
    const listed = flint(['user', 'list', '--data', data]);
    expect(listed).toMatchObject({ code: 0, stdout: 'alice  operator, supervisor\nbob    (no roles)\n' });
    expect(statSync(join(data, 'users.json')).mode & 0o777).toBe(0o600);
    // The password is what was piped in, less its final newline; spaces inside it are kept.
    const users = new UserSource({ dataDir: data });
    expect(await users.authenticate('alice', 'pass word 1')).toEqual({ userName: 'alice', roles: ['operator', 'supervisor'] });
    expect(flint(['user', 'roles', 'bob', '--roles', 'guest', '--data', data])).toMatchObject({ code: 0 });
    expect(users.get('bob')).toEqual({ userName: 'bob', roles: ['guest'] });
    expect(flint(['user', 'remove', 'alice', '--data', data])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^removed user "alice"/),
    });
    expect(flint(['user', 'list', '--data', data]).stdout).toBe('bob  guest\n');
  });

  it('uses FLINT_DATA when there is no --data', () => {
    const data = join(dir, 'env');
    expect(flint(['user', 'add', 'carol', '--password-stdin'], 'password-c', { FLINT_DATA: data }).code).toBe(0);
    expect(flint(['user', 'list'], '', { FLINT_DATA: data }).stdout).toBe('carol  (no roles)\n');
    expect(flint(['user', 'list', '--data', join(dir, 'none')]).stdout).toBe(`no users in ${join(dir, 'none', 'users.json')}\n`);
  });

  it.each([
    ['a bad user name', ['add', 'al ice', '--password-stdin'], 2, /user name "al ice" is not valid/],
    ['a bad role', ['add', 'dave', '--roles', 'ok,no way', '--password-stdin'], 2, /role name "no way" is not valid/],
    ['no user name', ['add', '--password-stdin'], 2, /missing user name/],
    ['an extra argument', ['add', 'dave', 'extra', '--password-stdin'], 2, /too many arguments/],
    ['an unknown option', ['add', 'dave', '--admin'], 2, /unknown option --admin/],
    ['a value for --password-stdin', ['add', 'dave', '--password-stdin=x'], 2, /takes no value/],
    ['no terminal and no --password-stdin', ['add', 'dave'], 2, /stdin is not a terminal.*--password-stdin/],
    ['a short password', ['add', 'dave', '--password-stdin'], 1, /at least 8 characters/],
    ['an existing user', ['add', 'erin', '--password-stdin'], 1, /user "erin" already exists/],
    ['an unknown user to remove', ['remove', 'nobody'], 1, /user "nobody" does not exist/],
    ['roles without --roles', ['roles', 'erin'], 2, /--roles is required/],
    ['an unknown command', ['frob'], 2, /unknown user command "frob"/],
    ['--password-stdin on remove', ['remove', 'erin', '--password-stdin'], 2, /--password-stdin is only for user add/],
    ['no command', [], 2, /missing user command/],
    ['--roles on list', ['list', '--roles', 'a'], 2, /--roles is only for user add and user roles/],
  ])('refuses %s with a message and a non-zero exit', (_what, args, code, message) => {
    const data = join(dir, 'bad');
    if (!existsSync(join(data, 'users.json'))) flint(['user', 'add', 'erin', '--password-stdin', '--data', data], 'password-e');
    const before = readFileSync(join(data, 'users.json'), 'utf8');
    const result = flint(['user', ...args, '--data', data], 'short');
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^flint: /);
    expect(readFileSync(join(data, 'users.json'), 'utf8')).toBe(before);
  });

  it('names a corrupt users file, exits 1 and never overwrites it', () => {
    const data = join(dir, 'corrupt');
    flint(['user', 'add', 'frank', '--password-stdin', '--data', data], 'password-f');
    writeFileSync(join(data, 'users.json'), '{"version": 1, "users": [{');
    for (const args of [['list'], ['add', 'gina', '--password-stdin'], ['remove', 'frank'], ['roles', 'frank', '--roles', 'x']]) {
      const result = flint(['user', ...args, '--data', data], 'password-g');
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(`users file ${join(data, 'users.json')} is not valid JSON`);
    }
    expect(readFileSync(join(data, 'users.json'), 'utf8')).toBe('{"version": 1, "users": [{');
  });

  it.skipIf(!HAS_PYTHON)('asks for the password twice on a terminal without echoing it, and refuses two that differ', () => {
    const data = join(dir, 'tty');
    const typed = (first: string, second: string) => {
      // A pseudo-terminal from python3's pty module: the CLI's stdin is then a real TTY.
      const script = [
        'import os, pty, sys, time, select',
        'pid, fd = pty.fork()',
        'if pid == 0: os.execv(sys.argv[1], sys.argv[1:])',
        'out = b""',
        'def wait(token, seconds=30):',
        '    global out',
        '    end = time.time() + seconds',
        '    while token not in out and time.time() < end:',
        '        if select.select([fd], [], [], 0.05)[0]:',
        '            try: out += os.read(fd, 4096)',
        '            except OSError: return',
        `wait(b"Password for"); os.write(fd, ${JSON.stringify(first)}.encode() + b"\\r")`,
        `wait(b"Repeat"); os.write(fd, ${JSON.stringify(second)}.encode() + b"\\r")`,
        'wait(b"\\x00", 30)',
        'status = os.waitpid(pid, 0)[1]',
        'sys.stdout.write(out.decode() + "\\nEXIT=%d" % os.waitstatus_to_exitcode(status))',
      ].join('\n');
      return spawnSync('python3', ['-c', script, NODE24, FLINT, 'user', 'add', 'hank', '--roles', 'tech', '--data', data], {
        encoding: 'utf8',
        timeout: 60_000,
      }).stdout;
    };
    const differ = typed('secret-tty-1', 'secret-tty-2');
    expect(differ).toMatch(/the two passwords differ/);
    expect(differ).toMatch(/EXIT=1$/);
    const ok = typed('secret-tty-1', 'secret-tty-1x\x7f');
    expect(ok).toMatch(/added user "hank" \(roles: tech\)/);
    expect(ok).toMatch(/EXIT=0$/);
    expect(ok).not.toContain('secret-tty');
    expect(differ).not.toContain('secret-tty');
    expect(flint(['user', 'list', '--data', data]).stdout).toBe('hank  tech\n');
  });
});

describe('flint user beside a running gateway', () => {
  const t = useGateway();

  const login = async (userName: string, password: string) => {
    const http = await t.http();
    const response = await fetch(`${http.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userName, password }),
    });
    return { status: response.status, json: (await response.json()) as { token: string } };
  };

  it('lets a user added by the CLI log in, answers roles changed by the CLI, and ends the logins of one it removes', async () => {
    const data = join(t.root, 'data');
    expect((await login('ivy', 'password-i')).status).toBe(401);
    expect(flint(['user', 'add', 'ivy', '--roles', 'operator', '--password-stdin', '--data', data], 'password-i').code).toBe(0);
    const { status, json } = await login('ivy', 'password-i');
    expect(status).toBe(200);
    expect(flint(['user', 'roles', 'ivy', '--roles', 'operator,supervisor', '--data', data]).code).toBe(0);
    expect(t.gateway.logins.verify(json.token)).toEqual({ userName: 'ivy', roles: ['operator', 'supervisor'] });
    expect(flint(['user', 'remove', 'ivy', '--data', data]).code).toBe(0);
    await t.waitFor(() => t.gateway.logins.size === 0, 5000, "ivy's login to end");
    expect(t.gateway.logins.verify(json.token)).toBeUndefined();
    expect((await login('ivy', 'password-i')).status).toBe(401);
  });
});

describe('flint start --login-minutes', () => {
  it('refuses a lifetime that is not a whole number of minutes', () => {
    for (const value of ['0', '1.5', 'eight'])
      expect(flint(['start', '--login-minutes', value])).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--login-minutes must be/),
      });
  });

  it('gives logins that lifetime', async () => {
    const home = join(dir, 'start');
    mkdirSync(join(home, 'projects'), { recursive: true });
    expect(flint(['user', 'add', 'jo', '--password-stdin', '--data', join(home, 'data')], 'password-j').code).toBe(0);
    const child = spawn(NODE24, ['--no-node-snapshot', FLINT, 'start', '--port', '0', '--login-minutes', '5'], {
      cwd: home,
      env: { ...process.env, FLINT_PROJECTS: '', FLINT_DATA: '' },
    });
    try {
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(output)?.[1], 20_000, 'the gateway to listen');
      const response = await fetch(`${url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userName: 'jo', password: 'password-j' }),
      });
      expect(response.status).toBe(200);
      const { expiresAt } = (await response.json()) as { expiresAt: string };
      expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(4 * 60_000);
      expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
