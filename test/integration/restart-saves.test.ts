// Issue 10, fault 1: a save made while a project's sandbox is replaced must not be lost, nor blamed for the loss.
// A handler stuck in a loop of host calls ignored its timeout (isolated-vm's termination is lost inside a host call)
// until the watchdog killed its whole sandbox process, and a save in flight then was reported as "the sandbox process
// crashed while loading this script" and never loaded. Real watcher, real files, real sandbox processes.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../engine/compiler/diagnostics.ts';
import { FlintError } from '../../engine/errors.ts';
import { useGateway } from '../helpers/fixture.ts';

const ANSWER = (text: string) => `export default function () {\n  return '${text}';\n}\n`;
/** A module whose top-level code says it is loading, then keeps its load in flight for a while. */
const SLOW_LOAD = (text: string) =>
  `system.util.getLogger('load').info('loading ${text}');\nconst until = Date.now() + 1500;\nwhile (Date.now() < until) {}\n${ANSWER(text)}`;

const t = useGateway({
  box: {
    // Over 1.5 s: isolated-vm's second try to stop it (near twice the timeout) then comes after the watchdog's kill.
    config: { limits: { timeoutMs: 3000 } },
    files: {
      // The handler, with its errors caught (the call quota would otherwise end it with QUOTA_EXCEEDED).
      'gateway-events/message/stuck.ts': `export default function () {\n  for (;;) try { system.util.getLogger('x').trace(''); } catch {}\n}\n`,
      'gateway-events/message/ping.ts': ANSWER('box pong'),
    },
  },
  bystander: { files: { 'gateway-events/message/ping.ts': ANSWER('bystander pong') } },
  a: { files: { 'gateway-events/message/ping.ts': ANSWER('a v1') } },
  b: { files: { 'gateway-events/message/ping.ts': ANSWER('b v1') } },
});

const diagnosticsOf = (project: string): Diagnostic[] => t.gateway.project(project)!.status().diagnostics;
const pidOf = (project: string) => t.gateway.supervisor.processOf(project)?.pid;
const answers = (project: string, handler: string, value: string) => async () =>
  (await t.request(project, handler, {}, 5).catch(() => undefined)) === value;

describe('a save made while a sandbox is replaced', () => {
  it('loads, and blames nobody, when a handler stuck in host calls is stopped meanwhile', async () => {
    const pid = pidOf('box');
    const started = Date.now();
    const stuck = (await t.request('box', 'stuck', {}, 10).catch((e: unknown) => e)) as FlintError;
    expect(stuck).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('timed out after 3000 ms') });
    // Saved in the window after the timeout, where the watchdog used to kill the process: a new handler, and the
    // stuck script deleted.
    t.write('box', 'gateway-events/message/fresh.ts', ANSWER('fresh'));
    t.remove('box', 'gateway-events/message/stuck.ts');
    await t.waitFor(answers('box', 'fresh', 'fresh'), 10_000, 'the new handler to answer');
    expect(Date.now() - started).toBeLessThan(5500); // stopped promptly, not at twice its timeout
    // Polled through the handler index, not by calling it: a call made before the deletion applies would get stuck again.
    await t.waitFor(
      () => t.gateway.project('box')!.handlerModule('gateway/message', 'stuck') === undefined,
      5000,
      'the deleted handler to be gone',
    );
    await expect(t.request('box', 'stuck')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.request('box', 'ping')).toBe('box pong');
    expect(diagnosticsOf('box')).toEqual([]);
    expect(t.logs((r) => r.message.includes('crashed while loading'))).toEqual([]);
    // Stopped by its timeout in its own isolate: the process, and the other project in it, were never touched.
    expect(pidOf('box')).toBe(pid);
    expect(await t.request('bystander', 'ping')).toBe('bystander pong');
    expect(t.logs((r) => r.message.includes('kept calling into the host past its timeout'))).toHaveLength(1);
  });

  it('is live once the process is back, for every save in flight or made while it was down (kill -9)', async () => {
    const pid = pidOf('a')!;
    expect(pidOf('b')).toBe(pid);
    const loading = (text: string) => () => t.logs((r) => r.message === `loading ${text}`).length > 0;
    t.write('a', 'gateway-events/message/slow.ts', SLOW_LOAD('a new')); // a new handler
    t.write('b', 'gateway-events/message/ping.ts', SLOW_LOAD('b v2')); // a new version of a handler
    await t.waitFor(loading('a new'), 10_000, 'a load in flight in project a');
    await t.waitFor(loading('b v2'), 10_000, 'a load in flight in project b');
    process.kill(pid, 'SIGKILL');
    t.write('a', 'gateway-events/message/ping.ts', ANSWER('a v2')); // saved while the process is down
    await t.waitFor(answers('a', 'slow', 'a new'), 15_000, 'the new handler of a');
    await t.waitFor(answers('b', 'ping', 'b v2'), 15_000, 'the new version of b');
    await t.waitFor(answers('a', 'ping', 'a v2'), 15_000, 'the save made while the process was down');
    expect(pidOf('a')).not.toBe(pid);
    expect(diagnosticsOf('a')).toEqual([]);
    expect(diagnosticsOf('b')).toEqual([]);
    expect(t.logs((r) => r.message.includes('crashed'))).toEqual([]);
  }, 45_000);
});
