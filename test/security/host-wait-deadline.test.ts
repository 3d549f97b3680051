// Attack: escape the deadline by waiting instead of computing. A handler that awaits a slow sendRequest to
// another handler (or a long timer) spends no CPU, but its deadline is wall-clock time including the wait
// in host calls: it gets its own TIMEOUT at its project's timeoutMs, not when the slow handler is done.
import { describe, expect, it } from 'vitest';
import { FlintError } from '../../engine/errors.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, logsOf, script } from './hostile.ts';

const t = useGateway({
  bystander,
  slowpoke: {
    files: {
      'gateway-events/message/slow.ts': script(`
  await new Promise((r) => setTimeout(r, 1500));
  system.util.getLogger('slow').info('slow done');
  return 'late';`),
    },
  },
  hostile: {
    config: { limits: { timeoutMs: 400 } },
    files: {
      'gateway-events/message/waitsForSlow.ts': script(`return await system.util.sendRequest('slowpoke', 'slow', {}, undefined, 60);`),
      'gateway-events/message/waitsForTimer.ts': script(`await new Promise((r) => setTimeout(r, 10_000)); return 'late';`),
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});

async function timedOut(handler: string): Promise<{ error: FlintError; elapsed: number }> {
  const started = Date.now();
  const error = (await t.request('hostile', handler, {}, 60).catch((e) => e)) as FlintError;
  return { error, elapsed: Date.now() - started };
}

describe('a handler waiting in a host call', () => {
  it('gets its own TIMEOUT at its project’s timeoutMs, long before the slow handler it awaits is done', async () => {
    const { error, elapsed } = await timedOut('waitsForSlow');
    expect(error).toBeInstanceOf(FlintError);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/^hostile\/waitsForSlow: .*waitsForSlow\.ts timed out after 400 ms$/);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(1200);
    expect(logsOf(t, 'slowpoke', 'slow done')).toEqual([]);
  });

  it('on a timer gets its TIMEOUT too', async () => {
    const { error, elapsed } = await timedOut('waitsForTimer');
    expect(error.code).toBe('TIMEOUT');
    expect(elapsed).toBeLessThan(1200);
  });

  it('is not disturbed by the late answer, and the gateway and the other project keep answering', async () => {
    await t.waitFor(() => logsOf(t, 'slowpoke', 'slow done').length === 1, 5000, 'the slow handler to finish');
    await expectAnswers(t, 'hostile');
    await expectServing(t);
  });
});
