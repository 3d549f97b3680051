// Attack: `while (true) {}` in a handler, in an async continuation and in a module's top-level code.
// Each ends with TIMEOUT at the project's timeoutMs; meanwhile the gateway and the other projects, in the
// same sandbox process, keep answering; afterwards the project answers again, in the same process.
import { beforeAll, describe, expect, it } from 'vitest';
import { FlintError } from '../../engine/errors.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, logsOf, sandboxPid, script } from './hostile.ts';

let pid: number | undefined;

const t = useGateway({
  bystander,
  hostile: {
    config: { limits: { timeoutMs: 1000 } },
    files: {
      'gateway-events/message/loop.ts': `export default function () {\n  while (true) {}\n}\n`,
      'gateway-events/message/loopsLater.ts': script(`
  await system.util.sendRequest('bystander', 'ping', { n: 1 });
  while (true) {}`),
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'hostile');
});

/** Runs `request` and, while it is still running, checks that the gateway and the bystander answer. */
async function servingMeanwhile(request: Promise<unknown>): Promise<unknown> {
  let settled = false;
  const outcome = request.catch((e: unknown) => e).finally(() => (settled = true));
  await expectServing(t);
  expect(settled, 'the hostile call had already ended').toBe(false);
  return outcome;
}

describe('an endless loop', () => {
  it('in a handler ends with TIMEOUT while the gateway and the other project keep answering', async () => {
    const started = Date.now();
    const error = (await servingMeanwhile(t.request('hostile', 'loop'))) as FlintError;
    expect(error).toBeInstanceOf(FlintError);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/^hostile\/loop: .*hostile\/gateway-events\/message\/loop\.ts timed out after 1000 ms$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('in an async continuation ends with TIMEOUT and is logged', async () => {
    const error = (await servingMeanwhile(t.request('hostile', 'loopsLater'))) as FlintError;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('loopsLater.ts timed out after 1000 ms');
    await t.waitFor(() => logsOf(t, 'hostile', 'an async continuation ran past').length === 1, 5000, 'the log record');
  });

  it('in a module’s top-level code fails the load with TIMEOUT and keeps the last good version', async () => {
    t.write('hostile', 'gateway-events/message/ping.ts', `while (true) {}\nexport default function () {\n  return 'never';\n}\n`);
    await t.waitFor(() => t.gateway.project('hostile')?.status().diagnostics.length === 1, 10_000, 'the load diagnostic');
    const [diagnostic] = t.gateway.project('hostile')!.status().diagnostics;
    expect(diagnostic.message).toMatch(
      /^loading .*hostile\/gateway-events\/message\/ping\.ts: .* ran for more than 1000 ms and was stopped$/,
    );
    await expectAnswers(t, 'hostile');
  });

  it('leaves the sandbox process running, the project answering, the gateway up and the other project answering', async () => {
    expect(sandboxPid(t, 'hostile')).toBe(pid);
    await expectAnswers(t, 'hostile');
    await expectServing(t);
  });
});
