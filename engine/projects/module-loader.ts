import type { CompiledModule } from '../compiler/compile.ts';
import type { ErrorData } from '../errors.ts';
import type { ProjectLimits } from './limits.ts';

/** A compiled module as the project hands it over to be run. */
export interface ModuleSpec extends CompiledModule {
  /** Handlers are evaluated at once and must have a default export function; lib modules load on first import. */
  handler: boolean;
}

export type ModuleLoadResult = { ok: true } | { ok: false; error: ErrorData };

/** One change to what runs: `modules` defined, `remove` dropped, `reevaluate` (id, handler) run again since their imports changed. */
export interface ModuleLoad {
  limits: ProjectLimits;
  isolated: boolean;
  modules: ModuleSpec[];
  remove: string[];
  reevaluate: [string, boolean][];
}

/**
 * What the projects layer needs of whatever runs its scripts. The gateway injects the sandbox supervisor, so that
 * engine/projects knows files, compiling and last good versions, and nothing of processes or isolates.
 */
export interface ModuleLoader {
  /** Resolves to each module's result; a module missing from the results was not loaded. */
  load(project: string, load: ModuleLoad): Promise<Record<string, ModuleLoadResult>>;
  unload(project: string): Promise<void>;
}
