// A project's startup script runs again each time its isolate is rebuilt, except when the project keeps being rebuilt
// while running code (a startup script that crashes its sandbox). A project whose shared sandbox process another
// project keeps crashing is not to blame: its startup script runs again every time.
import { expect, it } from 'vitest';
import { startGateway, useGateway } from '../helpers/fixture.ts';

const t = useGateway({
  idle: {
    files: { 'gateway-events/startup.ts': `export default function () {\n  system.util.getLogger('idle').info('idle started');\n}\n` },
  },
});

const starts = () => t.logs((r) => r.message === 'idle started').length;

it('runs the startup script of a project that was not running code again after every restart of its process', async () => {
  expect(starts()).toBe(1);
  for (let crash = 1; crash <= 5; crash++) {
    process.kill(t.gateway.supervisor.processOf('idle')!.pid!, 'SIGKILL');
    await t.waitFor(() => starts() === crash + 1, 10_000, `the startup script after crash ${crash}`);
  }
  expect(t.logs((r) => r.message.includes('is not run again'))).toEqual([]);
});

it('stops running a startup script again that keeps getting its process killed from a timer', async () => {
  const crashing = await startGateway({
    stuck: {
      config: { limits: { timeoutMs: 300 } },
      files: {
        'gateway-events/startup.ts': `export default function () {\n  system.util.getLogger('stuck').info('stuck started');\n  setTimeout(() => new Array(2 ** 32 - 1).indexOf(1), 50);\n}\n`,
      },
    },
  });
  try {
    const kills = () => crashing.logs((r) => r.message.includes('is stuck in')).length;
    await crashing.waitFor(
      () => crashing.logs((r) => r.message.includes('its startup script is not run again')).length === 1,
      30_000,
      'the restarts to stop re-running the startup script',
    );
    const killed = kills();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(kills()).toBe(killed); // no more startups, so no more stuck timers
  } finally {
    await crashing.stop();
  }
}, 45_000);
