/**
 * The changes waiting for one tag-change script: first in, first out, at most `capacity` of them. When it is full the
 * oldest waiting change is dropped to make room, so a script that falls behind (slow, stuck, or feeding its own tag)
 * costs bounded memory and, once it catches up, is handed the newest changes rather than stale ones (docs/tags.md).
 */
export class ChangeQueue<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;
  /** Changes dropped since the queue was last empty. */
  private droppedSinceEmpty = 0;

  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`a change queue holds at least 1 change; received ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Changes dropped since the queue was last empty (0 while it keeps up). */
  get dropped(): number {
    return this.droppedSinceEmpty;
  }

  /** Adds a change at the end; returns the change dropped to make room, if the queue was full. */
  push(item: T): { dropped: T } | undefined {
    if (this.size < this.capacity) {
      this.items[(this.head + this.size) % this.capacity] = item;
      this.size++;
      return undefined;
    }
    const dropped = this.items[this.head] as T;
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    this.droppedSinceEmpty++;
    return { dropped };
  }

  /** The oldest waiting change, taken out; undefined when none waits. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    if (this.size === 0) this.droppedSinceEmpty = 0;
    return item;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
    this.droppedSinceEmpty = 0;
  }
}
