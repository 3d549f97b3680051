import { eventById } from '../catalogue/events.ts';
import { checkSidecar } from '../catalogue/sidecar-check.ts';
import { parseTagPath } from '../tags/paths.ts';

/**
 * What is wrong with a handler's sidecar, or undefined: the catalogue's schema check, then what a schema cannot say
 * as data (a tag-change script's paths must be tag path syntax). ProjectSettings reports it as the file's diagnostic.
 */
export function sidecarProblem(eventId: string, value: unknown): string | undefined {
  const layout = eventById(eventId)?.layout;
  const problem = checkSidecar(layout?.kind === 'named' ? layout.sidecar : undefined, value);
  if (problem || eventId !== 'gateway/tag-change') return problem;
  return tagPathsProblem((value as { paths: string[] }).paths);
}

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

/** Settings of a gateway tag-change script (`gateway-events/tag-change/<name>.json`), with the catalogue's defaults applied. */
export interface TagChangeSettings {
  /** As written: a path without `[provider]` is read with the project's `defaultTagProvider`. */
  paths: string[];
  changeTypes: ChangeType[];
  enabled: boolean;
}

export type ChangeType = 'value' | 'quality' | 'timestamp';

const tagChange = eventById('gateway/tag-change')!.layout;
const TAG_CHANGE_SCHEMA = tagChange.kind === 'named' ? tagChange.sidecar : undefined;

/** Any valid provider name: the syntax of a path without `[provider]` does not depend on which one. */
const SOME_PROVIDER = 'default';

function tagPathsProblem(paths: string[]): string | undefined {
  for (const path of paths) {
    const parsed = parseTagPath(path, SOME_PROVIDER);
    if (!parsed)
      return `"paths" holds ${JSON.stringify(path)}, which is not valid tag path syntax ([provider]Folder/Tag, optional .Property)`;
    if (parsed.segments.length === 0) return `"paths" holds ${JSON.stringify(path)}, which names a provider, not a tag`;
  }
  return undefined;
}

export function tagChangeSettings(value: unknown): TagChangeSettings | undefined {
  if (checkSidecar(TAG_CHANGE_SCHEMA, value) !== undefined) return undefined;
  const v = value as Partial<TagChangeSettings> & { paths: string[] };
  if (tagPathsProblem(v.paths) !== undefined) return undefined;
  return { paths: v.paths, changeTypes: v.changeTypes ?? ['value', 'quality'], enabled: v.enabled ?? true };
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
