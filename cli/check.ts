import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { compileModule } from '../engine/compiler/compile.ts';
import type { Diagnostic } from '../engine/compiler/diagnostics.ts';
import { isScriptFile } from '../engine/compiler/resolve-import.ts';
import { parseProjectConfig } from '../engine/projects/config.ts';
import { displayPathOf, listProjectFiles } from '../engine/projects/project-files.ts';

const SYSTEM_DTS = fileURLToPath(new URL('../docs/system.d.ts', import.meta.url));

/**
 * `flint check`: what the gateway would report on load (project.json, import rules, syntax), plus a full
 * TypeScript type check of every script against system.d.ts. Returns the diagnostics, errors first.
 */
export async function checkProjects(projectsDir: string): Promise<Diagnostic[]> {
  const root = resolve(projectsDir);
  const diagnostics: Diagnostic[] = [];
  const scripts: string[] = [];
  const folders = (await readdir(root, { withFileTypes: true })).filter(
    (e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules',
  );
  for (const folder of folders) {
    const dir = join(root, folder.name);
    const configPath = join(dir, 'project.json');
    if (!existsSync(configPath)) continue;
    const parsed = parseProjectConfig(readFileSync(configPath, 'utf8'), displayPathOf(configPath), folder.name);
    if (!parsed.ok) diagnostics.push(parsed.diagnostic);
    const files = await listProjectFiles(dir);
    for (const rel of files.filter(isScriptFile)) {
      const abs = join(dir, rel);
      scripts.push(abs);
      const result = await compileModule({
        id: rel,
        displayPath: displayPathOf(abs),
        source: readFileSync(abs, 'utf8'),
        exists: (id) => files.includes(id),
      });
      if (!result.ok) diagnostics.push(...result.diagnostics);
    }
  }
  diagnostics.push(...typeCheck(scripts));
  return diagnostics;
}

function typeCheck(files: string[]): Diagnostic[] {
  if (files.length === 0) return [];
  const program = ts.createProgram([...files, SYSTEM_DTS], {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    allowJs: true,
    checkJs: false,
    types: [],
    lib: ['lib.es2023.d.ts'],
  });
  return ts.getPreEmitDiagnostics(program).flatMap((d): Diagnostic[] => {
    if (!d.file || d.start === undefined) return [];
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const file = displayPathOf(d.file.fileName);
    return [
      {
        file,
        line: line + 1,
        column: character + 1,
        message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
        severity: d.category === ts.DiagnosticCategory.Error ? 'error' : 'warning',
      },
    ];
  });
}
