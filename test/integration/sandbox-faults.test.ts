// Faults no isolate limit can contain, so the sandbox process itself goes: a script that makes V8 give up on an
// allocation (`new Array(1e9).fill(0)`: with isolated-vm 7.0.1 the process aborts, or the isolate is disposed
// while V8 stays stuck in the builtin), one stuck in a builtin that ignores isolated-vm's interrupts
// (`new Array(2 ** 32 - 1).indexOf(1)`; `.join(',')` of it fails at once with "Invalid string length"), and timer
// callbacks that loop forever (interruptible: the CPU budget stops them; in such a builtin: the watchdog).
// For each: the gateway answers GET /health within a second while it happens; other projects keep serving (all
// along when the hostile project is `"isolated": true`; again after the restart when they share its process);
// the hostile project comes back with its last good scripts; and the log names the project and handler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintError } from '../../engine/errors.ts';
import { startGateway, type TestGateway } from '../helpers/fixture.ts';

const PING = `export default function (payload: any) {\n  return { pong: payload.n, version: 'good' };\n}\n`;
const BROKEN_PING = `export default function (payload: any) {\n  return { pong: payload.n, version: 'broken' ;\n}\n`;
const COUNTER = `let count = 0;\nexport default function () {\n  return ++count;\n}\n`;
const FAULTS = {
  crasher: {
    limits: { memoryMb: 32, timeoutMs: 5000 },
    handler: 'crash',
    script: `export default function () {\n  return new Array(1e9).fill(0);\n}\n`,
  },
  wedger: {
    limits: { timeoutMs: 500 },
    handler: 'wedge',
    script: `export default function () {\n  return new Array(2 ** 32 - 1).indexOf(1);\n}\n`,
  },
  timerWedger: {
    limits: { timeoutMs: 500 },
    handler: 'arm',
    script: `export default function () {\n  setInterval(() => new Array(2 ** 32 - 1).indexOf(1), 10);\n  return 'armed';\n}\n`,
  },
  timerLooper: {
    limits: { timeoutMs: 2000, cpuBudgetMs: 300 },
    handler: 'arm',
    script: `export default function () {\n  setInterval(() => {\n    while (true) {}\n  }, 10);\n  return 'armed';\n}\n`,
  },
} as const;
type Fault = keyof typeof FAULTS;

function projects(isolated: boolean) {
  const all: Record<string, { config?: object; files: Record<string, string> }> = {
    bystander: { files: { 'gateway-events/message/ping.ts': PING } },
  };
  for (const [name, fault] of Object.entries(FAULTS)) {
    all[name] = {
      config: { isolated, limits: fault.limits },
      files: {
        [`gateway-events/message/${fault.handler}.ts`]: fault.script,
        'gateway-events/message/ping.ts': PING,
        'gateway-events/message/counter.ts': COUNTER,
      },
    };
  }
  return all;
}

async function health(t: TestGateway): Promise<void> {
  const server = await t.http();
  const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(1000) });
  expect(response.status).toBe(200);
}

let nextPing = 1;
/** `project` answers its ping with its last good version (the broken one never loaded). */
async function answers(t: TestGateway, project: string, timeoutSec = 5): Promise<boolean> {
  const n = nextPing++;
  expect(await t.request(project, 'ping', { n }, timeoutSec)).toEqual({ pong: n, version: 'good' });
  return true;
}

/** Gives the hostile project module state and a newer ping that fails to compile, so that "last good" means something. */
async function prepare(t: TestGateway, project: Fault): Promise<void> {
  expect(await t.request(project, 'counter')).toBe(1);
  expect(await t.request(project, 'counter')).toBe(2);
  t.write(project, 'gateway-events/message/ping.ts', BROKEN_PING);
  await t.waitFor(() => t.gateway.project(project)?.status().diagnostics.length === 1, 10_000, `the compile error in ${project}`);
  await answers(t, project);
}

/**
 * Sets off the fault and, until it is over and the project answers again, keeps checking that the gateway is
 * up (and, when the hostile project has a process of its own, that the bystander answers). Returns the hostile
 * call's outcome.
 */
async function fault(t: TestGateway, project: Fault, bystanderThroughout: boolean): Promise<unknown> {
  const { handler } = FAULTS[project];
  const pid = t.gateway.supervisor.processOf(project)?.pid;
  const outcome = t.request(project, handler, {}, 30).catch((e: unknown) => e);
  let over = false;
  const recovered = (async () => {
    await outcome;
    // a timer fault is over once the budget or the watchdog has dealt with it
    if (project === 'timerLooper')
      await t.waitFor(() => t.logs((r) => r.project === project && r.message.includes('used up')).length > 0, 15_000, 'the CPU budget');
    if (project === 'timerWedger') await t.waitFor(() => t.gateway.supervisor.processOf(project)?.pid !== pid, 15_000, 'the restart');
    await t.waitFor(() => answers(t, project, 2), 15_000, `${project} to answer again`);
  })().finally(() => (over = true));
  let checks = 0;
  await t.waitFor(
    async () => {
      await health(t);
      if (bystanderThroughout) await answers(t, 'bystander', 1);
      checks++;
      return over;
    },
    20_000,
    `${project}'s fault to be over`,
  );
  await recovered;
  expect(checks).toBeGreaterThan(0);
  return outcome;
}

/** The hostile project came back from a fresh isolate: module state starts over, the broken edit is still refused. */
async function expectBackWithLastGoodScripts(t: TestGateway, project: Fault): Promise<void> {
  await answers(t, project);
  expect(await t.request(project, 'counter')).toBe(1);
  expect(t.gateway.project(project)!.status().diagnostics).toHaveLength(1);
}

/** Some error record names the project and the file of the handler (or of the handler that set the timer). */
function expectLogged(t: TestGateway, project: Fault): void {
  const file = `gateway-events/message/${FAULTS[project].handler}.ts`;
  const records = t.logs((r) => r.level === 'error' && r.message.includes(project) && r.message.includes(file));
  expect(records, `a log record naming ${project} and ${file}`).not.toEqual([]);
}

function expectCrashed(outcome: unknown): void {
  expect(outcome).toBeInstanceOf(FlintError);
  // V8 aborts the process (SIGABRT), or the watchdog kills it (SIGKILL) when the isolate is stuck after disposal
  expect(outcome).toMatchObject({
    code: 'SANDBOX_CRASHED',
    message: expect.stringMatching(
      /^crasher\/crash: the sandbox process (was killed by SIG[A-Z]+|exited with code \d+) while running this call; the project is being restarted with its last good scripts$/,
    ),
  });
}

function expectTimedOut(outcome: unknown, project: Fault): void {
  // the call gets its TIMEOUT first; the watchdog kills the process 1.5 s later
  expect(outcome).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining(`${project}/${FAULTS[project].handler}: `) });
}

describe.each([
  { layout: 'in a sandbox process of its own ("isolated": true)', isolated: true },
  { layout: 'sharing the sandbox process with the other projects', isolated: false },
])('a sandbox fault, the hostile project $layout', ({ isolated }) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startGateway(projects(isolated));
  });
  afterAll(() => t.stop());

  /** The other project: all along when isolated, or again after the restart when sharing. */
  const othersServe = async () => {
    await t.waitFor(() => answers(t, 'bystander', 2), 15_000, 'the bystander to answer');
    await health(t);
  };

  it('a script that makes V8 give up on an allocation: the process goes, the project comes back', async () => {
    await prepare(t, 'crasher');
    const bystanderPid = t.gateway.supervisor.processOf('bystander')?.pid;
    expectCrashed(await fault(t, 'crasher', isolated));
    await expectBackWithLastGoodScripts(t, 'crasher');
    expectLogged(t, 'crasher');
    await othersServe();
    if (isolated) expect(t.gateway.supervisor.processOf('bystander')?.pid).toBe(bystanderPid);
  });

  it('a script stuck in a builtin that ignores interrupts: the watchdog restarts the process, the project comes back', async () => {
    await prepare(t, 'wedger');
    expectTimedOut(await fault(t, 'wedger', isolated), 'wedger');
    await t.waitFor(
      () => t.logs((r) => r.message.includes('project "wedger" is stuck in gateway-events/message/wedge.ts')).length > 0,
      5000,
      'the watchdog',
    );
    await expectBackWithLastGoodScripts(t, 'wedger');
    expectLogged(t, 'wedger');
    await othersServe();
  });

  it('timer callbacks stuck in such a builtin: the watchdog restarts the process, the project comes back without the timer', async () => {
    await prepare(t, 'timerWedger');
    expect(await fault(t, 'timerWedger', isolated)).toBe('armed');
    expect(
      t.logs(
        (r) =>
          r.message.match(/project "timerWedger" is stuck in a timer callback of .*timerWedger\/gateway-events\/message\/arm\.ts/) !== null,
      ),
    ).toHaveLength(1);
    await expectBackWithLastGoodScripts(t, 'timerWedger');
    await othersServe();
  });

  it('timer callbacks that loop forever: the CPU budget stops them, nothing restarts', async () => {
    await prepare(t, 'timerLooper');
    const pid = t.gateway.supervisor.processOf('timerLooper')?.pid;
    expect(await fault(t, 'timerLooper', isolated)).toBe('armed');
    expect(
      t.logs(
        (r) =>
          r.project === 'timerLooper' &&
          /^a timer callback of .*timerLooper\/gateway-events\/message\/arm\.ts ran past 300 ms/.test(r.message),
      ).length,
    ).toBeGreaterThanOrEqual(1);
    expect(t.gateway.supervisor.processOf('timerLooper')?.pid).toBe(pid);
    // the same isolate: module state kept
    expect(await t.request('timerLooper', 'counter')).toBe(3);
    await othersServe();
  });

  it('leaves the gateway up and every project answering', async () => {
    await health(t);
    for (const project of ['bystander', ...Object.keys(FAULTS)]) await answers(t, project);
  });
});
