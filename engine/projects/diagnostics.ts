import { formatDiagnostic, type Diagnostic } from '../compiler/diagnostics.ts';
import type { ErrorData } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * A project's diagnostics, by display path: what failed in each file, and the warnings about the set of handlers.
 * Each is written to the log once, when it appears or changes, and stays in the project's status until its cause goes.
 */
export class ProjectDiagnostics {
  private readonly project: string;
  private readonly logger: Logger;
  private readonly byFile = new Map<string, Diagnostic[]>();
  /** Warnings about the set of handlers (two for one event, a named script without its sidecar), by display path: recomputed with the handler index. */
  private indexWarnings = new Map<string, Diagnostic[]>();

  constructor(project: string, logger: Logger) {
    this.project = project;
    this.logger = logger;
  }

  /** Replaces a file's diagnostics (none: the file is fine now). */
  set(displayPath: string, diagnostics: Diagnostic[]): void {
    if (diagnostics.length === 0) {
      this.byFile.delete(displayPath);
      return;
    }
    if (JSON.stringify(this.byFile.get(displayPath)) === JSON.stringify(diagnostics)) return; // already reported
    this.byFile.set(displayPath, diagnostics);
    this.log(diagnostics);
  }

  has(displayPath: string): boolean {
    return this.byFile.has(displayPath);
  }

  /** Replaces the handler index's warnings; those that are new or changed are logged. */
  setIndexWarnings(warnings: Map<string, Diagnostic[]>): void {
    for (const [path, list] of warnings) if (JSON.stringify(this.indexWarnings.get(path)) !== JSON.stringify(list)) this.log(list);
    this.indexWarnings = warnings;
  }

  all(): Diagnostic[] {
    return [...this.byFile.values(), ...this.indexWarnings.values()].flat();
  }

  private log(diagnostics: Diagnostic[]): void {
    for (const d of diagnostics) {
      this.logger.log(d.severity === 'error' ? 'error' : 'warn', formatDiagnostic(d), {
        project: this.project,
        source: { file: d.file, line: d.line, column: d.column },
      });
    }
  }
}

/** A problem with a whole file (project.json, a settings file, a link), shown at its first line. */
export function fileDiagnostic(file: string, message: string, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  return { file, line: 1, column: 1, message, severity };
}

/** A module that the sandbox could not load: at the error's location in the user's file, else at the file's top. */
export function errorDiagnostic(error: ErrorData, displayPath: string): Diagnostic {
  const location = error.location ?? { file: displayPath, line: 1, column: 1 };
  return { ...location, message: error.message, severity: 'error' };
}

/** Symbolic links are never followed (docs/projects.md): the link is reported and whatever it points to is ignored. */
export function linkDiagnostic(relPath: string, displayPath: string): Diagnostic {
  return fileDiagnostic(
    displayPath,
    `${relPath} is (or is inside) a symbolic link; links are not followed, so it is ignored: put the file itself in the project`,
    'warning',
  );
}
