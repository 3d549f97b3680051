// `npm run generate`: writes docs/system.d.ts and docs/reference.md from the declarations, and the generated sections of
// README.md, docs/projects.md and docs/protocol.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { API } from './api.ts';
import { generateDts } from './generate-dts.ts';
import { generateReference } from './generate-docs.ts';
import { GENERATED_FILES, GENERATED_SECTIONS, withSection } from './generated-files.ts';

writeFileSync(GENERATED_FILES.dts, generateDts(API));
writeFileSync(GENERATED_FILES.reference, generateReference(API));
for (const section of GENERATED_SECTIONS)
  writeFileSync(section.file, withSection(readFileSync(section.file, 'utf8'), section.name, section.content()));
process.stdout.write(
  `wrote ${[GENERATED_FILES.dts, GENERATED_FILES.reference, ...new Set(GENERATED_SECTIONS.map((s) => s.file))].join(', ')}\n`,
);
