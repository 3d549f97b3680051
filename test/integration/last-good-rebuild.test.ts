// A library saved broken, or deleted, while a handler still imports it: the handler keeps answering with its last
// good version, and must go on doing so after its isolate is built again (a sandbox process restart, a memory-limit
// rebuild), which happens through no fault of its own when another project crashes the shared process.
import { afterEach, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/fixture.ts';

let t: TestGateway;
afterEach(() => t?.stop());

const files = {
  'lib/x.ts': `export const v = 1;\n`,
  'gateway-events/message/h.ts': `import { v } from '../../lib/x';\nexport default function () {\n  return v;\n}\n`,
  'gateway-events/message/bomb.ts': `export default function () {\n  const keep: number[][] = [];\n  for (;;) keep.push(new Array(1e6).fill(1));\n}\n`,
};

/** Past the watcher's debounce, then until the project has applied every change. */
async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await t.gateway.projects.settled();
}

async function crashSandboxProcess(project: string): Promise<void> {
  const pid = t.gateway.supervisor.processOf(project)!.pid!;
  process.kill(pid, 'SIGKILL');
  await t.waitFor(() => t.logs((r) => r.message.includes('was killed by SIGKILL')).length > 0, 5000, 'the crash to be noticed');
}

const changes: [string, () => void][] = [
  ['saved broken', () => t.write('p', 'lib/x.ts', `throw new Error('broken lib');\nexport const v = 2;\n`)],
  ['deleted', () => t.remove('p', 'lib/x.ts')],
];

for (const [what, change] of changes) {
  it(`a handler whose lib was ${what} keeps its last good version through a sandbox process restart`, async () => {
    t = await startGateway({ p: { files } });
    expect(await t.request('p', 'h')).toBe(1);
    change();
    await settled();
    expect(await t.request('p', 'h')).toBe(1);
    await crashSandboxProcess('p');
    expect(await t.waitFor(() => t.request('p', 'h', {}, 2).catch(() => undefined), 10_000, 'h after the restart')).toBe(1);
    expect(t.logs((r) => r.message.includes('could not be loaded again'))).toEqual([]);
  });

  it(`a handler whose lib was ${what} keeps its last good version through a memory-limit rebuild`, async () => {
    t = await startGateway({ p: { files, config: { limits: { memoryMb: 32 } } } });
    expect(await t.request('p', 'h')).toBe(1);
    change();
    await settled();
    await expect(t.request('p', 'bomb')).rejects.toMatchObject({ code: 'MEMORY_LIMIT' });
    expect(await t.waitFor(() => t.request('p', 'h', {}, 2).catch(() => undefined), 10_000, 'h after the rebuild')).toBe(1);
  });
}

it('a handler saved again for a lib’s new version keeps running it after a restart', async () => {
  t = await startGateway({
    p: {
      files: {
        'lib/x.ts': `export const v: any = 1;\n`,
        'gateway-events/message/h.ts': `import { v } from '../../lib/x';\nconst a = v.toFixed(0);\nexport default function () {\n  return a;\n}\n`,
      },
    },
  });
  expect(await t.request('p', 'h')).toBe('1');
  t.write('p', 'lib/x.ts', `export const v: any = undefined;\nexport const w: any = 2;\n`); // h, re-evaluated, throws: it keeps running its old version
  await settled();
  expect(await t.request('p', 'h')).toBe('1');
  t.write(
    'p',
    'gateway-events/message/h.ts',
    `import { w } from '../../lib/x';\nconst b = w.toFixed(0);\nexport default function () {\n  return 'new ' + b;\n}\n`,
  );
  await settled();
  expect(await t.request('p', 'h')).toBe('new 2');
  await crashSandboxProcess('p');
  expect(await t.waitFor(() => t.request('p', 'h', {}, 2).catch(() => undefined), 10_000, 'h after the restart')).toBe('new 2');
});

it('a module that cannot be loaded again after a restart is reported, and leaves the handler index', async () => {
  t = await startGateway();
  // A handler that loads only before a moment just ahead: the restart comes after it.
  const until = Date.now() + 1500;
  t.project('p', {
    'gateway-events/message/expires.ts': `if (Date.now() > ${until}) throw new Error('expired');\nexport default function () {\n  return 'fresh';\n}\n`,
  });
  expect(await t.waitFor(() => t.request('p', 'expires').catch(() => undefined), 1400, 'the new project')).toBe('fresh');
  await new Promise((resolve) => setTimeout(resolve, until - Date.now() + 50));
  await crashSandboxProcess('p');
  await t.waitFor(
    () => !t.gateway.project('p')!.status().handlers.includes('gateway:message:expires'),
    10_000,
    'the handler to leave the index',
  );
  expect(t.gateway.project('p')!.status()).toMatchObject({
    status: 'failing',
    diagnostics: [
      {
        file: expect.stringMatching(/expires\.ts$/),
        message: expect.stringContaining('not running: after its sandbox was rebuilt it could not be loaded again: expired'),
      },
    ],
  });
  await expect(t.request('p', 'expires')).rejects.toMatchObject({ code: 'NOT_FOUND' });
});

it('a module saved while its old version fails to load again after a restart keeps running its new version', async () => {
  const until = Date.now() + 3000;
  t = await startGateway({
    p: {
      files: {
        'gateway-events/message/h.ts': `if (Date.now() > ${until}) {\n  const end = Date.now() + 1500;\n  while (Date.now() < end);\n  throw new Error('expired');\n}\nexport default function () {\n  return 'v1';\n}\n`,
      },
    },
  });
  expect(await t.request('p', 'h')).toBe('v1');
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now() + 50)));
  await crashSandboxProcess('p');
  // While the replay of v1 spins before failing, v2 is saved: it loads after the replay, and must stay.
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.write('p', 'gateway-events/message/h.ts', `export default function () {\n  return 'v2';\n}\n`);
  await t.waitFor(() => t.request('p', 'h', {}, 2).catch(() => undefined), 10_000, 'v2 to answer');
  await settled();
  expect(await t.request('p', 'h')).toBe('v2');
  expect(t.gateway.project('p')!.status()).toMatchObject({ diagnostics: [], handlers: ['gateway:message:h'] });
});
