import * as esbuild from 'esbuild';
import type { Diagnostic } from './diagnostics.ts';
import { useProvidedHelpers } from './module-helpers.ts';
import { resolveImport } from './resolve-import.ts';

export interface CompileInput {
  /** The module id: the path inside the project, posix separators (`gateway-events/message/echo.ts`). */
  id: string;
  /** The path shown to users in diagnostics and stack traces (`projects/samplequickstart/gateway-events/message/echo.ts`). */
  displayPath: string;
  source: string;
  /** Whether a module id exists in the project (for resolving lib/ imports). */
  exists: (id: string) => boolean;
}

export interface CompiledModule {
  id: string;
  displayPath: string;
  /** CommonJS body, run inside the isolate as `function (exports, require, module, __flint) { ... }` (see module-helpers.ts). */
  code: string;
  /** Source map "mappings" from `code` back to the user's source. */
  mappings: string;
  /** Module ids this module requires (all under lib/). */
  imports: string[];
}

export type CompileResult = { ok: true; module: CompiledModule } | { ok: false; diagnostics: Diagnostic[] };

const LOADERS: Record<string, esbuild.Loader> = { '.ts': 'ts', '.mts': 'ts', '.js': 'js', '.mjs': 'js' };

/**
 * esbuild compiles in a service process that it keeps until told to stop, and that grows with the work done (16 MB
 * at first, 50 MB and more after loading a few hundred scripts). A gateway that has not compiled for this long gives
 * it back; the next compile starts a new one, which costs that compile about 20 ms.
 */
const SERVICE_IDLE_MS = 60_000;
let compiling = 0;
let idleTimer: NodeJS.Timeout | undefined;

async function withService<T>(work: () => Promise<T>): Promise<T> {
  compiling++;
  clearTimeout(idleTimer);
  try {
    return await work();
  } finally {
    if (--compiling === 0) {
      idleTimer = setTimeout(() => void esbuild.stop(), SERVICE_IDLE_MS);
      idleTimer.unref();
    }
  }
}

/**
 * Transpiles one script to CommonJS with a source map, and checks its imports. Every import stays a
 * `require` of a lib/ module id that the sandbox's own module table resolves; nothing is bundled, so a
 * change to a lib/ module reloads just that module and the modules that import it.
 */
export async function compileModule(input: CompileInput): Promise<CompileResult> {
  const extension = input.id.slice(input.id.lastIndexOf('.'));
  const imports = new Set<string>();
  try {
    const result = await withService(() =>
      esbuild.build({
        stdin: { contents: input.source, loader: LOADERS[extension] ?? 'ts', sourcefile: input.displayPath },
        bundle: true,
        write: false,
        format: 'cjs',
        // Keep every import that is not marked `import type`: TypeScript would drop an import whose names are never
        // used, and with it the check that refuses it (`import fs from 'fs'` must fail even when fs goes unused).
        tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
        platform: 'neutral',
        target: 'es2023',
        sourcemap: 'external',
        outfile: 'module.js',
        logLevel: 'silent',
        plugins: [
          {
            name: 'flint-imports',
            setup(build) {
              build.onResolve({ filter: /.*/ }, (args) => {
                const resolved = resolveImport(args.path, input.id, input.exists);
                if (!resolved.ok) return { errors: [{ text: resolved.message }] };
                imports.add(resolved.id);
                return { path: resolved.id, external: true };
              });
            },
          },
        ],
      }),
    );
    const code = useProvidedHelpers(result.outputFiles.find((f) => f.path.endsWith('.js'))!.text);
    const map = JSON.parse(result.outputFiles.find((f) => f.path.endsWith('.map'))!.text) as { mappings: string };
    return { ok: true, module: { id: input.id, displayPath: input.displayPath, code, mappings: map.mappings, imports: [...imports] } };
  } catch (error) {
    const failure = error as esbuild.BuildFailure;
    if (!Array.isArray(failure.errors)) throw error;
    return { ok: false, diagnostics: failure.errors.map((m) => messageToDiagnostic(m, input.displayPath)) };
  }
}

function messageToDiagnostic(message: esbuild.Message, displayPath: string): Diagnostic {
  return {
    file: displayPath,
    line: message.location?.line ?? 1,
    column: (message.location?.column ?? 0) + 1,
    message: message.text,
    severity: 'error',
  };
}
