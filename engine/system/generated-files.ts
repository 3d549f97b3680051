import { fileURLToPath } from 'node:url';
import { layoutTable } from '../catalogue/docs.ts';
import { protocolFrames } from '../sessions/protocol-docs.ts';
import { API } from './api.ts';
import { functionTable } from './generate-docs.ts';

const docPath = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));

/** Where the generated, committed files live. */
export const GENERATED_FILES = {
  dts: docPath('docs/system.d.ts'),
  reference: docPath('docs/reference.md'),
};

/** Parts of hand-written docs that are generated: the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
export const GENERATED_SECTIONS = [
  { file: docPath('README.md'), name: 'layout', content: layoutTable },
  { file: docPath('README.md'), name: 'system', content: () => functionTable(API) },
  { file: docPath('docs/projects.md'), name: 'layout', content: layoutTable },
  { file: docPath('docs/protocol.md'), name: 'frames', content: protocolFrames },
];

/** `text` with its generated section `name` replaced by `content`; throws when the markers are missing. */
export function withSection(text: string, name: string, content: string): string {
  const open = `<!-- generated:${name} (npm run generate) -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`the generated section "${name}" has lost its markers (${open} ... ${close})`);
  return `${text.slice(0, start + open.length)}\n${content}\n${text.slice(end)}`;
}
