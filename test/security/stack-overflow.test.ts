// Attack: exhaust the stack: `function f(){f()} f()` in a handler and in a timer callback, a value whose
// toString recurses forever handed to the logger, and system calls made at the very edge of the stack so
// that the overflow happens inside the prelude, halfway through a call.
import { beforeAll, describe, expect, it } from 'vitest';
import { FlintError } from '../../engine/errors.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, logsOf, sandboxPid, script } from './hostile.ts';

let pid: number | undefined;

const t = useGateway({
  bystander,
  hostile: {
    files: {
      'gateway-events/message/recurse.ts': `export default function () {\n  function f(): unknown {\n    return f();\n  }\n  return f();\n}\n`,
      'gateway-events/message/edge.ts': script(`
  let attempts = 0;
  function f(): unknown {
    try {
      return f();
    } catch {
      attempts++;
      return system.util.sendRequest('bystander', 'ping', { n: 11 });
    }
  }
  const answer = await f();
  return { answer, overflowedInsideThePrelude: attempts > 1 };`),
      'gateway-events/message/formats.ts': script(`
  const evil = { toString(): string { return String(evil); } };
  system.util.getLogger('fmt').infof('%s', evil);`),
      'gateway-events/message/timer.ts': script(`
  setTimeout(function overflow() { overflow(); }, 1);
  return 'armed';`),
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'hostile');
});

describe('stack overflow', () => {
  it('ends the handler with a RangeError at the user’s line', async () => {
    const error = (await t.request('hostile', 'recurse').catch((e) => e)) as FlintError;
    expect(error).toBeInstanceOf(FlintError);
    expect(error.code).toBe('SCRIPT_ERROR');
    expect(error.message).toBe('hostile/recurse: RangeError: Maximum call stack size exceeded');
    expect(error.location).toMatchObject({ file: expect.stringMatching(/hostile\/gateway-events\/message\/recurse\.ts$/), line: 3 });
  });

  it('inside the prelude, halfway through a system call, leaves the prelude working', async () => {
    expect(await t.request('hostile', 'edge')).toEqual({ answer: { pong: 11 }, overflowedInsideThePrelude: true });
  });

  it('through a recursive toString handed to the logger ends the handler with a RangeError', async () => {
    await expect(t.request('hostile', 'formats')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: 'hostile/formats: RangeError: Maximum call stack size exceeded',
    });
  });

  it('in a timer callback is logged with the project and file', async () => {
    expect(await t.request('hostile', 'timer')).toBe('armed');
    await t.waitFor(() => logsOf(t, 'hostile', 'Maximum call stack size exceeded').length > 0, 5000, 'the timer error in the log');
    const [record] = logsOf(t, 'hostile', 'Maximum call stack size exceeded');
    expect(record).toMatchObject({ level: 'error', logger: 'timer' });
    expect(record.message).toMatch(
      /^timer callback of .*hostile\/gateway-events\/message\/timer\.ts threw RangeError: Maximum call stack size exceeded$/,
    );
  });

  it('leaves the sandbox process running, the project answering, the gateway up and the other project answering', async () => {
    expect(sandboxPid(t, 'hostile')).toBe(pid);
    await expectAnswers(t, 'hostile');
    await expectServing(t);
  });
});
