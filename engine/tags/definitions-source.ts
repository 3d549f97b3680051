import { watch, type FSWatcher } from 'chokidar';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../compiler/diagnostics.ts';
import type { Logger } from '../logging/logger.ts';
import { isValidName } from '../names.ts';
import { parseDefinitions, providerOfFile, type ProviderDefs } from './definitions.ts';

/** Saves come in bursts (an editor's several writes, a save by rename): one look per file once it settles. */
const DEBOUNCE_MS = 15;
/**
 * chokidar drops a 'change' that follows another within 50 ms for the same path (see engine/projects/watcher.ts), so
 * every file that changed is looked at once more after that window; a look that finds the text it knew does nothing.
 */
const RECHECK_MS = 60;

/**
 * The tag definitions folder (`<tagsDir>/<provider>.json`, one file per provider), read at start and hot-reloaded like
 * scripts (issue 12 item 1). A file that fails to parse or validate keeps its provider's last good definitions active;
 * its diagnostics (file:line:column) are logged once and kept until the file is fixed. A deleted file removes its
 * provider: its tags read Bad_NotFound, and their stored values wait in the store for the file to come back.
 */
export class DefinitionsSource {
  private readonly dir: string;
  private readonly logger: Logger;
  private readonly apply: (provider: string, defs: ProviderDefs | undefined) => void;
  private readonly byFile = new Map<string, Diagnostic[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The text of each file as last loaded (undefined: absent), so that a recheck finding it unchanged does nothing. */
  private readonly texts = new Map<string, string | undefined>();
  private watcher: FSWatcher | undefined;

  constructor(dir: string, logger: Logger, apply: (provider: string, defs: ProviderDefs | undefined) => void) {
    this.dir = dir;
    this.logger = logger;
    this.apply = apply;
  }

  /** Reads every definitions file, then (when `watchFolder`) follows changes; resolves once the watcher is ready. */
  async start(watchFolder: boolean): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names.sort()) await this.load(name);
    if (!watchFolder) return;
    const watcher = watch(this.dir, { ignoreInitial: true, atomic: true, depth: 0, followSymlinks: false });
    this.watcher = watcher;
    for (const event of ['add', 'change', 'unlink'] as const)
      watcher.on(event, (path: string) => this.schedule(basename(path), DEBOUNCE_MS, true));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  /** Every open problem of the definitions files. */
  diagnostics(): Diagnostic[] {
    return [...this.byFile.values()].flat();
  }

  async close(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    await this.watcher?.close();
  }

  private schedule(name: string, delay: number, recheck: boolean): void {
    clearTimeout(this.timers.get(name));
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        void this.load(name).finally(() => recheck && this.schedule(name, RECHECK_MS, false));
      }, delay),
    );
  }

  private async load(fileName: string): Promise<void> {
    const provider = providerOfFile(fileName);
    if (provider === undefined) return;
    const displayPath = `tags/${fileName}`;
    if (!isValidName(provider)) {
      const message = `${JSON.stringify(provider)} is not a valid provider name (letters, digits, _ . - or spaces, starting with a letter, digit or _); the file is ignored`;
      return this.report(displayPath, [{ file: displayPath, line: 1, column: 1, message, severity: 'error' }]);
    }
    let text: string;
    try {
      text = await readFile(join(this.dir, fileName), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        const message = `cannot read the file: ${(error as Error).message}`;
        return this.report(displayPath, [{ file: displayPath, line: 1, column: 1, message, severity: 'error' }]);
      }
      if (!this.texts.has(fileName)) return;
      this.texts.delete(fileName);
      this.report(displayPath, []);
      this.apply(provider, undefined);
      this.logger.info(`tag provider "${provider}" removed (${displayPath} was deleted)`);
      return;
    }
    if (this.texts.has(fileName) && this.texts.get(fileName) === text) return;
    this.texts.set(fileName, text);
    const parsed = parseDefinitions(text, displayPath, provider);
    if (!parsed.ok) return this.report(displayPath, parsed.diagnostics);
    this.report(displayPath, []);
    this.apply(provider, parsed.provider);
  }

  private report(displayPath: string, diagnostics: Diagnostic[]): void {
    if (diagnostics.length === 0) {
      if (this.byFile.delete(displayPath)) this.logger.info(`${displayPath} is valid again; its definitions are active`);
      return;
    }
    if (JSON.stringify(this.byFile.get(displayPath)) === JSON.stringify(diagnostics)) return;
    this.byFile.set(displayPath, diagnostics);
    for (const d of diagnostics)
      this.logger.error(`${formatDiagnostic(d)} (the last good definitions of this provider stay active)`, {
        source: { file: d.file, line: d.line, column: d.column },
      });
  }
}
