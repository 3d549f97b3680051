// A call that waits in line behind a long run of its project's isolate until its deadline has passed gets its
// TIMEOUT then, and its handler must never run afterwards: the caller was told it failed.
import { expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';

const t = useGateway({
  p: {
    files: {
      'gateway-events/message/busy.ts': `export default function () {\n  const end = Date.now() + 800;\n  while (Date.now() < end);\n  return 'busy done';\n}\n`,
      'gateway-events/message/effect.ts': `export default function () {\n  system.util.getLogger('effect').info('the side effect happened');\n  return 'effect done';\n}\n`,
    },
  },
});

it('a call whose deadline passed while it waited in line is failed and never run', async () => {
  const busy = t.request('p', 'busy', {}, 5);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await expect(t.request('p', 'effect', {}, 0.2)).rejects.toMatchObject({ code: 'TIMEOUT' });
  expect(await busy).toBe('busy done');
  expect(await t.request('p', 'busy', {}, 5)).toBe('busy done'); // anything queued meanwhile has had its turn
  expect(t.logs((r) => r.message === 'the side effect happened')).toEqual([]);
  expect(await t.request('p', 'effect')).toBe('effect done');
  expect(t.logs((r) => r.message === 'the side effect happened')).toHaveLength(1);
});
