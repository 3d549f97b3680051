// Attack: sessions of several projects in one shared sandbox process rewrite a large session.custom value in a loop
// until their handler's deadline. Each write is a fire-and-forget system call (system.perspective.writeLive): it is
// not a request waiting for an answer, so the bound on pending request bytes (large-payload-flood.test.ts) does not
// apply, and only callsPerSecond limits it. A file of its own: the attack may take down the sandbox process that the
// projects of another test file would share.
import { describe, expect, it } from 'vitest';
import { connect } from '../../client/index.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, sandboxPid } from './hostile.ts';

const FLOODERS = ['writer1', 'writer2', 'writer3'];

const flooder = {
  files: {
    'session-events/message/flood.ts': `export default function (session: any) {
  const big = 'a'.repeat(100_000);
  let n = 0;
  const end = Date.now() + 3000;
  while (Date.now() < end) { session.custom.big = big + n; n++; }
  return n;
}\n`,
  },
};

const t = useGateway({ bystander, ...Object.fromEntries(FLOODERS.map((name) => [name, flooder])) });

describe('a flood of large live writes from several projects', () => {
  // BUG (not fixed here): measured on a 2-core machine, writes of 100 KB values (a few thousand a second, far under
  // callsPerSecond) from one session stall a bystander project in the same sandbox process for about 2 s (a loop of
  // the same CPU work without writes: 33 ms), and the flood's handler answers 1.5 s after its loop ended. From three
  // projects at once, the sandbox process misses its heartbeat for 3 s and is killed with every project in it. Each
  // write crosses the sandbox host's main thread and its IPC channel to the gateway with its whole value, and nothing
  // bounds the bytes of fire-and-forget calls; a fix would budget them (bytes per second, or pending bytes as for
  // requests), or keep only the last write of a key that has not been sent yet.
  it.fails('leaves the shared sandbox process running and the bystander answering within a second', async () => {
    const pid = sandboxPid(t, 'bystander');
    const http = await t.http();
    const url = `${http.url.replace('http', 'ws')}/session`;
    const sessions = await Promise.all(FLOODERS.map((project) => connect({ url, project, reconnect: false })));
    let finished = false;
    const floods = Promise.allSettled(sessions.map((s) => s.request('flood'))).finally(() => (finished = true));
    let slowest = 0;
    let n = 0;
    while (!finished) {
      const started = Date.now();
      expect(await t.request('bystander', 'ping', { n }, 10)).toEqual({ pong: n });
      slowest = Math.max(slowest, Date.now() - started);
      n++;
    }
    for (const outcome of await floods) expect(outcome.status).toBe('fulfilled');
    expect(sandboxPid(t, 'bystander')).toBe(pid);
    expect(t.logs((r) => /missed its heartbeat|was killed/.test(r.message))).toEqual([]);
    expect(slowest).toBeLessThan(1000);
    for (const session of sessions) session.close();
  });
});
