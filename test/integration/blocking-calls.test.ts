// Blocking host calls (issue 10, mode `sync`): system.util.sendMessage returns its delivery list without `await`,
// while its isolate's thread waits for the gateway's answer (applySyncPromise) and everything else runs on. A gateway
// side that stalls is made real by holding the gateway's message router: the one part the blocking call waits for.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FlintError } from '../../engine/errors.ts';
import type { GatewayMessaging } from '../../engine/messaging/gateway-messaging.ts';
import { startGateway, type TestGateway } from '../helpers/fixture.ts';

const RECORD = `let seen: unknown[] = [];\nexport default function (payload: any) {\n  if (payload.read) return seen;\n  seen.push(payload.n);\n  return null;\n}\n`;
const files = {
  alpha: {
    config: { limits: { timeoutMs: 1000 } },
    files: {
      // Not async: the value comes back from the call itself.
      'gateway-events/message/deliver.ts': `export default function (payload: any) {\n  const list = system.util.sendMessage('beta', 'record', { n: payload.n }, 'G');\n  return { list, isArray: Array.isArray(list) };\n}\n`,
      'gateway-events/message/caught.ts': `export default function () {\n  const start = Date.now();\n  try {\n    system.util.sendMessage('beta', 'record', { n: 0 }, 'G');\n    return { code: 'none' };\n  } catch (e: any) {\n    return { code: e.code, message: e.message, waited: Date.now() - start };\n  }\n}\n`,
      'gateway-events/message/toSelf.ts': `export default function () {\n  return system.util.sendMessage('alpha', 'record', { n: 7 }, 'G');\n}\n`,
      'gateway-events/message/record.ts': RECORD,
      'gateway-events/message/loop.ts': `export default function () {\n  for (;;) {\n    try { system.util.sendMessage('beta', 'record', { n: -1 }, 'G'); } catch {}\n  }\n}\n`,
    },
  },
  beta: { files: { 'gateway-events/message/record.ts': RECORD } },
  looper: {
    config: { limits: { timeoutMs: 2500 } },
    files: {
      'gateway-events/message/loop.ts': `export default function () {\n  for (;;) {\n    try { system.util.sendMessage('beta', 'record', { n: -1 }, 'G'); } catch {}\n  }\n}\n`,
    },
  },
  thrifty: {
    config: { limits: { timeoutMs: 3000, cpuBudgetMs: 100 } },
    files: {
      'gateway-events/message/waits.ts': `export default function () {\n  return system.util.sendMessage('beta', 'record', { n: 8 }, 'G');\n}\n`,
      'gateway-events/message/asks.ts': `export default function () {\n  return system.util.sendRequest('thrifty', 'waits');\n}\n`,
    },
  },
  loner: {
    config: { isolated: true },
    files: { 'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { alone: payload.n };\n}\n` },
  },
  bystander: {
    files: { 'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n` },
  },
};

let t: TestGateway;
let realSend: GatewayMessaging['send'];
beforeAll(async () => {
  t = await startGateway(files);
  realSend = t.gateway.messaging.send.bind(t.gateway.messaging);
  await t.waitFor(() => ['alpha', 'beta', 'bystander', 'loner'].every((p) => t.gateway.project(p)?.isRunning), 10_000, 'projects running');
});
afterAll(() => t.stop());
afterEach(() => {
  t.gateway.messaging.send = realSend;
});

/** Holds every sendMessage in the gateway until `release` is called (with what the router answers then). */
function holdMessages(): { release(answer?: () => unknown): void; held: () => number } {
  const waiting: ((answer: () => unknown) => void)[] = [];
  const original = realSend;
  // The router's answer arrives later: the dispatcher awaits whatever an implementation returns.
  t.gateway.messaging.send = ((...args: Parameters<GatewayMessaging['send']>) =>
    new Promise((resolve) => waiting.push((answer) => resolve(answer()))).then(
      (value) => value ?? original(...args),
    )) as unknown as GatewayMessaging['send'];
  return { release: (answer = () => undefined) => waiting.splice(0).forEach((w) => w(answer)), held: () => waiting.length };
}

async function failureOf(promise: Promise<unknown>): Promise<FlintError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FlintError);
  return error as FlintError;
}

describe('a blocking system call (system.util.sendMessage)', () => {
  it('returns its delivery list to a handler that does not await', async () => {
    expect(await t.request('alpha', 'deliver', { n: 1 })).toEqual({
      list: ['type=Gateway,project=beta,messageHandler=record'],
      isArray: true,
    });
    await t.waitFor(async () => ((await t.request('beta', 'record', { read: true })) as number[]).includes(1), 5000, 'message handled');
  });

  it('to its own project answers at once: the gateway routes the message, the handler runs after its caller', async () => {
    expect(await t.request('alpha', 'toSelf')).toEqual(['type=Gateway,project=alpha,messageHandler=record']);
    await t.waitFor(
      async () => ((await t.request('alpha', 'record', { read: true })) as number[]).includes(7),
      5000,
      'message to self handled',
    );
  });

  it('waits without blocking the gateway or the other projects, in the same sandbox process and in others', async () => {
    const hold = holdMessages();
    const waiting = t.request('alpha', 'deliver', { n: 2 });
    await t.waitFor(() => hold.held() === 1, 2000, 'call held in the gateway');
    expect(t.gateway.supervisor.processOf('bystander')?.pid).toBe(t.gateway.supervisor.processOf('alpha')?.pid);
    expect(t.gateway.supervisor.processOf('loner')?.pid).not.toBe(t.gateway.supervisor.processOf('alpha')?.pid);
    for (let n = 0; n < 20; n++) {
      expect(await t.request('bystander', 'ping', { n })).toEqual({ pong: n });
      expect(await t.request('loner', 'ping', { n })).toEqual({ alone: n });
    }
    expect(await t.request('beta', 'record', { read: true })).toBeInstanceOf(Array);
    expect(hold.held()).toBe(1); // alpha was waiting all along
    hold.release();
    expect(await waiting).toEqual({ list: ['type=Gateway,project=beta,messageHandler=record'], isArray: true });
  });

  it('whose answer never comes ends just before the deadline with TIMEOUT, which the script can catch', async () => {
    holdMessages();
    const answer = (await t.request('alpha', 'caught')) as { code: string; message: string; waited: number };
    expect(answer.code).toBe('TIMEOUT');
    expect(answer.message).toMatch(/^the gateway did not answer within the \d+ ms left before the deadline$/);
    expect(answer.waited).toBeGreaterThan(900);
    expect(answer.waited).toBeLessThan(1000);
  });

  it('whose answer never comes fails an uncaught handler with TIMEOUT', async () => {
    holdMessages();
    const start = Date.now();
    const error = await failureOf(t.request('alpha', 'deliver', { n: 3 }));
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - start).toBeLessThan(3000);
    expect(await t.request('bystander', 'ping', { n: 1 })).toEqual({ pong: 1 });
  });

  it('gives the script a clear error, never the wrong value, when the gateway answers with a value of the wrong type', async () => {
    const hold = holdMessages();
    const waiting = t.request('alpha', 'caught');
    await t.waitFor(() => hold.held() === 1, 2000, 'call held in the gateway');
    hold.release(() => [42]);
    expect(await waiting).toMatchObject({
      code: 'INTERNAL',
      message:
        'system.util.sendMessage failed inside the gateway: its result must have items that be a string (item 0 does not); received an array of length 1, so it was not passed on',
    });
    expect(
      t.logs((r) => r.level === 'error' && r.message.includes('broke its declared result type') && r.project === 'alpha'),
    ).toHaveLength(1);
  });

  it("waits against the call's deadline, not the CPU budget: a handler that scripts call waits longer than its project's whole budget", async () => {
    // thrifty/waits runs on the CPU budget for handlers that scripts call (100 ms per 10 s); it waits 600 ms.
    const hold = holdMessages();
    const answer = t.request('thrifty', 'asks');
    await t.waitFor(() => hold.held() === 1, 2000, 'call held in the gateway');
    await new Promise((resolve) => setTimeout(resolve, 600));
    hold.release();
    expect(await answer).toEqual(['type=Gateway,project=beta,messageHandler=record']);
  });

  it('in a loop is still stopped by the handler timeout, and the other projects keep answering', async () => {
    const start = Date.now();
    const error = await failureOf(t.request('alpha', 'loop'));
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - start).toBeLessThan(3000);
    expect(await t.request('bystander', 'ping', { n: 2 })).toEqual({ pong: 2 });
  });

  it('in a loop against a gateway that never answers is stopped by the handler timeout, and its waits do not make the watchdog kill the process', async () => {
    // isolated-vm's timeout does not count the time an isolate waits in applySyncPromise: after its deadline this
    // loop spins for up to its whole timeout again before isolated-vm stops it, longer than the watchdog's grace.
    holdMessages();
    const pid = t.gateway.supervisor.processOf('looper')!.pid;
    const start = Date.now();
    const error = await failureOf(t.request('looper', 'loop'));
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - start).toBeLessThan(4000);
    expect(await t.request('bystander', 'ping', { n: 3 })).toEqual({ pong: 3 });
    t.gateway.messaging.send = realSend;
    await t.waitFor(
      async () => ((await t.request('looper', 'loop').catch((e: FlintError) => e.code)) === 'TIMEOUT' ? true : undefined),
      15_000,
      'looper idle',
    );
    expect(t.gateway.supervisor.processOf('looper')!.pid).toBe(pid);
    expect(t.logs((r) => r.message.includes('ignores its timeout'))).toEqual([]);
  });

  it('in flight when the sandbox process is killed: every call gets an answer, and the project serves again after the restart', async () => {
    await t.request('alpha', 'record', { read: true }); // alpha idle, not still stopping an earlier test's loop
    const hold = holdMessages();
    const calls = [1, 2, 3, 4, 5].map((n) =>
      t.request('alpha', 'deliver', { n }).then(
        (value) => ({ value }),
        (error: FlintError) => ({ error: error.code }),
      ),
    );
    await t.waitFor(() => hold.held() >= 1, 2000, 'a call held in the gateway');
    process.kill(t.gateway.supervisor.processOf('alpha')!.pid!, 'SIGKILL');
    const killedAt = Date.now();
    const answers = await Promise.all(calls);
    expect(answers).toHaveLength(5);
    expect(Date.now() - killedAt).toBeLessThan(2000);
    for (const answer of answers) expect(answer).toHaveProperty('error', 'SANDBOX_CRASHED');
    hold.release(); // the answers to calls of the dead process find no one waiting
    t.gateway.messaging.send = realSend;
    await t.waitFor(async () => (await t.request('alpha', 'deliver', { n: 6 }).catch(() => undefined)) !== undefined, 10_000, 'alpha back');
    expect(await t.request('bystander', 'ping', { n: 4 })).toEqual({ pong: 4 });
  });
});
