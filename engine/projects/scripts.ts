import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compileModule } from '../compiler/compile.ts';
import type { ErrorData } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { ProjectConfig } from './config.ts';
import { errorDiagnostic, type ProjectDiagnostics } from './diagnostics.ts';
import type { ModuleLoader, ModuleLoadResult, ModuleSpec } from './module-loader.ts';
import { projectDisplayPath, readIfExists } from './project-files.ts';
import { classify, type Resource } from './resources.ts';
import type { ModuleChanges } from './last-good.ts';
import type { RunningModules } from './running-modules.ts';

/** How long a file that fails to compile must stay unchanged before the error is reported: an editor's partial write is followed by the rest within this time. */
const SETTLE_MS = 150;
const COMPILE_CONCURRENCY = 8;

/** What the scripts of a project work with; the project builds it and owns each part. */
export interface ScriptsContext {
  name: string;
  dir: string;
  loader: ModuleLoader;
  logger: Logger;
  diagnostics: ProjectDiagnostics;
  modules: RunningModules;
  /** The configuration in force: its limits and isolation go with every load. */
  config(): ProjectConfig;
  /** What runs has changed: the handler index is to be rebuilt. */
  indexChanged(): void;
  /** A module was loaded in place of its previous version, or for the first time. */
  moduleReloaded(id: string): void;
}

/**
 * A project's handler and lib scripts on their way into its sandbox: compiled, handed to the ModuleLoader, recorded
 * as running if they loaded, reported if not, and tried again when what they were missing arrives.
 */
export class ProjectScripts {
  private readonly ctx: ScriptsContext;

  constructor(ctx: ScriptsContext) {
    this.ctx = ctx;
  }

  /**
   * The project's first load: compiles its scripts, a few at a time (all of a 200-script project at once only raises
   * the peak memory of esbuild and of the gateway), and loads those that compile into a sandbox that holds none of them
   * yet. The folder's other files go to `other` in the same pass. The caller rebuilds the handler index.
   */
  async loadAll(files: string[], other: (relPath: string, resource: Resource) => Promise<void>): Promise<void> {
    const exists = (id: string) => files.includes(id);
    const specs: ModuleSpec[] = [];
    const queue = [...files];
    const worker = async () => {
      for (let relPath = queue.shift(); relPath !== undefined; relPath = queue.shift()) {
        const resource = classify(relPath);
        if (resource.kind === 'handler' || resource.kind === 'lib') {
          const spec = await this.compile(relPath, resource, exists);
          if (spec) specs.push(spec);
        } else await other(relPath, resource);
      }
    };
    await Promise.all(Array.from({ length: COMPILE_CONCURRENCY }, worker));
    await this.load({ modules: specs, remove: [], reevaluate: [] });
  }

  /**
   * Loads a script's current text in place of the version that runs (if it compiles and loads). `given` is the text
   * when the caller has it complete (an editor save): it is not read back, and a compile error is reported at once.
   */
  async reload(relPath: string, resource: Resource, attempt = 0, given?: string): Promise<void> {
    const { modules, diagnostics } = this.ctx;
    const source = given ?? (await readIfExists(join(this.ctx.dir, relPath)));
    if (source === undefined) return; // deleted meanwhile: the removal event follows
    if (modules.sources.get(relPath) === source && attempt === 0) return; // unchanged (a touch, or a duplicate event)
    const exists = (id: string) => modules.has(id) || id === relPath;
    const result = await compileModule({ id: relPath, displayPath: this.displayPath(relPath), source, exists });
    if (!result.ok) {
      // An editor may have written only part of the file: report the error only once the file stays as it is.
      if (attempt < 20 && given === undefined) {
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const again = await readIfExists(join(this.ctx.dir, relPath));
        if (again !== source) return this.reload(relPath, resource, attempt + 1);
      }
      modules.sources.set(relPath, source);
      // Written together with a lib module it imports (a git pull, a copy): the lib's change is queued behind this
      // one, and once it loads, this module is tried again. Only if it still fails then is that worth reporting.
      const missesModules = result.diagnostics.some((d) => d.message.startsWith('cannot find module'));
      if (missesModules && (await this.compilesOnceQueuedLibsLoad(relPath, source))) return;
      diagnostics.set(this.displayPath(relPath), result.diagnostics);
      // A lib that fails: handlers that were waiting for it (above) get their own diagnostic now.
      if (resource.kind === 'lib') await this.retryFailing((id) => classify(id).kind === 'handler');
      return;
    }
    modules.sources.set(relPath, source);
    const spec: ModuleSpec = { ...result.module, handler: resource.kind === 'handler' };
    const reevaluate: [string, boolean][] =
      resource.kind === 'lib' ? modules.dependentsOf(relPath).map((id) => [id, modules.get(id)!.handler]) : [];
    const wasNew = !modules.has(relPath);
    const results = await this.load({ modules: [spec], remove: [], reevaluate });
    this.ctx.indexChanged();
    for (const [id] of reevaluate) {
      const r = results[id];
      if (r && !r.ok) diagnostics.set(modules.get(id)!.displayPath, [errorDiagnostic(r.error, modules.get(id)!.displayPath)]);
    }
    if (results[spec.id]?.ok) {
      this.ctx.logger.info(`${wasNew ? 'loaded' : 'reloaded'} ${spec.displayPath}`, { project: this.ctx.name });
      this.ctx.moduleReloaded(relPath);
      // A new lib module may be what other modules were missing: give them another try.
      if (wasNew && resource.kind === 'lib') await this.retryFailing();
    }
  }

  /** Takes a deleted script out of the sandbox; modules importing it report that they miss it and keep running. */
  async remove(relPath: string): Promise<void> {
    const { modules } = this.ctx;
    const dependents = modules.dependentsOf(relPath);
    await this.load({ modules: [], remove: [relPath], reevaluate: [] });
    modules.sources.delete(relPath);
    this.ctx.indexChanged();
    this.ctx.logger.info(`removed ${this.displayPath(relPath)}`, { project: this.ctx.name });
    // Modules that imported the deleted one now fail to compile: they report it and keep their last good version.
    for (const id of dependents) {
      modules.sources.delete(id);
      await this.reload(id, classify(id));
    }
  }

  /** Modules that could not be loaded again when the sandbox rebuilt the isolate: they no longer run, and say why. The caller rebuilds the handler index. */
  lostInRebuild(failed: Record<string, ErrorData>): void {
    for (const [id, error] of Object.entries(failed)) {
      const lost = this.ctx.modules.get(id);
      if (!lost) continue;
      this.ctx.modules.drop(id);
      this.ctx.diagnostics.set(lost.displayPath, [
        {
          ...errorDiagnostic(error, lost.displayPath),
          message: `not running: after its sandbox was rebuilt it could not be loaded again: ${error.message}`,
        },
      ]);
    }
  }

  /**
   * Hands one change to the sandbox and records its outcome: a module that loaded runs from now on, one that did not
   * reports why (the one before it, if any, keeps running). Answers the sandbox's results.
   */
  private async load(change: ModuleChanges): Promise<Record<string, ModuleLoadResult>> {
    const { limits, isolated } = this.ctx.config();
    const results = await this.ctx.loader.load(this.ctx.name, { limits, isolated, ...change });
    this.ctx.modules.apply(change, results);
    for (const spec of change.modules) {
      const result = results[spec.id];
      if (result?.ok) this.ctx.diagnostics.set(spec.displayPath, []);
      else if (result) this.ctx.diagnostics.set(spec.displayPath, [errorDiagnostic(result.error, spec.displayPath)]);
    }
    return results;
  }

  /**
   * Tries again every module whose current source is not the version that runs (it never loaded, or its latest save
   * failed), such as a handler saved with an import of a lib that did not exist yet. Modules running their current
   * source are left alone: reloading them would only reset their state.
   */
  private async retryFailing(which: (id: string) => boolean = () => true): Promise<void> {
    for (const id of this.ctx.modules.stale(which)) {
      this.ctx.modules.sources.delete(id);
      await this.reload(id, classify(id));
    }
  }

  /** Reads and compiles a script of the project's first load; a failure is reported at once. */
  private async compile(relPath: string, resource: Resource, exists: (id: string) => boolean): Promise<ModuleSpec | undefined> {
    const source = await readIfExists(join(this.ctx.dir, relPath));
    if (source === undefined) return undefined;
    this.ctx.modules.sources.set(relPath, source);
    const result = await compileModule({ id: relPath, displayPath: this.displayPath(relPath), source, exists });
    if (!result.ok) {
      this.ctx.diagnostics.set(this.displayPath(relPath), result.diagnostics);
      return undefined;
    }
    return { ...result.module, handler: resource.kind === 'handler' };
  }

  /** Whether the module would compile if the lib modules on disk that are not loaded yet, and not known to fail, were. */
  private async compilesOnceQueuedLibsLoad(relPath: string, source: string): Promise<boolean> {
    const { dir, modules, diagnostics } = this.ctx;
    const pending = (id: string) => id.startsWith('lib/') && existsSync(join(dir, id)) && !diagnostics.has(this.displayPath(id));
    const onDisk = (id: string) => modules.has(id) || id === relPath || pending(id);
    return (await compileModule({ id: relPath, displayPath: this.displayPath(relPath), source, exists: onDisk })).ok;
  }

  private displayPath(relPath: string): string {
    return projectDisplayPath(this.ctx.name, relPath);
  }
}
