import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const FLINT = join(ROOT, 'bin/flint.mjs');
const NODE24 = process.execPath;

function flint(args: string[], cwd = ROOT) {
  const result = spawnSync(NODE24, [FLINT, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('flint check', () => {
  it('passes on the sample projects', () => {
    const result = flint(['check', 'projects']);
    expect(result.stdout).toContain('no problems found');
    expect(result.code).toBe(0);
  });

  it('prints file:line:col for type errors, forbidden imports and bad project.json, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-check-'));
    mkdirSync(join(dir, 'p/gateway-events/message'), { recursive: true });
    writeFileSync(join(dir, 'p/project.json'), '{"enabled": "yes"}');
    writeFileSync(
      join(dir, 'p/gateway-events/message/a.ts'),
      `export default function () {\n  const n: number = 'text';\n  return system.util.sendRequest(1, 'x');\n}\n`,
    );
    writeFileSync(join(dir, 'p/gateway-events/message/b.ts'), `import { exec } from 'child_process';\nexport default () => exec('ls');\n`);
    const result = flint(['check', dir], dir);
    rmSync(dir, { recursive: true });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('p/project.json:1:1 "enabled" must be true or false');
    expect(result.stdout).toMatch(/p\/gateway-events\/message\/a\.ts:2:9 Type 'string' is not assignable to type 'number'/);
    expect(result.stdout).toMatch(/p\/gateway-events\/message\/a\.ts:3:34 Argument of type 'number' is not assignable/);
    expect(result.stdout).toMatch(/p\/gateway-events\/message\/b\.ts:1:22 import of "child_process" is not allowed/);
  });
});

describe('flint types', () => {
  it('writes the system.* typings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-types-'));
    expect(flint(['types', join(dir, 'flint.d.ts')]).code).toBe(0);
    expect(readFileSync(join(dir, 'flint.d.ts'), 'utf8')).toBe(readFileSync(join(ROOT, 'docs/system.d.ts'), 'utf8'));
    rmSync(dir, { recursive: true });
  });
});

describe('a gateway started by the CLI', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let output = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flint-cli-'));
    mkdirSync(join(dir, 'projects/demo/gateway-events/message'), { recursive: true });
    writeFileSync(join(dir, 'projects/demo/project.json'), '{}');
    writeFileSync(
      join(dir, 'projects/demo/gateway-events/message/echo.ts'),
      `export default (payload: any) => ({ echo: payload.message });\n`,
    );
    writeFileSync(join(dir, 'projects/demo/gateway-events/message/fails.ts'), `export default () => {\n  throw new Error('broken');\n};\n`);
    writeFileSync(
      join(dir, 'projects/demo/gateway-events/shutdown.ts'),
      `export default () => system.util.getLogger('demo').info('demo shutting down');\n`,
    );
    writeFileSync(
      join(dir, 'projects/demo/gateway-events/startup.ts'),
      `export default () => system.util.getLogger('demo').info('demo starting up');\n`,
    );
    child = spawn(NODE24, ['--no-node-snapshot', FLINT, 'start', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, FLINT_PROJECTS: '', FLINT_DATA: '' },
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start: ${output}`)), 20_000);
      const check = () => {
        const m = /listening on (http:\/\/\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        } else setTimeout(check, 50);
      };
      check();
    });
  });
  afterAll(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /health', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('writes the admin token with mode 0600', () => {
    const mode = execFileSync('stat', ['-c', '%a', join(dir, 'data/admin-token')], { encoding: 'utf8' }).trim();
    expect(mode).toBe('600');
  });

  it('runs `flint request` and prints the answer', () => {
    const result = flint(['request', 'demo', 'echo', '{"message":"hi"}', '--url', url], dir);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ echo: 'hi' });
  });

  it("prints a failing handler's error with the user's file:line", () => {
    const result = flint(['request', 'demo', 'fails', '--url', url], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/projects\/demo\/gateway-events\/message\/fails\.ts:2:\d+ SCRIPT_ERROR: demo\/fails: broken\n/);
  });

  it('runs `flint message` and `flint status`', () => {
    expect(JSON.parse(flint(['message', 'demo', 'echo', '{}', '--url', url], dir).stdout)).toEqual([
      'type=Gateway,project=demo,messageHandler=echo',
    ]);
    expect(flint(['status', '--url', url], dir).stdout).toContain('demo: loaded');
  });

  it('refuses bad arguments with a clear message', () => {
    expect(flint(['request', 'demo', 'echo', '{not json', '--url', url], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('payload must be JSON'),
    });
    expect(flint(['start', '--port', 'eighty'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('port must be a number') });
    expect(flint(['frobnicate'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    expect(flint(['request', 'demo', 'echo', '{}', 'extra', '--url', url], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unexpected argument "extra"'),
    });
    expect(flint(['status', 'demo', '--url', url], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unexpected argument "demo"'),
    });
    expect(flint(['request', 'demo', 'echo', '--scope', 'G', '--url', url], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown option --scope'),
    });
  });

  it('refuses a projects folder that does not exist, for start and check, without creating it', () => {
    const missing = join(dir, 'no-such-folder');
    const started = flint(['start', '--port', '0', '--projects', missing], dir);
    expect(started).toMatchObject({
      code: 2,
      stderr: `flint: projects folder ${missing} does not exist or is not a folder; create it or pass --projects DIR\n`,
    });
    expect(existsSync(missing)).toBe(false);
    expect(flint(['check', missing], dir)).toMatchObject({
      code: 2,
      stderr: `flint: projects folder ${missing} does not exist or is not a folder\n`,
    });
  });

  it('a second gateway on the same port fails at once, before loading any project or replacing the admin token', () => {
    const token = readFileSync(join(dir, 'data/admin-token'), 'utf8');
    const second = flint(['start', '--port', new URL(url).port], dir);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${new URL(url).port}: the port is in use`);
    expect(second.stdout).not.toMatch(/demo|loaded/);
    expect(readFileSync(join(dir, 'data/admin-token'), 'utf8')).toBe(token);
    expect(flint(['status', '--url', url], dir)).toMatchObject({ code: 0, stdout: expect.stringContaining('demo: loaded') });
  });

  it('stops on SIGTERM after running shutdown scripts', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('demo shutting down');
  });
});

describe('the Node.js version check', () => {
  const older = ['/usr/bin/node', '/usr/local/bin/node']
    .map((path) => ({ path, version: spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim() }))
    .find((n) => n.version && Number(n.version.split('.')[0]) < 24);

  it('refuses to run Flint on a Node.js older than 24, saying how to run it', () => {
    expect(older, 'this machine has an older Node.js to try (Debian machines here have Node 20)').toBeDefined();
    const result = spawnSync(older!.path, [FLINT, 'status'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Node.js ${older!.version} is too old; Flint needs Node.js 24 or newer`);
  });
});
