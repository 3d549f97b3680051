import type ivm from 'isolated-vm';
import { HELPERS_PARAM } from '../../compiler/module-helpers.ts';
import { LastGood } from '../last-good.ts';
import type { ModuleLoadResult, ModuleSpec } from '../protocol.ts';
import type { SandboxContext } from './context.ts';
import type { StackMapper } from './stack-mapper.ts';

type Results = Record<string, ModuleLoadResult>;

/**
 * A project's module table on the host side: compiles each module into the isolate, defines it through the prelude,
 * and keeps the last good version of each (engine/sandbox/last-good.ts), which a rebuilt isolate is defined from.
 */
export class ModuleTable {
  private readonly ctx: SandboxContext;
  private readonly stacks: StackMapper;
  private readonly lastGood = new LastGood();

  constructor(ctx: SandboxContext, stacks: StackMapper) {
    this.ctx = ctx;
    this.stacks = stacks;
  }

  has(id: string): boolean {
    return this.lastGood.modules.has(id);
  }

  displayName(id: string): string {
    return this.lastGood.modules.get(id)?.displayPath ?? id;
  }

  async load(modules: ModuleSpec[], remove: string[], reevaluate: [string, boolean][]): Promise<Results> {
    const { runner } = this.ctx;
    // Modules are compiled straight into the isolate, so not into one that a rebuild is replacing.
    if (runner.rebuilding) await runner.rebuilding;
    const [isolate, generation] = [runner.isolate, runner.generation];
    const results = await this.loadInto(modules, remove, reevaluate);
    if (!isolate.isDisposed || runner.disposed) return results;
    // The isolate was lost under this load (issue 10): the rebuild brings back the last good scripts, without this
    // load's. It goes again, but for the module whose own code lost it, which keeps its failure and its last good version.
    const guilty = await runner.lossOf(isolate);
    if (runner.rebuilding) await runner.rebuilding;
    if (runner.generation === generation) return results;
    const again = await this.load(
      modules.filter((m) => m.id !== guilty),
      remove,
      reevaluate.filter(([id]) => id !== guilty),
    );
    return guilty !== undefined && results[guilty] ? { ...again, [guilty]: results[guilty] } : again;
  }

  /** Defines the last good version of every module again, into an isolate being rebuilt. */
  defineLastGood(): Promise<Results> {
    return this.defineAll([...this.lastGood.modules.values()], true);
  }

  private async loadInto(modules: ModuleSpec[], remove: string[], reevaluate: [string, boolean][]): Promise<Results> {
    const { runner, limits } = this.ctx;
    const results: Results = {};
    const removed = remove.map((id) => this.lastGood.modules.get(id)).filter((spec) => spec !== undefined);
    for (const id of remove) await runner.enter('remove', [id], limits.timeoutMs, id, undefined);
    Object.assign(results, await this.defineAll(modules));
    if (reevaluate.length > 0) Object.assign(results, await this.reevaluate(reevaluate));
    this.lastGood.apply({ modules, remove, reevaluate }, results);
    for (const spec of removed) if (!this.has(spec.id)) this.stacks.delete(spec.displayPath);
    return results;
  }

  /** Evaluates again the modules whose imports changed. */
  private async reevaluate(reevaluate: [string, boolean][]): Promise<Results> {
    const results: Results = {};
    const outcome = await this.ctx.runner.enter(
      'reevaluate',
      [JSON.stringify(reevaluate)],
      this.ctx.limits.timeoutMs,
      reevaluate[0][0],
      undefined,
    );
    if (!outcome.ok) {
      for (const [id] of reevaluate) results[id] = { ok: false, error: { code: outcome.code, message: outcome.message } };
      return results;
    }
    const byId = JSON.parse(outcome.value!) as Record<string, { ok: boolean; error?: unknown }>;
    for (const [id, r] of Object.entries(byId))
      results[id] = r.ok
        ? { ok: true }
        : { ok: false, error: this.ctx.errors.errorData(r.error, this.lastGood.modules.get(id)?.displayPath) };
    return results;
  }

  /** Libraries first (they are evaluated lazily), then handlers, each kept only if it evaluates. */
  private async defineAll(modules: ModuleSpec[], duringRebuild = false): Promise<Results> {
    const results: Results = {};
    const ordered = [...modules.filter((m) => !m.handler), ...modules.filter((m) => m.handler)];
    for (const spec of ordered) results[spec.id] = await this.define(spec, duringRebuild);
    return results;
  }

  private async define(spec: ModuleSpec, duringRebuild: boolean): Promise<ModuleLoadResult> {
    const { runner, limits } = this.ctx;
    const previous = this.lastGood.modules.get(spec.id);
    this.stacks.set(spec.displayPath, spec.mappings);
    const restoreMap = () => (previous ? this.stacks.set(previous.displayPath, previous.mappings) : this.stacks.delete(spec.displayPath));
    const at = { file: spec.displayPath, line: 1, column: 1 };
    let factory: ivm.Reference;
    try {
      const script = await runner.isolate.compileScript(`(function (exports, require, module, ${HELPERS_PARAM}) {\n${spec.code}\n})`, {
        filename: spec.displayPath,
        lineOffset: -1,
      });
      factory = await script.run(runner.context, { reference: true });
      script.release();
    } catch (error) {
      restoreMap();
      return { ok: false, error: { code: 'COMPILE_ERROR', message: error instanceof Error ? error.message : String(error), location: at } };
    }
    // Handles are released at once, not when the host's GC gets to them: each save would otherwise keep its version alive for a while.
    const args = [spec.id, factory.derefInto(), spec.handler];
    const outcome = await runner.enter('define', args, limits.timeoutMs, spec.id, undefined, duringRebuild);
    factory.release();
    if (!outcome.ok) {
      restoreMap();
      return { ok: false, error: { code: outcome.code, message: `loading ${spec.displayPath}: ${outcome.message}`, location: at } };
    }
    const answer = JSON.parse(outcome.value!) as { ok: boolean; error?: unknown };
    if (!answer.ok) {
      const error = this.ctx.errors.errorData(answer.error, spec.displayPath);
      restoreMap();
      return { ok: false, error };
    }
    return { ok: true };
  }
}
