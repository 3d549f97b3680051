import { BUS } from './bus/declaration.ts';
import { DB } from './db/declaration.ts';
import { composeApi } from './define.ts';
import { PERSPECTIVE } from './perspective/declaration.ts';
import { TAG } from './tag/declaration.ts';
import { UTIL } from './util/declaration.ts';

/**
 * THE system.* API: the declarations of every service (one per namespace), composed. Everything else (in-isolate
 * stubs, validation, docs/system.d.ts, docs/reference.md, the host dispatch table) is derived from it; a test fails
 * when the generated files or the implementations (engine/system/services.ts) disagree. Bundled into the sandbox
 * host, so only declarations are imported here.
 */
export const API = composeApi([UTIL, PERSPECTIVE, TAG, DB, BUS]);
