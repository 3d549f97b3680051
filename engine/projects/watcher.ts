import { watch, type FSWatcher } from 'chokidar';
import { relative, sep } from 'node:path';

/** A change to one file of one project, after debouncing. */
export interface FileEvent {
  project: string;
  /** Project-relative, posix separators; '' for the project folder itself. */
  relPath: string;
  type: 'changed' | 'removed';
}

const DEBOUNCE_MS = 8;

/**
 * Watches the projects folder with chokidar and reports per-file changes. Bursts of events for one path
 * (an editor's several writes, a save by rename: unlink then add) collapse into one event that reflects the
 * file as it is now: 'changed' if it exists, 'removed' if not.
 */
export class ProjectsWatcher {
  private readonly watcher: FSWatcher;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly root: string;
  readonly ready: Promise<void>;

  constructor(root: string, onEvent: (event: FileEvent) => void) {
    this.root = root;
    this.watcher = watch(root, {
      ignoreInitial: true,
      atomic: true,
      ignored: (path) => relative(root, path).split(sep).some((part) => part.startsWith('.') || part === 'node_modules' || part.endsWith('~')),
    });
    const report = (type: FileEvent['type'], dir = false) => (path: string) => {
      const rel = relative(root, path).split(sep).join('/');
      if (!rel || rel.startsWith('..')) return;
      if (dir && rel.includes('/')) return; // folders inside a project: their files get events of their own
      clearTimeout(this.timers.get(rel));
      this.timers.set(
        rel,
        setTimeout(() => {
          this.timers.delete(rel);
          const slash = rel.indexOf('/');
          onEvent({ project: slash < 0 ? rel : rel.slice(0, slash), relPath: slash < 0 ? '' : rel.slice(slash + 1), type });
        }, DEBOUNCE_MS),
      );
    };
    this.watcher.on('add', report('changed'));
    this.watcher.on('change', report('changed'));
    this.watcher.on('unlink', report('removed'));
    this.watcher.on('addDir', report('changed', true));
    this.watcher.on('unlinkDir', report('removed', true));
    this.ready = new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    await this.watcher.close();
  }
}
