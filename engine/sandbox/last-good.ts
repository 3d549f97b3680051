import type { ModuleLoadResult, ModuleSpec } from './protocol.ts';

/** One load of a project's modules, as the sandbox applies it. */
export interface ModuleChanges {
  modules: ModuleSpec[];
  remove: string[];
  /** Modules re-evaluated because a library they import changed. */
  reevaluate: [string, boolean][];
}

/**
 * The scripts a project's isolate is built again from, after a memory-limit rebuild or a sandbox process restart:
 * each module's last version that loaded. When a library's new version breaks the modules that import it, or the
 * library is deleted while a module still imports it, those modules keep running their old versions, and so this
 * snapshot holds the library back at its old version too, so that a rebuild brings back what ran before. The
 * library's newer version takes over once a module saved since loads against it (the newest code wins), when the
 * library is saved again, or when nothing imports the old version any more.
 */
export class LastGood {
  readonly modules = new Map<string, ModuleSpec>();
  /** Libraries held back at their old version: their live version, or null where the file was deleted. */
  private readonly heldBack = new Map<string, ModuleSpec | null>();

  apply(changes: ModuleChanges, results: Record<string, ModuleLoadResult>): void {
    const loaded = (id: string) => results[id]?.ok === true;
    const dependentsFailed = changes.reevaluate.some(([id]) => results[id]?.ok === false);
    for (const id of changes.remove) {
      if (this.isImported(id)) this.heldBack.set(id, null);
      else this.forget(id);
    }
    for (const spec of changes.modules) {
      if (!loaded(spec.id)) continue;
      if (!spec.handler && dependentsFailed && this.modules.has(spec.id)) this.heldBack.set(spec.id, spec);
      else this.take(spec);
    }
    for (const spec of changes.modules) if (loaded(spec.id)) this.takeLiveImportsOf(spec);
    this.releaseUnimported();
  }

  /** A module that loaded ran against the live version of everything it imports, directly or through other libraries. */
  private takeLiveImportsOf(spec: ModuleSpec): void {
    const seen = new Set<string>();
    const pending = [...spec.imports];
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      const live = this.heldBack.get(id);
      if (live) this.take(live);
      pending.push(...(this.modules.get(id)?.imports ?? []));
    }
  }

  private take(spec: ModuleSpec): void {
    this.modules.set(spec.id, spec);
    this.heldBack.delete(spec.id);
  }

  private forget(id: string): void {
    this.modules.delete(id);
    this.heldBack.delete(id);
  }

  private isImported(id: string): boolean {
    for (const spec of this.modules.values()) if (spec.id !== id && spec.imports.includes(id)) return true;
    return false;
  }

  /** A library held back for modules that no longer import it goes over to its live version, or away if deleted. */
  private releaseUnimported(): void {
    let released = true;
    while (released) {
      released = false;
      for (const [id, live] of this.heldBack) {
        if (this.isImported(id)) continue;
        if (live) this.take(live);
        else this.forget(id);
        released = true;
      }
    }
  }
}
