import { join } from 'node:path';
import { checkSidecar } from '../catalogue/sidecar-check.ts';
import { eventById } from '../catalogue/events.ts';
import { parseViewDecl } from '../sessions/views.ts';
import { fileDiagnostic, type ProjectDiagnostics } from './diagnostics.ts';
import { parseJsonFile } from './json-file.ts';
import { projectDisplayPath, readIfExists } from './project-files.ts';
import type { Resource } from './resources.ts';

/**
 * A project's settings files (handler sidecars, view.json, named queries), parsed, by script id or file without
 * extension. A file that does not parse, or that its schema refuses, leaves the last good settings in force.
 */
export class ProjectSettings {
  private readonly name: string;
  private readonly dir: string;
  private readonly diagnostics: ProjectDiagnostics;
  private readonly values = new Map<string, unknown>();

  constructor(name: string, dir: string, diagnostics: ProjectDiagnostics) {
    this.name = name;
    this.dir = dir;
    this.diagnostics = diagnostics;
  }

  get(base: string): unknown {
    return this.values.get(base);
  }

  has(base: string): boolean {
    return this.values.has(base);
  }

  /** Reads a settings file again (other kinds of file are not settings, and are left alone). */
  async apply(relPath: string, resource: Resource): Promise<void> {
    if (resource.kind === 'ignored' || resource.kind === 'config' || resource.kind === 'handler' || resource.kind === 'lib') return;
    const text = await readIfExists(join(this.dir, relPath));
    if (text === undefined) return;
    const path = projectDisplayPath(this.name, relPath);
    if (resource.kind === 'named-query' && resource.part === 'sql') {
      this.values.set(settingsKey(relPath, resource), text);
      return;
    }
    const parsed = parseJsonFile(text, path);
    if (!parsed.ok) return this.diagnostics.set(path, [parsed.diagnostic]);
    if (resource.kind === 'view') {
      const view = parseViewDecl(parsed.value);
      if (!view.ok) return this.diagnostics.set(path, [fileDiagnostic(path, view.message)]);
      this.diagnostics.set(path, []);
      this.values.set(settingsKey(relPath, resource), view.view);
      return;
    }
    const layout = resource.kind === 'sidecar' ? eventById(resource.id)?.layout : undefined;
    const problem = checkSidecar(layout?.kind === 'named' ? layout.sidecar : undefined, parsed.value);
    // Like invalid JSON, a value the schema refuses leaves the last good settings in force (a running timer keeps running).
    if (problem) return this.diagnostics.set(path, [fileDiagnostic(path, problem)]);
    this.diagnostics.set(path, []);
    this.values.set(settingsKey(relPath, resource), parsed.value);
  }

  /** A settings file was deleted. */
  remove(relPath: string, resource: Resource): void {
    if (resource.kind === 'sidecar' || resource.kind === 'named-query' || resource.kind === 'view')
      this.values.delete(settingsKey(relPath, resource));
  }
}

function settingsKey(relPath: string, resource: Resource): string {
  if (resource.kind === 'sidecar') return resource.script;
  return relPath.slice(0, relPath.lastIndexOf('.'));
}
