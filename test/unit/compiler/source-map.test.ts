import { describe, expect, it } from 'vitest';
import { compileModule } from '../../../engine/compiler/compile.ts';
import { SourceMapLookup } from '../../../engine/compiler/source-map.ts';

describe('compileModule and SourceMapLookup', () => {
  it('maps positions in the transpiled code back to the TypeScript source', async () => {
    const source = `interface A {\n  x: number;\n}\n\nexport default function (a: A): number {\n  return a.x * 2;\n}\n`;
    const result = await compileModule({ id: 'h.ts', displayPath: 'p/h.ts', source, exists: () => false });
    if (!result.ok) throw new Error('compile failed');
    const lines = result.module.code.split('\n');
    const generatedLine = lines.findIndex((l) => l.includes('a.x * 2')) + 1;
    const generatedColumn = lines[generatedLine - 1].indexOf('a.x') + 1;
    expect(new SourceMapLookup(result.module.mappings).lookup(generatedLine, generatedColumn)).toEqual({ line: 6, column: 10 });
  });

  it('reports syntax errors with file, 1-based line and column', async () => {
    const result = await compileModule({
      id: 'h.ts',
      displayPath: 'p/h.ts',
      source: 'export default function () {\n  return );\n}\n',
      exists: () => false,
    });
    expect(result).toMatchObject({ ok: false, diagnostics: [{ file: 'p/h.ts', line: 2, column: 10, severity: 'error' }] });
  });

  it('allows only relative imports of lib/ modules that exist, and records them', async () => {
    const exists = (id: string) => id === 'lib/util.ts' || id === 'lib/deep/index.ts';
    const ok = await compileModule({
      id: 'gateway-events/message/a.ts',
      displayPath: 'a.ts',
      source: `import { u } from '../../lib/util';\nimport d from '../../lib/deep';\nexport default () => u + d;\n`,
      exists,
    });
    expect(ok).toMatchObject({ ok: true, module: { imports: ['lib/util.ts', 'lib/deep/index.ts'] } });
    for (const [spec, message] of [
      ['child_process', /"child_process" is not allowed/],
      ['../../../other/lib/x', /outside the project's lib\/ folder/],
      ['../message/b', /outside the project's lib\/ folder/],
      ['../../lib/missing', /cannot find module/],
    ] as const) {
      const bad = await compileModule({
        id: 'gateway-events/message/a.ts',
        displayPath: 'a.ts',
        source: `import x from '${spec}';\nexport default () => x;\n`,
        exists,
      });
      expect(bad.ok, spec).toBe(false);
      if (!bad.ok) expect(bad.diagnostics[0]).toMatchObject({ line: 1, message: expect.stringMatching(message) });
    }
  });

  it('refuses a forbidden import even when nothing it imports is used; a type-only import is dropped', async () => {
    const compile = (source: string) =>
      compileModule({ id: 'gateway-events/message/a.ts', displayPath: 'a.ts', source, exists: () => false });
    expect(await compile(`import fs from 'fs';\nimport { readFileSync } from 'node:fs';\nexport default () => 1;\n`)).toMatchObject({
      ok: false,
      diagnostics: [
        { line: 1, message: expect.stringMatching(/"fs" is not allowed/) },
        { line: 2, message: expect.stringMatching(/"node:fs" is not allowed/) },
      ],
    });
    expect(await compile(`import type { Stats } from 'node:fs';\nexport default (s: Stats) => s.size;\n`)).toMatchObject({
      ok: true,
      module: { imports: [] },
    });
  });
});
