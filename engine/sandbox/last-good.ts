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
 * each module's last version that loaded. When a library's new version breaks a module that imports it, or the
 * library is deleted while a module still imports it, the running module keeps its old version, and so it keeps
 * the library's old version with it; this snapshot keeps that library version too, so that a rebuild brings back
 * what ran before. A library kept that way is dropped once nothing imports it any more.
 */
export class LastGood {
  readonly modules = new Map<string, ModuleSpec>();
  private readonly keptForDependents = new Set<string>();

  apply(changes: ModuleChanges, results: Record<string, ModuleLoadResult>): void {
    const dependentsFailed = changes.reevaluate.some(([id]) => results[id]?.ok === false);
    for (const id of changes.remove) {
      if (this.isImported(id)) this.keptForDependents.add(id);
      else this.modules.delete(id);
    }
    for (const spec of changes.modules) {
      if (!results[spec.id]?.ok) continue;
      if (!spec.handler && dependentsFailed && this.modules.has(spec.id)) {
        this.keptForDependents.add(spec.id);
        continue;
      }
      this.modules.set(spec.id, spec);
      this.keptForDependents.delete(spec.id);
    }
    this.dropUnimported();
  }

  private isImported(id: string): boolean {
    for (const spec of this.modules.values()) if (spec.id !== id && spec.imports.includes(id)) return true;
    return false;
  }

  private dropUnimported(): void {
    let dropped = true;
    while (dropped) {
      dropped = false;
      for (const id of this.keptForDependents) {
        if (this.isImported(id)) continue;
        this.keptForDependents.delete(id);
        this.modules.delete(id);
        dropped = true;
      }
    }
  }
}
