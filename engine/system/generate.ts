// `npm run generate`: writes docs/system.d.ts and docs/reference.md from the declarations.
import { writeFileSync } from 'node:fs';
import { API } from './api.ts';
import { generateDts } from './generate-dts.ts';
import { generateReference } from './generate-docs.ts';
import { GENERATED_FILES } from './generated-files.ts';

writeFileSync(GENERATED_FILES.dts, generateDts(API));
writeFileSync(GENERATED_FILES.reference, generateReference(API));
process.stdout.write(`wrote ${GENERATED_FILES.dts} and ${GENERATED_FILES.reference}\n`);
