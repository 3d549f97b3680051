import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The source files an entry point pulls in, project-relative. */
function inputsOf(entry: string): string[] {
  const result = esbuild.buildSync({
    entryPoints: [ROOT + entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    external: ['esbuild', 'isolated-vm'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).sort();
}

describe('what runs in a sandbox process', () => {
  it('the prelude (inside every isolate) bundles only itself and the argument validator', () => {
    expect(inputsOf('engine/sandbox/prelude/index.ts').filter((f) => !f.startsWith('engine/sandbox/prelude/'))).toEqual([
      'engine/system/validate.ts',
    ]);
  });

  it('the sandbox host bundles no gateway-only code: no implementations of system.*, no messaging, projects or gateway', () => {
    // Of engine/projects, only the limits and the rule of last good (plain logic, shared with the project) may run there.
    const gatewayOnly =
      /^engine\/(gateway|messaging\/|events\/|projects\/(?!limits\.ts$|last-good\.ts$)|system\/(services|service|dispatch)\.ts|system\/[a-z]+\/service\.ts|catalogue\/)/;
    const inputs = inputsOf('engine/sandbox/host/main.ts');
    expect(inputs).toContain('engine/system/util/declaration.ts');
    expect(inputs.filter((f) => gatewayOnly.test(f))).toEqual([]);
  });

  it('the system.util declaration, in every sandbox process, pulls in nothing but the name rule', () => {
    expect(inputsOf('engine/system/util/declaration.ts')).toEqual(['engine/names.ts', 'engine/system/util/declaration.ts']);
  });
});
