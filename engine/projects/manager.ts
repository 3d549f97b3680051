import { existsSync, lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Project, type ProjectHooks } from './project.ts';
import { isValidName } from './names.ts';
import { ProjectsWatcher, type FileEvent } from './watcher.ts';

/** A change the watcher saw and the project has applied: a file (relPath) or, with relPath '', the project folder. */
export interface AppliedFileEvent {
  project: string;
  relPath: string;
  removed: boolean;
}

/** All projects under the projects folder: discovery at start, then hot reload from the watcher. */
export class ProjectManager {
  private readonly root: string;
  private readonly hooks: ProjectHooks;
  private readonly projects = new Map<string, Project>();
  /** Projects removed whose stop (shutdown script, sandbox unload) is still going, by name. */
  private readonly stopping = new Map<string, Promise<void>>();
  /** Entries of the projects folder already warned about (bad names, links). */
  private readonly refused = new Set<string>();
  private watcher: ProjectsWatcher | undefined;
  private readonly appliedListeners = new Set<(event: AppliedFileEvent) => void>();

  constructor(root: string, hooks: ProjectHooks) {
    this.root = root;
    this.hooks = hooks;
  }

  async start(watch: boolean): Promise<void> {
    if (watch) this.watcher = new ProjectsWatcher(this.root, (event) => this.onEvent(event));
    const entries = existsSync(this.root) ? await readdir(this.root, { withFileTypes: true }) : [];
    await Promise.all(entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => this.add(e.name)));
    await this.watcher?.ready;
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
    await Promise.all([...this.projects.values()].map((p) => p.stop()));
    await Promise.all(this.stopping.values());
    this.projects.clear();
  }

  get(name: string): Project | undefined {
    return this.projects.get(name);
  }

  list(): Project[] {
    return [...this.projects.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Calls `listener` after each change from the watcher has been applied (the project's status then tells whether it
   * compiled): the editor's live feed tells open editors about files changed on disk. Returns the unsubscribe.
   */
  onApplied(listener: (event: AppliedFileEvent) => void): () => void {
    this.appliedListeners.add(listener);
    return () => this.appliedListeners.delete(listener);
  }

  private applied(project: string, relPath: string, removed: boolean): void {
    for (const listener of this.appliedListeners) listener({ project, relPath, removed });
  }

  /** Resolves when every change seen so far has been applied (for tests and the CLI). */
  async settled(): Promise<void> {
    await Promise.all([...this.projects.values()].map((p) => p.settled()));
  }

  /**
   * Loads a project folder now, without waiting for the watcher (the editor's "new project" writes its project.json and
   * answers once it runs). Resolves when the project has applied its load, whichever of this and the watcher came first.
   */
  async load(name: string): Promise<Project | undefined> {
    await this.add(name);
    const project = this.projects.get(name);
    await project?.settled();
    return project;
  }

  private add(name: string): Promise<void> {
    if (name.startsWith('.') || name === 'node_modules' || this.projects.has(name)) return Promise.resolve();
    if (!isValidName(name))
      return this.refuse(name, `ignoring folder "${name}" in the projects folder: project names use letters, digits, _ . - and spaces`);
    if (lstatSync(join(this.root, name), { throwIfNoEntry: false })?.isSymbolicLink()) {
      return this.refuse(
        name,
        `ignoring "${name}" in the projects folder: symbolic links are not followed; put the project folder itself there`,
      );
    }
    if (!existsSync(join(this.root, name, 'project.json'))) {
      this.hooks.logger.debug(`folder "${name}" has no project.json yet; it becomes a project when one appears`);
      return Promise.resolve();
    }
    const project = new Project(name, join(this.root, name), this.hooks);
    this.projects.set(name, project);
    // The sandbox knows projects by name: a folder replaced while its old copy still stops must wait for that stop, or the old unload would remove the new one.
    return project.start(this.stopping.get(name));
  }

  /** Warns once about an entry of the projects folder that is not loaded (the watcher reports a path more than once). */
  private refuse(name: string, warning: string): Promise<void> {
    if (!this.refused.has(name)) this.hooks.logger.warn(warning);
    this.refused.add(name);
    return Promise.resolve();
  }

  private remove(name: string): Promise<void> {
    this.refused.delete(name);
    const project = this.projects.get(name);
    if (!project) return Promise.resolve();
    this.projects.delete(name);
    const stopped = project.stop();
    this.stopping.set(name, stopped);
    return stopped.then(() => {
      if (this.stopping.get(name) === stopped) this.stopping.delete(name);
    });
  }

  private onEvent(event: FileEvent): void {
    const isDir = event.relPath === '';
    if (isDir) {
      const present = existsSync(join(this.root, event.project)) && this.isFolderOrLink(event.project);
      void (present ? this.add(event.project) : this.remove(event.project)).then(() => this.applied(event.project, '', !present));
      return;
    }
    const project = this.projects.get(event.project);
    if (!project) {
      if (event.relPath === 'project.json' && event.type === 'changed')
        void this.add(event.project).then(() => this.applied(event.project, '', false));
      return;
    }
    const removed = event.type !== 'changed';
    void (removed ? project.fileRemoved(event.relPath) : project.fileChanged(event.relPath)).then(() =>
      this.applied(event.project, event.relPath, removed),
    );
  }

  /** A folder, or a link that add() refuses with a warning (links are reported to the watcher as files). */
  private isFolderOrLink(name: string): boolean {
    const stats = lstatSync(join(this.root, name));
    return stats.isDirectory() || stats.isSymbolicLink();
  }
}
