// Keystroke scripts (issue 15 item 1, seeds/002) through a real gateway and the client SDK fed synthetic key events,
// as a HID scanner types: the seed's regex example, single-key rules with preventDefault/stopPropagation and capture,
// the rules following hot reload, and every crafted keyMatch frame refused before a script runs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connect, type KeyLike } from '../../client/index.ts';
import { useGateway } from '../helpers/fixture.ts';
import { SessionSocket } from '../helpers/session-socket.ts';

const sample = (name: string) => readFileSync(new URL(`../../projects/samplequickstart/${name}`, import.meta.url), 'utf8');

const t = useGateway({
  p: {
    files: {
      'session-events/keystroke/scanner.ts': sample('session-events/keystroke/scanner.ts'),
      'session-events/keystroke/scanner.json': sample('session-events/keystroke/scanner.json'),
      'session-events/keystroke/submit.ts': `export default function (page: any, event: any) {
  page.session.custom.submit = { key: event.key, code: event.code, shiftKey: event.shiftKey, matches: event.matches, path: page.props.path };
}
`,
      'session-events/keystroke/submit.json': JSON.stringify({
        mode: 'keyDown',
        key: 'Enter',
        preventDefault: true,
        stopPropagation: true,
      }),
      'session-events/keystroke/escape.ts': `export default function (page: any) { page.session.custom.escape = (page.session.custom.escape ?? 0) + 1; }\n`,
      'session-events/keystroke/escape.json': JSON.stringify({ mode: 'keyUp', code: 'Escape', capturePhase: true }),
      'session-events/keystroke/groups.ts': `export default function (page: any, event: any) { page.session.custom.groups = event.matches; }\n`,
      'session-events/keystroke/groups.json': JSON.stringify({ mode: 'regex', regex: 'L(\\d)-(\\d{3})#', bufferLength: 7 }),
    },
  },
});

async function open() {
  const url = `${(await t.http()).url.replace('http', 'ws')}/session`;
  const session = await connect({ url, project: 'p', reconnect: false });
  await t.waitFor(() => session.keystrokeRules.length === 4, 5000, 'the keystroke rules');
  const { pageId } = await session.openPage('/scan');
  return { session, pageId };
}

/** A key typed as a scanner types it: key down, then key up. */
async function type(session: Awaited<ReturnType<typeof open>>['session'], pageId: string, text: string) {
  for (const key of text) {
    await session.sendKey(pageId, { type: 'keydown', key, code: /\d/.test(key) ? `Digit${key}` : '' });
    await session.sendKey(pageId, { type: 'keyup', key, code: /\d/.test(key) ? `Digit${key}` : '' });
  }
}

describe('keystroke scripts (seeds/002)', () => {
  it("runs the seed's regex example once 12 digits and @ are typed, with the match in event.matches", async () => {
    const { session, pageId } = await open();
    await type(session, pageId, '12345');
    expect(session.custom.scannerInput).toBeUndefined();
    await type(session, pageId, '4006381333931@');
    await t.waitFor(() => session.custom.scannerInput === 'Match found', 5000, 'the match');
    expect(t.logs((r) => r.message === `Session ${session.sessionId} matched 006381333931@`)).toHaveLength(1);
    await type(session, pageId, 'L7-042#');
    await t.waitFor(() => session.custom.groups !== undefined, 5000, 'the groups');
    expect(session.custom.groups).toEqual(['L7-042#', '7', '042']);
    await session.logout();
  });

  it('matches a single key on key down or up, honouring preventDefault, stopPropagation and the capture phase', async () => {
    const { session, pageId } = await open();
    const calls: string[] = [];
    const enter: KeyLike = {
      type: 'keydown',
      key: 'Enter',
      code: 'Enter',
      shiftKey: true,
      preventDefault: () => calls.push('preventDefault'),
      stopPropagation: () => calls.push('stopPropagation'),
    };
    await session.sendKey(pageId, { ...enter, type: 'keyup' }); // keyDown rule: key up does not match
    await session.sendKey(pageId, enter, 'capture'); // not a capture rule
    expect(calls).toEqual([]);
    await session.sendKey(pageId, enter, 'bubble');
    expect(calls).toEqual(['preventDefault', 'stopPropagation']);
    await t.waitFor(() => session.custom.submit !== undefined, 5000, 'the Enter script');
    expect(session.custom.submit).toEqual({ key: 'Enter', code: 'Enter', shiftKey: true, matches: [], path: '/scan' });
    await session.sendKey(pageId, { type: 'keyup', key: 'Escape', code: 'Escape' }, 'bubble'); // a capture rule
    await session.sendKey(pageId, { type: 'keyup', key: 'Esc', code: 'Escape' }, 'capture'); // by code
    await t.waitFor(() => session.custom.escape === 1, 5000, 'the Escape script');
    await session.logout();
  });

  it('sends the rules again when a keystroke script or its sidecar changes', async () => {
    const { session } = await open();
    t.write('p', 'session-events/keystroke/extra.ts', `export default function () {}\n`);
    t.write('p', 'session-events/keystroke/extra.json', JSON.stringify({ mode: 'keyDown', key: 'F2' }));
    await t.waitFor(() => session.keystrokeRules.includes('extra'), 10_000, 'the new rule');
    t.remove('p', 'session-events/keystroke/extra.json');
    t.remove('p', 'session-events/keystroke/extra.ts');
    await t.waitFor(() => !session.keystrokeRules.includes('extra'), 10_000, 'the rule gone');
    await session.logout();
  });

  it('refuses a crafted keyMatch before any script runs', async () => {
    const { socket } = await SessionSocket.session(t, 'p');
    const rules = await socket.next((f) => f.type === 'keyRules');
    expect((rules.rules as { name: string }[]).map((r) => r.name).sort()).toEqual(['escape', 'groups', 'scanner', 'submit']);
    const page = (await socket.value({ type: 'openPage', path: '/' })) as { pageId: string };
    const event = {
      altKey: false,
      code: 'Enter',
      ctrlKey: false,
      isComposing: false,
      key: 'Enter',
      location: 0,
      metaKey: false,
      repeat: false,
      shiftKey: false,
      matches: [],
    };
    const refused = async (frame: object) => {
      const reply = await socket.call({ type: 'keyMatch', pageId: page.pageId, ...frame });
      expect(reply.ok, JSON.stringify(frame)).toBe(false);
      return `${reply.error!.code}: ${reply.error!.message}`;
    };
    expect(await refused({ name: 'nope', event })).toMatch(/^NOT_FOUND: project "p" has no keystroke rule "nope"/);
    expect(await refused({ name: 'submit', event: { ...event, key: 'a', code: 'KeyA' } })).toMatch(
      /^BAD_REQUEST: keystroke "submit" matches key "Enter"/,
    );
    expect(await refused({ name: 'submit', event: { ...event, matches: ['x'] } })).toMatch(/must be empty/);
    expect(await refused({ name: 'scanner', event: { ...event, matches: [] } })).toMatch(/must hold the matched text first/);
    expect(await refused({ name: 'scanner', event: { ...event, matches: ['1'.repeat(14)] } })).toMatch(/longer than its buffer of 13/);
    expect(await refused({ name: 'submit', event: { ...event, altKey: 'yes' } })).toMatch(/"event.altKey" must be true or false/);
    expect(await refused({ name: 'submit', event: { ...event, extra: 1 } })).toMatch(/"event" has no field "extra"/);
    expect(await refused({ name: 'submit', event: { ...event, location: 9 } })).toMatch(/"event.location" must be 0, 1, 2 or 3/);
    expect(await refused({ name: 'submit', pageId: 'nopage', event })).toMatch(/^NOT_FOUND: session .* has no page "nopage"/);
    expect(await refused({ name: '../x', event })).toMatch(/^BAD_REQUEST/);
    expect((await socket.call({ type: 'keyMatch', pageId: page.pageId, name: 'submit', event })).ok).toBe(true);
    socket.close();
  });
});
