import { fileURLToPath } from 'node:url';

/** Where the generated, committed files live. */
export const GENERATED_FILES = {
  dts: fileURLToPath(new URL('../../docs/system.d.ts', import.meta.url)),
  reference: fileURLToPath(new URL('../../docs/reference.md', import.meta.url)),
};
