// Attack: a million system.* calls in a loop (logs, messages, requests), stopping at the first error or
// ignoring every error, hoping to flood the gateway, its log or the other projects. Each flood runs in a
// project of its own, so that one's calls-per-second window does not decide the next.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, logsOf, sandboxPid, script } from './hostile.ts';

const LIMITS = { limits: { timeoutMs: 1500, callsPerSecond: 2000, maxPendingRequests: 20 } };
const PING = `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`;
const FLOODS: Record<string, string> = {
  logs: script(`
  const log = system.util.getLogger('flood');
  for (let i = 0; i < 1_000_000; i++) log.trace('call ' + i);`),
  ignores: script(`
  const log = system.util.getLogger('flood');
  for (let i = 0; ; i++) { try { log.trace('ignored ' + i); } catch {} }`),
  timers: script(`
  for (;;) { try { clearTimeout(setTimeout(() => {}, 60_000)); } catch {} }`),
  messages: script(`
  for (let i = 0; i < 1_000_000; i++) system.util.sendMessage('bystander', 'ping', { n: i }, 'G');`),
  requests: script(`
  const pending: Promise<unknown>[] = [];
  let refused = '';
  for (let i = 0; i < 1_000_000 && !refused; i++) {
    try { pending.push(system.util.sendRequest('bystander', 'ping', { n: i })); } catch (e: any) { refused = e.code + ' ' + e.message; }
  }
  const answers = await Promise.all(pending);
  return { sent: pending.length, answered: answers.length, refused };`),
};

let t: TestGateway;
const pids: Record<string, number | undefined> = {};

beforeAll(async () => {
  const projects: Record<string, { config?: object; files: Record<string, string> }> = { bystander };
  for (const [name, flood] of Object.entries(FLOODS))
    projects[name] = { config: LIMITS, files: { 'gateway-events/message/flood.ts': flood, 'gateway-events/message/ping.ts': PING } };
  t = await startGateway(projects);
  for (const name of Object.keys(FLOODS)) pids[name] = sandboxPid(t, name);
});
afterAll(() => t.stop());

describe('a million system calls in a loop', () => {
  it('stops at QUOTA_EXCEEDED once the project made callsPerSecond calls', async () => {
    await expect(t.request('logs', 'flood')).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: 'logs/flood: system.util.log: project "logs" made more than 2000 system calls in one second',
    });
    expect(logsOf(t, 'logs', 'call ').length).toBeLessThanOrEqual(2000);
  });

  it('that never ends and ignores every error is stopped at its timeout, while the gateway and the other project keep answering', async () => {
    const started = Date.now();
    const flood = t.request('ignores', 'flood').catch((e) => e);
    await expectServing(t);
    expect(Date.now() - started).toBeLessThan(1500);
    await expect(flood).resolves.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('timed out after 1500 ms') });
    // the loop itself is over: the project answers, in the same sandbox process
    await expectAnswers(t, 'ignores');
    expect(sandboxPid(t, 'ignores')).toBe(pids.ignores);
    expect(logsOf(t, 'ignores', 'ignored ').length).toBeLessThanOrEqual(4000);
  });

  it('of the cheapest host calls (set and clear a timer), errors caught, is stopped at its timeout too, not by killing the process', async () => {
    // Such a loop is inside a host call nearly all the time, where isolated-vm's termination does not take:
    // without the prelude's own deadline it would run until the watchdog killed the shared sandbox process.
    await expect(t.request('timers', 'flood')).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('timed out after 1500 ms'),
    });
    await expectAnswers(t, 'timers');
    expect(sandboxPid(t, 'timers')).toBe(pids.timers);
    expect(t.logs((r) => r.message.includes('is stuck in'))).toEqual([]);
  });

  it('of sendMessage stops at a quota', async () => {
    // Deliveries are answered about as fast as they are made, so the calls-per-second quota is usually the one that stops it.
    const quota =
      /^messages\/flood: system\.util\.sendMessage: project "messages" (made more than 2000 system calls in one second|already has 20 requests waiting for an answer)$/;
    // Each blocking sendMessage waits for the gateway's routing: on a loaded machine fewer than 2000 fit in a second, and
    // then the handler's own deadline is what stops the flood.
    // (or the last blocking call's wait, which ends a little before that deadline).
    const deadline =
      /^messages\/flood: (.*flood\.ts timed out after \d+ ms|the gateway did not answer within the \d+ ms left before the deadline.*)$/;
    const error = await t.request('messages', 'flood').then(
      () => undefined,
      (e: { code: string; message: string }) => e,
    );
    // Or the bystander's queue fills first: at most 64 messages may wait for one project's handlers.
    const queueFull = /^messages\/flood: project "bystander" already has 64 messages waiting to be handled; try again later$/;
    if (error?.code === 'TIMEOUT') expect(error.message).toMatch(deadline);
    else if (error?.code === 'PROJECT_UNAVAILABLE') expect(error.message).toMatch(queueFull);
    else expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringMatching(quota) });
  });

  it('of sendRequest stops at the pending-requests quota (answers the busy script has not taken yet still count), and those sent are answered', async () => {
    expect(await t.request('requests', 'flood')).toEqual({
      sent: 20,
      answered: 20,
      refused: 'QUOTA_EXCEEDED system.util.sendRequest: project "requests" already has 20 requests waiting for an answer',
    });
  });

  it('leaves the sandbox process running, the flooding projects answering once their second is over, the gateway up and the other project answering', async () => {
    for (const name of Object.keys(FLOODS)) {
      expect(sandboxPid(t, name), name).toBe(pids[name]);
      await t.waitFor(() => expectAnswers(t, name).then(() => true), 5000, `${name} to answer`);
    }
    await expectServing(t);
  });
});
