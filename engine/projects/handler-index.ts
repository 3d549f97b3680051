import type { EventId } from '../catalogue/events.ts';
import type { Diagnostic } from '../compiler/diagnostics.ts';
import { fileDiagnostic } from './diagnostics.ts';
import type { Resource } from './resources.ts';

/** `gateway:message:echo`: the spelling status and the admin API have always shown. */
export function handlerKey(event: EventId, name?: string): string {
  const base = event.replace('/', ':');
  return name === undefined ? base : `${base}:${name}`;
}

/** What the index needs of a running module. */
export interface IndexedModule {
  displayPath: string;
  resource: Resource;
}

/** Which module handles each event of a project (`gateway:message:echo` → its module id). */
export class HandlerIndex {
  private readonly handlers = new Map<string, string>();

  get(event: EventId, name?: string): string | undefined {
    return this.handlers.get(handlerKey(event, name));
  }

  /** Handler names of a named event (gateway message handlers, timers...). */
  names(event: EventId): string[] {
    const prefix = handlerKey(event) + ':';
    return [...this.handlers.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /** Every handler key, sorted. */
  keys(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /**
   * Maps each event to the module handling it, and answers the warnings about the set, by display path. A second module
   * for the same event gets a warning, and so does a named script whose event needs settings (a timer's delay) while
   * its sidecar does not exist (`hasSidecar`, given the script id without extension); each goes away with its cause.
   */
  rebuild(
    modules: Iterable<[string, IndexedModule]>,
    hasSidecar: (base: string) => boolean,
    displayPath: (relPath: string) => string,
  ): Map<string, Diagnostic[]> {
    this.handlers.clear();
    const warnings = new Map<string, Diagnostic[]>();
    const warn = (file: string, message: string) => warnings.set(file, [fileDiagnostic(file, message, 'warning')]);
    for (const [id, module] of modules) {
      if (module.resource.kind !== 'handler') continue;
      const r = module.resource;
      const key = handlerKey(r.id, r.name);
      const existing = this.handlers.get(key);
      if (existing && existing !== id) {
        warn(module.displayPath, `${displayPath(existing)} already handles this event; remove one of them`);
        continue;
      }
      this.handlers.set(key, id);
      if (!r.sidecar) continue;
      const base = id.slice(0, id.lastIndexOf('.'));
      if (!hasSidecar(base))
        warn(module.displayPath, `${base}.json is missing: this ${r.event} script does not run until its settings exist`);
    }
    return warnings;
  }
}
