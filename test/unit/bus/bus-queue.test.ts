import { describe, expect, it } from 'vitest';
import { BusQueue } from '../../../engine/bus/bus-queue.ts';

/** A queue on a clock the test moves. */
function queue(retention = {}) {
  let now = 1_000_000;
  const bus = new BusQueue(retention, () => now);
  return { bus, advance: (ms: number) => (now += ms) };
}

const n = (m: { message: Record<string, unknown> } | null | undefined) => (m ? m.message.n : m);

describe('the bus queue (seeds/004 semantics)', () => {
  it('15 messages, the first 10 expired: after 11 comes 12; an expired, unknown or null id starts at the first retained', () => {
    const { bus, advance } = queue({ maxAgeMs: 1000 });
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) {
      if (i === 10) advance(2000); // messages 0..9 are now older than maxAgeMs
      ids.push(bus.publish(i % 2 ? 'odd' : 'even', { type: 'test', n: i }));
    }
    const both = new Set(['odd', 'even']);
    expect(n(bus.peek(both, ids[11]))).toBe(12);
    expect(n(bus.peek(both, ids[3]))).toBe(10);
    expect(n(bus.peek(both, null))).toBe(10);
    expect(n(bus.peek(both, 'not-an-id'))).toBe(10);
    expect(n(bus.peek(both, `${ids[0].split('-')[0]}-999`))).toBe(10); // this epoch, never published
    expect(n(bus.peek(both, ids[14]))).toBeUndefined();
    // Channels: only the requested ones; the next on them after the last message.
    expect(n(bus.peek(new Set(['odd']), ids[11]))).toBe(13);
    expect(n(bus.peek(new Set(['even']), ids[11]))).toBe(12);
    expect(n(bus.peek(new Set(['odd']), null))).toBe(11);
    expect(n(bus.peek(new Set(['nobody']), null))).toBeUndefined();
    expect(bus.retained).toBe(5);
  });

  it('gives every message its id, in publish order, and an id from another queue (a restart) is unknown', () => {
    const { bus } = queue();
    const first = bus.publish('c', { type: 't', message_id: 'forged' });
    const second = bus.publish('c', { type: 't' });
    expect(bus.peek(new Set(['c']), null)?.message).toEqual({ type: 't', message_id: first });
    expect(bus.peek(new Set(['c']), first)?.message.message_id).toBe(second);
    const restarted = new BusQueue();
    restarted.publish('c', { type: 'after restart' });
    expect(restarted.peek(new Set(['c']), second)?.message.type).toBe('after restart');
  });

  it('bounds what it keeps by count and by bytes', () => {
    const byCount = queue({ maxCount: 3 }).bus;
    for (let i = 0; i < 10; i++) byCount.publish('c', { type: 't', n: i });
    expect(byCount.retained).toBe(3);
    expect(n(byCount.peek(new Set(['c']), null))).toBe(7);
    const byBytes = queue({ maxBytes: 1000 }).bus;
    for (let i = 0; i < 100; i++) byBytes.publish('c', { type: 't', n: i, text: 'x'.repeat(80) });
    expect(byBytes.retained).toBeLessThanOrEqual(10);
    expect(n(byBytes.peek(new Set(['c']), null))).toBe(100 - byBytes.retained);
  });

  it('holds a poll until a message on its channels, and answers null at its timeout', async () => {
    const { bus } = queue();
    const last = bus.publish('a', { type: 't', n: 0 });
    const waiting = bus.next(new Set(['a', 'b']), last, 10_000);
    const other = bus.next(new Set(['c']), null, 30);
    expect(bus.waiting).toBe(2);
    bus.publish('z', { type: 't', n: 1 });
    bus.publish('b', { type: 't', n: 2 });
    const answer = await waiting;
    expect(answer).toMatchObject({ channel: 'b', message: { type: 't', n: 2, message_id: expect.any(String) as string } });
    expect(JSON.parse(answer!.answer)).toEqual({ message: answer!.message, channel: 'b' });
    expect(await other).toBeNull();
    expect(bus.waiting).toBe(0);
  });

  it('releases a poll whose request went away, and every poll when it closes', async () => {
    const { bus } = queue();
    const abort = new AbortController();
    const gone = bus.next(new Set(['a']), null, 10_000, abort.signal);
    const open = bus.next(new Set(['a']), null, 10_000);
    abort.abort();
    expect(await gone).toBeNull();
    expect(bus.waiting).toBe(1);
    bus.close();
    expect(await open).toBeNull();
  });
});
