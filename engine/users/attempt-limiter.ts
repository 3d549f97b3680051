import { FlintError } from '../errors.ts';

/** At most `max` failed attempts per key in any `windowMs`. */
export interface AttemptLimits {
  max: number;
  windowMs: number;
}

export const DEFAULT_ATTEMPT_LIMITS: AttemptLimits = { max: 10, windowMs: 60_000 };
/** Keys remembered at once; past this the key that failed longest ago is forgotten, so a flood of names cannot take the memory. */
const MAX_KEYS = 100_000;

/**
 * Too many failed logins: QUOTA_EXCEEDED, as the caller's doing, which the HTTP edge answers with 429 and Retry-After
 * (as PayloadTooLarge is QUOTA_EXCEEDED answered with 413). A script that throws QUOTA_EXCEEDED is not one of these.
 */
export class TooManyAttempts extends FlintError {
  readonly retryAfterSec: number;

  constructor(message: string, retryAfterSec: number) {
    super('QUOTA_EXCEEDED', message);
    this.retryAfterSec = retryAfterSec;
  }
}

/** Failed attempts per key (an address, a user name) in a sliding window. */
export class AttemptLimiter {
  private readonly limits: AttemptLimits;
  /** The times of each key's last `max` failures, oldest first; Map order is the order keys last failed. */
  private readonly failures = new Map<string, number[]>();

  constructor(limits: AttemptLimits = DEFAULT_ATTEMPT_LIMITS) {
    this.limits = limits;
  }

  /** Milliseconds until `key` may try again: 0 when it may now. */
  waitMs(key: string, now = Date.now()): number {
    const times = this.recent(key, now);
    return times.length >= this.limits.max ? times[0] + this.limits.windowMs - now : 0;
  }

  fail(key: string, now = Date.now()): void {
    const times = this.recent(key, now);
    times.push(now);
    if (times.length > this.limits.max) times.shift();
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
  }

  /** Takes back one failure recorded at `time` (an attempt counted while it ran, which then succeeded). */
  forgive(key: string, time: number): void {
    const times = this.failures.get(key);
    const index = times?.lastIndexOf(time) ?? -1;
    if (index >= 0) times!.splice(index, 1);
    if (times?.length === 0) this.failures.delete(key);
  }

  /** How many keys are remembered (for tests). */
  get size(): number {
    return this.failures.size;
  }

  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    while (times.length > 0 && times[0] <= now - this.limits.windowMs) times.shift();
    if (times.length === 0) this.failures.delete(key);
    return times;
  }
}
