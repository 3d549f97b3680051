import type { ModuleLoadResult, ModuleSpec } from './module-loader.ts';
import { classify, type Resource } from './resources.ts';

/**
 * What the project needs to know of a module its sandbox runs: the source it was compiled from and its imports. Its
 * compiled code stays with the sandbox side (the supervisor's last good snapshot), not copied here.
 */
export interface RunningModule {
  id: string;
  displayPath: string;
  handler: boolean;
  /** Module ids it imports (lib/). */
  imports: string[];
  resource: Resource;
  source: string | undefined;
}

/** One load as the sandbox applied it: `modules` defined, `remove` dropped, `reevaluate` (id, handler) run again. */
export interface AppliedLoad {
  modules: ModuleSpec[];
  remove: string[];
  reevaluate: [string, boolean][];
}

/**
 * A project's scripts as the gateway knows them: the text each file had when last read, and the version of each
 * module its sandbox runs. Where the two differ, the file's latest save did not load (see `stale`).
 */
export class RunningModules {
  /** Each script's text when last read, loaded or not. */
  readonly sources = new Map<string, string>();
  private readonly running = new Map<string, RunningModule>();

  get size(): number {
    return this.running.size;
  }

  has(id: string): boolean {
    return this.running.has(id);
  }

  get(id: string): RunningModule | undefined {
    return this.running.get(id);
  }

  entries(): IterableIterator<[string, RunningModule]> {
    return this.running.entries();
  }

  /** Takes the result of a load: what loaded runs from now on, with the source it was read from. */
  apply(load: AppliedLoad, results: Record<string, ModuleLoadResult>): void {
    for (const id of load.remove) this.running.delete(id);
    for (const spec of load.modules) {
      if (results[spec.id]?.ok !== true) continue;
      this.running.set(spec.id, {
        id: spec.id,
        displayPath: spec.displayPath,
        handler: spec.handler,
        imports: spec.imports,
        resource: classify(spec.id),
        source: this.sources.get(spec.id),
      });
    }
  }

  /** A module that could not be loaded again when the sandbox rebuilt the project's isolate: it no longer runs. */
  drop(id: string): void {
    this.running.delete(id);
  }

  clear(): void {
    this.running.clear();
    this.sources.clear();
  }

  /** Modules that import `id`, directly or through other modules. */
  dependentsOf(id: string): string[] {
    const found = new Set<string>();
    const visit = (target: string) => {
      for (const [other, module] of this.running) {
        if (!found.has(other) && module.imports.includes(target)) {
          found.add(other);
          visit(other);
        }
      }
    };
    visit(id);
    return [...found];
  }

  /** Scripts read whose text is not the version that runs (it never loaded, or its latest save failed). */
  stale(which: (id: string) => boolean): string[] {
    return [...this.sources].filter(([id, source]) => which(id) && this.running.get(id)?.source !== source).map(([id]) => id);
  }
}
