// Live objects in session handlers (issue 11 item 3): writes take effect on the gateway's session, reach its clients
// as `props` frames and are seen by the next handler, in order; read-only and unknown properties refuse writes.
import { describe, expect, it } from 'vitest';
import { connect } from '../../client/index.ts';
import type { GatewayFrame } from '../../engine/sessions/protocol.ts';
import { useGateway } from '../helpers/fixture.ts';

const handler = (body: string) => `export default function (session: any, payload: any) {\n${body}\n}\n`;

const t = useGateway({
  live: {
    files: {
      'session-events/startup.ts': `export default function (session: any) { session.custom.startedBy = session.props.userName ?? 'anonymous'; }\n`,
      'session-events/page-startup.ts': `export default function (page: any) { page.session.custom.lastPage = page.props.path; page.session.custom.count = (page.session.custom.count ?? 0) + 1; }\n`,
      'session-events/message/write.ts': handler(`session.custom[payload.key] = payload.value; return session.custom[payload.key];`),
      'session-events/message/read.ts': handler(`return { custom: { ...session.custom }, keys: Object.keys(session.custom) };`),
      'session-events/message/remove.ts': handler(`delete session.custom[payload.key]; return Object.keys(session.custom);`),
      'session-events/message/append.ts': handler(
        `const list = session.custom.list ?? []; session.custom.list = [...list, payload.item]; return session.custom.list.length;`,
      ),
      'session-events/message/later.ts': handler(`setTimeout(() => { session.custom.later = 'set by a timer'; }, 10); return null;`),
      'session-events/message/flood.ts': handler(`
  const big = 'x'.repeat(200_000);
  for (let i = 0; i < 100; i++) {
    try { session.custom.big = big + i; } catch (e: any) { return { writes: i, code: e.code, message: e.message }; }
  }
  return { writes: 100 };`),
      'session-events/message/tryWrite.ts': handler(`
  const attempts: Record<string, string> = {};
  const attempt = (name: string, f: () => void) => { try { f(); attempts[name] = 'allowed'; } catch (e: any) { attempts[name] = e.code + ': ' + e.message; } };
  attempt('userName', () => { session.props.userName = 'mallory'; });
  attempt('newProp', () => { session.props.admin = true; });
  attempt('replaceCustom', () => { session.custom = {}; });
  attempt('function', () => { session.custom.f = () => 1; });
  attempt('nested', () => { session.custom.list.push(99); });
  attempt('getter', () => { Object.defineProperty(session.custom, 'g', { get: () => 1 }); });
  attempt('huge', () => { session.custom.huge = 'x'.repeat(2_000_000); });
  return attempts;`),
    },
  },
});

async function open() {
  const http = await t.http();
  return connect({ url: `${http.url.replace('http', 'ws')}/session`, project: 'live' });
}

describe('live session and page objects', () => {
  it('take writes in order, show them to the next handler, and push them to the client', async () => {
    const session = await open();
    const frames: GatewayFrame<'props'>[] = [];
    session.onProps((frame) => frames.push(frame));
    await session.openPage('/line/1');
    expect(await session.request('write', { key: 'scannerInput', value: 'Match found' })).toBe('Match found');
    const read = (await session.request('read')) as { custom: Record<string, unknown> };
    expect(read.custom).toEqual({ startedBy: 'anonymous', lastPage: '/line/1', count: 1, scannerInput: 'Match found' });
    expect(t.gateway.sessions.get(session.sessionId)?.custom.toObject()).toEqual(read.custom);
    await t.waitFor(() => frames.some((f) => f.key === 'scannerInput'), 5000, 'the props frame');
    expect(frames.find((f) => f.key === 'scannerInput')).toMatchObject({ object: 'session', group: 'custom', value: 'Match found' });
    expect(session.custom.scannerInput).toBe('Match found');
    session.close();
  });

  it('keep nested values frozen (assigning a new value works), delete properties, and take writes from timers', async () => {
    const session = await open();
    expect(await session.request('append', { item: 1 })).toBe(1);
    expect(await session.request('append', { item: 2 })).toBe(2);
    expect(await session.request('write', { key: 'temp', value: { a: [1, 2] } })).toEqual({ a: [1, 2] });
    expect(await session.request('remove', { key: 'temp' })).not.toContain('temp');
    expect(t.gateway.sessions.get(session.sessionId)?.custom.get('temp')).toBeUndefined();
    await session.request('later');
    await t.waitFor(() => t.gateway.sessions.get(session.sessionId)?.custom.get('later') === 'set by a timer', 5000, 'the timer write');
    session.close();
  });

  it('refuse writes to read-only or unknown props, whole groups, non-JSON values, getters and oversized values', async () => {
    const session = await open();
    await session.request('append', { item: 1 });
    const attempts = (await session.request('tryWrite')) as Record<string, string>;
    expect(attempts.userName).toMatch(/^BAD_ARGUMENT: session\.props\.userName is read-only/);
    expect(attempts.newProp).toMatch(/^BAD_ARGUMENT: session\.props has no property "admin"/);
    expect(attempts.replaceCustom).toMatch(/^BAD_ARGUMENT: session\.custom cannot be replaced/);
    expect(attempts.function).toMatch(/^NOT_SERIALIZABLE: .*function/);
    expect(attempts.nested).toMatch(/object is not extensible|read only/);
    expect(attempts.getter).toMatch(/^BAD_ARGUMENT: .*getters/);
    expect(attempts.huge).toMatch(/^QUOTA_EXCEEDED/);
    const kept = t.gateway.sessions.get(session.sessionId)!;
    expect(kept.props().userName).toBeNull();
    expect(kept.custom.toObject()).toEqual({ startedBy: 'anonymous', list: [1] });
    // The gateway checks again: another project's write, or one the rules refuse, changes nothing.
    t.gateway.sessions.writeLive('other', { kind: 'session', ref: kept.id, group: 'custom', key: 'x', value: 1 });
    t.gateway.sessions.writeLive('live', { kind: 'session', ref: kept.id, group: 'props', key: 'userName', value: 'mallory' });
    expect(kept.custom.get('x')).toBeUndefined();
    expect(kept.props().userName).toBeNull();
    expect(t.logs((r) => r.message.includes('was not applied')).length).toBe(2);
    session.close();
  });

  it('bound the bytes a loop of writes may send in one second, so it cannot stall its sandbox process', async () => {
    const session = await open();
    const result = (await session.request('flood')) as { writes: number; code?: string; message?: string };
    expect(result.code).toBe('QUOTA_EXCEEDED');
    expect(result.message).toMatch(/bytes in one second/);
    expect(result.writes).toBeGreaterThan(0);
    expect(result.writes).toBeLessThan(100);
    await t.waitFor(
      () => (t.gateway.sessions.get(session.sessionId)?.custom.get('big') as string)?.endsWith(String(result.writes - 1)),
      5000,
      'the last write kept',
    );
    session.close();
  });
});
