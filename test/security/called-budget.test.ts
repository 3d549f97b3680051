// Attack: spending another project's CPU budget. Handlers that scripts call run on the target's budget for such
// calls, which is kept apart from its budget for timers and async work: a flood of messages from one project may get
// the target's script-called handlers refused for a while, but must not stop the target's own timers. And a fan-out
// of calls queued while budget was left runs on what is left, not each for its full timeout.
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { expectServing, script } from './hostile.ts';

/** A project with a timer of its own, and handlers for other projects to call. */
const victim = (name: string) => ({
  config: { limits: { cpuBudgetMs: 600 } },
  files: {
    'gateway-events/startup.ts': `export default function () {\n  setInterval(() => system.util.getLogger('tick').info('tick'), 100);\n}\n`,
    'gateway-events/message/work.ts': `export default function () {\n  const end = Date.now() + 30;\n  while (Date.now() < end);\n}\n`,
    'gateway-events/message/asyncWork.ts': `export default async function () {\n  await system.util.sendRequest('${name}', 'ping', { n: 0 });\n  const end = Date.now() + 30;\n  while (Date.now() < end);\n}\n`,
    'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
  },
});

const t = useGateway({
  victim: victim('victim'),
  victim2: victim('victim2'),
  attacker: {
    files: {
      'gateway-events/message/flood.ts': script(`
  let refused = 0;
  for (let i = 0; i < 60; i++) {
    try {
      await system.util.sendRequest(payload.target, payload.handler, {});
    } catch (e: any) {
      if (e.code !== 'CPU_BUDGET') throw e;
      refused++;
    }
  }
  return refused;`),
    },
  },
  fanout: {
    config: { limits: { cpuBudgetMs: 100, timeoutMs: 5000 } },
    files: {
      'gateway-events/message/spin.ts': `export default function () {\n  system.util.getLogger('spin').info('spin');\n  for (let i = 0; i < 10; i++) system.util.sendMessage('fanout', 'spin', {}, 'G');\n  const end = Date.now() + 400;\n  while (Date.now() < end);\n}\n`,
    },
  },
});

const count = (message: string, project?: string) => t.logs((r) => r.message === message && (!project || r.project === project)).length;

describe('the budget of handlers that scripts call', () => {
  for (const [target, handler] of [
    ['victim', 'work'],
    ['victim2', 'asyncWork'],
  ]) {
    it(`can be used up by another project's calls (${handler}), which leaves the target’s timers running`, async () => {
      const refused = (await t.request('attacker', 'flood', { target, handler }, 30)) as number;
      expect(refused).toBeGreaterThan(0);
      const ticks = count('tick', target);
      await t.waitFor(() => count('tick', target) >= ticks + 3, 5000, 'the victim’s timer to go on ticking');
      expect(t.logs((r) => r.project === target && r.message.includes('all timers of the project were cleared'))).toEqual([]);
      expect(await t.request(target, 'ping', { n: 1 })).toEqual({ pong: 1 }); // calls from outside still run
    });
  }

  it('bounds a fan-out of calls queued while budget was left by what is left', async () => {
    t.gateway.message('fanout', 'spin', {}, 'G');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // the first run (from outside) spins 400 ms; the 10 it sent share 100 ms of budget between them: one or two
    // start and are cut short, the rest are refused, and no chain follows
    const spins = count('spin', 'fanout');
    expect(spins).toBeLessThanOrEqual(4);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(count('spin', 'fanout')).toBe(spins);
    await expectServing(t, 'victim');
  });
});
