import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildPreludeSource } from './host/prelude-source.ts';

let built: string | undefined;

/**
 * The sandbox host as one JavaScript file, with the prelude built in. Forking the TypeScript sources instead costs
 * every sandbox process Node's type stripper and esbuild (about 30 MB of its ~100 MB) and their start-up time.
 * Built once per gateway process into the temp folder, named by its content so concurrent gateways share it safely.
 */
export function sandboxHostScript(): string {
  if (built) return built;
  const ivmEntry = createRequire(import.meta.url).resolve('isolated-vm');
  const result = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL('./host/main.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    logLevel: 'silent',
    external: ['esbuild', 'isolated-vm'],
    define: { __FLINT_PRELUDE__: JSON.stringify(buildPreludeSource()) },
  });
  // The bundle lives in the temp folder, where `isolated-vm` would not resolve: import it by absolute path.
  const code = result.outputFiles[0].text.replace(/from "isolated-vm";/, () => `from ${JSON.stringify(ivmEntry)};`);
  if (!code.includes(ivmEntry)) throw new Error('sandbox host bundle: the isolated-vm import was not found');
  const path = join(tmpdir(), `flint-sandbox-host-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(path)) {
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, code);
    renameSync(temp, path);
  }
  built = path;
  return path;
}
