// Attack: errors whose `stack` is crafted to be slow to read (a long line of repeated separators), thrown from
// many timers at once, hoping that mapping them to source locations on the sandbox host's main thread stalls it
// until it misses its heartbeat and is killed, taking the other projects' calls with it.
import { beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, sandboxPid } from './hostile.ts';

let pid: number | undefined;

const t = useGateway({
  bystander,
  hostile: {
    files: {
      'gateway-events/message/arm.ts': `export default function () {
  const stack = 'at ' + ':1:1 ('.repeat(3500);
  for (let i = 0; i < 50; i++) {
    setInterval(() => {
      const e = new Error('crafted');
      e.stack = stack;
      throw e;
    }, 10);
  }
  return 'armed';
}\n`,
      'gateway-events/message/throwsCrafted.ts': `export default function () {\n  const e = new Error('crafted');\n  e.stack = 'at ' + ':1:1 ('.repeat(3500);\n  throw e;\n}\n`,
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'hostile');
});

describe('crafted error stacks', () => {
  it('from a handler are reported without a location', async () => {
    await expect(t.request('hostile', 'throwsCrafted')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: 'hostile/throwsCrafted: crafted',
    });
  });

  it('from 50 timers leave the shared sandbox process answering past its heartbeat deadline', async () => {
    expect(await t.request('hostile', 'arm')).toBe('armed');
    // The heartbeat deadline is 3 s: keep asking for longer than that.
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      await expectAnswers(t, 'bystander', 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(sandboxPid(t, 'hostile')).toBe(pid);
    expect(t.logs((r) => /heartbeat|was killed/.test(r.message))).toEqual([]);
    await expectServing(t);
  });
});
