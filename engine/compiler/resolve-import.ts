import { posix } from 'node:path';

/** The extensions a script or library module may have, in the order an extension-less import tries them. */
export const SCRIPT_EXTENSIONS = ['.ts', '.js', '.mts', '.mjs'] as const;

export function isScriptFile(relPath: string): boolean {
  return SCRIPT_EXTENSIONS.some((ext) => relPath.endsWith(ext)) && !relPath.endsWith('.d.ts');
}

export type ImportResolution = { ok: true; id: string } | { ok: false; message: string };

/**
 * Scripts may import only the project's own `lib/` modules, by relative path ("../../lib/format").
 * Anything else (node builtins, packages, other projects, files outside lib/) is refused here, at compile time.
 */
export function resolveImport(specifier: string, importerId: string, exists: (id: string) => boolean): ImportResolution {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
    return {
      ok: false,
      message: `import of "${specifier}" is not allowed: scripts may import only the project's own lib/ modules, by relative path`,
    };
  }
  const target = posix.normalize(posix.join(posix.dirname(importerId), specifier));
  if (target.startsWith('../') || !target.startsWith('lib/')) {
    return { ok: false, message: `import of "${specifier}" is not allowed: it resolves to "${target}", outside the project's lib/ folder` };
  }
  const candidates = isScriptFile(target)
    ? [target]
    : [...SCRIPT_EXTENSIONS.map((ext) => target + ext), ...SCRIPT_EXTENSIONS.map((ext) => `${target}/index${ext}`)];
  const id = candidates.find(exists);
  return id ? { ok: true, id } : { ok: false, message: `cannot find module "${specifier}" (looked for ${candidates.join(', ')})` };
}
