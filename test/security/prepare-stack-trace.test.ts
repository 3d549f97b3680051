// Attack: Error.prepareStackTrace. V8 calls it with CallSite objects for every frame, including the prelude's,
// whenever a stack is formatted, also for the errors and log records the prelude makes. A script uses it to
// fish for prelude functions and receivers (getFunction/getThis, fn.caller), and to make our error reporting
// misbehave: a throwing hook, a stack that is not a string, forged frames, and stacks and messages of megabytes.
import { beforeAll, describe, expect, it } from 'vitest';
import { FlintError } from '../../engine/errors.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing, logsOf, sandboxPid, script } from './hostile.ts';

let pid: number | undefined;

const t = useGateway({
  bystander,
  hostile: {
    files: {
      'gateway-events/message/data.ts': `export default function () {\n  return { ok: 1 };\n}\n`,
      'gateway-events/message/fish.ts': script(`
  const caught: string[] = [];
  (Error as any).prepareStackTrace = (_error: any, frames: any[]) => {
    for (const frame of frames) {
      if (frame.getFunction() !== undefined) caught.push('function ' + (frame.getFunction().name || '(anonymous)') + ' of ' + frame.getFileName());
      const self = frame.getThis();
      if (self !== undefined && self !== globalThis) caught.push('receiver of ' + frame.getFunctionName() + ' in ' + frame.getFileName());
    }
    return 'formatted by the script';
  };
  const stackOf = (e: any) => e.stack;
  system.util.getLogger('fish').info('a record with a source location');
  console.log('through console');
  try { (system.util.sendRequest as any)(1); } catch (e) { stackOf(e); }
  try { await system.util.sendRequest('nope', 'x'); } catch (e) { stackOf(e); }
  try { await system.util.sendRequest('hostile', 'data', { get x() { return 1; } } as any); } catch (e) { stackOf(e); }
  try { await system.util.sendRequest('hostile', 'data', new Proxy({}, { ownKeys() { stackOf(new Error('in a trap')); return []; } })); } catch (e) { stackOf(e); }
  await system.util.sendRequest('hostile', 'data', {});
  await new Promise<void>((resolve) => setTimeout(() => { stackOf(new Error('in a timer')); resolve(); }, 1));
  stackOf(new Error('in the handler'));
  (Error as any).prepareStackTrace = undefined;
  return caught;`),
      'gateway-events/message/callers.ts': `export default function callers() {\n  return { handler: String((callers as any).caller) };\n}\n`,
      'gateway-events/message/throwingHook.ts': script(`
  (Error as any).prepareStackTrace = () => { throw new Error('the hook throws'); };
  system.util.getLogger('hook').info('logged despite the hook');
  let rejection = '';
  try { await system.util.sendRequest('nope', 'x'); } catch (e: any) { rejection = e.code + ' ' + e.message; }
  system.util.getLogger('hook').info('rejection: ' + rejection);
  throw new TypeError('the real message');`),
      'gateway-events/message/objectStack.ts': script(`
  (Error as any).prepareStackTrace = () => ({ toString() { throw new Error('no'); } });
  system.util.getLogger('hook').info('logged despite an object stack');
  throw new RangeError('the real message 2');`),
      'gateway-events/message/forged.ts': script(`
  (Error as any).prepareStackTrace = () => ['Error: forged', '    at secret (/etc/passwd:1:1)', '    at ping (' + payload.otherFile + ':2:3)', '    at host (node:internal/process/task_queues:95:5)'].join('\\n');
  throw new Error('forged frames');`),
      'gateway-events/message/hugeStack.ts': script(`
  const frame = '    at own (' + payload.ownFile + ':1:1)';
  (Error as any).prepareStackTrace = () => 'Error\\n' + Array.from({ length: 100_000 }, () => frame).join('\\n');
  throw new Error('huge stack');`),
      'gateway-events/message/hugeMessage.ts': script(`
  (Error as any).prepareStackTrace = undefined;
  throw new Error('m'.repeat(5_000_000));`),
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'hostile');
});

const fileOf = (project: string, handler: string) => `projects/${project}/gateway-events/message/${handler}.ts`;

describe('Error.prepareStackTrace', () => {
  it('gets no prelude function or receiver from CallSites, in system calls, log records, traps and timers', async () => {
    const caught = (await t.request('hostile', 'fish')) as string[];
    expect(caught.filter((c) => !c.endsWith(fileOf('hostile', 'fish')))).toEqual([]);
  });

  it('gets no prelude function from fn.caller', async () => {
    expect(await t.request('hostile', 'callers')).toEqual({ handler: 'null' });
  });

  it('cannot make a script lose its error message or its log records by throwing', async () => {
    const error = (await t.request('hostile', 'throwingHook').catch((e) => e)) as FlintError;
    expect(error).toBeInstanceOf(FlintError);
    expect(error.code).toBe('SCRIPT_ERROR');
    expect(error.message).toBe('hostile/throwingHook: TypeError: the real message');
    expect(logsOf(t, 'hostile', 'logged despite the hook')).toHaveLength(1);
    expect(logsOf(t, 'hostile', 'rejection: NOT_FOUND project "nope" does not exist')).toHaveLength(1);
  });

  it('cannot break error reporting with a stack that is not a string', async () => {
    await expect(t.request('hostile', 'objectStack')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: 'hostile/objectStack: RangeError: the real message 2',
    });
    expect(logsOf(t, 'hostile', 'logged despite an object stack')).toHaveLength(1);
  });

  it('cannot point its error at files outside its own project', async () => {
    const error = (await t.request('hostile', 'forged', { otherFile: fileOf('bystander', 'ping') }).catch((e) => e)) as FlintError;
    expect(error.code).toBe('SCRIPT_ERROR');
    expect(error.message).toBe('hostile/forged: forged frames');
    expect(error.location).toBeUndefined();
    expect(error.userStack ?? '').not.toMatch(/passwd|bystander|node:internal/);
  });

  it('cannot send a stack or a message of megabytes through the gateway', async () => {
    const stackError = (await t.request('hostile', 'hugeStack', { ownFile: fileOf('hostile', 'hugeStack') }).catch((e) => e)) as FlintError;
    expect(stackError.code).toBe('SCRIPT_ERROR');
    expect(stackError.message).toContain('huge stack');
    expect(stackError.location?.file).toBe(fileOf('hostile', 'hugeStack'));
    expect((stackError.userStack ?? '').length).toBeLessThan(100_000);
    const messageError = (await t.request('hostile', 'hugeMessage').catch((e) => e)) as FlintError;
    expect(messageError.code).toBe('SCRIPT_ERROR');
    expect(messageError.message).toMatch(/^hostile\/hugeMessage: m{10000}… \(4990000 more characters\)/);
    expect(messageError.message.length).toBeLessThan(20_000);
  });

  it('leaves the sandbox process, the gateway and the other project running', async () => {
    expect(sandboxPid(t, 'hostile')).toBe(pid);
    await expectServing(t);
  });
});
