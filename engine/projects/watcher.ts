import { watch, type FSWatcher } from 'chokidar';
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { scanProjectFolder } from './project-files.ts';

/** A change to one file of one project, after debouncing. */
export interface FileEvent {
  project: string;
  /** Project-relative, posix separators; '' for the project folder itself. */
  relPath: string;
  type: 'changed' | 'removed';
}

const DEBOUNCE_MS = 8;
/**
 * chokidar drops 'change' events that follow another within 50 ms for the same path, so the last write of a
 * quick burst can go unreported. Every path that changed is looked at once more after that window; the project
 * ignores a look that finds the file as it already knew it.
 */
const RECHECK_MS = 60;
/**
 * A folder created inside a project (a `git checkout`, a copy, a folder deleted and made again) is listed once
 * more this long after it appeared: chokidar can miss files written into a folder while it starts watching it.
 * Files found are reported as changed; the project ignores those it already has as they are.
 */
const NEW_FOLDER_RESCAN_MS = 250;

/**
 * Watches the projects folder with chokidar and reports per-file changes. Bursts of events for one path
 * (an editor's several writes, a save by rename: unlink then add) collapse into one event that reflects the
 * file as it is now: 'changed' if it exists, 'removed' if not.
 */
export class ProjectsWatcher {
  private readonly watcher: FSWatcher;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly rescans = new Set<NodeJS.Timeout>();
  private readonly root: string;
  readonly ready: Promise<void>;

  constructor(root: string, onEvent: (event: FileEvent) => void) {
    this.root = root;
    this.watcher = watch(root, {
      ignoreInitial: true,
      atomic: true,
      // Links are reported as files and never followed, as at startup (engine/projects/project-files.ts): a link must not pull in files from outside the project.
      followSymlinks: false,
      ignored: (path) =>
        relative(root, path)
          .split(sep)
          .some((part) => part.startsWith('.') || part === 'node_modules' || part.endsWith('~')),
    });
    const emit = (rel: string) => {
      const slash = rel.indexOf('/');
      const type = existsSync(join(root, rel)) ? 'changed' : 'removed';
      onEvent({ project: slash < 0 ? rel : rel.slice(0, slash), relPath: slash < 0 ? '' : rel.slice(slash + 1), type });
    };
    const schedule = (rel: string, delay: number, then?: () => void) => {
      clearTimeout(this.timers.get(rel));
      this.timers.set(
        rel,
        setTimeout(() => {
          this.timers.delete(rel);
          emit(rel);
          then?.();
        }, delay),
      );
    };
    const relativePath = (path: string) => relative(root, path).split(sep).join('/');
    const report =
      (dir = false) =>
      (path: string) => {
        const rel = relativePath(path);
        if (!rel || rel.startsWith('..')) return;
        if (dir && rel.includes('/')) return; // folders inside a project: their files get events of their own
        schedule(rel, DEBOUNCE_MS, () => !dir && schedule(rel, RECHECK_MS));
      };
    const rescanLater = (path: string) => {
      const rel = relativePath(path);
      if (!rel.includes('/') || rel.startsWith('..')) return; // a project folder itself is loaded whole by its project
      const timer = setTimeout(() => {
        this.rescans.delete(timer);
        scanProjectFolder(join(root, rel)).then(
          ({ files }) => files.forEach((file) => schedule(`${rel}/${file}`, DEBOUNCE_MS)),
          () => undefined, // gone again meanwhile: its removal has its own events
        );
      }, NEW_FOLDER_RESCAN_MS);
      this.rescans.add(timer);
    };
    for (const event of ['add', 'change', 'unlink'] as const) this.watcher.on(event, report());
    this.watcher.on('addDir', report(true));
    this.watcher.on('addDir', rescanLater);
    this.watcher.on('unlinkDir', report(true));
    this.ready = new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    for (const timer of [...this.timers.values(), ...this.rescans]) clearTimeout(timer);
    await this.watcher.close();
  }
}
