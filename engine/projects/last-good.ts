import type { ModuleLoadResult, ModuleSpec } from './module-loader.ts';

/** What the rule needs of a module: its id, what it imports, and whether it is a handler (only libraries are held back). */
export interface LastGoodModule {
  id: string;
  imports: string[];
  handler: boolean;
}

/** One load of a project's modules, as the sandbox applies it. */
export interface ModuleChanges<M extends LastGoodModule = ModuleSpec> {
  modules: M[];
  remove: string[];
  /** Modules re-evaluated because a library they import changed. */
  reevaluate: [string, boolean][];
}

/**
 * THE rule of what counts as last good, kept once for every side that needs it: the supervisor and the sandbox host
 * (with the compiled modules, to build an isolate again) and the project (with each module's source, to know what
 * runs). Each applies the same loads with the same results, and so they agree (but for `drop`, which only the
 * project uses: see running-modules.ts).
 *
 * `modules` is the snapshot a project's isolate is built again from, after a memory-limit rebuild or a sandbox
 * process restart: each module's last version that loaded. When a library's new version breaks the modules that
 * import it, or the library is deleted while a module still imports it, those modules keep running their old
 * versions, and so this snapshot holds the library back at its old version too, so that a rebuild brings back what
 * ran before. The library's newer version takes over once a module saved since loads against it (the newest code
 * wins), when the library is saved again, or when nothing imports the old version any more.
 *
 * `running` is what the isolate holds until then: the held-back library's newer version (the one a module saved now
 * is loaded against), and no deleted library. A rebuild is not applied here yet: after one the isolate holds the
 * snapshot, while `running` still names the newer version (docs/architecture.md, "Last good").
 */
export class LastGood<M extends LastGoodModule = ModuleSpec> {
  readonly modules = new Map<string, M>();
  /** Libraries held back at their old version: their live version, or null where the file was deleted. */
  private readonly heldBack = new Map<string, M | null>();

  apply(changes: ModuleChanges<M>, results: Record<string, ModuleLoadResult>): void {
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

  /** The version of a module the isolate runs now (a held-back library's live version; a deleted one runs no more). */
  running(id: string): M | undefined {
    const live = this.heldBack.get(id);
    return live === undefined ? this.modules.get(id) : (live ?? undefined);
  }

  /** Every module the isolate runs now, with its running version, in the snapshot's order. */
  *allRunning(): IterableIterator<[string, M]> {
    for (const id of this.modules.keys()) {
      const spec = this.running(id);
      if (spec) yield [id, spec];
    }
  }

  /** A module that could not be loaded again into a rebuilt isolate: it runs no more, and leaves the snapshot too. */
  drop(id: string): void {
    this.forget(id);
  }

  clear(): void {
    this.modules.clear();
    this.heldBack.clear();
  }

  /** A module that loaded ran against the live version of everything it imports, directly or through other libraries. */
  private takeLiveImportsOf(spec: M): void {
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

  private take(spec: M): void {
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
