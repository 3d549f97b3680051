/** The helpers of esbuild's CommonJS output that the sandbox's prelude provides (engine/sandbox/prelude/module-helpers.ts). */
export const PROVIDED_HELPERS: ReadonlySet<string> = new Set([
  '__create',
  '__defProp',
  '__getOwnPropDesc',
  '__getOwnPropNames',
  '__getProtoOf',
  '__hasOwnProp',
  '__export',
  '__copyProps',
  '__reExport',
  '__toESM',
  '__toCommonJS',
]);

/** The name of the module wrapper's parameter that carries them. */
export const HELPERS_PARAM = '__flint';

/**
 * Points the helpers esbuild put at the top of a module at the prelude's (`var __export = __flint.__export;`), whose
 * intrinsics were captured before any user code ran: esbuild's read `Object.defineProperty` when the module loads and
 * pass it descriptors built from object literals, which a script's own Object.prototype can break for every later
 * module (issue 10, fault 2). Each helper keeps its number of lines, so the source map stays true. Helpers esbuild may
 * add that are not provided stay as they are (they call the provided ones).
 */
export function useProvidedHelpers(code: string): string {
  const lines = code.split('\n');
  for (let i = 0; i < lines.length;) {
    const match = /^var (__\w+) = /.exec(lines[i]);
    if (!match) break; // the helpers come first; the module's own code starts at the first other line
    let end = i + 1;
    while (end < lines.length && /^[\s)}\]]/.test(lines[end]) && lines[end] !== '') end++;
    if (PROVIDED_HELPERS.has(match[1])) {
      lines[i] = `var ${match[1]} = ${HELPERS_PARAM}.${match[1]};`;
      for (let j = i + 1; j < end; j++) lines[j] = '';
    }
    i = end;
  }
  return lines.join('\n');
}
