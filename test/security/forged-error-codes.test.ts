// Attack: answering a caller with an error that looks like Flint's own failure (SANDBOX_CRASHED, INTERNAL) and its
// wording, to mislead whoever reads it: through the constructor of an error a system call threw, and through a
// `then` getter that throws (read by the prelude to see whether the handler returned a promise).
import { beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, sandboxPid } from './hostile.ts';

let pid: number | undefined;
const FORGED = 'the sandbox process was killed by SIGKILL while running this call';

const t = useGateway({
  bystander,
  hostile: {
    files: {
      'gateway-events/message/viaSystemError.ts': `export default function () {\n  let SystemError: any;\n  try {\n    system.util.sendRequest('bad/name', 'x');\n  } catch (e: any) {\n    SystemError = e.constructor;\n  }\n  throw new SystemError('SANDBOX_CRASHED', '${FORGED}');\n}\n`,
      'gateway-events/message/blamesTheCaller.ts': `export default function () {\n  let SystemError: any;\n  try {\n    system.util.sendRequest('bad/name', 'x');\n  } catch (e: any) {\n    SystemError = e.constructor;\n  }\n  throw new SystemError('UNAUTHORIZED', 'missing or wrong bearer token');\n}\n`,
      'gateway-events/message/viaThenGetter.ts': `export default function () {\n  return { get then() { throw { message: '${FORGED}' }; } };\n}\n`,
      'gateway-events/message/viaPatchedThen.ts': `export default async function () {\n  (Promise.prototype as any).then = function () { throw new Error('${FORGED}'); };\n  return 1;\n}\n`,
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'hostile');
});

describe('an error forged to look like Flint’s own', () => {
  it('keeps the code of a script’s fault, whatever code the script gives it', async () => {
    await expect(t.request('hostile', 'viaSystemError')).rejects.toMatchObject({ code: 'SCRIPT_ERROR' });
  });

  it('cannot tell an admin client that its token or its request was wrong', async () => {
    const server = await t.http();
    const response = await fetch(`${server.url}/api/projects/hostile/request/blamesTheCaller`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'SCRIPT_ERROR' });
  });

  it('thrown by a then getter is the script’s fault too', async () => {
    await expect(t.request('hostile', 'viaThenGetter')).rejects.toMatchObject({ code: 'SCRIPT_ERROR' });
  });

  it('cannot come from a patched Promise.prototype.then: the prelude uses its own', async () => {
    expect(await t.request('hostile', 'viaPatchedThen')).toBe(1);
  });

  it('leaves the sandbox process, the project and the other project serving', async () => {
    expect(sandboxPid(t, 'hostile')).toBe(pid);
    await expectAnswers(t, 'hostile');
    await expectServing(t);
  });
});
