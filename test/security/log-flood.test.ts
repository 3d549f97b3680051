// Attack: flooding the gateway log, which every project shares, to push out other projects' records: with large
// messages, and with empty ones under a long logger name (which cost nothing if only the message is counted).
import { beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { expectServing, script } from './hostile.ts';

const flood = (logger: string, message: string) =>
  script(`
  const log = system.util.getLogger(${logger});
  for (let i = 0; i < 5000; i++) log.error(${message});
  return 'flooded';`);

const t = useGateway({
  bystander: {
    files: {
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  system.util.getLogger('bystander').warn('still here');\n  return { pong: payload.n };\n}\n`,
    },
  },
  large: {
    config: { limits: { logBytesPerMinute: 20_000 } },
    files: { 'gateway-events/message/flood.ts': flood(`'big'`, `'x'.repeat(1000)`) },
  },
  empty: {
    config: { limits: { logBytesPerMinute: 20_000 } },
    files: { 'gateway-events/message/flood.ts': flood(`'n'.repeat(200)`, `''`) },
  },
});
beforeAll(async () => {
  await t.request('bystander', 'ping', { n: 0 }); // its record, logged before the floods
});

const recordsOf = (project: string) => t.logs((r) => r.project === project && r.level === 'error').length;

describe('a log flood', () => {
  it('of large messages stops at the project’s log quota, with one warning', async () => {
    expect(await t.request('large', 'flood')).toBe('flooded');
    expect(recordsOf('large')).toBeLessThanOrEqual(20);
    expect(t.logs((r) => r.project === 'large' && r.message.startsWith('log quota of 20000 bytes per minute exceeded'))).toHaveLength(1);
  });

  it('of empty messages under a long logger name stops there too: every record costs its logger name and a fixed overhead', async () => {
    expect(await t.request('empty', 'flood')).toBe('flooded');
    expect(recordsOf('empty')).toBeLessThanOrEqual(20_000 / 300);
    expect(t.logs((r) => r.project === 'empty' && r.message.startsWith('log quota of 20000 bytes per minute exceeded'))).toHaveLength(1);
  });

  it('leaves the other project’s earlier records in the log', async () => {
    expect(t.logs((r) => r.project === 'bystander' && r.message === 'still here')).toHaveLength(1);
    await expectServing(t);
  });
});
