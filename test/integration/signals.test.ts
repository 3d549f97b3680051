// Ctrl-C in a terminal signals the whole process group: the gateway and its sandbox processes alike. The gateway
// must still run every project's shutdown script in its sandbox, then stop, leaving no process behind.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'flint-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  return spawnSync('kill', ['-0', String(pid)]).status === 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  it(`${signal} to the gateway's whole process group runs the shutdown scripts and leaves no process behind`, async () => {
    const projects = join(dir, signal, 'projects');
    mkdirSync(join(projects, 'demo/gateway-events'), { recursive: true });
    writeFileSync(join(projects, 'demo/project.json'), '{}');
    writeFileSync(
      join(projects, 'demo/gateway-events/shutdown.ts'),
      `export default () => system.util.getLogger('demo').info('demo shutting down');\n`,
    );
    const child = spawn(
      process.execPath,
      [
        '--no-node-snapshot',
        join(ROOT, 'bin/flint.mjs'),
        'start',
        '--port',
        '0',
        '--projects',
        projects,
        '--data',
        join(dir, signal, 'data'),
      ],
      { detached: true },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(() => output.includes('listening on'), 20_000, 'the gateway to start');
    const sandboxes = spawnSync('pgrep', ['-g', String(child.pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid !== child.pid);
    expect(sandboxes.length).toBeGreaterThan(0);
    process.kill(-child.pid!, signal);
    expect(await exited).toBe(0);
    expect(output).toContain('demo shutting down');
    expect(output).not.toMatch(/killed by SIG|failed/);
    await waitFor(() => sandboxes.every((pid) => !alive(pid)), 5000, 'the sandbox processes to end');
  });
}

it('a sandbox process stuck in a builtin ends when its gateway is killed', async () => {
  const projects = join(dir, 'killed', 'projects');
  mkdirSync(join(projects, 'stuck/gateway-events'), { recursive: true });
  writeFileSync(join(projects, 'stuck/project.json'), '{}');
  writeFileSync(
    join(projects, 'stuck/gateway-events/startup.ts'),
    `export default () => {\n  setTimeout(() => {\n    system.util.getLogger('stuck').info('getting stuck');\n    new Array(2 ** 32 - 1).indexOf(1);\n  }, 300);\n};\n`,
  );
  const child = spawn(process.execPath, [
    '--no-node-snapshot',
    join(ROOT, 'bin/flint.mjs'),
    'start',
    '--port',
    '0',
    '--projects',
    projects,
    '--data',
    join(dir, 'killed', 'data'),
  ]);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  await waitFor(() => output.includes('listening on'), 20_000, 'the gateway to start');
  const sandboxes = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);
  expect(sandboxes.length).toBeGreaterThan(0);
  await waitFor(() => output.includes('getting stuck'), 10_000, 'the isolate to get stuck in indexOf');
  child.kill('SIGKILL');
  await waitFor(() => sandboxes.every((pid) => !alive(pid)), 5000, 'the orphaned sandbox processes to end');
});
