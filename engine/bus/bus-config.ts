import { DEFAULT_RETENTION, type Retention } from './bus-queue.ts';

/** project.json `bus`: whether the project's long-polling bus answers, how long a poll waits, what it retains. */
export interface BusConfig extends Retention {
  enabled: boolean;
  /** How long a poll waits for a message before it answers `{"message": null}` (default 300 s). */
  pollTimeoutMs: number;
}

export const DEFAULT_BUS: BusConfig = { enabled: true, pollTimeoutMs: 300_000, ...DEFAULT_RETENTION };

const RANGES: Record<Exclude<keyof BusConfig, 'enabled'>, [number, number]> = {
  pollTimeoutMs: [1000, 3_600_000],
  maxAgeMs: [1000, 7 * 86_400_000],
  maxCount: [1, 1_000_000],
  maxBytes: [1024, 1024 * 1024 * 1024],
};

/** Checks project.json's `bus` (undefined: the defaults); answers the settings, or what is wrong naming the key. */
export function parseBusConfig(raw: unknown): { ok: true; bus: BusConfig } | { ok: false; message: string } {
  if (raw === undefined) return { ok: true, bus: { ...DEFAULT_BUS } };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, message: '"bus" must be an object' };
  const bus: BusConfig = { ...DEFAULT_BUS };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'enabled') {
      if (typeof value !== 'boolean') return { ok: false, message: '"bus.enabled" must be true or false' };
      bus.enabled = value;
      continue;
    }
    const range = RANGES[key as keyof typeof RANGES];
    if (!range) return { ok: false, message: `unknown key "bus.${key}"; allowed: enabled, ${Object.keys(RANGES).join(', ')}` };
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1])
      return {
        ok: false,
        message: `"bus.${key}" must be a whole number between ${range[0]} and ${range[1]}; received ${JSON.stringify(value)}`,
      };
    bus[key as keyof typeof RANGES] = value;
  }
  return { ok: true, bus };
}
