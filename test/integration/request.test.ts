import { describe, expect, it } from 'vitest';
import { FlintError } from '../../engine/errors.ts';
import { handler, useGateway } from '../helpers/fixture.ts';

const t = useGateway({
  alpha: {
    files: {
      'lib/shout.ts': `export const shout = (s: string): string => s.toUpperCase() + '!';\n`,
      'gateway-events/message/echo.ts': `import { shout } from '../../lib/shout';\nexport default function (payload: { text: string }) {\n  return { echo: shout(payload.text) };\n}\n`,
      'gateway-events/message/fails.ts': `export default function () {\n  const x = 1;\n  throw new TypeError('bad input ' + x);\n}\n`,
      'gateway-events/message/chain.ts': `export default async function (payload: any) {\n  const inner = await system.util.sendRequest('alpha', 'echo', { text: payload.text });\n  const other = await system.util.sendRequest('beta', 'double', { n: 21 });\n  return { inner, other };\n}\n`,
      'gateway-events/message/remoteFail.ts': `export default async function () {\n  try { await system.util.sendRequest('alpha', 'fails'); } catch (e: any) { return { code: e.code, message: e.message }; }\n}\n`,
      'gateway-events/message/throwsData.ts': `export default function (payload: any) {\n  throw payload.plain ? { reason: 'out of stock', sku: 42 } : new Map();\n}\n`,
      'gateway-events/message/slow.ts': `export default async function () {\n  await new Promise((r) => setTimeout(r, 2000));\n  return 'late';\n}\n`,
      'gateway-events/message/fireAndForget.ts': `export default function (payload: any) {\n  return system.util.sendMessage('beta', 'record', { note: payload.note }, 'G');\n}\n`,
    },
  },
  beta: {
    files: {
      'gateway-events/message/double.ts': handler('{ n: payload.n * 2 }'),
      'gateway-events/message/record.ts': `export default function (payload: any) {\n  system.util.getLogger('record').info('noted ' + payload.note);\n}\n`,
    },
  },
});

describe('system.util.sendRequest', () => {
  it('answers with the handler return value, through a lib module', async () => {
    expect(await t.request('alpha', 'echo', { text: 'hi' })).toEqual({ echo: 'HI!' });
  });

  it('lets a handler await a handler of its own project and of another project', async () => {
    expect(await t.request('alpha', 'chain', { text: 'x' })).toEqual({ inner: { echo: 'X!' }, other: { n: 42 } });
  });

  it('reports a throwing handler with its message and the user file:line:col', async () => {
    const error = (await t.request('alpha', 'fails').catch((e) => e)) as FlintError;
    expect(error).toBeInstanceOf(FlintError);
    expect(error.code).toBe('SCRIPT_ERROR');
    expect(error.message).toContain('TypeError: bad input 1');
    expect(error.location).toMatchObject({ line: 3, file: expect.stringMatching(/alpha\/gateway-events\/message\/fails\.ts$/) });
  });

  it('describes a thrown value that is not an error by its data', async () => {
    await expect(t.request('alpha', 'throwsData', { plain: true })).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: 'alpha/throwsData: a non-error value was thrown: {"reason":"out of stock","sku":42}',
    });
    await expect(t.request('alpha', 'throwsData', { plain: false })).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: 'alpha/throwsData: a non-error value was thrown: [object Map]',
    });
  });

  it('rejects inside the calling script with the code and location of the failed handler', async () => {
    const answer = (await t.request('alpha', 'remoteFail')) as { code: string; message: string };
    expect(answer.code).toBe('SCRIPT_ERROR');
    expect(answer.message).toMatch(/alpha\/fails: TypeError: bad input 1 \(.*fails\.ts:3:\d+\)/);
  });

  it('fails clearly for an unknown project or handler', async () => {
    await expect(t.request('nope', 'echo')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'project "nope" does not exist' });
    await expect(t.request('alpha', 'nope')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'project "alpha" has no gateway message handler "nope"',
    });
  });

  it('times out after timeoutSec', async () => {
    const started = Date.now();
    await expect(t.request('alpha', 'slow', {}, 0.2)).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringMatching(/alpha\/slow: .*slow\.ts timed out after 200 ms/),
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('system.util.sendMessage', () => {
  it('delivers to a gateway handler in scope G and returns the delivery list', async () => {
    expect(await t.request('alpha', 'fireAndForget', { note: 'n1' })).toEqual(['type=Gateway,project=beta,messageHandler=record']);
    await t.waitFor(() => t.logs((r) => r.message === 'noted n1' && r.project === 'beta').length === 1, 5000, 'the record handler log');
  });

  it('validates scope letters with a clear message inside the script', async () => {
    t.write(
      'alpha',
      'gateway-events/message/badScope.ts',
      `export default function () {\n  try { system.util.sendMessage('beta', 'record', {}, 'X'); } catch (e: any) { return e.message; }\n}\n`,
    );
    const answer = await t.waitFor(() => t.request('alpha', 'badScope'), 5000, 'badScope handler');
    expect(answer).toBe('system.util.sendMessage: argument 4 "scope" must match /^[CGS]+$/; received "X"');
  });
});
