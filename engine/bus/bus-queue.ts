import { randomBytes } from 'node:crypto';

/** How long, how many and how much the bus keeps, so that a client that reconnects after a blip misses nothing. */
export interface Retention {
  /** Messages older than this are dropped (Tryton keeps 5 s; the default here is 10 minutes). */
  maxAgeMs: number;
  /** At most this many messages per project. */
  maxCount: number;
  /** At most this many bytes of message JSON per project. */
  maxBytes: number;
}

export const DEFAULT_RETENTION: Retention = { maxAgeMs: 10 * 60_000, maxCount: 10_000, maxBytes: 16 * 1024 * 1024 };

/** One message on a channel, as the bus answers it: `message` carries its `message_id`. */
export interface BusMessage {
  channel: string;
  message: Record<string, unknown>;
  /** `{"message": ..., "channel": ...}` as JSON text, made once for every poll it answers. */
  readonly answer: string;
}

interface Retained extends BusMessage {
  seq: number;
  id: string;
  at: number;
  bytes: number;
}

interface Waiter {
  channels: ReadonlySet<string>;
  resolve: (message: BusMessage | null) => void;
  timer: NodeJS.Timeout;
}

/**
 * One project's bus (Tryton's bus semantics, seeds/004): messages in publish order with ids, retained within limits,
 * and long polls. `next(channels, lastMessage)` answers the first retained message on one of `channels` after
 * `lastMessage`; an unknown or expired `lastMessage` (or none) starts from the first retained message; with nothing
 * to answer, the poll waits until a message on one of its channels is published, or answers null at its timeout.
 * Ids carry this queue's epoch (random per start), so an id from before a restart is unknown, never another message.
 */
export class BusQueue {
  private retention: Retention;
  private readonly epoch = randomBytes(4).toString('hex');
  private nextSeq = 0;
  private readonly messages: Retained[] = [];
  private bytes = 0;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly now: () => number;

  constructor(retention: Partial<Retention> = {}, now: () => number = Date.now) {
    this.retention = { ...DEFAULT_RETENTION, ...retention };
    this.now = now;
  }

  /** New limits (the project's settings changed); the next publish or poll applies them. */
  setRetention(retention: Retention): void {
    this.retention = { maxAgeMs: retention.maxAgeMs, maxCount: retention.maxCount, maxBytes: retention.maxBytes };
  }

  /** Appends a message (its `message_id` set here) and releases the polls waiting on its channel; returns the id. */
  publish(channel: string, message: Record<string, unknown>): string {
    const seq = this.nextSeq++;
    const id = `${this.epoch}-${seq}`;
    const body = { ...message, message_id: id };
    const answer = JSON.stringify({ message: body, channel });
    const retained: Retained = { channel, message: body, answer, seq, id, at: this.now(), bytes: answer.length };
    this.messages.push(retained);
    this.bytes += retained.bytes;
    this.expire();
    const waiting = this.waiters.get(channel);
    if (waiting) for (const waiter of [...waiting]) this.release(waiter, retained);
    return id;
  }

  /** The next message for a poll, now, or undefined when it has to wait. */
  peek(channels: ReadonlySet<string>, lastMessage: string | null): BusMessage | undefined {
    this.expire();
    let from = 0;
    const seq = this.seqOf(lastMessage);
    if (seq !== undefined) {
      const first = this.messages[0]?.seq ?? this.nextSeq;
      from = seq >= first ? seq - first + 1 : 0;
    }
    for (let i = from; i < this.messages.length; i++) {
      const m = this.messages[i];
      if (channels.has(m.channel)) return m;
    }
    return undefined;
  }

  /** A long poll: the next message at once, or the next published on one of `channels`, or null after `timeoutMs`. */
  next(channels: ReadonlySet<string>, lastMessage: string | null, timeoutMs: number, signal?: AbortSignal): Promise<BusMessage | null> {
    const ready = this.peek(channels, lastMessage);
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const waiter: Waiter = { channels, resolve, timer: setTimeout(() => this.release(waiter, null), timeoutMs) };
      for (const channel of channels) {
        let set = this.waiters.get(channel);
        if (!set) this.waiters.set(channel, (set = new Set()));
        set.add(waiter);
      }
      signal?.addEventListener('abort', () => this.release(waiter, null), { once: true });
    });
  }

  /** Polls waiting now (for status and tests). */
  get waiting(): number {
    const all = new Set<Waiter>();
    for (const set of this.waiters.values()) for (const w of set) all.add(w);
    return all.size;
  }

  get retained(): number {
    this.expire();
    return this.messages.length;
  }

  /** Answers every waiting poll with null (the gateway is stopping). */
  close(): void {
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) this.release(waiter, null);
  }

  private release(waiter: Waiter, answer: BusMessage | null): void {
    clearTimeout(waiter.timer);
    let waited = false;
    for (const channel of waiter.channels) {
      const set = this.waiters.get(channel);
      if (set?.delete(waiter)) waited = true;
      if (set?.size === 0) this.waiters.delete(channel);
    }
    if (waited) waiter.resolve(answer);
  }

  /** The sequence number of one of this queue's ids, or undefined (null, another epoch, not an id). */
  private seqOf(id: string | null): number | undefined {
    if (id === null) return undefined;
    const dash = id.lastIndexOf('-');
    if (dash < 0 || id.slice(0, dash) !== this.epoch) return undefined;
    const seq = Number(id.slice(dash + 1));
    return Number.isSafeInteger(seq) && seq >= 0 && seq < this.nextSeq ? seq : undefined;
  }

  private expire(): void {
    const oldest = this.now() - this.retention.maxAgeMs;
    let drop = 0;
    let bytes = this.bytes;
    while (
      drop < this.messages.length &&
      (this.messages.length - drop > this.retention.maxCount || bytes > this.retention.maxBytes || this.messages[drop].at < oldest)
    ) {
      bytes -= this.messages[drop].bytes;
      drop++;
    }
    if (drop === 0) return;
    this.messages.splice(0, drop);
    this.bytes = bytes;
  }
}
