import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compileModule, type CompiledModule } from '../compiler/compile.ts';
import { formatDiagnostic, type Diagnostic } from '../compiler/diagnostics.ts';
import { errorToData, type ErrorData } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { parseProjectConfig, type ProjectConfig } from './config.ts';
import { parseJsonFile } from './json-file.ts';
import { isLinkedPath, projectDisplayPath, readIfExists, scanProjectFolder } from './project-files.ts';
import type { ModuleLoader, ModuleSpec } from './module-loader.ts';
import { classify, type Resource } from './resources.ts';
import { checkSidecar } from '../catalogue/sidecar-check.ts';
import { eventById, type EventId } from '../catalogue/events.ts';

/** How long a file that fails to compile must stay unchanged before the error is reported: an editor's partial write is followed by the rest within this time. */
const SETTLE_MS = 150;
const COMPILE_CONCURRENCY = 8;

export type ProjectStatus = 'loaded' | 'failing' | 'not-loaded';

export interface ProjectHooks {
  /** Runs the project's modules (the sandbox supervisor, injected by the gateway). */
  loader: ModuleLoader;
  logger: Logger;
  /** The project's scripts are in its sandbox (first load, re-enable): fire the gateway startup event. */
  loaded(project: Project): Promise<void>;
  /** The project is about to leave its sandbox: fire the gateway shutdown event. */
  unloading(project: Project): Promise<void>;
  /** A handler module was replaced by a new version. */
  moduleReloaded(project: Project, id: string): void;
  /** A change (of any file, or of the whole project) has been applied. */
  changed(project: Project): void;
}

/** `gateway:message:echo`: the spelling status and the admin API have always shown. */
function handlerKey(event: EventId, name?: string): string {
  const base = event.replace('/', ':');
  return name === undefined ? base : `${base}:${name}`;
}

interface GoodModule {
  displayPath: string;
  handler: boolean;
  /** Module ids it imports (lib/). */
  imports: string[];
  resource: Resource;
  source: string | undefined;
}

/**
 * One project folder: its configuration, the last good version of each script (what runs), and the
 * diagnostics of files that failed. Changes are applied one at a time, in order.
 */
export class Project {
  readonly name: string;
  readonly dir: string;
  config: ProjectConfig | undefined;
  private running = false;
  private notLoadedReason = 'not started';
  private readonly hooks: ProjectHooks;
  private readonly sources = new Map<string, string>();
  /**
   * What the project needs to know of the last good version of each module: the source it was compiled from and its
   * imports. Its compiled code stays with the sandbox side (the supervisor's last good snapshot), not copied here.
   */
  private readonly good = new Map<string, GoodModule>();
  private readonly handlers = new Map<string, string>();
  private readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Warnings about the set of handlers (two for one event, a named script without its sidecar), by display path: recomputed with the handler index. */
  private indexWarnings = new Map<string, Diagnostic[]>();
  private readonly settings = new Map<string, unknown>();
  private chain: Promise<void> = Promise.resolve();

  constructor(name: string, dir: string, hooks: ProjectHooks) {
    this.name = name;
    this.dir = dir;
    this.hooks = hooks;
  }

  /** Queues work on this project so changes apply one at a time. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.chain
      .then(work)
      .catch((error: unknown) => {
        this.hooks.logger.error(`project "${this.name}": ${errorToData(error).message}`, { project: this.name });
      })
      .then(() => this.hooks.changed(this));
    this.chain = next;
    return next;
  }

  get isRunning(): boolean {
    return this.running;
  }

  status(): { name: string; status: ProjectStatus; title: string; reason?: string; diagnostics: Diagnostic[]; handlers: string[] } {
    const diagnostics = this.allDiagnostics();
    const status: ProjectStatus = !this.running ? 'not-loaded' : diagnostics.length > 0 ? 'failing' : 'loaded';
    return {
      name: this.name,
      status,
      title: this.config?.title ?? this.name,
      ...(this.running ? {} : { reason: this.notLoadedReason }),
      diagnostics,
      handlers: [...this.handlers.keys()].sort(),
    };
  }

  /** The module id of a loaded handler, if the project has one. */
  handlerModule(event: EventId, name?: string): string | undefined {
    return this.running ? this.handlers.get(handlerKey(event, name)) : undefined;
  }

  /** Handler names of a named event (gateway message handlers, timers...). */
  handlerNames(event: EventId): string[] {
    const prefix = handlerKey(event) + ':';
    return [...this.handlers.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /** Parsed sidecar settings of a named handler (timer delay, keystroke match), by script id without extension. */
  settingsOf(scriptBase: string): unknown {
    return this.settings.get(scriptBase);
  }

  displayPath(relPath: string): string {
    return projectDisplayPath(this.name, relPath);
  }

  /** Loads the project, once `previousStopped` (the stop of an earlier project of the same name) has settled. */
  start(previousStopped: Promise<void> = Promise.resolve()): Promise<void> {
    return this.enqueue(async () => {
      await previousStopped;
      await this.loadEverything();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.unloadEverything(`project "${this.name}" was stopped`));
  }

  fileChanged(relPath: string): Promise<void> {
    return this.enqueue(() => this.applyChange(relPath));
  }

  fileRemoved(relPath: string): Promise<void> {
    return this.enqueue(() => this.applyRemoval(relPath));
  }

  /**
   * Modules that could not be loaded again when the project's isolate was rebuilt: they no longer run, so they leave
   * the handler index (a request gets "no handler" rather than a module that is not there) and carry a diagnostic
   * until they are saved again. Applied at once, not through the change queue: a save of the module that loads after
   * the rebuild is recorded after this, and must not be undone by it.
   */
  modulesLostInRebuild(failed: Record<string, ErrorData>): void {
    for (const [id, error] of Object.entries(failed)) {
      const good = this.good.get(id);
      if (!good) continue;
      this.good.delete(id);
      this.setDiagnostics(good.displayPath, [
        {
          ...this.errorDiagnostic(error, good.displayPath),
          message: `not running: after its sandbox was rebuilt it could not be loaded again: ${error.message}`,
        },
      ]);
    }
    this.rebuildHandlerIndex();
  }

  /** Resolves when every change queued so far has been applied. */
  settled(): Promise<void> {
    return this.chain;
  }

  // ---- whole-project load and unload -----------------------------------------------------------

  private async readConfig(): Promise<ProjectConfig | undefined> {
    const path = this.displayPath('project.json');
    if (await isLinkedPath(this.dir, 'project.json')) {
      this.setDiagnostics(path, [this.linkDiagnostic('project.json')]);
      return undefined;
    }
    const text = await readIfExists(join(this.dir, 'project.json'));
    if (text === undefined) {
      this.setDiagnostics(path, [
        { file: path, line: 1, column: 1, message: 'project.json is missing: every project folder needs one', severity: 'error' },
      ]);
      return undefined;
    }
    const parsed = parseProjectConfig(text, path, this.name);
    if (!parsed.ok) {
      this.setDiagnostics(path, [parsed.diagnostic]);
      return undefined;
    }
    this.setDiagnostics(path, []);
    return parsed.config;
  }

  private async loadEverything(): Promise<void> {
    const config = await this.readConfig();
    if (!config) {
      if (!this.config) this.notLoadedReason = 'project.json is missing or invalid';
      return;
    }
    this.config = config;
    if (!config.enabled) {
      this.notLoadedReason = 'disabled in project.json';
      return;
    }
    const { files, links } = await scanProjectFolder(this.dir);
    for (const link of links) this.refuseLink(link);
    const exists = (id: string) => files.includes(id);
    const specs: ModuleSpec[] = [];
    // A few compiles at a time: all of a 200-script project at once only raises the peak memory of esbuild and of the gateway.
    const queue = [...files];
    const worker = async () => {
      for (let relPath = queue.shift(); relPath !== undefined; relPath = queue.shift()) {
        const resource = classify(relPath);
        if (resource.kind === 'handler' || resource.kind === 'lib') {
          const compiled = await this.compile(relPath, exists);
          if (compiled) specs.push({ ...compiled, handler: resource.kind === 'handler' });
        } else await this.applySettingsFile(relPath, resource);
      }
    };
    await Promise.all(Array.from({ length: COMPILE_CONCURRENCY }, worker));
    const results = await this.hooks.loader.load(this.name, {
      limits: config.limits,
      isolated: config.isolated,
      modules: specs,
      remove: [],
      reevaluate: [],
    });
    for (const spec of specs) this.record(spec, results[spec.id]);
    this.rebuildHandlerIndex(); // once for the whole project: a rebuild per module would make loading quadratic
    this.running = true;
    const problems = this.allDiagnostics().length;
    this.hooks.logger.info(`project "${this.name}" loaded: ${this.good.size} scripts${problems ? `, ${problems} problems` : ''}`, {
      project: this.name,
    });
    await this.hooks.loaded(this);
  }

  private async unloadEverything(reason: string): Promise<void> {
    const wasRunning = this.running;
    if (wasRunning) await this.hooks.unloading(this);
    // Not running from here on, with its reason, before the sandbox lets go of it: status and requests agree throughout.
    this.running = false;
    this.notLoadedReason = reason;
    if (wasRunning) {
      await this.hooks.loader.unload(this.name);
      this.hooks.logger.info(`project "${this.name}" unloaded: ${reason}`, { project: this.name });
    }
    this.good.clear();
    this.rebuildHandlerIndex();
    this.sources.clear();
  }

  // ---- single files ----------------------------------------------------------------------------

  private async applyChange(relPath: string): Promise<void> {
    const resource = classify(relPath);
    if (resource.kind === 'config') return this.reconfigure();
    if (!this.running) return;
    if (await isLinkedPath(this.dir, relPath)) return this.refuseLink(relPath);
    if (resource.kind === 'handler' || resource.kind === 'lib') return this.reloadScript(relPath, resource);
    if (resource.kind === 'ignored') {
      this.setDiagnostics(this.displayPath(relPath), []); // it may have replaced a refused link of the same name
      this.hooks.logger.debug(`ignoring ${this.displayPath(relPath)}: ${resource.reason}`, { project: this.name });
      return;
    }
    await this.applySettingsFile(relPath, resource);
    if (resource.kind === 'sidecar') this.rebuildHandlerIndex(); // its script may have been waiting for it
  }

  private async applyRemoval(relPath: string): Promise<void> {
    const resource = classify(relPath);
    if (resource.kind === 'config') {
      this.setDiagnostics(this.displayPath(relPath), [
        {
          file: this.displayPath(relPath),
          line: 1,
          column: 1,
          message: 'project.json was deleted; the project is unloaded',
          severity: 'error',
        },
      ]);
      return this.unloadEverything('project.json was deleted');
    }
    this.setDiagnostics(this.displayPath(relPath), []);
    if (resource.kind === 'sidecar' || resource.kind === 'named-query' || resource.kind === 'view')
      this.settings.delete(settingsKey(relPath, resource));
    if (resource.kind === 'sidecar') this.rebuildHandlerIndex();
    if (!this.running || !this.good.has(relPath)) {
      this.sources.delete(relPath);
      return;
    }
    const dependents = this.dependentsOf(relPath);
    await this.hooks.loader.load(this.name, {
      limits: this.config!.limits,
      isolated: this.config!.isolated,
      modules: [],
      remove: [relPath],
      reevaluate: [],
    });
    this.good.delete(relPath);
    this.sources.delete(relPath);
    this.rebuildHandlerIndex();
    this.hooks.logger.info(`removed ${this.displayPath(relPath)}`, { project: this.name });
    // Modules that imported the deleted one now fail to compile: they report it and keep their last good version.
    for (const id of dependents) {
      this.sources.delete(id);
      await this.reloadScript(id, classify(id));
    }
  }

  private async reconfigure(): Promise<void> {
    const previous = this.config;
    const config = await this.readConfig();
    if (!config) {
      if (!previous) this.notLoadedReason = 'project.json is missing or invalid';
      return; // the last good configuration stays in force
    }
    const restart =
      !previous ||
      previous.enabled !== config.enabled ||
      previous.isolated !== config.isolated ||
      JSON.stringify(previous.limits) !== JSON.stringify(config.limits);
    this.config = config;
    if (!restart && this.running) return;
    if (this.running) await this.unloadEverything(config.enabled ? 'project.json changed' : 'disabled in project.json');
    if (config.enabled) await this.loadEverything();
    else this.notLoadedReason = 'disabled in project.json';
  }

  private async reloadScript(relPath: string, resource: Resource, attempt = 0): Promise<void> {
    const source = await readIfExists(join(this.dir, relPath));
    if (source === undefined) return; // deleted meanwhile: the removal event follows
    if (this.sources.get(relPath) === source && attempt === 0) return; // unchanged (a touch, or a duplicate event)
    const exists = (id: string) => this.good.has(id) || id === relPath;
    const result = await compileModule({ id: relPath, displayPath: this.displayPath(relPath), source, exists });
    if (!result.ok) {
      // An editor may have written only part of the file: report the error only once the file stays as it is.
      if (attempt < 20) {
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const again = await readIfExists(join(this.dir, relPath));
        if (again !== source) return this.reloadScript(relPath, resource, attempt + 1);
      }
      this.sources.set(relPath, source);
      // Written together with a lib module it imports (a git pull, a copy): the lib's change is queued behind this
      // one, and once it loads, this module is tried again. Only if it still fails then is that worth reporting.
      const missesModules = result.diagnostics.some((d) => d.message.startsWith('cannot find module'));
      if (missesModules && (await this.compilesOnceQueuedLibsLoad(relPath, source))) return;
      this.setDiagnostics(this.displayPath(relPath), result.diagnostics);
      // A lib that fails: handlers that were waiting for it (above) get their own diagnostic now.
      if (resource.kind === 'lib') await this.retryFailing((id) => classify(id).kind === 'handler');
      return;
    }
    this.sources.set(relPath, source);
    const spec: ModuleSpec = { ...result.module, handler: resource.kind === 'handler' };
    const reevaluate: [string, boolean][] =
      resource.kind === 'lib' ? this.dependentsOf(relPath).map((id) => [id, this.good.get(id)!.handler]) : [];
    const wasNew = !this.good.has(relPath);
    const results = await this.hooks.loader.load(this.name, {
      limits: this.config!.limits,
      isolated: this.config!.isolated,
      modules: [spec],
      remove: [],
      reevaluate,
    });
    this.record(spec, results[spec.id]);
    this.rebuildHandlerIndex();
    for (const [id] of reevaluate) {
      const r = results[id];
      if (r && !r.ok) this.setDiagnostics(this.good.get(id)!.displayPath, [this.errorDiagnostic(r.error, this.good.get(id)!.displayPath)]);
    }
    if (results[spec.id]?.ok) {
      this.hooks.logger.info(`${wasNew ? 'loaded' : 'reloaded'} ${spec.displayPath}`, { project: this.name });
      this.hooks.moduleReloaded(this, relPath);
      // A new lib module may be what other modules were missing: give them another try.
      if (wasNew && resource.kind === 'lib') await this.retryFailing();
    }
  }

  /**
   * Tries again every module whose current source is not its last good version (it never loaded, or its latest save
   * failed), such as a handler saved with an import of a lib that did not exist yet. Modules running their current
   * source are left alone: reloading them would only reset their state.
   */
  private async retryFailing(which: (id: string) => boolean = () => true): Promise<void> {
    const stale = [...this.sources].filter(([id, source]) => which(id) && this.good.get(id)?.source !== source).map(([id]) => id);
    for (const id of stale) {
      this.sources.delete(id);
      await this.reloadScript(id, classify(id));
    }
  }

  /** Modules that import `id`, directly or through other modules. */
  private dependentsOf(id: string): string[] {
    const found = new Set<string>();
    const visit = (target: string) => {
      for (const [other, spec] of this.good) {
        if (!found.has(other) && spec.imports.includes(target)) {
          found.add(other);
          visit(other);
        }
      }
    };
    visit(id);
    return [...found];
  }

  /** Whether the module would compile if the lib modules on disk that are not loaded yet, and not known to fail, were. */
  private async compilesOnceQueuedLibsLoad(relPath: string, source: string): Promise<boolean> {
    const pending = (id: string) => id.startsWith('lib/') && existsSync(join(this.dir, id)) && !this.diagnostics.has(this.displayPath(id));
    const onDisk = (id: string) => this.good.has(id) || id === relPath || pending(id);
    return (await compileModule({ id: relPath, displayPath: this.displayPath(relPath), source, exists: onDisk })).ok;
  }

  private async compile(relPath: string, exists: (id: string) => boolean): Promise<CompiledModule | undefined> {
    const source = await readIfExists(join(this.dir, relPath));
    if (source === undefined) return undefined;
    this.sources.set(relPath, source);
    const result = await compileModule({ id: relPath, displayPath: this.displayPath(relPath), source, exists });
    if (!result.ok) {
      this.setDiagnostics(this.displayPath(relPath), result.diagnostics);
      return undefined;
    }
    return result.module;
  }

  /** Keeps a module as the last good version if the sandbox loaded it; otherwise reports why. The caller rebuilds the handler index. */
  private record(spec: ModuleSpec, result: { ok: true } | { ok: false; error: ErrorData } | undefined): void {
    if (result?.ok) {
      this.good.set(spec.id, {
        displayPath: spec.displayPath,
        handler: spec.handler,
        imports: spec.imports,
        resource: classify(spec.id),
        source: this.sources.get(spec.id),
      });
      this.setDiagnostics(spec.displayPath, []);
    } else if (result) {
      this.setDiagnostics(spec.displayPath, [this.errorDiagnostic(result.error, spec.displayPath)]);
    }
  }

  private errorDiagnostic(error: ErrorData, displayPath: string): Diagnostic {
    const location = error.location ?? { file: displayPath, line: 1, column: 1 };
    return { ...location, message: error.message, severity: 'error' };
  }

  /**
   * Maps each event to the module handling it. A second module for the same event gets a warning, and so does a named
   * script whose event needs settings (a timer's delay) while its sidecar does not exist; each goes away with its cause.
   */
  private rebuildHandlerIndex(): void {
    this.handlers.clear();
    const warnings = new Map<string, Diagnostic[]>();
    const warn = (file: string, message: string) => warnings.set(file, [{ file, line: 1, column: 1, message, severity: 'warning' }]);
    for (const [id, spec] of this.good) {
      if (spec.resource.kind !== 'handler') continue;
      const r = spec.resource;
      const key = handlerKey(r.id, r.name);
      const existing = this.handlers.get(key);
      if (existing && existing !== id) {
        warn(spec.displayPath, `${this.displayPath(existing)} already handles this event; remove one of them`);
        continue;
      }
      this.handlers.set(key, id);
      if (!r.sidecar) continue;
      const base = id.slice(0, id.lastIndexOf('.'));
      // Settings loaded mean the sidecar is there; only a script without them needs a look on disk.
      if (!this.settings.has(base) && !existsSync(join(this.dir, `${base}.json`)))
        warn(spec.displayPath, `${base}.json is missing: this ${r.event} script does not run until its settings exist`);
    }
    for (const [path, list] of warnings)
      if (JSON.stringify(this.indexWarnings.get(path)) !== JSON.stringify(list)) this.logDiagnostics(list);
    this.indexWarnings = warnings;
  }

  // ---- settings files (sidecars, views, named queries) -----------------------------------------

  private async applySettingsFile(relPath: string, resource: Resource): Promise<void> {
    if (resource.kind === 'ignored' || resource.kind === 'config' || resource.kind === 'handler' || resource.kind === 'lib') return;
    const text = await readIfExists(join(this.dir, relPath));
    if (text === undefined) return;
    const path = this.displayPath(relPath);
    if (resource.kind === 'named-query' && resource.part === 'sql') {
      this.settings.set(settingsKey(relPath, resource), text);
      return;
    }
    const parsed = parseJsonFile(text, path);
    if (!parsed.ok) return this.setDiagnostics(path, [parsed.diagnostic]);
    const layout = resource.kind === 'sidecar' ? eventById(resource.id)?.layout : undefined;
    const problem = checkSidecar(layout?.kind === 'named' ? layout.sidecar : undefined, parsed.value);
    // Like invalid JSON, a value the schema refuses leaves the last good settings in force (a running timer keeps running).
    if (problem) return this.setDiagnostics(path, [{ file: path, line: 1, column: 1, message: problem, severity: 'error' }]);
    this.setDiagnostics(path, []);
    this.settings.set(settingsKey(relPath, resource), parsed.value);
  }

  // ---- diagnostics -----------------------------------------------------------------------------

  private setDiagnostics(displayPath: string, diagnostics: Diagnostic[]): void {
    if (diagnostics.length === 0) {
      this.diagnostics.delete(displayPath);
      return;
    }
    if (JSON.stringify(this.diagnostics.get(displayPath)) === JSON.stringify(diagnostics)) return; // already reported
    this.diagnostics.set(displayPath, diagnostics);
    this.logDiagnostics(diagnostics);
  }

  private logDiagnostics(diagnostics: Diagnostic[]): void {
    for (const d of diagnostics) {
      this.hooks.logger.log(d.severity === 'error' ? 'error' : 'warn', formatDiagnostic(d), {
        project: this.name,
        source: { file: d.file, line: d.line, column: d.column },
      });
    }
  }

  private allDiagnostics(): Diagnostic[] {
    return [...this.diagnostics.values(), ...this.indexWarnings.values()].flat();
  }

  /** Symbolic links are never followed (docs/projects.md): the link is reported and whatever it points to is ignored. */
  private refuseLink(relPath: string): void {
    this.setDiagnostics(this.displayPath(relPath), [this.linkDiagnostic(relPath)]);
  }

  private linkDiagnostic(relPath: string): Diagnostic {
    const path = this.displayPath(relPath);
    return {
      file: path,
      line: 1,
      column: 1,
      message: `${relPath} is (or is inside) a symbolic link; links are not followed, so it is ignored: put the file itself in the project`,
      severity: 'warning',
    };
  }
}

function settingsKey(relPath: string, resource: Resource): string {
  if (resource.kind === 'sidecar') return resource.script;
  return relPath.slice(0, relPath.lastIndexOf('.'));
}
