// Attack: one project loops on sendMessage to another project's slow handler. A message returns at once, so the
// sender's own quotas barely slow it; the aim is to queue so much work in the target's isolate that the target's
// own requests time out behind it, even in a sandbox process of its own.
import { describe, expect, it } from 'vitest';
import { MAX_QUEUED_MESSAGES } from '../../engine/messaging/gateway-messaging.ts';
import { useGateway } from '../helpers/fixture.ts';
import { expectServing, script } from './hostile.ts';

const t = useGateway(
  {
    bystander: {
      files: {
        'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
        'gateway-events/message/work.ts': `export default function () {\n  const end = Date.now() + 2;\n  while (Date.now() < end);\n}\n`,
      },
    },
    hostile: {
      files: {
        'gateway-events/message/flood.ts': script(`
  let sent = 0;
  let refused = 0;
  const end = Date.now() + 3000;
  while (Date.now() < end) {
    try {
      system.util.sendMessage('bystander', 'work', {}, 'G');
      sent++;
    } catch (e: any) {
      if (e.code !== 'PROJECT_UNAVAILABLE') throw e;
      refused++;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  return { sent, refused };`),
      },
    },
  },
  { sandboxProcesses: 2 },
);

describe('a flood of messages to another project', () => {
  it('is refused past the queue bound, while the target keeps answering its own requests promptly', async () => {
    expect(t.gateway.supervisor.processOf('hostile')!.id).not.toBe(t.gateway.supervisor.processOf('bystander')!.id);
    const flood = t.request('hostile', 'flood', {}, 10);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Behind at most MAX_QUEUED_MESSAGES messages of 2 ms each: far within a second.
    for (let n = 0; n < 5; n++) expect(await t.request('bystander', 'ping', { n }, 1)).toEqual({ pong: n });
    const { sent, refused } = (await flood) as { sent: number; refused: number };
    expect(refused).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(MAX_QUEUED_MESSAGES);
    await expectServing(t);
  });
});
