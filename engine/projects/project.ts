import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EventId } from '../catalogue/events.ts';
import type { Diagnostic } from '../compiler/diagnostics.ts';
import type { NamedQueryLookup } from '../db/named-query-files.ts';
import { errorToData, type ErrorData } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { readProjectConfig, type ProjectConfig } from './config.ts';
import { fileDiagnostic, linkDiagnostic, ProjectDiagnostics } from './diagnostics.ts';
import { HandlerIndex } from './handler-index.ts';
import type { ModuleLoader } from './module-loader.ts';
import { isLinkedPath, projectDisplayPath, scanProjectFolder } from './project-files.ts';
import { classify } from './resources.ts';
import { RunningModules } from './running-modules.ts';
import { ProjectScripts } from './scripts.ts';
import { ProjectSettings } from './settings.ts';

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

/**
 * One project folder: its configuration, whether it runs, and the order of changes (applied one at a time, as they
 * came). Its parts each keep one thing: the scripts that run (scripts.ts, running-modules.ts), the handler index,
 * the settings files and the diagnostics.
 */
export class Project {
  readonly name: string;
  readonly dir: string;
  config: ProjectConfig | undefined;
  private running = false;
  private notLoadedReason = 'not started';
  private readonly hooks: ProjectHooks;
  private readonly diagnostics: ProjectDiagnostics;
  private readonly modules = new RunningModules();
  private readonly scripts: ProjectScripts;
  private readonly handlers = new HandlerIndex();
  private readonly settings: ProjectSettings;
  private chain: Promise<void> = Promise.resolve();

  constructor(name: string, dir: string, hooks: ProjectHooks) {
    this.name = name;
    this.dir = dir;
    this.hooks = hooks;
    this.diagnostics = new ProjectDiagnostics(name, hooks.logger);
    this.settings = new ProjectSettings(name, dir, this.diagnostics);
    this.scripts = new ProjectScripts({
      name,
      dir,
      loader: hooks.loader,
      logger: hooks.logger,
      diagnostics: this.diagnostics,
      modules: this.modules,
      config: () => this.config!,
      indexChanged: () => this.rebuildHandlerIndex(),
      moduleReloaded: (id) => this.hooks.moduleReloaded(this, id),
    });
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
    const diagnostics = this.diagnostics.all();
    const status: ProjectStatus = !this.running ? 'not-loaded' : diagnostics.length > 0 ? 'failing' : 'loaded';
    return {
      name: this.name,
      status,
      title: this.config?.title ?? this.name,
      ...(this.running ? {} : { reason: this.notLoadedReason }),
      diagnostics,
      handlers: this.handlers.keys(),
    };
  }

  /** The module id of a loaded handler, if the project has one. */
  handlerModule(event: EventId, name?: string): string | undefined {
    return this.running ? this.handlers.get(event, name) : undefined;
  }

  /** Handler names of a named event (gateway message handlers, timers...). */
  handlerNames(event: EventId): string[] {
    return this.handlers.names(event);
  }

  /** Parsed sidecar settings of a named handler (timer delay, keystroke match), by script id without extension. */
  settingsOf(scriptBase: string): unknown {
    return this.settings.get(scriptBase);
  }

  /** A named query by its path under named-queries/ (`Reports/Daily`), or undefined when it has no .sql file. */
  namedQuery(path: string): NamedQueryLookup | undefined {
    return this.running ? this.settings.namedQuery(path) : undefined;
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

  /**
   * A file changed. `source`, when given, is the file's complete new text (the editor's save, which loads it while the
   * bytes are still being flushed to disk): a script is compiled from it instead of read back, and never waited on as
   * a partial write.
   */
  fileChanged(relPath: string, source?: string): Promise<void> {
    return this.enqueue(() => this.applyChange(relPath, source));
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
    this.scripts.lostInRebuild(failed);
    this.rebuildHandlerIndex();
  }

  /** Resolves when every change queued so far has been applied. */
  settled(): Promise<void> {
    return this.chain;
  }

  // ---- whole-project load and unload -----------------------------------------------------------

  private async readConfig(): Promise<ProjectConfig | undefined> {
    const read = await readProjectConfig(this.dir, this.name);
    this.diagnostics.set(this.displayPath('project.json'), read.ok ? [] : [read.diagnostic]);
    return read.ok ? read.config : undefined;
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
    await this.scripts.loadAll(files, (relPath, resource) => this.settings.apply(relPath, resource));
    this.rebuildHandlerIndex(); // once for the whole project: a rebuild per module would make loading quadratic
    this.running = true;
    const problems = this.diagnostics.all().length;
    this.hooks.logger.info(`project "${this.name}" loaded: ${this.modules.size} scripts${problems ? `, ${problems} problems` : ''}`, {
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
    this.modules.clear();
    this.rebuildHandlerIndex();
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

  // ---- single files ----------------------------------------------------------------------------

  private async applyChange(relPath: string, source?: string): Promise<void> {
    const resource = classify(relPath);
    if (resource.kind === 'config') return this.reconfigure();
    if (!this.running) return;
    if (await isLinkedPath(this.dir, relPath)) return this.refuseLink(relPath);
    if (resource.kind === 'handler' || resource.kind === 'lib') return this.scripts.reload(relPath, resource, 0, source);
    if (resource.kind === 'ignored') {
      this.diagnostics.set(this.displayPath(relPath), []); // it may have replaced a refused link of the same name
      this.hooks.logger.debug(`ignoring ${this.displayPath(relPath)}: ${resource.reason}`, { project: this.name });
      return;
    }
    await this.settings.apply(relPath, resource);
    if (resource.kind === 'sidecar') this.rebuildHandlerIndex(); // its script may have been waiting for it
  }

  private async applyRemoval(relPath: string): Promise<void> {
    const resource = classify(relPath);
    if (resource.kind === 'config') {
      this.diagnostics.set(this.displayPath(relPath), [
        fileDiagnostic(this.displayPath(relPath), 'project.json was deleted; the project is unloaded'),
      ]);
      return this.unloadEverything('project.json was deleted');
    }
    this.diagnostics.set(this.displayPath(relPath), []);
    this.settings.remove(relPath, resource);
    if (resource.kind === 'sidecar') this.rebuildHandlerIndex();
    if (this.running && this.modules.has(relPath)) await this.scripts.remove(relPath);
    else this.modules.sources.delete(relPath);
  }

  /** Lists each running handler under its event, and puts the warnings about the set in the diagnostics. */
  private rebuildHandlerIndex(): void {
    // Settings loaded mean the sidecar is there; only a script without them needs a look on disk.
    const hasSidecar = (base: string) => this.settings.has(base) || existsSync(join(this.dir, `${base}.json`));
    this.diagnostics.setIndexWarnings(this.handlers.rebuild(this.modules.entries(), hasSidecar, (id) => this.displayPath(id)));
  }

  /** Symbolic links are never followed (docs/projects.md): the link is reported and whatever it points to is ignored. */
  private refuseLink(relPath: string): void {
    this.diagnostics.set(this.displayPath(relPath), [linkDiagnostic(relPath, this.displayPath(relPath))]);
  }
}
