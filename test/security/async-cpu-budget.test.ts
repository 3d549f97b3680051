// Attack: a handler that burns CPU in async continuations (after each await), which isolated-vm's per-call timeout
// does not cover, hoping to keep the isolate busy for as long as it likes. The project's CPU budget for async work
// stops it, and the invocation fails at once with CPU_BUDGET rather than hanging on until its deadline.
import { describe, expect, it } from 'vitest';
import { startGateway, useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, script } from './hostile.ts';

const PING = `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`;

const t = useGateway({
  bystander,
  hostile: {
    config: { limits: { timeoutMs: 20_000, cpuBudgetMs: 300 } },
    files: {
      'gateway-events/message/burn.ts': script(`
  for (;;) {
    await system.util.sendRequest('hostile', 'ping', { n: 0 });
    const end = Date.now() + 50;
    while (Date.now() < end);
  }`),
      'gateway-events/message/ping.ts': PING,
    },
  },
  // A project of its own, with a budget of its own.
  runaway: {
    config: { limits: { timeoutMs: 20_000, cpuBudgetMs: 300 } },
    files: {
      'gateway-events/message/runaway.ts': script(`
  await system.util.sendRequest('runaway', 'ping', { n: 0 });
  while (true);`),
      'gateway-events/message/ping.ts': PING,
    },
  },
});

describe('CPU burnt in async continuations', () => {
  it('ends the invocation with CPU_BUDGET once the budget is used up, long before its deadline', async () => {
    const started = Date.now();
    await expect(t.request('hostile', 'burn', {}, 30)).rejects.toMatchObject({
      code: 'CPU_BUDGET',
      message: expect.stringContaining('CPU budget of 300 ms'),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ends a continuation that never returns with CPU_BUDGET too', async () => {
    const started = Date.now();
    await expect(t.request('runaway', 'runaway', {}, 30)).rejects.toMatchObject({ code: 'CPU_BUDGET' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('leaves the project and the other project answering', async () => {
    await expectAnswers(t, 'hostile');
    await expectAnswers(t, 'runaway');
    await expectServing(t);
  });
});

describe('many timers spinning at once', () => {
  it('share the CPU budget between them: they run one at a time, each on what is left', async () => {
    const g = await startGateway({
      spinners: {
        config: { limits: { cpuBudgetMs: 500 } },
        files: {
          'gateway-events/startup.ts': `export default function () {\n  for (let i = 0; i < 20; i++) setInterval(() => { while (true); }, 10);\n}\n`,
        },
      },
    });
    try {
      await g.waitFor(() => g.logs((r) => r.message.includes('used up')).length > 0, 10_000, 'the budget to be used up');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // Queued together, each would run up to the whole budget: 20 times 500 ms. In turn, the first takes what is left.
      expect(g.logs((r) => r.message.includes('ran past')).length).toBeLessThanOrEqual(2);
    } finally {
      await g.stop();
    }
  });
});
