import { FlintError } from '../../errors.ts';
import type { BrowseFilter, TagSystem } from '../../tags/tag-system.ts';
import { defineService } from '../service.ts';
import { TAG } from './declaration.ts';

/** What system.tag needs of the gateway: the tag system, and each project's default provider (project.json). */
export interface TagDeps {
  tags: Pick<TagSystem, 'read' | 'write' | 'browse' | 'exists'>;
  defaultProvider: (project: string) => string;
}

const FILTER_KEYS = ['name', 'tagType', 'recursive'];

/** The browse filter, checked key by key: a misspelt key would otherwise silently browse everything. */
function browseFilter(raw: Record<string, unknown>): BrowseFilter {
  const where = 'system.tag.browse: argument 2 "filter"';
  for (const key of Object.keys(raw))
    if (!FILTER_KEYS.includes(key))
      throw new FlintError('BAD_ARGUMENT', `${where} has an unknown key "${key}"; allowed: ${FILTER_KEYS.join(', ')}`);
  const { name, tagType, recursive } = raw;
  if (name !== undefined && (typeof name !== 'string' || name.length > 200))
    throw new FlintError('BAD_ARGUMENT', `${where}.name must be a name pattern (a string of at most 200 characters)`);
  if (tagType !== undefined && tagType !== 'Folder' && tagType !== 'AtomicTag')
    throw new FlintError('BAD_ARGUMENT', `${where}.tagType must be "Folder" or "AtomicTag"; received ${JSON.stringify(tagType)}`);
  if (recursive !== undefined && typeof recursive !== 'boolean')
    throw new FlintError('BAD_ARGUMENT', `${where}.recursive must be true or false`);
  return { name, tagType, recursive };
}

function sameLength(fn: string, paths: unknown[], values: unknown[]): void {
  if (paths.length !== values.length)
    throw new FlintError(
      'BAD_ARGUMENT',
      `system.tag.${fn}: argument 2 "values" must have one value per path; received ${values.length} values for ${paths.length} paths`,
    );
}

/** system.tag.*: arguments arrive validated against declaration.ts; per-path failures are qualities, not errors. */
export const tagService = defineService<TagDeps>(TAG, {
  'tag.readBlocking': ({ caller, deps }, [tagPaths]) => deps.tags.read(tagPaths as string[], deps.defaultProvider(caller.project)),
  'tag.writeBlocking': ({ caller, deps }, [tagPaths, values, timeout]) => {
    sameLength('writeBlocking', tagPaths as string[], values as unknown[]);
    return deps.tags.write(tagPaths as string[], values as unknown[], deps.defaultProvider(caller.project), timeout as number);
  },
  'tag.readForCallback': ({ caller, deps }, [tagPaths]) => deps.tags.read(tagPaths as string[], deps.defaultProvider(caller.project)),
  'tag.writeForCallback': ({ caller, deps }, [tagPaths, values]) => {
    sameLength('writeAsync', tagPaths as string[], values as unknown[]);
    return deps.tags.write(tagPaths as string[], values as unknown[], deps.defaultProvider(caller.project));
  },
  'tag.browse': ({ caller, deps }, [path, filter]) =>
    deps.tags.browse(path as string, deps.defaultProvider(caller.project), browseFilter(filter as Record<string, unknown>)),
  'tag.exists': ({ caller, deps }, [tagPath]) => deps.tags.exists(tagPath as string, deps.defaultProvider(caller.project)),
});
