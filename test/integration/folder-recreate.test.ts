// A folder inside a project deleted and made again (a branch switch, a copy): the files written into it as it
// appears are all picked up, script and sidecar alike, however quickly they follow the folder.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';

const TICK = `export default function () {\n  system.util.getLogger('tick').info('tick');\n}\n`;

const t = useGateway({
  lab: {
    files: {
      'gateway-events/timer/tick.ts': TICK,
      'gateway-events/timer/tick.json': '{"delayMs": 100000, "mode": "fixedDelay", "enabled": true}',
    },
  },
});

it('loads every file of a folder deleted and made again, written right after the folder', async () => {
  const folder = join(t.projectsDir, 'lab/gateway-events/timer');
  for (let round = 0; round < 5; round++) {
    rmSync(folder, { recursive: true });
    await t.waitFor(() => !t.gateway.project('lab')!.status().handlers.includes('gateway:timer:tick'), 5000, 'the timer to go');
    mkdirSync(folder);
    writeFileSync(join(folder, 'tick.json'), `{"delayMs": ${100 + round}, "mode": "fixedDelay", "enabled": true}`);
    writeFileSync(join(folder, 'tick.ts'), TICK);
    await t.waitFor(
      () => t.gateway.project('lab')!.status().handlers.includes('gateway:timer:tick'),
      5000,
      `the timer to come back (round ${round})`,
    );
    const ticks = t.logs((r) => r.message === 'tick').length;
    await t.waitFor(
      () => t.logs((r) => r.message === 'tick').length > ticks,
      5000,
      `the timer to tick with its new sidecar (round ${round})`,
    );
  }
});
