import { FlintError } from '../errors.ts';
import { MAX_LIVE_GROUP_BYTES, MAX_LIVE_KEYS } from './live-args.ts';

/**
 * An open group of live properties kept by the gateway (`session.custom`, a component's props): JSON values by key,
 * bounded in count and in bytes, so that no script can grow a session without limit.
 */
export class LiveGroup {
  private readonly values = new Map<string, unknown>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(initial: Record<string, unknown> = {}) {
    for (const [key, value] of Object.entries(initial)) this.set(key, value);
  }

  get(key: string): unknown {
    return this.values.get(key);
  }

  get size(): number {
    return this.values.size;
  }

  /** Sets a property (undefined deletes it); throws QUOTA_EXCEEDED past the bounds, leaving the group as it was. */
  set(key: string, value: unknown): void {
    if (value === undefined) return this.delete(key);
    const size = key.length + JSON.stringify(value).length;
    const before = this.sizes.get(key);
    if (before === undefined && this.values.size >= MAX_LIVE_KEYS)
      throw new FlintError('QUOTA_EXCEEDED', `at most ${MAX_LIVE_KEYS} properties may be set`);
    const bytes = this.bytes - (before ?? 0) + size;
    if (bytes > MAX_LIVE_GROUP_BYTES)
      throw new FlintError('QUOTA_EXCEEDED', `the properties may add up to at most ${MAX_LIVE_GROUP_BYTES} bytes of JSON`);
    this.values.set(key, value);
    this.sizes.set(key, size);
    this.bytes = bytes;
  }

  delete(key: string): void {
    this.bytes -= this.sizes.get(key) ?? 0;
    this.sizes.delete(key);
    this.values.delete(key);
  }

  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.values);
  }
}
