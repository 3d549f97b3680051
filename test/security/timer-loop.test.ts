// Attack: a timer callback that loops forever, `setInterval(() => { while (true) {} }, 10)`, set from the
// gateway startup script and from a message handler. The CPU budget (cpuBudgetMs per 10 s) stops it and
// clears the project's timers; both are logged naming the project and the file that set the timer; the
// project and the others keep answering.
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, logsOf, sandboxPid } from './hostile.ts';

const LIMITS = { limits: { cpuBudgetMs: 300, timeoutMs: 2000 } };
const LOOPING_TIMER = `setInterval(() => {\n  while (true) {}\n}, 10);\n`;
const PING = `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`;

const t = useGateway({
  bystander,
  fromStartup: {
    config: LIMITS,
    files: {
      'gateway-events/startup.ts': `export default function () {\n  ${LOOPING_TIMER}}\n`,
      'gateway-events/message/ping.ts': PING,
    },
  },
  fromHandler: {
    config: LIMITS,
    files: {
      'gateway-events/message/arm.ts': `export default function () {\n  ${LOOPING_TIMER}  return 'armed';\n}\n`,
      'gateway-events/message/ping.ts': PING,
    },
  },
});

/** Waits for the budget to stop the project's looping timer; checks the two log records. */
async function expectStoppedAndLogged(project: string, file: string): Promise<void> {
  await t.waitFor(() => logsOf(t, project, 'used up').length === 1, 10_000, `${project}'s CPU budget to be used up`);
  const ranPast = logsOf(t, project, 'ran past');
  expect(ranPast.length).toBeGreaterThanOrEqual(1);
  expect(ranPast[0]).toMatchObject({ level: 'error', project });
  expect(ranPast[0].message).toMatch(
    new RegExp(`^a timer callback of .*${project}/${file} ran past 300 ms and was stopped \\(CPU budget 300 ms per 10 s\\)$`),
  );
  const [usedUp] = logsOf(t, project, 'used up');
  expect(usedUp.message).toMatch(
    new RegExp(
      `^CPU budget of 300 ms per 10 s used up; a timer callback of .*${project}/${file} was not run and all timers of the project were cleared$`,
    ),
  );
}

describe('a timer callback that loops forever', () => {
  it('set by the startup script is stopped by the CPU budget and logged, while the others keep answering', async () => {
    const pid = sandboxPid(t, 'fromStartup');
    await expectServing(t);
    await expectStoppedAndLogged('fromStartup', 'gateway-events/startup.ts');
    await expectAnswers(t, 'fromStartup');
    expect(sandboxPid(t, 'fromStartup')).toBe(pid);
  });

  it('set by a handler is stopped by the CPU budget and logged, while the project and the others keep answering', async () => {
    expect(await t.request('fromHandler', 'arm')).toBe('armed');
    const stopped = expectStoppedAndLogged('fromHandler', 'gateway-events/message/arm.ts');
    // the looping callback holds its isolate for up to the budget, not longer: the project's own calls wait that out
    await expectAnswers(t, 'fromHandler');
    await expectServing(t);
    await stopped;
  });

  it('stays stopped: the timers were cleared, no callback runs again', async () => {
    const ranPast = { fromStartup: logsOf(t, 'fromStartup', 'ran past').length, fromHandler: logsOf(t, 'fromHandler', 'ran past').length };
    for (let i = 0; i < 5; i++) {
      await expectAnswers(t, 'fromStartup');
      await expectAnswers(t, 'fromHandler');
    }
    expect(logsOf(t, 'fromStartup', 'ran past')).toHaveLength(ranPast.fromStartup);
    expect(logsOf(t, 'fromHandler', 'ran past')).toHaveLength(ranPast.fromHandler);
    expect(logsOf(t, 'fromStartup', 'used up')).toHaveLength(1);
    expect(logsOf(t, 'fromHandler', 'used up')).toHaveLength(1);
  });

  it('leaves the gateway up and the other project answering', async () => {
    await expectServing(t);
  });
});
