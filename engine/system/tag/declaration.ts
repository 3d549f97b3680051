import type { ParamDecl, ServiceDecl } from '../define.ts';

/**
 * system.tag.*: reading, writing and browsing the gateway's tags (issue 12 item 2; engine/tags, docs/tags.md).
 * Parameters in Ignition's order. A path that is wrong in itself (bad syntax, missing, read-only, wrong type) is a
 * quality code in the result for that path, never an exception for the whole call; only arguments of the wrong shape
 * throw BAD_ARGUMENT. The implementation is beside it in service.ts; this file is also bundled into every sandbox, so
 * it imports nothing.
 */
const TAG_PATHS: ParamDecl = {
  name: 'tagPaths',
  type: { type: 'array', items: { type: 'string', maxLength: 2000 } },
  doc: "Tag paths: `[provider]Folder/Tag`, the provider optional (then the project's `defaultTagProvider`), with an optional `.Property` suffix (Value, Quality, Timestamp, DataType, Name, Documentation, ReadOnly).",
};
const VALUES: ParamDecl = {
  name: 'values',
  type: { type: 'array', items: { type: 'json' } },
  doc: "The values to write, one per path, converted to each tag's data type.",
};
const TIMEOUT: ParamDecl = {
  name: 'timeout',
  type: { type: 'number', min: 0, max: 3_600_000 },
  optional: true,
  default: 45_000,
  doc: 'Milliseconds to wait. A write not yet durable by then gives Error_TimeoutExpired for its paths (it may still be applied). The handler timeout bounds the wait too.',
};

export const TAG: ServiceDecl = {
  namespace: 'tag',
  functions: [
    {
      name: 'tag.readBlocking',
      mode: 'sync',
      params: [TAG_PATHS, TIMEOUT],
      returns: 'QualifiedValue[]',
      result: { type: 'array', items: { type: 'object' } },
      doc: 'Reads tags and returns one qualified value per path, in order: the value (or the property asked for), its quality and timestamp. A path that is invalid or names no tag gives a null value with quality Error_InvalidPathSyntax or Bad_NotFound. A blocking call (no `await`).',
    },
    {
      name: 'tag.writeBlocking',
      mode: 'sync',
      params: [TAG_PATHS, VALUES, TIMEOUT],
      returns: 'QualityCode[]',
      result: { type: 'array', items: { type: 'object' } },
      doc: 'Writes one value per path and returns one quality per path, in order: Good once the value is durable (it survives a crash of the gateway) and applied, or Error_InvalidPathSyntax, Bad_NotFound, Bad_ReadOnly, Error_TypeConversion, Bad_Unsupported (a folder, or a property other than the value). All accepted values of one call are written in one transaction. A blocking call (no `await`).',
    },
    {
      name: 'tag.readAsync',
      mode: 'prelude',
      params: [
        TAG_PATHS,
        {
          name: 'callback',
          type: { type: 'function', signature: '(values: QualifiedValue[]) => void' },
          doc: 'Called later, in this sandbox, with one qualified value per path.',
        },
      ],
      returns: 'void',
      doc: 'Reads tags like readBlocking without waiting: returns at once and calls `callback` with the values later. An error thrown by the callback is logged.',
    },
    {
      name: 'tag.writeAsync',
      mode: 'prelude',
      params: [
        TAG_PATHS,
        VALUES,
        {
          name: 'callback',
          type: { type: 'function', signature: '(qualities: QualityCode[]) => void' },
          optional: true,
          doc: 'Called later, in this sandbox, with one quality per path once the write is applied.',
        },
      ],
      returns: 'void',
      doc: 'Writes tags like writeBlocking without waiting: returns at once; the optional `callback` gets the qualities. Without a callback, paths that were refused are logged as a warning.',
    },
    {
      name: 'tag.readForCallback',
      mode: 'async',
      internal: true,
      params: [TAG_PATHS],
      returns: 'Promise<QualifiedValue[]>',
      result: { type: 'array', items: { type: 'object' } },
      doc: 'The host side of readAsync.',
    },
    {
      name: 'tag.writeForCallback',
      mode: 'async',
      internal: true,
      params: [TAG_PATHS, VALUES],
      returns: 'Promise<QualityCode[]>',
      result: { type: 'array', items: { type: 'object' } },
      doc: 'The host side of writeAsync.',
    },
    {
      name: 'tag.browse',
      mode: 'sync',
      params: [
        {
          name: 'path',
          type: { type: 'string', maxLength: 2000 },
          optional: true,
          default: '',
          doc: "The folder to browse: `[provider]Folder`, `[provider]` or `''` for a provider's root.",
        },
        {
          name: 'filter',
          type: { type: 'object' },
          optional: true,
          default: {},
          doc: '`name`: a pattern with `*` and `?` (case-insensitive); `tagType`: "Folder" or "AtomicTag"; `recursive`: true to include everything below.',
        },
      ],
      returns: 'BrowseResults',
      result: { type: 'object' },
      doc: "Lists the folders and tags in a folder. The result's quality is Good, or Error_InvalidPathSyntax, Bad_NotFound (no such folder) or Bad_Unsupported (a tag, not a folder), with no results.",
    },
    {
      name: 'tag.exists',
      mode: 'sync',
      params: [{ name: 'tagPath', type: { type: 'string', maxLength: 2000 }, doc: 'A tag or folder path.' }],
      returns: 'boolean',
      result: { type: 'boolean' },
      doc: 'Whether the path names a defined tag or folder (false for invalid path syntax).',
    },
  ],
  interfaces: [
    {
      name: 'QualifiedValue',
      doc: 'A tag value with its quality and timestamp.',
      members: [
        { signature: 'value: JsonValue', doc: 'The value (or the property read); null when the quality is not Good.' },
        { signature: 'quality: string', doc: 'The quality name, e.g. "Good", "Bad_NotFound" (docs/tags.md).' },
        { signature: 'qualityCode: number', doc: "The quality's numeric code, numbered as in Ignition 8 (Good is 192)." },
        { signature: 'timestamp: number', doc: 'When the value was written, in ms since 1970.' },
      ],
    },
    {
      name: 'QualityCode',
      doc: 'The outcome of writing one tag.',
      members: [
        { signature: 'quality: string', doc: 'The quality name: "Good" or why the write was refused.' },
        { signature: 'qualityCode: number', doc: 'Its numeric code.' },
      ],
    },
    {
      name: 'BrowseResults',
      doc: 'What system.tag.browse found.',
      members: [
        { signature: 'quality: string', doc: 'Good, or why the folder could not be browsed.' },
        { signature: 'qualityCode: number', doc: 'Its numeric code.' },
        { signature: 'results: BrowseEntry[]', doc: 'The folders and tags found.' },
      ],
    },
    {
      name: 'BrowseEntry',
      doc: 'One folder or tag in a browse.',
      members: [
        { signature: 'name: string', doc: 'Its name.' },
        { signature: 'fullPath: string', doc: 'Its canonical path, `[provider]Folder/Tag`.' },
        { signature: 'tagType: "Folder" | "AtomicTag"', doc: 'A folder or a tag.' },
        {
          signature: 'dataType: string | null',
          doc: "A tag's data type (Int, Float, Boolean, String, DateTime, Document); null for a folder.",
        },
        { signature: 'hasChildren: boolean', doc: 'A folder that holds something.' },
      ],
    },
  ],
};
