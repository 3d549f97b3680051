import { isPlainObject } from './json-file.ts';

/** Settings of a gateway timer script (`gateway-events/timer/<name>.json`). */
export interface TimerSettings {
  /** Milliseconds between runs. */
  delayMs: number;
  /** fixedDelay: the delay counts from the end of the previous run; fixedRate: runs start every delayMs (a run still going is not overlapped). */
  mode: 'fixedDelay' | 'fixedRate';
  enabled: boolean;
}

type Check = (value: unknown) => string | undefined;
type Schema = Record<string, { check: Check; required?: boolean }>;

const number = (min: number, max: number): Check => (v) => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? undefined : `must be a number between ${min} and ${max}`);
const oneOf = (...values: string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const string: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string');
const strings: Check = (v) => (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0) ? undefined : 'must be a non-empty list of strings');
const regex: Check = (v) => {
  if (typeof v !== 'string') return 'must be a regular expression string';
  try {
    new RegExp(v);
    return undefined;
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
};

/** The sidecar schema of each named event that has one (engine/projects/resources.ts). */
const SCHEMAS: Record<string, Schema> = {
  timer: { delayMs: { check: number(10, 86_400_000), required: true }, mode: { check: oneOf('fixedDelay', 'fixedRate') }, enabled: { check: boolean } },
  'tag-change': { tagPaths: { check: strings, required: true }, enabled: { check: boolean } },
  keystroke: {
    mode: { check: oneOf('keyDown', 'keyUp', 'regex'), required: true },
    key: { check: string },
    code: { check: string },
    regex: { check: regex },
    bufferLength: { check: number(1, 1000) },
    capturePhase: { check: boolean },
    preventDefault: { check: boolean },
    stopPropagation: { check: boolean },
  },
};

/** Checks a sidecar against its event's schema; returns the problem, naming the key, or undefined. */
export function checkSidecar(event: string, value: unknown): string | undefined {
  const schema = SCHEMAS[event];
  if (!isPlainObject(value)) return 'must hold a JSON object';
  if (!schema) return undefined;
  for (const key of Object.keys(value)) if (!(key in schema)) return `unknown key "${key}"; allowed: ${Object.keys(schema).join(', ')}`;
  for (const [key, rule] of Object.entries(schema)) {
    if (value[key] === undefined) {
      if (rule.required) return `"${key}" is required`;
      continue;
    }
    const problem = rule.check(value[key]);
    if (problem) return `"${key}" ${problem}; received ${JSON.stringify(value[key])}`;
  }
  if (event === 'keystroke' && value.mode === 'regex' && value.regex === undefined) return '"regex" is required when "mode" is "regex"';
  if (event === 'keystroke' && value.mode !== 'regex' && value.key === undefined && value.code === undefined) return '"key" or "code" is required for a single-key match';
  return undefined;
}

export function timerSettings(value: unknown): TimerSettings | undefined {
  if (checkSidecar('timer', value) !== undefined) return undefined;
  const v = value as Partial<TimerSettings> & { delayMs: number };
  return { delayMs: v.delayMs, mode: v.mode ?? 'fixedDelay', enabled: v.enabled ?? true };
}
