import type { EventDecl, EventFamily } from '../catalogue/define.ts';
import { EVENTS, type EventId } from '../catalogue/events.ts';
import { isScriptFile, SCRIPT_EXTENSIONS } from '../compiler/resolve-import.ts';
import { isValidName } from './names.ts';

/** The folder of each family of event scripts (views are found by their view.json instead). */
const FOLDERS = { 'gateway-events': 'gateway', 'session-events': 'session' } as const satisfies Record<string, EventFamily>;

/** The catalogue's events, by family and layout (engine/catalogue/events.ts is the one list). */
const byLayout = (family: EventFamily, kind: EventDecl['layout']['kind']) =>
  new Map(EVENTS.filter((e) => e.family === family && e.layout.kind === kind).map((e) => [e.event, e]));
const SINGLE = { gateway: byLayout('gateway', 'single'), session: byLayout('session', 'single') };
const NAMED = { gateway: byLayout('gateway', 'named'), session: byLayout('session', 'named') };
const VIEW_EVENT = EVENTS.find((e) => e.layout.kind === 'view')!;

/** What a file in a project is. Module ids are the project-relative paths. */
export type Resource =
  | { kind: 'config' }
  /** A handler script: the default export runs for event `id` (and handler name, for named events); `scope` is its family. */
  | { kind: 'handler'; id: EventId; scope: EventFamily; event: string; name?: string; sidecar: boolean }
  /** Settings of a named handler (timer delay, tag paths, keystroke match). */
  | { kind: 'sidecar'; id: EventId; script: string; scope: 'gateway' | 'session'; event: string; name: string }
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
    const scope = FOLDERS[top];
    if (parts.length === 2 && isScriptFile(file)) {
      const decl = SINGLE[scope].get(stripExtension(file));
      if (decl) return { kind: 'handler', id: decl.id, scope, event: decl.event, sidecar: false };
      return {
        kind: 'ignored',
        reason: `"${stripExtension(file)}" is not a ${scope} event (expected one of ${[...SINGLE[scope].keys()].join(', ')})`,
      };
    }
    const decl = parts.length === 3 ? NAMED[scope].get(parts[1]) : undefined;
    if (decl && decl.layout.kind === 'named') {
      const name = stripExtension(file);
      if (!isValidName(name))
        return { kind: 'ignored', reason: `"${name}" is not a valid handler name (letters, digits, _ . - and spaces)` };
      const sidecar = decl.layout.sidecar !== undefined;
      const id = decl.id;
      if (isScriptFile(file)) return { kind: 'handler', id, scope, event: decl.event, name, sidecar };
      if (sidecar && file.endsWith('.json'))
        return { kind: 'sidecar', id, script: `${top}/${decl.event}/${name}`, scope, event: decl.event, name };
    }
    return { kind: 'ignored', reason: `not a recognised ${scope} event script` };
  }
  if (top === 'views' && parts.length >= 3) {
    const view = parts.slice(1, -1).join('/');
    if (file === 'view.json') return { kind: 'view', view };
    if (isScriptFile(file))
      return {
        kind: 'handler',
        id: VIEW_EVENT.id,
        scope: 'component',
        event: VIEW_EVENT.event,
        name: `${view}/${stripExtension(file)}`,
        sidecar: false,
      };
    return { kind: 'ignored', reason: 'not a view file' };
  }
  if (top === 'named-queries' && parts.length >= 2) {
    // A query path is its folders and file name under named-queries/, each one name: `Reports/Daily`, `Startup Query`.
    const name = [...parts.slice(1, -1), stripExtension(file)].join('/');
    const part = file.endsWith('.sql') ? 'sql' : file.endsWith('.json') ? 'settings' : undefined;
    if (!part) return { kind: 'ignored', reason: 'not a named query file (.sql or its .json settings)' };
    if (!name.split('/').every(isValidName))
      return { kind: 'ignored', reason: `"${name}" is not a valid named query path (names of letters, digits, _ . - and spaces)` };
    return { kind: 'named-query', name, part };
  }
  return { kind: 'ignored', reason: 'not part of the project layout' };
}

/** The script a sidecar belongs to, given the ids that exist. */
export function sidecarScript(base: string, exists: (id: string) => boolean): string | undefined {
  return SCRIPT_EXTENSIONS.map((ext) => base + ext).find(exists);
}
