import { describe, expect, it } from 'vitest';
import { ChangeQueue } from '../../../engine/events/change-queue.ts';

const drain = <T>(q: ChangeQueue<T>) => {
  const out: T[] = [];
  for (let item = q.shift(); item !== undefined; item = q.shift()) out.push(item);
  return out;
};

describe('the change queue of a tag-change script', () => {
  it('hands changes out first in, first out', () => {
    const q = new ChangeQueue<number>(4);
    for (const n of [1, 2, 3]) expect(q.push(n)).toBeUndefined();
    expect(q.shift()).toBe(1);
    q.push(4);
    q.push(5);
    expect(q.length).toBe(4);
    expect(drain(q)).toEqual([2, 3, 4, 5]);
    expect(q.shift()).toBeUndefined();
  });

  it('never holds more than its capacity: when full it drops the oldest and keeps the order of the rest', () => {
    const q = new ChangeQueue<number>(3);
    const dropped: number[] = [];
    for (let n = 1; n <= 10; n++) {
      const d = q.push(n);
      if (d) dropped.push(d.dropped);
      expect(q.length).toBeLessThanOrEqual(3);
    }
    expect(dropped).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(q.dropped).toBe(7);
    expect(drain(q)).toEqual([8, 9, 10]);
  });

  it('counts drops from the last time it was empty, so each time a script falls behind can be told once', () => {
    const q = new ChangeQueue<string>(1);
    q.push('a');
    q.push('b');
    expect(q.dropped).toBe(1);
    q.push('c');
    expect(q.dropped).toBe(2);
    expect(q.shift()).toBe('c');
    expect(q.dropped).toBe(0);
    q.push('d');
    expect(q.dropped).toBe(0);
    q.push('e');
    expect(q.dropped).toBe(1);
  });

  it('empties on clear and refuses a capacity below 1', () => {
    const q = new ChangeQueue<number>(2);
    q.push(1);
    q.push(2);
    q.clear();
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    q.push(3);
    expect(drain(q)).toEqual([3]);
    expect(() => new ChangeQueue(0)).toThrow(/at least 1/);
    expect(() => new ChangeQueue(1.5)).toThrow(/at least 1/);
  });
});
