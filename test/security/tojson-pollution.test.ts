// Attack: a `toJSON` on Object.prototype, so that JSON.stringify of the sandbox's own answers (an error outcome,
// a load result) comes out as undefined or as forged text, hoping to leave a call or a load unanswered: a request
// that hangs for ever, a project whose saves no longer load, a gateway that cannot stop.
import { beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, sandboxPid } from './hostile.ts';

let pid: number | undefined;

const POLLUTES_THEN_THROWS = `export default function () {\n  (Object.prototype as any).toJSON = () => undefined;\n  throw new Error('after pollution');\n}\n`;

const t = useGateway({
  bystander,
  hostile: {
    files: {
      'gateway-events/message/pollutesThenThrows.ts': POLLUTES_THEN_THROWS,
      'gateway-events/message/forges.ts': `export default function () {\n  (Object.prototype as any).toJSON = () => ({ ok: true, value: 'forged' });\n  throw new Error('real failure');\n}\n`,
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'hostile');
});

describe('toJSON on Object.prototype', () => {
  it('does not lose the answer to a handler that throws', async () => {
    await expect(t.request('hostile', 'pollutesThenThrows', {}, 3)).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: expect.stringContaining('after pollution'),
    });
    // the pollution stays in the isolate: later failures are still answered, and successes too
    await expect(t.request('hostile', 'pollutesThenThrows', {}, 3)).rejects.toMatchObject({ code: 'SCRIPT_ERROR' });
    await expectAnswers(t, 'hostile');
  });

  it('cannot forge a success out of a failure', async () => {
    await expect(t.request('hostile', 'forges', {}, 3)).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: expect.stringContaining('real failure'),
    });
  });

  it('in a script that throws while loading gives a diagnostic, and later saves still load', async () => {
    t.write(
      'hostile',
      'gateway-events/message/loadFails.ts',
      `(Object.prototype as any).toJSON = () => undefined;\nthrow new Error('at load');\nexport default function () {}\n`,
    );
    await t.waitFor(
      () =>
        t.gateway
          .project('hostile')!
          .status()
          .diagnostics.some((d) => d.file.endsWith('loadFails.ts') && d.message.includes('at load')),
      5000,
      'the load diagnostic',
    );
    t.write('hostile', 'gateway-events/message/later.ts', `export default function () {\n  return 'later';\n}\n`);
    expect(await t.waitFor(() => t.request('hostile', 'later', {}, 3).catch(() => undefined), 5000, 'the later handler')).toBe('later');
  });

  it('leaves the sandbox process running and the other project answering', async () => {
    expect(sandboxPid(t, 'hostile')).toBe(pid);
    await expectServing(t);
  });
});
