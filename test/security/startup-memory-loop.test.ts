// Attack: a gateway startup script that runs out of memory. Each memory-limit rebuild runs the startup script
// again in the fresh isolate, which runs out of memory again: left alone, the project would be rebuilt for ever,
// burning a core and flooding the log.
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing } from './hostile.ts';

const rebuilds = () =>
  t.logs(
    (r) => r.project === 'hostile' && r.message.includes('its sandbox was rebuilt from the last good scripts') && r.logger === 'sandbox',
  ).length;

const t = useGateway({
  bystander,
  hostile: {
    config: { limits: { memoryMb: 32 } },
    files: {
      'gateway-events/startup.ts': `export default function () {\n  const keep: number[][] = [];\n  for (;;) keep.push(new Array(1e6).fill(1));\n}\n`,
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});

describe('a startup script that runs out of memory', () => {
  it('stops being run again after a few rebuilds', async () => {
    await t.waitFor(
      () => t.logs((r) => r.message.includes('its startup script is not run again')).length === 1,
      10_000,
      'the rebuild loop to be cut',
    );
    const settled = rebuilds();
    expect(settled).toBeLessThanOrEqual(5);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(rebuilds()).toBe(settled);
  });

  it('leaves the project’s handlers and the other project answering', async () => {
    await expectAnswers(t, 'hostile');
    await expectServing(t);
  });

  it('runs again at once when the startup script is saved', async () => {
    t.write(
      'hostile',
      'gateway-events/startup.ts',
      `export default function () {\n  system.util.getLogger('startup').info('fixed startup ran');\n}\n`,
    );
    await t.waitFor(() => t.logs((r) => r.message === 'fixed startup ran').length === 1, 5000, 'the saved startup script to run');
  });
});
