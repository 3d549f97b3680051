// Attack: several projects in one shared sandbox process fire sendRequest after sendRequest with payloads just under
// the 1 MB limit, without awaiting them. Every waiting request costs the sandbox host's main thread and the gateway
// parsing, copying and memory: enough of them at once would stall the process until it misses its heartbeat and is
// killed, with every other project's calls in it.
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { expectServing, sandboxPid, script } from './hostile.ts';

const FLOODERS = ['hostile1', 'hostile2', 'hostile3'];

const flooder = (name: string) => ({
  files: {
    'gateway-events/message/sink.ts': script(`return 1;`),
    'gateway-events/message/flood.ts': script(`
  const big = { s: 'a'.repeat(999_900) };
  let sent = 0;
  let refused = 0;
  const end = Date.now() + 4000;
  while (Date.now() < end) {
    try {
      system.util.sendRequest('${name}', 'sink', big).catch(() => {});
      sent++;
    } catch (e: any) {
      if (e.code !== 'QUOTA_EXCEEDED') throw e;
      refused++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  return { sent, refused };`),
  },
});

const t = useGateway({
  bystander: {
    files: {
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
      'gateway-events/message/slow.ts': script(`await new Promise((resolve) => setTimeout(resolve, 4000));\n  return 'bystander done';`),
    },
  },
  ...Object.fromEntries(FLOODERS.map((name) => [name, flooder(name)])),
});

describe('floods of large payloads from several projects', () => {
  it('are refused past a few payloads waiting per project, and the shared sandbox process keeps serving everyone', async () => {
    const pid = sandboxPid(t, 'bystander');
    const slow = t.request('bystander', 'slow', {}, 10);
    const floods = (await Promise.all(FLOODERS.map((name) => t.request(name, 'flood', {}, 10)))) as { sent: number; refused: number }[];
    expect(await slow).toBe('bystander done');
    for (const { refused } of floods) expect(refused).toBeGreaterThan(0);
    expect(sandboxPid(t, 'bystander')).toBe(pid);
    expect(t.logs((r) => /heartbeat|was killed/.test(r.message))).toEqual([]);
    await expectServing(t);
  });
});
