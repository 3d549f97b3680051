// How `flint start` and `npm start` begin and end: the port is bound before any project loads, and a SIGTERM sent to
// `npm start` (what a service manager does) stops the gateway it started instead of orphaning it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'flint-cli-start-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  // A gateway orphaned by `npm start` (the bug the last test checks) is found by its unique data folder and ended.
  for (const line of spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout.split('\n')) {
    if (!line.includes(dir) || !line.includes('flint.mjs start')) continue;
    try {
      process.kill(Number(line.trim().split(' ')[0]), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A project whose startup script takes `ms` and whose shutdown script logs "<name> shutting down". */
function project(projects: string, name: string, startupMs: number): void {
  mkdirSync(join(projects, name, 'gateway-events'), { recursive: true });
  writeFileSync(join(projects, name, 'project.json'), '{}');
  writeFileSync(
    join(projects, name, 'gateway-events/startup.ts'),
    `export default () => new Promise((resolve) => setTimeout(resolve, ${startupMs}));\n`,
  );
  writeFileSync(
    join(projects, name, 'gateway-events/shutdown.ts'),
    `export default () => system.util.getLogger('${name}').info('${name} shutting down');\n`,
  );
}

function run(command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, FLINT_PROJECTS: '', FLINT_DATA: '', FLINT_PORT: '' } });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return { child, output: () => output };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('binds the port before loading projects, answering 503 "starting" until they are loaded', async () => {
  const projects = join(dir, 'slow/projects');
  project(projects, 'slow', 1500);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gateway = run(process.execPath, [
    '--no-node-snapshot',
    'bin/flint.mjs',
    'start',
    '--port',
    String(port),
    '--projects',
    projects,
    '--data',
    join(dir, 'slow/data'),
  ]);
  const first = await waitFor(() => fetch(`${url}/health`), 20_000, 'the port to be bound');
  expect(first.status).toBe(503);
  expect(await first.json()).toEqual({ status: 'starting' });
  const status = await fetch(`${url}/api/status`);
  expect(status.status).toBe(503);
  expect(await status.json()).toMatchObject({ code: 'PROJECT_UNAVAILABLE', message: expect.stringContaining('the gateway is starting') });
  expect(gateway.output()).not.toContain('listening on');
  await waitFor(async () => (await fetch(`${url}/health`)).status === 200, 20_000, 'the projects to load');
  expect(gateway.output()).toContain(`listening on ${url}`);
  gateway.child.kill('SIGTERM');
});

it('SIGTERM to `npm start` stops the gateway after its shutdown scripts, leaving nothing running', async () => {
  const projects = join(dir, 'npm/projects');
  project(projects, 'viaNpm', 0);
  const npm = run('npm', ['start', '--', '--port', '0', '--projects', projects, '--data', join(dir, 'npm/data')]);
  const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(npm.output())?.[1], 30_000, 'the gateway to start');
  const exited = new Promise((resolve) => npm.child.once('exit', resolve));
  npm.child.kill('SIGTERM');
  await exited;
  await waitFor(
    () =>
      fetch(`${url}/health`).then(
        () => false,
        () => true,
      ),
    10_000,
    'the gateway to stop listening',
  );
  // The gateway stops listening first, then runs the shutdown scripts: their output may follow a moment later.
  await waitFor(() => npm.output().includes('viaNpm shutting down'), 10_000, 'the shutdown script to run');
  const gatewaysLeft = () =>
    spawnSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.includes(join(dir, 'npm')) && l.includes('flint.mjs start'));
  await waitFor(() => gatewaysLeft().length === 0, 10_000, 'the gateway process to end');
});

it('a SIGTERM while the projects load stops the gateway once they have, running their shutdown scripts', async () => {
  const projects = join(dir, 'early/projects');
  project(projects, 'early', 1500);
  const port = await freePort();
  const gateway = run(process.execPath, [
    '--no-node-snapshot',
    'bin/flint.mjs',
    'start',
    '--port',
    String(port),
    '--projects',
    projects,
    '--data',
    join(dir, 'early/data'),
  ]);
  const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)));
  const first = await waitFor(() => fetch(`http://127.0.0.1:${port}/health`), 20_000, 'the port to be bound');
  expect(first.status).toBe(503);
  gateway.child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(gateway.output()).toContain('early shutting down');
});

it('a gateway started in the background by a shell that then exits keeps running (only npm start is watched)', async () => {
  const projects = join(dir, 'detached/projects');
  project(projects, 'detached', 0);
  const port = await freePort();
  const data = join(dir, 'detached/data');
  const shell = spawnSync(
    'sh',
    [
      '-c',
      `${process.execPath} --no-node-snapshot bin/flint.mjs start --port ${port} --projects ${projects} --data ${data} > /dev/null 2>&1 & sleep 1`,
    ],
    { cwd: ROOT, env: { ...process.env, npm_lifecycle_event: '' } },
  );
  expect(shell.status).toBe(0);
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200,
    20_000,
    'the gateway to start',
  );
  await new Promise((resolve) => setTimeout(resolve, 2500)); // its shell has exited: past two looks at its parent
  expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
});
