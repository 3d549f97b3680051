/**
 * Builds `flint/client` (package.json `exports`): client/index.ts bundled by esbuild into one ES module with no
 * imports (dist/client/index.js), and beside it the declarations tsc emits (dist/client/index.d.ts and the protocol
 * types it refers to). Then the web editor (editor/, with Monaco and its workers) into dist/editor. `npm install` runs
 * it as the `prepare` script; dist/ is not committed.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildEditor } from './editor-build.ts';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Builds the package's files into `outDir` (the package's dist/ by default; a test builds a copy elsewhere). */
export async function buildClient(outDir = join(ROOT, 'dist')): Promise<void> {
  // Everything of the package's earlier build goes, but not the editor: it has a build of its own (dist/editor).
  const previous = existsSync(outDir) ? readdirSync(outDir, { withFileTypes: true }) : [];
  for (const entry of previous.filter((e) => e.name !== 'editor')) rmSync(join(outDir, entry.name), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [join(ROOT, 'client/index.ts')],
    outfile: join(outDir, 'client/index.js'),
    bundle: true,
    format: 'esm',
    // Neither Node's nor a browser's: a Node built-in imported by mistake fails the build instead of reaching browsers.
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'silent',
  });
  emitDeclarations(outDir);
}

function emitDeclarations(outDir: string): void {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  };
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'client/tsconfig.build.json'), { outDir }, host)!;
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const emitted = program.emit();
  const diagnostics = [...config.errors, ...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const formatHost = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
    throw new Error(`flint/client declarations:\n${ts.formatDiagnostics(diagnostics, formatHost)}`);
  }
}

if (import.meta.main) {
  await buildClient();
  await buildEditor();
}
