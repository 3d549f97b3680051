// Attack: too many timers. setTimeout/setInterval in a loop, ignoring the errors, with odd delays (which
// Node would run after 1 ms), hoping to exhaust the sandbox host's timers or memory. maxTimers (the timers alive at once)
// makes the next one throw QUOTA_EXCEEDED inside the script; cleared and fired timers free their slots.
import { beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, sandboxPid, script } from './hostile.ts';

let pid: number | undefined;

const t = useGateway({
  bystander,
  hostile: {
    config: { limits: { maxTimers: 5 } },
    files: {
      'gateway-events/message/fill.ts': script(`
  const g = globalThis as any;
  g.ids ??= [];
  let made = 0;
  try {
    for (;;) {
      g.ids.push(made % 2 === 0 ? setTimeout(() => {}, 60_000) : setInterval(() => {}, 60_000));
      made++;
    }
  } catch (e: any) {
    return { made, error: e.code + ' ' + e.message };
  }`),
      'gateway-events/message/clearAll.ts': script(`
  const g = globalThis as any;
  for (const id of g.ids ?? []) { clearTimeout(id); clearInterval(id); }
  g.ids = [];
  return 'cleared';`),
      'gateway-events/message/shortLived.ts': script(`
  await Promise.all([1, 2, 3, 4, 5].map((n) => new Promise((resolve) => setTimeout(resolve, n))));
  return 'fired';`),
      'gateway-events/message/flood.ts': script(`
  let made = 0;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    try { setTimeout(() => {}, [NaN, -1, 1e12, Infinity, '10' as any][i % 5]); made++; } catch { refused++; }
  }
  return { made, refused };`),
      'gateway-events/message/hugeDelays.ts': script(`
  let ticks = 0;
  let fired = false;
  const interval = setInterval(() => ticks++, Infinity);
  const timeout = setTimeout(() => (fired = true), 2 ** 40);
  await new Promise((resolve) => setTimeout(resolve, 100));
  clearInterval(interval);
  clearTimeout(timeout);
  return { ticks, fired };`),
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'hostile');
});

describe('too many timers', () => {
  it('make the next setTimeout or setInterval throw QUOTA_EXCEEDED inside the script', async () => {
    expect(await t.request('hostile', 'fill')).toEqual({ made: 5, error: 'QUOTA_EXCEEDED project "hostile" already has 5 live timers' });
    // the quota is the project's, across calls
    expect(await t.request('hostile', 'fill')).toEqual({ made: 0, error: 'QUOTA_EXCEEDED project "hostile" already has 5 live timers' });
  });

  it('free their slots when cleared or fired', async () => {
    expect(await t.request('hostile', 'clearAll')).toBe('cleared');
    expect(await t.request('hostile', 'shortLived')).toBe('fired');
    expect(await t.request('hostile', 'fill')).toMatchObject({ made: 5 });
    expect(await t.request('hostile', 'clearAll')).toBe('cleared');
  });

  it('in a loop, with odd delays (NaN, negative, over 32 bits), stop at the quota: fired timeouts whose callbacks wait for the busy script still count', async () => {
    expect(await t.request('hostile', 'flood')).toEqual({ made: 5, refused: 19_995 });
  });

  it('with delays too large for Node’s timers wait (about 24 days) instead of running every millisecond', async () => {
    // The flood's short timeouts run their callbacks one at a time once the flood is over: let them finish first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await t.request('hostile', 'hugeDelays')).toEqual({ ticks: 0, fired: false });
  });

  it('leave the sandbox process running, the project answering, the gateway up and the other project answering', async () => {
    expect(sandboxPid(t, 'hostile')).toBe(pid);
    await expectAnswers(t, 'hostile');
    await expectServing(t);
  });
});
