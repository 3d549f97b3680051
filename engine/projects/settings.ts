import { join } from 'node:path';
import { parseNamedQuerySettings, undeclaredParameter } from '../db/named-query.ts';
import { NamedQueryFiles, type NamedQueryLookup } from '../db/named-query-files.ts';
import { parseViewDecl } from '../sessions/views.ts';
import { fileDiagnostic, type ProjectDiagnostics } from './diagnostics.ts';
import { parseJsonFile } from './json-file.ts';
import { projectDisplayPath, readIfExists } from './project-files.ts';
import { sidecarProblem } from './sidecars.ts';
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
  private readonly namedQueries = new NamedQueryFiles();

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
    if (resource.kind === 'named-query') return this.applyNamedQuery(resource.name, resource.part, text, path);
    const parsed = parseJsonFile(text, path);
    if (!parsed.ok) return this.diagnostics.set(path, [parsed.diagnostic]);
    if (resource.kind === 'view') {
      const view = parseViewDecl(parsed.value);
      if (!view.ok) return this.diagnostics.set(path, [fileDiagnostic(path, view.message)]);
      this.diagnostics.set(path, []);
      this.values.set(settingsKey(relPath, resource), view.view);
      return;
    }
    const problem = sidecarProblem(resource.id, parsed.value);
    // Like invalid JSON, a value the schema refuses leaves the last good settings in force (a running timer keeps running).
    if (problem) return this.diagnostics.set(path, [fileDiagnostic(path, problem)]);
    this.diagnostics.set(path, []);
    this.values.set(settingsKey(relPath, resource), parsed.value);
  }

  /** A settings file was deleted. */
  remove(relPath: string, resource: Resource): void {
    if (resource.kind === 'named-query') {
      this.namedQueries.remove(resource.name, resource.part);
      this.checkNamedQuery(resource.name);
      return;
    }
    if (resource.kind === 'sidecar' || resource.kind === 'view') this.values.delete(settingsKey(relPath, resource));
  }

  /** A named query by its path under named-queries/ (`Reports/Daily`), as its files stand now. */
  namedQuery(path: string): NamedQueryLookup | undefined {
    return this.namedQueries.get(path);
  }

  /** The SQL of a named query, or its settings (checked with the line of a problem; the last good settings stay). */
  private applyNamedQuery(name: string, part: 'sql' | 'settings', text: string, path: string): void {
    if (part === 'sql') {
      this.namedQueries.setSql(name, text);
    } else {
      const parsed = parseJsonFile(text, path);
      if (!parsed.ok) {
        this.namedQueries.settingsFailed(name);
        return this.diagnostics.set(path, [parsed.diagnostic]);
      }
      const settings = parseNamedQuerySettings(parsed.value, text);
      if (!settings.ok) {
        this.namedQueries.settingsFailed(name);
        return this.diagnostics.set(path, [{ file: path, line: settings.line, column: 1, message: settings.message, severity: 'error' }]);
      }
      this.diagnostics.set(path, []);
      this.namedQueries.setSettings(name, settings.settings);
    }
    this.checkNamedQuery(name);
  }

  /** A `:name` in the SQL that the settings do not declare is an error at its line of the .sql file. */
  private checkNamedQuery(name: string): void {
    const sqlPath = projectDisplayPath(this.name, `named-queries/${name}.sql`);
    const query = this.namedQueries.get(name);
    const missing = query && 'sql' in query ? undeclaredParameter(query.sql, query.settings) : undefined;
    const message = missing && `:${missing.name} is not a declared parameter (declare it in named-queries/${name}.json "parameters")`;
    this.diagnostics.set(sqlPath, missing ? [{ file: sqlPath, line: missing.line, column: 1, message: message!, severity: 'error' }] : []);
  }
}

function settingsKey(relPath: string, resource: Resource): string {
  if (resource.kind === 'sidecar') return resource.script;
  return relPath.slice(0, relPath.lastIndexOf('.'));
}
