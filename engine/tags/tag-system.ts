import type { Logger } from '../logging/logger.ts';
import { convert } from './data-types.ts';
import type { FolderDef, ProviderDefs, TagDef, TagNode } from './definitions.ts';
import type { QualifiedValue, TagChange, TagFeed } from './feed.ts';
import { formatTagPath, parseTagPath, tagKey, type TagPath } from './paths.ts';
import { quality, qualityName, QUALITIES, type Quality, type QualityName } from './quality.ts';
import type { StoredValue, TagValueStore } from './value-store.ts';

/** One entry of a browse: a folder or a tag directly under the browsed folder (or under it, when recursive). */
export interface BrowseEntry {
  name: string;
  fullPath: string;
  tagType: 'Folder' | 'AtomicTag';
  dataType: string | null;
  hasChildren: boolean;
}

export interface BrowseFilter {
  /** A name pattern: `*` matches any run of characters, `?` one; case-insensitive. */
  name?: string;
  tagType?: 'Folder' | 'AtomicTag';
  /** Also everything below the folders found. */
  recursive?: boolean;
}

export interface BrowseResults extends Quality {
  results: BrowseEntry[];
}

interface Subscriber {
  /** The path as the subscriber gets it in each change: canonical, with its property. */
  path: string;
  parsed: TagPath;
  listener: (change: TagChange) => void;
}

interface Current {
  value: unknown;
  qualityCode: number;
  timestamp: number;
}

/** Parsed paths kept at most; past it the cache starts over (a script inventing paths cannot grow it without bound). */
const PATH_CACHE_SIZE = 10_000;

const bad = (name: QualityName, timestamp = Date.now()): QualifiedValue => ({ value: null, ...quality(name), timestamp });

/**
 * The gateway's tags (issue 12): the providers from the definitions files, the current value of every defined tag
 * in memory (loaded from the store at start), reads, writes and change subscriptions. Every project reads and writes
 * every provider (docs/tags.md). A write is persisted in one transaction before it is applied and acknowledged, and
 * writes are applied in the order they were made, so subscribers see each change once, in that order.
 */
export class TagSystem implements TagFeed {
  private readonly store: TagValueStore;
  private readonly logger: Logger;
  private readonly providers = new Map<string, ProviderDefs>();
  /** Every stored value, defined or not, by tag key: what a tag gets back when it is defined again. */
  private readonly stored = new Map<string, StoredValue>();
  /** The value of every defined tag, by tag key. */
  private readonly current = new Map<string, Current>();
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  /** Parsed paths by default provider and path: scripts write the same paths again and again (bench/tags.ts). */
  private readonly parsedPaths = new Map<string, TagPath | undefined>();
  /** The tail of the write queue: each batch starts when the one before it has been applied. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(store: TagValueStore, logger: Logger) {
    this.store = store;
    this.logger = logger;
  }

  /** Loads the stored values; call before the first definitions arrive. */
  async load(): Promise<void> {
    for (const row of await this.store.loadAll()) this.stored.set(tagKey(row.provider, row.path.split('/')), row);
  }

  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.store.close();
  }

  providerNames(): string[] {
    return [...this.providers.keys()].sort();
  }

  /** Replaces one provider's definitions (undefined: the provider is gone); tags created, removed or changed are changes. */
  setProvider(name: string, defs: ProviderDefs | undefined): void {
    const oldDefs = definedTags(name, this.providers.get(name));
    const newDefs = definedTags(name, defs);
    if (defs) this.providers.set(name, defs);
    else this.providers.delete(name);
    const now = Date.now();
    for (const [key, oldTag] of oldDefs) {
      if (newDefs.has(key)) continue;
      const previous = this.current.get(key)!;
      this.current.delete(key);
      this.emit(key, { value: null, qualityCode: QUALITIES.Bad_NotFound, timestamp: now }, undefined, previous, oldTag);
    }
    for (const [key, tag] of newDefs) {
      const previous = this.current.get(key);
      let next = this.valueFor(key, tag);
      if (previous && next.value === previous.value && next.qualityCode === previous.qualityCode) next = previous;
      this.current.set(key, next);
      if (next !== previous) this.emit(key, next, tag, previous, oldDefs.get(key));
    }
  }

  canonicalPath(path: string, defaultProvider: string): string | undefined {
    const parsed = parseTagPath(path, defaultProvider);
    return parsed && parsed.segments.length > 0 ? formatTagPath(parsed) : undefined;
  }

  read(paths: readonly string[], defaultProvider: string): QualifiedValue[] {
    return paths.map((path) => {
      const parsed = this.parse(path, defaultProvider);
      return parsed ? this.readParsed(parsed) : bad('Error_InvalidPathSyntax');
    });
  }

  /**
   * Writes values, one per path, and resolves to one quality per path once the accepted ones are durable and applied:
   * Good, or why a path was refused (Error_InvalidPathSyntax, Bad_NotFound, Bad_ReadOnly, Error_TypeConversion,
   * Bad_Unsupported for a folder or a property other than the value). Past `timeoutMs` the accepted paths get
   * Error_TimeoutExpired, and their write may still be applied after.
   */
  async write(paths: readonly string[], values: readonly unknown[], defaultProvider: string, timeoutMs = 45_000): Promise<Quality[]> {
    if (paths.length !== values.length) throw new Error(`${paths.length} paths and ${values.length} values: one value per path`);
    const results: Quality[] = [];
    const rows: StoredValue[] = [];
    const keys: string[] = [];
    const accepted: number[] = [];
    const timestamp = Date.now();
    paths.forEach((path, i) => {
      const parsed = this.parse(path, defaultProvider);
      const node = parsed && this.node(parsed);
      let refusal: QualityName | undefined;
      if (!parsed) refusal = 'Error_InvalidPathSyntax';
      else if (!node) refusal = 'Bad_NotFound';
      else if (node.kind === 'folder' || (parsed.property && parsed.property !== 'Value')) refusal = 'Bad_Unsupported';
      else if (node.readOnly) refusal = 'Bad_ReadOnly';
      if (refusal || !parsed || node?.kind !== 'tag') return void results.push(quality(refusal ?? 'Bad'));
      const converted = convert(node.dataType, values[i]);
      if (!converted.ok) return void results.push(quality('Error_TypeConversion'));
      results.push(quality('Good'));
      accepted.push(i);
      keys.push(tagKey(parsed.provider, parsed.segments));
      rows.push({
        provider: parsed.provider,
        path: parsed.segments.join('/'),
        value: converted.value,
        qualityCode: QUALITIES.Good,
        timestamp,
      });
    });
    if (rows.length === 0) return results;
    const done = this.enqueue(rows, keys);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const outcome = await Promise.race([done, timedOut]);
      if (outcome === 'timeout') for (const i of accepted) results[i] = quality('Error_TimeoutExpired');
    } catch (error) {
      this.logger.error(`tag write of ${rows.length} values failed in the store: ${(error as Error).message}`);
      for (const i of accepted) results[i] = quality('Bad_Failure');
    } finally {
      clearTimeout(timer);
    }
    return results;
  }

  exists(path: string, defaultProvider: string): boolean {
    const parsed = this.parse(path, defaultProvider);
    return parsed !== undefined && this.node(parsed) !== undefined;
  }

  browse(path: string, defaultProvider: string, filter: BrowseFilter = {}): BrowseResults {
    const parsed = parseTagPath(path, defaultProvider);
    if (!parsed || parsed.property) return { ...quality('Error_InvalidPathSyntax'), results: [] };
    const node = this.node(parsed);
    if (!node) return { ...quality('Bad_NotFound'), results: [] };
    if (node.kind !== 'folder') return { ...quality('Bad_Unsupported'), results: [] };
    const results: BrowseEntry[] = [];
    const pattern = filter.name === undefined ? undefined : globPattern(filter.name);
    const visit = (folder: FolderDef, segments: string[]) => {
      for (const child of folder.children.values()) {
        const childSegments = [...segments, child.name];
        const tagType = child.kind === 'folder' ? 'Folder' : 'AtomicTag';
        if ((!pattern || pattern.test(child.name)) && (!filter.tagType || filter.tagType === tagType))
          results.push({
            name: child.name,
            fullPath: tagKey(parsed.provider, childSegments),
            tagType,
            dataType: child.kind === 'tag' ? child.dataType : null,
            hasChildren: child.kind === 'folder' && child.children.size > 0,
          });
        if (filter.recursive && child.kind === 'folder') visit(child, childSegments);
      }
    };
    visit(node, parsed.segments);
    return { ...quality('Good'), results };
  }

  subscribe(paths: readonly string[], defaultProvider: string, listener: (change: TagChange) => void): () => void {
    const added: [string, Subscriber][] = [];
    for (const path of paths) {
      const parsed = parseTagPath(path, defaultProvider);
      if (!parsed || parsed.segments.length === 0) continue; // never a tag: nothing will ever change there
      const key = tagKey(parsed.provider, parsed.segments);
      const subscriber = { path: formatTagPath(parsed), parsed, listener };
      let set = this.subscribers.get(key);
      if (!set) this.subscribers.set(key, (set = new Set()));
      set.add(subscriber);
      added.push([key, subscriber]);
    }
    return () => {
      for (const [key, subscriber] of added) {
        const set = this.subscribers.get(key);
        set?.delete(subscriber);
        if (set?.size === 0) this.subscribers.delete(key);
      }
    };
  }

  /** Persists one batch after the batches before it, then applies it; resolves when it is applied. */
  private enqueue(rows: StoredValue[], keys: string[]): Promise<void> {
    const done = this.writing
      .catch(() => undefined)
      .then(async () => {
        await this.store.writeBatch(rows);
        for (let i = 0; i < rows.length; i++) this.apply(rows[i], keys[i]);
      });
    this.writing = done;
    return done;
  }

  private apply(row: StoredValue, key: string): void {
    this.stored.set(key, row);
    const previous = this.current.get(key);
    if (!previous) return; // undefined since the write was accepted: kept in the store for when it comes back
    const next = { value: row.value, qualityCode: row.qualityCode, timestamp: row.timestamp };
    this.current.set(key, next);
    if (!this.subscribers.has(key)) return;
    const tag = this.node({ provider: row.provider, segments: row.path.split('/'), property: undefined }) as TagDef;
    this.emit(key, next, tag, previous, tag);
  }

  /** A defined tag's value: the stored one converted to its data type (which may have changed), else its initial value. */
  private valueFor(key: string, tag: TagDef): Current {
    const stored = this.stored.get(key);
    if (stored) {
      const converted = convert(tag.dataType, stored.value);
      if (converted.ok) return { value: converted.value, qualityCode: stored.qualityCode, timestamp: stored.timestamp };
    }
    return { value: tag.initial, qualityCode: QUALITIES.Good, timestamp: Date.now() };
  }

  private parse(path: string, defaultProvider: string): TagPath | undefined {
    const cacheKey = `${defaultProvider}\u0000${path}`;
    if (this.parsedPaths.has(cacheKey)) return this.parsedPaths.get(cacheKey);
    const parsed = parseTagPath(path, defaultProvider);
    if (this.parsedPaths.size >= PATH_CACHE_SIZE) this.parsedPaths.clear();
    this.parsedPaths.set(cacheKey, parsed);
    return parsed;
  }

  private node(path: TagPath): TagNode | undefined {
    let node: TagNode | undefined = this.providers.get(path.provider)?.root;
    for (const segment of path.segments) node = node?.kind === 'folder' ? node.children.get(segment) : undefined;
    return node;
  }

  private readParsed(path: TagPath): QualifiedValue {
    const node = this.node(path);
    if (!node) return bad('Bad_NotFound');
    if (node.kind === 'folder') {
      if (path.property === 'Name') return { value: node.name, ...quality('Good'), timestamp: Date.now() };
      if (path.property === 'Documentation') return { value: node.documentation, ...quality('Good'), timestamp: Date.now() };
      return bad('Bad_Unsupported');
    }
    const current = this.current.get(tagKey(path.provider, path.segments))!;
    return project(path, node, current);
  }

  /** Tells the subscribers of one tag; `nextTag`/`previousTag` are its definitions after and before (undefined: none). */
  private emit(
    key: string,
    next: Current,
    nextTag: TagDef | undefined,
    previous: Current | undefined,
    previousTag: TagDef | undefined,
  ): void {
    const subscribers = this.subscribers.get(key);
    if (!subscribers) return;
    for (const subscriber of [...subscribers]) {
      const at = subscriber.parsed;
      const change: TagChange = {
        path: subscriber.path,
        value: nextTag ? project(at, nextTag, next) : qualified(next),
        previous: previous && (previousTag ? project(at, previousTag, previous) : qualified(previous)),
      };
      try {
        subscriber.listener(change);
      } catch (error) {
        this.logger.error(`a tag change listener of ${subscriber.path} failed: ${(error as Error).message}`);
      }
    }
  }
}

function qualified(current: Current): QualifiedValue {
  return {
    value: current.value,
    quality: qualityName(current.qualityCode),
    qualityCode: current.qualityCode,
    timestamp: current.timestamp,
  };
}

/** A tag's value as the path asks for it: the value itself, or one of its properties (with the value's quality and time). */
function project(path: TagPath, tag: TagDef, current: Current): QualifiedValue {
  const value = qualified(current);
  switch (path.property) {
    case undefined:
    case 'Value':
      return value;
    case 'Quality':
      return { ...value, value: value.quality, ...quality('Good') };
    case 'Timestamp':
      return { ...value, value: new Date(current.timestamp).toISOString(), ...quality('Good') };
    case 'DataType':
      return { ...value, value: tag.dataType, ...quality('Good') };
    case 'Name':
      return { ...value, value: tag.name, ...quality('Good') };
    case 'Documentation':
      return { ...value, value: tag.documentation, ...quality('Good') };
    case 'ReadOnly':
      return { ...value, value: tag.readOnly, ...quality('Good') };
  }
}

/** A provider's tags by tag key. */
function definedTags(provider: string, defs: ProviderDefs | undefined): Map<string, TagDef> {
  const tags = new Map<string, TagDef>();
  if (defs) for (const [segments, tag] of tagsOf(defs.root, [])) tags.set(tagKey(provider, segments), tag);
  return tags;
}

function* tagsOf(folder: FolderDef, segments: string[]): Generator<[string[], TagDef]> {
  for (const child of folder.children.values()) {
    if (child.kind === 'tag') yield [[...segments, child.name], child];
    else yield* tagsOf(child, [...segments, child.name]);
  }
}

function globPattern(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}
