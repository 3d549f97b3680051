import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';

/** The file name prelude frames carry in stacks; the stack mapper drops them. */
export const PRELUDE_FILENAME = 'flint:prelude';

let cached: string | undefined;

/** The prelude bundled into one script whose completion value is its `install` function. */
export function preludeSource(): string {
  if (cached) return cached;
  const result = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL('../prelude/index.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'neutral',
    target: 'es2023',
    logLevel: 'silent',
  });
  // Strict mode, declared first so that it counts (esbuild's own "use strict" lands after the wrapper's `var`s): a
  // script's Error.prepareStackTrace then gets no prelude functions or receivers from CallSite getFunction/getThis,
  // and `fn.caller` of a script function called by the prelude is null.
  cached = `(function () { "use strict"; var module = { exports: {} }; var exports = module.exports;\n${result.outputFiles[0].text}\nreturn module.exports.install; })()`;
  return cached;
}
