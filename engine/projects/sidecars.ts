import { eventById } from '../catalogue/events.ts';
import { checkSidecar } from '../catalogue/sidecar-check.ts';

/** Settings of a gateway timer script (`gateway-events/timer/<name>.json`), with the catalogue's defaults applied. */
export interface TimerSettings {
  /** Milliseconds between runs. */
  delayMs: number;
  /** fixedDelay: the delay counts from the end of the previous run; fixedRate: runs start every delayMs (a run still going is not overlapped). */
  mode: 'fixedDelay' | 'fixedRate';
  enabled: boolean;
}

const timer = eventById('gateway/timer')!.layout;
const TIMER_SCHEMA = timer.kind === 'named' ? timer.sidecar : undefined;

export function timerSettings(value: unknown): TimerSettings | undefined {
  if (checkSidecar(TIMER_SCHEMA, value) !== undefined) return undefined;
  const v = value as Partial<TimerSettings> & { delayMs: number };
  return { delayMs: v.delayMs, mode: v.mode ?? 'fixedDelay', enabled: v.enabled ?? true };
}

/** Settings of a topic subscriber script (`session-events/push/<name>.json`). */
export interface PushSettings {
  topic: string;
  enabled: boolean;
}

const push = eventById('session/push')!.layout;
const PUSH_SCHEMA = push.kind === 'named' ? push.sidecar : undefined;

export function pushSettings(value: unknown): PushSettings | undefined {
  if (checkSidecar(PUSH_SCHEMA, value) !== undefined) return undefined;
  const v = value as { topic: string; enabled?: boolean };
  return { topic: v.topic, enabled: v.enabled ?? true };
}

/** Settings of a keystroke script (`session-events/keystroke/<name>.json`), with the defaults applied. */
export interface KeystrokeSettings {
  mode: 'keyDown' | 'keyUp' | 'regex';
  key?: string;
  code?: string;
  regex?: string;
  /** For regex mode: how many of the most recently typed characters are matched (default 100). */
  bufferLength: number;
  capturePhase: boolean;
  preventDefault: boolean;
  stopPropagation: boolean;
}

const keystroke = eventById('session/keystroke')!.layout;
const KEYSTROKE_SCHEMA = keystroke.kind === 'named' ? keystroke.sidecar : undefined;

export function keystrokeSettings(value: unknown): KeystrokeSettings | undefined {
  if (checkSidecar(KEYSTROKE_SCHEMA, value) !== undefined) return undefined;
  const v = value as Partial<KeystrokeSettings> & { mode: KeystrokeSettings['mode'] };
  return {
    mode: v.mode,
    ...(v.key !== undefined ? { key: v.key } : {}),
    ...(v.code !== undefined ? { code: v.code } : {}),
    ...(v.regex !== undefined ? { regex: v.regex } : {}),
    bufferLength: v.bufferLength ?? 100,
    capturePhase: v.capturePhase ?? false,
    preventDefault: v.preventDefault ?? false,
    stopPropagation: v.stopPropagation ?? false,
  };
}
