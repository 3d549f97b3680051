// Authentication challenges (issue 15 item 4, seeds/002) through a real gateway, its users and the client SDK: the
// seed's supervisor example for each of the four outcomes (success, generic error, timeout, cancellation), the Result
// object's methods and their UnsupportedOperationException, and a challenge that cannot be completed by another
// session, replayed, or completed after its timeout.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.ts';
import { UserSource } from '../../engine/users/user-source.ts';
import { useGateway } from '../helpers/fixture.ts';

const sample = (name: string) => readFileSync(new URL(`../../projects/samplequickstart/${name}`, import.meta.url), 'utf8');

const t = useGateway({
  p: {
    files: {
      'session-events/auth-challenge.ts': sample('session-events/auth-challenge.ts'),
      'session-events/message/approve.ts': sample('session-events/message/approve.ts'),
      'session-events/message/short.ts': `export default function (session: any, payload: any) { return system.perspective.authenticationChallenge(payload, 0.02); }\n`,
      'gateway-events/message/fromGateway.ts': `export default function () {
  try { return system.perspective.authenticationChallenge({}); } catch (e: any) { return e.code + ': ' + e.message; }
}
`,
    },
  },
  // A script that reads every method, the wrong ones too, and keeps what it saw.
  probe: {
    files: {
      'session-events/auth-challenge.ts': `export default function (session: any, payload: any, result: any) {
  const tryIt = (f: () => unknown) => { try { return f(); } catch (e: any) { return e.name + ': ' + e.message; } };
  session.custom.seen = {
    payload,
    isSuccess: result.isSuccess(), isError: result.isError(),
    success: tryIt(() => result.getAsSuccess().getContext()),
    direct: tryIt(() => result.getContext()),
    generic: tryIt(() => result.getAsError().isGeneric() && result.getAsError().getAsGeneric().getMessage()),
    timeout: tryIt(() => result.getAsError().getAsTimeout().getTimeout()),
    cancelled: tryIt(() => result.getAsError().isCancelled()),
    frozen: tryIt(() => { 'use strict'; result.getAsSuccess().getContext().user.roles.push('admin'); return 'changed'; }),
  };
}
`,
    },
  },
});

let url: string;
beforeAll(async () => {
  url = `${(await t.http()).url.replace('http', 'ws')}/session`;
  const users = new UserSource({ dataDir: join(t.root, 'data'), hashParams: { N: 1024, r: 8, p: 1 } });
  await users.add('sam', 'password-s', ['supervisor']);
  await users.add('otto', 'password-o', ['operator']);
  await t.waitFor(() => t.gateway.users.get('otto') !== undefined, 10_000, 'the users');
});

/** A session that records the challenges it is shown. */
async function open(project = 'p') {
  const session = await connect({ url, project, reconnect: false });
  const prompts: string[] = [];
  session.onAuthChallenge((id) => prompts.push(id));
  return { session, prompts };
}
const logged = (text: string) => t.logs((r) => r.logger === 'Authentication Challenge' && r.message === text).length;
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
  );

describe('authentication challenges (seeds/002)', () => {
  it("runs the seed's supervisor example on a success: a supervisor approves, an operator is not authorized", async () => {
    const { session, prompts } = await open();
    const id = (await session.request('approve', { action: 'release batch 7' })) as string;
    await t.waitFor(() => prompts.includes(id), 5000, 'the prompt');
    expect(await refusal(session.completeAuthChallenge(id, 'sam', 'wrong'))).toMatch(/^UNAUTHORIZED/);
    await session.completeAuthChallenge(id, 'sam', 'password-s'); // a wrong password left it waiting
    expect(session.custom.approved ?? (await t.waitFor(() => session.custom.approved, 5000, 'approved'))).toEqual({
      action: { action: 'release batch 7' },
      by: 'sam',
    });
    const second = (await session.request('approve', {})) as string;
    await session.completeAuthChallenge(second, 'otto', 'password-o');
    await t.waitFor(() => logged('otto is not authorized') === 1, 5000, 'the refusal');
    await session.logout();
  });

  it('ends as a cancellation, or as a timeout after its minutes, and the script tells them apart', async () => {
    const { session } = await open();
    const cancelled = await session.startAuthChallenge({ action: 'x' });
    await session.cancelAuthChallenge(cancelled);
    expect(logged('The user cancelled the challenge')).toBe(1);
    const started = Date.now();
    await session.request('short', { action: 'y' }); // 0.02 minutes: 1.2 s
    await t.waitFor(() => logged('Timed out after 0.02 minutes') === 1, 10_000, 'the timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
    await session.logout();
  });

  it('gives the script a Result object with the seed API, whose wrong getters throw UnsupportedOperationException', async () => {
    const { session } = await open('probe');
    const id = await session.startAuthChallenge({ n: 1 });
    await session.completeAuthChallenge(id, 'sam', 'password-s');
    const context = {
      idp: 'flint',
      securityZones: [],
      user: { id: 'sam', userName: 'sam', firstName: null, lastName: null, email: null, roles: ['supervisor'] },
      securityLevels: ['Authenticated', 'Authenticated/Roles/supervisor'],
    };
    await t.waitFor(() => session.custom.seen, 5000, 'the probe');
    expect(session.custom.seen).toEqual({
      payload: { n: 1 },
      isSuccess: true,
      isError: false,
      success: context,
      direct: context,
      generic: 'UnsupportedOperationException: the authentication challenge result is a success, not an error',
      timeout: 'UnsupportedOperationException: the authentication challenge result is a success, not an error',
      cancelled: 'UnsupportedOperationException: the authentication challenge result is a success, not an error',
      frozen: expect.stringMatching(/^TypeError/) as string,
    });
    const cancelled = await session.startAuthChallenge('p2');
    await session.cancelAuthChallenge(cancelled);
    await t.waitFor(() => (session.custom.seen as { payload: unknown }).payload === 'p2', 5000, 'the second probe');
    expect(session.custom.seen).toMatchObject({
      isSuccess: false,
      isError: true,
      success: expect.stringMatching(/^UnsupportedOperationException: .*is an error, not a success/) as string,
      generic: false,
      timeout: expect.stringMatching(/^UnsupportedOperationException: .*not a timeout/) as string,
      cancelled: true,
    });
    await session.logout();
  });

  it('ends as a generic error after three wrong passwords', async () => {
    const { session } = await open();
    const id = await session.startAuthChallenge({ action: 'g' });
    for (let i = 0; i < 3; i++) expect(await refusal(session.completeAuthChallenge(id, 'sam', `wrong-${i}`))).toMatch(/^UNAUTHORIZED/);
    expect(logged('Generic error: authentication failed 3 times')).toBe(1);
    expect(await refusal(session.completeAuthChallenge(id, 'sam', 'password-s'))).toMatch(/^NOT_FOUND/);
    await session.logout();
  });

  it('cannot be completed by another session, replayed, or completed after its timeout', async () => {
    const mine = await open();
    const other = await open();
    const id = await mine.session.startAuthChallenge({ action: 'z' });
    expect(other.prompts).toEqual([]);
    const notFound = new RegExp(`^NOT_FOUND: session ${other.session.sessionId} has no authentication challenge ${id} waiting`);
    expect(await refusal(other.session.completeAuthChallenge(id, 'sam', 'password-s'))).toMatch(notFound);
    expect(await refusal(other.session.cancelAuthChallenge(id))).toMatch(/^NOT_FOUND/);
    await mine.session.completeAuthChallenge(id, 'otto', 'password-o');
    expect(await refusal(mine.session.completeAuthChallenge(id, 'sam', 'password-s'))).toMatch(/^NOT_FOUND/); // replayed
    const late = (await mine.session.request('short', {})) as string;
    await t.waitFor(() => logged('Timed out after 0.02 minutes') >= 2, 10_000, 'the timeout');
    expect(await refusal(mine.session.completeAuthChallenge(late, 'sam', 'password-s'))).toMatch(/^NOT_FOUND/);
    expect(await t.request('p', 'fromGateway')).toMatch(/^BAD_ARGUMENT: .*outside any session \(gateway scope\)/);
    expect(await refusal(mine.session.startAuthChallenge(null, 0))).toMatch(/^BAD_REQUEST/);
    expect(await refusal(mine.session.completeAuthChallenge('not-an-id', 'sam', 'x'))).toMatch(/^BAD_REQUEST/);
    for (const s of [mine.session, other.session]) await s.logout();
  });
});
