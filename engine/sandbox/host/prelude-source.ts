import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The file name prelude frames carry in stacks; the stack mapper drops them. */
export const PRELUDE_FILENAME = 'flint:prelude';

/** Set by engine/sandbox/host-bundle.ts when it bundles the sandbox host: the prelude, built once in the gateway. */
declare const __FLINT_PRELUDE__: string | undefined;

let cached: string | undefined;

/** Bundles the prelude into one script whose completion value is its `install` function. */
export function buildPreludeSource(): string {
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
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
  return `(function () { "use strict"; var module = { exports: {} }; var exports = module.exports;\n${result.outputFiles[0].text}\nreturn module.exports.install; })()`;
}

/** The prelude: prebuilt in a bundled sandbox host, built here (loading esbuild) only when the host runs from source. */
export function preludeSource(): string {
  cached ??= typeof __FLINT_PRELUDE__ === 'string' ? __FLINT_PRELUDE__ : buildPreludeSource();
  return cached;
}
