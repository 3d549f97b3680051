import type { Diagnostic } from '../compiler/diagnostics.ts';
import { isPlainObject, parseJsonFile } from '../projects/json-file.ts';
import { convert, DATA_TYPES, isDataType, type DataType } from './data-types.ts';
import { jsonPositions, type JsonPath } from './json-positions.ts';
import { TAG_NAME } from './paths.ts';

/**
 * One provider's tag definitions, from `<tagsDir>/<provider>.json` (issue 12 item 1): a tree of folders and memory
 * tags, written by hand or by a tool and kept in git, so the format is plain and diff-friendly: one object per node,
 * a folder has `tags`, a tag has `dataType`. docs/tags.md describes it.
 */
export interface TagDef {
  kind: 'tag';
  name: string;
  dataType: DataType;
  /** The value before the first write (converted to the data type); null when the file gives none. */
  initial: unknown;
  readOnly: boolean;
  documentation: string;
}

export interface FolderDef {
  kind: 'folder';
  name: string;
  documentation: string;
  children: Map<string, TagNode>;
}

export type TagNode = TagDef | FolderDef;

export interface ProviderDefs {
  name: string;
  root: FolderDef;
}

export type DefinitionsParse = { ok: true; provider: ProviderDefs } | { ok: false; diagnostics: Diagnostic[] };

const TAG_KEYS = ['name', 'dataType', 'value', 'readOnly', 'documentation'];
const FOLDER_KEYS = ['name', 'tags', 'documentation'];
/** Deeper trees are refused: a path stays short enough to read, and a crafted file cannot recurse without end. */
const MAX_DEPTH = 32;

/** Parses and validates one definitions file; every problem is reported with its line and column. */
export function parseDefinitions(text: string, displayPath: string, providerName: string): DefinitionsParse {
  const parsed = parseJsonFile(text, displayPath);
  if (!parsed.ok) return { ok: false, diagnostics: [parsed.diagnostic] };
  const at = jsonPositions(text);
  const diagnostics: Diagnostic[] = [];
  const problem = (path: JsonPath, message: string) => diagnostics.push({ file: displayPath, ...at(path), message, severity: 'error' });

  const raw = parsed.value;
  const root: FolderDef = { kind: 'folder', name: '', documentation: '', children: new Map() };
  if (!isPlainObject(raw)) problem([], 'a tag definitions file holds a JSON object: { "tags": [ ... ] }');
  else {
    const unknown = Object.keys(raw).filter((k) => k !== 'tags' && k !== 'documentation');
    for (const key of unknown) problem([key], `unknown key ${JSON.stringify(key)}; allowed at the top: tags, documentation`);
    if (typeof raw.documentation === 'string') root.documentation = raw.documentation;
    else if (raw.documentation !== undefined) problem(['documentation'], '"documentation" must be a string');
    folderChildren(raw.tags, ['tags'], root, 1);
  }
  return diagnostics.length ? { ok: false, diagnostics } : { ok: true, provider: { name: providerName, root } };

  function folderChildren(list: unknown, path: JsonPath, folder: FolderDef, depth: number): void {
    if (list === undefined) return;
    if (!Array.isArray(list)) return void problem(path, '"tags" must be an array of tags and folders');
    if (depth > MAX_DEPTH) return void problem(path, `folders are nested deeper than ${MAX_DEPTH} levels`);
    list.forEach((item, index) => {
      const node = nodeOf(item, [...path, index], depth);
      if (!node) return;
      if (folder.children.has(node.name))
        return void problem([...path, index, 'name'], `${JSON.stringify(node.name)} is defined twice in the same folder`);
      folder.children.set(node.name, node);
    });
  }

  function nodeOf(item: unknown, path: JsonPath, depth: number): TagNode | undefined {
    if (!isPlainObject(item))
      return void problem(path, 'each entry of "tags" is an object: a tag (with "dataType") or a folder (with "tags")');
    const isFolder = item.tags !== undefined;
    if (isFolder && item.dataType !== undefined)
      return void problem(path, 'an entry has either "tags" (a folder) or "dataType" (a tag), not both');
    if (!isFolder && item.dataType === undefined) return void problem(path, 'an entry needs "dataType" (a tag) or "tags" (a folder)');
    const allowed = isFolder ? FOLDER_KEYS : TAG_KEYS;
    let ok = true;
    for (const key of Object.keys(item).filter((k) => !allowed.includes(k))) {
      problem([...path, key], `unknown key ${JSON.stringify(key)} in a ${isFolder ? 'folder' : 'tag'}; allowed: ${allowed.join(', ')}`);
      ok = false;
    }
    const name = item.name;
    if (typeof name !== 'string' || !TAG_NAME.test(name)) {
      problem(
        [...path, 'name'],
        `"name" must be 1 to 128 letters, digits, _ - or spaces, starting with a letter, digit or _ (no "/" or "."); received ${JSON.stringify(name)}`,
      );
      ok = false;
    }
    const documentation = item.documentation ?? '';
    if (typeof documentation !== 'string') {
      problem([...path, 'documentation'], '"documentation" must be a string');
      ok = false;
    }
    if (isFolder) {
      const folder: FolderDef = { kind: 'folder', name: name as string, documentation: documentation as string, children: new Map() };
      folderChildren(item.tags, [...path, 'tags'], folder, depth + 1);
      return ok ? folder : undefined;
    }
    const dataType = item.dataType;
    if (!isDataType(dataType)) {
      problem([...path, 'dataType'], `"dataType" must be one of ${DATA_TYPES.join(', ')}; received ${JSON.stringify(dataType)}`);
      return undefined;
    }
    const readOnly = item.readOnly ?? false;
    if (typeof readOnly !== 'boolean') {
      problem([...path, 'readOnly'], '"readOnly" must be true or false');
      ok = false;
    }
    const initial = convert(dataType, item.value ?? null);
    if (!initial.ok) {
      problem([...path, 'value'], `"value" ${initial.message}`);
      ok = false;
    }
    if (!ok || !initial.ok) return undefined;
    return {
      kind: 'tag',
      name: name as string,
      dataType,
      initial: initial.value,
      readOnly: readOnly as boolean,
      documentation: documentation as string,
    };
  }
}

/** The provider name of a definitions file name (`default.json` → `default`), or undefined for a file that is not one. */
export function providerOfFile(fileName: string): string | undefined {
  if (!fileName.endsWith('.json') || fileName.startsWith('.')) return undefined;
  return fileName.slice(0, -'.json'.length);
}
