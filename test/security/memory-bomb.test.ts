// Attack: a memory bomb inside the heap limit (memoryMb 32): arrays pushed in a loop. (Bombs that make V8 give
// up on an allocation abort the whole sandbox process instead: test/integration/sandbox-faults.test.ts.)
// It ends with MEMORY_LIMIT, calls in flight in the project fail with MEMORY_LIMIT too, and the project answers
// again afterwards from a fresh isolate with its last good scripts (not a newer one that failed to compile);
// the sandbox process, the gateway and the other project are not touched.
import { beforeAll, describe, expect, it } from 'vitest';
import { FlintError } from '../../engine/errors.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, logsOf, sandboxPid, script } from './hostile.ts';

let pid: number | undefined;

const t = useGateway({
  bystander,
  bomb: {
    config: { limits: { memoryMb: 32, timeoutMs: 10_000 } },
    files: {
      'gateway-events/message/arrays.ts': `export default function () {\n  const hoard: number[][] = [];\n  while (true) hoard.push(new Array(10_000).fill(1.5));\n}\n`,
      'gateway-events/message/sleeper.ts': script(`await new Promise((r) => setTimeout(r, 8000));\nreturn 'woke';`),
      'gateway-events/message/counter.ts': `let count = 0;\nexport default function () {\n  return ++count;\n}\n`,
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'bomb');
});

describe('a memory bomb within the heap limit', () => {
  it('ends with MEMORY_LIMIT naming the project and handler; calls in flight fail with MEMORY_LIMIT too', async () => {
    expect(await t.request('bomb', 'counter')).toBe(1);
    expect(await t.request('bomb', 'counter')).toBe(2);
    // a newer ping that fails to compile: the last good one must be what comes back
    t.write('bomb', 'gateway-events/message/ping.ts', `export default function (payload: any) {\n  return { pong: payload.n + ;\n}\n`);
    await t.waitFor(() => t.gateway.project('bomb')?.status().diagnostics.length === 1, 10_000, 'the compile error');

    const sleeping = t.request('bomb', 'sleeper').catch((e) => e);
    const error = (await t.request('bomb', 'arrays').catch((e) => e)) as FlintError;
    expect(error).toBeInstanceOf(FlintError);
    expect(error.code).toBe('MEMORY_LIMIT');
    expect(error.message).toBe(
      'bomb/arrays: project "bomb" exceeded its 32 MB memory limit in gateway-events/message/arrays.ts; its sandbox was rebuilt from the last good scripts',
    );
    await expect(sleeping).resolves.toMatchObject({ code: 'MEMORY_LIMIT' });
    await t.waitFor(
      () => logsOf(t, 'bomb', 'exceeded its 32 MB memory limit in gateway-events/message/arrays.ts').length === 1,
      5000,
      'the log record',
    );
  });

  it('leaves the project answering with its last good scripts, from a fresh isolate', async () => {
    await expectAnswers(t, 'bomb');
    expect(await t.request('bomb', 'counter')).toBe(1);
  });

  it('ends with MEMORY_LIMIT again the next time, and the project comes back again', async () => {
    await expect(t.request('bomb', 'arrays')).rejects.toMatchObject({
      code: 'MEMORY_LIMIT',
      message: expect.stringContaining('in gateway-events/message/arrays.ts'),
    });
    await expectAnswers(t, 'bomb');
    expect(await t.request('bomb', 'counter')).toBe(1);
  });

  it('leaves the sandbox process running, the gateway up and the other project answering', async () => {
    expect(sandboxPid(t, 'bomb')).toBe(pid);
    expect(t.logs((r) => /sandbox process .* (exited|was killed)/.test(r.message))).toEqual([]);
    await expectServing(t);
  });
});
