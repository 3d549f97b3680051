import { isScriptFile, SCRIPT_EXTENSIONS } from '../compiler/resolve-import.ts';
import type { EventScope } from '../events/catalogue.ts';

/** Project and handler names: no path separators, no `..`, no control characters (same rule as the system.* API). */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,127}$/;

/** Events with one script per project. */
const SINGLE_EVENTS: Record<'gateway' | 'session', string[]> = {
  gateway: ['startup', 'shutdown'],
  session: ['startup', 'shutdown', 'page-startup', 'auth-challenge', 'barcode', 'bluetooth', 'accelerometer', 'nfc'],
};
/** Events with a folder of named scripts; those marked true have a JSON sidecar of settings. */
const NAMED_EVENTS: Record<'gateway' | 'session', Record<string, boolean>> = {
  gateway: { message: false, timer: true, 'tag-change': true },
  session: { message: false, keystroke: true, 'form-submission': false },
};

/** What a file in a project is. Module ids are the project-relative paths. */
export type Resource =
  | { kind: 'config' }
  /** A handler script: the default export runs for this event (and handler name, for named events). */
  | { kind: 'handler'; scope: EventScope; event: string; name?: string; sidecar: boolean }
  /** Settings of a named handler (timer delay, tag paths, keystroke match). */
  | { kind: 'sidecar'; script: string; scope: 'gateway' | 'session'; event: string; name: string }
  | { kind: 'lib' }
  | { kind: 'view'; view: string }
  | { kind: 'named-query'; name: string; part: 'sql' | 'settings' }
  | { kind: 'ignored'; reason: string };

function stripExtension(file: string): string {
  return file.slice(0, file.lastIndexOf('.'));
}

/** Classifies a project-relative path (posix separators). */
export function classify(relPath: string): Resource {
  const parts = relPath.split('/');
  const file = parts[parts.length - 1];
  if (relPath === 'project.json') return { kind: 'config' };
  if (parts.some((p) => p.startsWith('.')) || file.endsWith('~')) return { kind: 'ignored', reason: 'hidden or temporary file' };
  const [top] = parts;
  if (top === 'lib') return isScriptFile(relPath) ? { kind: 'lib' } : { kind: 'ignored', reason: 'not a script' };
  if (top === 'gateway-events' || top === 'session-events') {
    const scope = top === 'gateway-events' ? 'gateway' : 'session';
    if (parts.length === 2 && isScriptFile(file)) {
      const event = stripExtension(file);
      return SINGLE_EVENTS[scope].includes(event) ? { kind: 'handler', scope, event, sidecar: false } : { kind: 'ignored', reason: `"${event}" is not a ${scope} event (expected one of ${SINGLE_EVENTS[scope].join(', ')})` };
    }
    if (parts.length === 3 && parts[1] in NAMED_EVENTS[scope]) {
      const event = parts[1];
      const name = stripExtension(file);
      if (!NAME_PATTERN.test(name)) return { kind: 'ignored', reason: `"${name}" is not a valid handler name (letters, digits, _ . - and spaces)` };
      const sidecar = NAMED_EVENTS[scope][event];
      if (isScriptFile(file)) return { kind: 'handler', scope, event, name, sidecar };
      if (sidecar && file.endsWith('.json')) return { kind: 'sidecar', script: `${parts[0]}/${event}/${name}`, scope, event, name };
    }
    return { kind: 'ignored', reason: `not a recognised ${scope} event script` };
  }
  if (top === 'views' && parts.length >= 3) {
    const view = parts.slice(1, -1).join('/');
    if (file === 'view.json') return { kind: 'view', view };
    if (isScriptFile(file)) return { kind: 'handler', scope: 'component', event: 'message', name: `${view}/${stripExtension(file)}`, sidecar: false };
    return { kind: 'ignored', reason: 'not a view file' };
  }
  if (top === 'named-queries' && parts.length === 2) {
    const name = stripExtension(file);
    if (file.endsWith('.sql')) return { kind: 'named-query', name, part: 'sql' };
    if (file.endsWith('.json')) return { kind: 'named-query', name, part: 'settings' };
  }
  return { kind: 'ignored', reason: 'not part of the project layout' };
}

/** The script a sidecar belongs to, given the ids that exist. */
export function sidecarScript(base: string, exists: (id: string) => boolean): string | undefined {
  return SCRIPT_EXTENSIONS.map((ext) => base + ext).find(exists);
}
