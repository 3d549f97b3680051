import type { SourceLocation } from '../errors.ts';

/** A problem with a file, shown in the log, `flint status`, `flint check` and the editor. */
export interface Diagnostic extends SourceLocation {
  message: string;
  severity: 'error' | 'warning';
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.message}`;
}
