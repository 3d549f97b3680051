// `flint start` with a database connections file that is missing or wrong stops at once (exit 2) with a message naming
// the file and the entry, before it binds a port or runs a script (docs/database.md).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const FLINT = new URL('../../bin/flint.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'flint-cli-db-'));
const projects = join(dir, 'projects');
const data = join(dir, 'data');
mkdirSync(projects, { recursive: true });
mkdirSync(data, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [FLINT, 'start', '--projects', projects, '--data', data, '--port', '0', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, FLINT_DATABASES: '', ...env },
  });
  return { code: result.status, stderr: result.stderr };
}

it('refuses a --databases file that does not exist', () => {
  const missing = join(dir, 'nope.json');
  expect(start(['--databases', missing])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining(`cannot read the databases file ${missing}`),
  });
});

it('refuses a <data>/databases.json with a bad entry, naming the file and the entry', () => {
  writeFileSync(join(data, 'databases.json'), JSON.stringify({ connections: [{ name: 'plant', type: 'mysql', url: 'x' }] }));
  expect(start([])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining(`${join(data, 'databases.json')}: connections[0].type must be "postgres"; received "mysql"`),
  });
  rmSync(join(data, 'databases.json'));
});

it('refuses a FLINT_DATABASES file whose url names an environment variable that is not set', () => {
  const file = join(dir, 'env.json');
  writeFileSync(
    file,
    JSON.stringify({ connections: [{ name: 'plant', type: 'postgres', url: 'postgres://u:${FLINT_TEST_UNSET_PW}@h/db' }] }),
  );
  expect(start([], { FLINT_DATABASES: file })).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('connections[0].url names the environment variable FLINT_TEST_UNSET_PW, which is not set'),
  });
});
