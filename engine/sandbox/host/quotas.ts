/** A counter that resets every `windowMs`: calls per second, log bytes per minute, CPU per 10 s. */
export class WindowCounter {
  private used = 0;
  private windowStart = 0;
  private readonly windowMs: number;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  private roll(now: number): void {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
  }

  /** Adds `amount` if it fits under `limit`; returns whether it did. */
  tryAdd(amount: number, limit: number, now = Date.now()): boolean {
    this.roll(now);
    if (this.used + amount > limit) return false;
    this.used += amount;
    return true;
  }

  add(amount: number, now = Date.now()): void {
    this.roll(now);
    this.used += amount;
  }

  remaining(limit: number, now = Date.now()): number {
    this.roll(now);
    return limit - this.used;
  }

  /** Whether this window has already reported being over its limit (so the warning is logged once per window). */
  private warnedWindow = -1;
  firstWarningThisWindow(): boolean {
    if (this.warnedWindow === this.windowStart) return false;
    this.warnedWindow = this.windowStart;
    return true;
  }
}
