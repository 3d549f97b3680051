// system.perspective.sendMessage from the gateway scope (seeds/000): a gateway timer or message handler reaches the
// component message handlers of one session and page (or every page, with scope "session"); a handler that throws
// or hangs is logged at its file and line and the others still get the message; a session of another project, or
// one that ended, is NOT_FOUND.
import { describe, expect, it } from 'vitest';
import { connect, type FlintSession, type MountedView } from '../../client/index.ts';
import { useGateway } from '../helpers/fixture.ts';

// The components run in the order view.json lists them: the broken ones first, so that the others prove they still ran.
const BOARD = {
  components: {
    Broken: {
      messageHandlers: [
        { messageType: 'Tick', scopes: ['page'], script: 'throws' },
        { messageType: 'Note', scopes: ['page', 'session'], script: 'throws' },
      ],
    },
    Stuck: { messageHandlers: [{ messageType: 'Note', scopes: ['session'], script: 'hangs' }] },
    Counter: {
      props: { got: [] },
      messageHandlers: [
        { messageType: 'Tick', scopes: ['page'], script: 'count' },
        { messageType: 'Note', scopes: ['page', 'session'], script: 'count' },
      ],
    },
  },
};

const files = {
  'views/Board/view.json': JSON.stringify(BOARD),
  'views/Board/throws.ts': `export default function (self: any, payload: any) {\n  throw new Error('broken on purpose ' + payload.n);\n}\n`,
  'views/Board/hangs.ts': `export default function () {\n  for (;;);\n}\n`,
  'views/Board/count.ts': `export default function (self: any, payload: any) {\n  self.props.got = [...self.props.got, payload.n];\n}\n`,
  'lib/target.ts': `export const target: { sessionId?: string; pageId?: string; n: number } = { n: 0 };\n`,
  'gateway-events/message/aim.ts': `import { target } from '../../lib/target.ts';
export default function (payload: any) { target.sessionId = payload.sessionId; target.pageId = payload.pageId; return true; }\n`,
  // Sends once for each aim, then waits for the next.
  'gateway-events/timer/tick.ts': `import { target } from '../../lib/target.ts';
export default function () {
  if (!target.sessionId) return;
  const { sessionId, pageId } = target;
  target.sessionId = undefined;
  try { system.perspective.sendMessage('Tick', { n: ++target.n }, 'page', sessionId, pageId); }
  catch (e: any) { system.util.getLogger('tick').warn('refused ' + e.code + ': ' + e.message); }
}\n`,
  'gateway-events/timer/tick.json': '{"delayMs": 25}',
  'gateway-events/message/send.ts': `export default function (payload: any) {
  try { system.perspective.sendMessage(payload.type, { n: payload.n }, payload.scope, payload.sessionId, payload.pageId); return 'sent'; }
  catch (e: any) { return e.code + ': ' + e.message; }
}\n`,
};

const t = useGateway({
  msg: { config: { limits: { timeoutMs: 500 } }, files },
  other: { files },
});

async function open(project = 'msg'): Promise<FlintSession> {
  const http = await t.http();
  return connect({ url: `${http.url.replace('http', 'ws')}/session`, project, reconnect: false });
}

/** A session with two pages, each showing a Board. */
async function twoPages(project = 'msg') {
  const session = await open(project);
  const a = await session.openPage('/a');
  const b = await session.openPage('/b');
  const boardA = await session.mountView(a.pageId, 'Board');
  const boardB = await session.mountView(b.pageId, 'Board');
  return { session, a: a.pageId, b: b.pageId, boardA, boardB };
}

/** What the Counter of a board has received, as its client was told. */
const got = (view: MountedView) => view.components.Counter.props.got as number[];
/** What the gateway keeps for the Counter of a view instance. */
function kept(session: FlintSession, pageId: string, view: MountedView): unknown {
  return t.gateway.sessions
    .get(session.sessionId)
    ?.pages.get(pageId)
    ?.views.get(view.instanceId)
    ?.components.get('Counter')
    ?.props.get('got');
}

describe('system.perspective.sendMessage from the gateway scope', () => {
  it('reaches, from a gateway timer, the component handlers of the one session and page it names', async () => {
    const target = await twoPages();
    const bystander = await twoPages();
    expect(await t.request('msg', 'aim', { sessionId: target.session.sessionId, pageId: target.a })).toBe(true);
    await t.waitFor(() => got(target.boardA).length === 1, 5000, 'the Counter of page a to get the tick');
    const [n] = got(target.boardA);
    expect(kept(target.session, target.a, target.boardA)).toEqual([n]);
    expect(kept(target.session, target.b, target.boardB)).toEqual([]);
    expect(kept(bystander.session, bystander.a, bystander.boardA)).toEqual([]);
    expect(kept(bystander.session, bystander.b, bystander.boardB)).toEqual([]);
    // The broken handler on the same page failed, logged where it threw, and did not keep the Counter from its message.
    await t.waitFor(() => t.logs((r) => r.message.includes(`broken on purpose ${n}`)).length === 1, 5000, 'the logged failure');
    target.session.close();
    bystander.session.close();
  });

  it('reaches every page of a session with scope "session" from a message handler; a handler that throws or hangs is logged at its file and line, and the others still get it', async () => {
    const target = await twoPages();
    expect(
      await t.request('msg', 'send', { type: 'Note', n: 7, scope: 'session', sessionId: target.session.sessionId, pageId: target.a }),
    ).toBe('sent');
    await t.waitFor(() => got(target.boardA).length === 1 && got(target.boardB).length === 1, 10_000, 'both Counters');
    expect([got(target.boardA), got(target.boardB)]).toEqual([[7], [7]]);
    // Each board's Broken threw and its Stuck timed out: four failures, each logged with the script's location.
    const failures = (await t.waitFor(
      () => {
        const found = t.logs(
          (r) => r.level === 'error' && r.message.includes(`component/message of session ${target.session.sessionId} failed`),
        );
        return found.length === 4 ? found : undefined;
      },
      10_000,
      'the four failures logged',
    ))!;
    const thrown = failures.filter((r) => r.message.includes('broken on purpose 7'));
    expect(thrown.length).toBe(2);
    for (const record of thrown) {
      expect(record.message).toContain('projects/msg/views/Board/throws.ts:2:9 broken on purpose 7');
      expect(record.source).toEqual({ file: 'projects/msg/views/Board/throws.ts', line: 2, column: 9 });
    }
    // A timeout has no line to show, only the script.
    const hung = failures.filter((r) => r.message.endsWith('projects/msg/views/Board/hangs.ts timed out after 500 ms'));
    expect(hung.length, failures.map((r) => r.message).join('\n')).toBe(2);
    // The session goes on: a message sent after the failures is delivered too.
    expect(
      await t.request('msg', 'send', { type: 'Note', n: 8, scope: 'page', sessionId: target.session.sessionId, pageId: target.b }),
    ).toBe('sent');
    await t.waitFor(() => got(target.boardB).length === 2, 10_000, 'the next message');
    expect(got(target.boardB)).toEqual([7, 8]);
    expect(got(target.boardA)).toEqual([7]);
    target.session.close();
  });

  it('is NOT_FOUND for a session of another project, a session that ended and a page the session does not have, and reaches nothing', async () => {
    const foreign = await twoPages('other');
    const send = (fields: object) => t.request('msg', 'send', { type: 'Note', n: 1, scope: 'page', ...fields });
    expect(await send({ sessionId: foreign.session.sessionId, pageId: foreign.a })).toBe(
      `NOT_FOUND: project "msg" has no session ${foreign.session.sessionId}`,
    );
    expect(await send({ scope: 'session', sessionId: foreign.session.sessionId, pageId: foreign.a })).toMatch(/^NOT_FOUND: /);
    // From the timer too: refused, and logged by the script.
    await t.request('msg', 'aim', { sessionId: foreign.session.sessionId, pageId: foreign.a });
    await t.waitFor(
      () => t.logs((r) => r.message === `refused NOT_FOUND: project "msg" has no session ${foreign.session.sessionId}`).length === 1,
      5000,
      'the timer refused',
    );
    const own = await twoPages();
    expect(await send({ sessionId: own.session.sessionId, pageId: 'nopage' })).toBe(
      `NOT_FOUND: session ${own.session.sessionId} has no page nopage`,
    );
    expect(await send({ scope: 'view', sessionId: own.session.sessionId, pageId: own.a })).toMatch(/^BAD_ARGUMENT: .*scope "view"/);
    await own.session.logout();
    expect(await send({ sessionId: own.session.sessionId, pageId: own.a })).toBe(
      `NOT_FOUND: project "msg" has no session ${own.session.sessionId}`,
    );
    expect(kept(foreign.session, foreign.a, foreign.boardA)).toEqual([]);
    expect(kept(foreign.session, foreign.b, foreign.boardB)).toEqual([]);
    foreign.session.close();
  });
});
