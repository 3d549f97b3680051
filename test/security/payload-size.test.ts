// Attack: values over the payload limit (maxPayloadBytes, set small in project.json) crossing the sandbox
// boundary in either direction: sent by the script, returned by it, sent to it by the gateway or another
// project, and answered to it by another project's handler. Each is refused with QUOTA_EXCEEDED; nothing crosses.
import { beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, logsOf, sandboxPid, script } from './hostile.ts';

const RECORD = `export default function (payload: any) {\n  system.util.getLogger('record').info('received ' + String(payload.text).length);\n  return { length: String(payload.text).length };\n}\n`;

let pid: number | undefined;

const t = useGateway({
  bystander,
  small: {
    config: { limits: { maxPayloadBytes: 1000 } },
    files: {
      'gateway-events/message/record.ts': RECORD,
      'gateway-events/message/sends.ts': script(`
  try { await system.util.sendRequest('big', 'record', { text: 'x'.repeat(payload.size) }); return 'sent'; } catch (e: any) { return e.code + ' ' + e.message; }`),
      'gateway-events/message/returns.ts': script(`return { text: 'x'.repeat(payload.size) };`),
      'gateway-events/message/asksForMuch.ts': script(`
  try { await system.util.sendRequest('big', 'returns', { size: payload.size }); return 'answered'; } catch (e: any) { return e.code + ' ' + e.message; }`),
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
  big: {
    files: {
      'gateway-events/message/record.ts': RECORD,
      'gateway-events/message/returns.ts': script(`return { text: 'x'.repeat(payload.size) };`),
      'gateway-events/message/sendsToSmall.ts': script(`
  try { await system.util.sendRequest('small', 'record', { text: 'x'.repeat(payload.size) }); return 'sent'; } catch (e: any) { return e.code + ' ' + e.message; }`),
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'small');
});

describe('a payload over the limit', () => {
  it('sent by the script fails inside it with QUOTA_EXCEEDED, and nothing crosses', async () => {
    expect(await t.request('small', 'sends', { size: 5000 })).toBe(
      'QUOTA_EXCEEDED system.util.sendRequest: argument 3 "payload" is larger than the payload limit of 1000 bytes',
    );
    expect(logsOf(t, 'big', 'received')).toEqual([]);
    expect(await t.request('small', 'sends', { size: 900 })).toBe('sent');
    expect(logsOf(t, 'big', 'received')).toHaveLength(1);
  });

  it('returned by the script is refused with QUOTA_EXCEEDED', async () => {
    await expect(t.request('small', 'returns', { size: 5000 })).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: expect.stringContaining('the return value is larger than the payload limit of 1000 bytes'),
    });
    expect(await t.request('small', 'returns', { size: 900 })).toEqual({ text: 'x'.repeat(900) });
  });

  it('sent to the script, by the gateway or by another project, is refused before it runs', async () => {
    await expect(t.request('small', 'record', { text: 'x'.repeat(5000) })).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: expect.stringContaining('is larger than the payload limit of 1000 bytes of project "small"'),
    });
    expect(await t.request('big', 'sendsToSmall', { size: 5000 })).toMatch(
      /^QUOTA_EXCEEDED small\/record: the payload for .*record\.ts is larger than the payload limit of 1000 bytes of project "small"/,
    );
    expect(logsOf(t, 'small', 'received')).toEqual([]);
    expect(await t.request('small', 'record', { text: 'x'.repeat(900) })).toEqual({ length: 900 });
  });

  it('answered to the script by another project is refused with QUOTA_EXCEEDED', async () => {
    expect(await t.request('small', 'asksForMuch', { size: 5000 })).toBe(
      'QUOTA_EXCEEDED the answer is larger than the payload limit of 1000 bytes of project "small"',
    );
    expect(await t.request('small', 'asksForMuch', { size: 900 })).toBe('answered');
  });

  it('leaves the sandbox process running, the project answering, the gateway up and the other project answering', async () => {
    expect(sandboxPid(t, 'small')).toBe(pid);
    await expectAnswers(t, 'small');
    await expectServing(t);
  });
});
