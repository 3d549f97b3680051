/**
 * Builds the web editor (issue 13) into dist/editor: editor/main.ts with Monaco bundled by esbuild (code split, so a
 * language's tokenizer is fetched only when a file of it opens), Monaco's workers as files of their own (the editor
 * worker, the TypeScript worker for IntelliSense, the JSON worker for settings files), its styles and codicon font,
 * and editor/index.html and style.css. Nothing is fetched from a CDN: the gateway serves every file (api/editor-routes.ts).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MONACO = join(ROOT, 'node_modules/monaco-editor/esm/vs');

/** The workers main.ts starts (MonacoEnvironment.getWorker), by output name. */
const WORKERS = {
  'editor.worker': 'editor/editor.worker.js',
  'ts.worker': 'language/typescript/ts.worker.js',
  'json.worker': 'language/json/json.worker.js',
};

/** Languages of project files: scripts, settings and named queries. Monaco's other 80 are left out. */
const LANGUAGES = ['typescript', 'javascript', 'sql'];

/**
 * Monaco's editor.main.js, less what a Flint project does not need: the other languages' tokenizers, the CSS and
 * HTML language services, and the LSP client. Its editor features (suggest, hover, find, folding...) all stay.
 */
function monacoFeatures(): string {
  return readFileSync(join(MONACO, 'editor/editor.main.js'), 'utf8')
    .split('\n')
    .filter((line) => {
      const definition = /languages\/definitions\/([^/]+)\/register/.exec(line);
      if (definition) return LANGUAGES.includes(definition[1]);
      if (/languages\/features\/(css|html)\/register|monaco-lsp-client|export \{ index as lsp \}/.test(line)) return false;
      return !/^export \{ __src_languages_features_(css|html)_register_ts/.test(line);
    })
    .join('\n');
}

const monacoPlugin: esbuild.Plugin = {
  name: 'flint-monaco',
  setup(build) {
    build.onResolve({ filter: /^flint:monaco$/ }, () => ({ path: 'monaco', namespace: 'flint' }));
    build.onLoad({ filter: /.*/, namespace: 'flint' }, () => ({
      contents: monacoFeatures(),
      resolveDir: join(MONACO, 'editor'),
      loader: 'js',
    }));
  },
};

export interface EditorBuild {
  /** Every file written, with its size in bytes, under outDir. */
  files: Record<string, number>;
  totalBytes: number;
}

export async function buildEditor(outDir = join(ROOT, 'dist/editor')): Promise<EditorBuild> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const common = { bundle: true, minify: true, target: 'es2022', logLevel: 'silent', legalComments: 'none' } as const;
  await esbuild.build({
    ...common,
    entryPoints: [join(ROOT, 'editor/main.ts')],
    outdir: outDir,
    format: 'esm',
    splitting: true,
    platform: 'browser',
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    loader: { '.ttf': 'file' },
    plugins: [monacoPlugin],
  });
  await esbuild.build({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(WORKERS).map(([name, path]) => [name, join(MONACO, path)])),
    outdir: outDir,
    format: 'iife',
    platform: 'browser',
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(ROOT, 'editor', file), join(outDir, file));
  compressAll(outDir);
  const files: Record<string, number> = {};
  for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files[relative(outDir, path)] = statSync(path).size;
    }
  return { files, totalBytes: Object.values(files).reduce((a, b) => a + b, 0) };
}

/** Smaller files gain too little from compression to be worth a second copy. */
const MIN_COMPRESSED_BYTES = 1024;

/**
 * Writes `<file>.gz` beside every text file and font, compressed once at build time, for browsers that accept gzip
 * (api/editor-routes.ts serves it): the TypeScript worker goes from 6.8 MiB to about 1.6 MiB on the wire, and the
 * gateway spends no CPU compressing at request time.
 */
function compressAll(outDir: string): void {
  for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(js|css|html|ttf)$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = readFileSync(path);
    if (bytes.length >= MIN_COMPRESSED_BYTES) writeFileSync(`${path}.gz`, gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }));
  }
}

if (import.meta.main) {
  const built = await buildEditor();
  process.stdout.write(`dist/editor: ${Object.keys(built.files).length} files, ${(built.totalBytes / 1024 / 1024).toFixed(1)} MiB\n`);
}
