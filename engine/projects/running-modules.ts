import { LastGood, type ModuleChanges } from './last-good.ts';
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

/**
 * A project's scripts as the gateway knows them: the text each file had when last read, and the version of each
 * module its sandbox runs. Where the two differ, the file's latest save did not load (see `stale`).
 *
 * Which version runs follows the one rule of last good (last-good.ts), applied to the same loads and results as the
 * supervisor's and the sandbox host's snapshots, with the project's own data (source, resource) in place of compiled
 * code. The project reads its `running` view, not the snapshot: while a library is held back in the snapshot for the
 * modules its new version broke, the isolate runs that new version, and a save of any module is compiled and loaded
 * against it (and a deleted library is gone). The one difference is `drop`: a module that could not be loaded again
 * after a rebuild is not running, so the project forgets it, while the sandbox side keeps it in its snapshot and tries
 * it again at the next rebuild.
 */
export class RunningModules {
  /** Each script's text when last read, loaded or not. */
  readonly sources = new Map<string, string>();
  private readonly lastGood = new LastGood<RunningModule>();

  get size(): number {
    return [...this.lastGood.allRunning()].length;
  }

  has(id: string): boolean {
    return this.lastGood.running(id) !== undefined;
  }

  get(id: string): RunningModule | undefined {
    return this.lastGood.running(id);
  }

  entries(): IterableIterator<[string, RunningModule]> {
    return this.lastGood.allRunning();
  }

  /** Takes the result of a load: what loaded runs from now on, with the source it was read from. */
  apply(load: ModuleChanges, results: Record<string, ModuleLoadResult>): void {
    const modules = load.modules.map((spec) => this.recordOf(spec));
    this.lastGood.apply({ modules, remove: load.remove, reevaluate: load.reevaluate }, results);
  }

  /** A module that could not be loaded again when the sandbox rebuilt the project's isolate: it no longer runs. */
  drop(id: string): void {
    this.lastGood.drop(id);
  }

  clear(): void {
    this.lastGood.clear();
    this.sources.clear();
  }

  /** Modules that import `id`, directly or through other modules. */
  dependentsOf(id: string): string[] {
    const found = new Set<string>();
    const visit = (target: string) => {
      for (const [other, module] of this.lastGood.allRunning()) {
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
    return [...this.sources].filter(([id, source]) => which(id) && this.get(id)?.source !== source).map(([id]) => id);
  }

  private recordOf(spec: ModuleSpec): RunningModule {
    const { id, displayPath, handler, imports } = spec;
    return { id, displayPath, handler, imports, resource: classify(id), source: this.sources.get(id) };
  }
}
