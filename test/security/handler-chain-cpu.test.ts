// Attack: a handler that sends a message to itself and then spins just under its timeout, so that a chain of
// invocations, each within its own limit, keeps a core busy for ever. Calls that scripts ask for run on the target
// project's CPU budget: once it is used up they are refused, and the chain ends.
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing } from './hostile.ts';

const t = useGateway({
  bystander,
  hostile: {
    config: { limits: { cpuBudgetMs: 300, timeoutMs: 1000 } },
    files: {
      'gateway-events/message/spin.ts': `export default function () {\n  system.util.getLogger('spin').info('spin');\n  system.util.sendMessage('hostile', 'spin', {}, 'G');\n  const end = Date.now() + 150;\n  while (Date.now() < end);\n}\n`,
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});

const spins = () => t.logs((r) => r.project === 'hostile' && r.message === 'spin').length;

describe('a handler that keeps calling itself', () => {
  it('stops once its project’s CPU budget is used up, with the refusal in the log', async () => {
    t.gateway.message('hostile', 'spin', {}, 'G');
    await t.waitFor(
      () =>
        t.logs(
          (r) =>
            r.project === 'hostile' &&
            r.message.includes('project "hostile" used up its CPU budget of 300 ms per 10 s for handlers that scripts call'),
        ).length > 0,
      5000,
      'the chain to be refused',
    );
    const stopped = spins();
    // 300 ms of CPU budget at 150 ms of (wall-clock) spinning a run: a few runs, more on a loaded machine, never on and on
    expect(stopped).toBeLessThanOrEqual(12);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(spins()).toBe(stopped);
  });

  it('leaves calls from outside the project answered, and the other project too', async () => {
    await expectAnswers(t, 'hostile');
    await expectServing(t);
  });
});
