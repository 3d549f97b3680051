import { isValidName } from '../names.ts';

/**
 * Tag paths as integrators write them: `[provider]Folder/Sub/Tag`, the provider optional (then the project's default
 * provider), and an optional `.Property` suffix (`[default]Line/Speed.Quality`). A tag or folder name has no `.` and
 * no `/`, so the first `.` always starts the property: there is no ambiguous path. Names are case-sensitive; property
 * names are not (`.value` is `.Value`).
 */
export const PROPERTIES = ['Value', 'Quality', 'Timestamp', 'DataType', 'Name', 'Documentation', 'ReadOnly'] as const;

export type Property = (typeof PROPERTIES)[number];

/** One tag or folder name: 1 to 128 letters, digits, `_ -` or spaces, starting with a letter, digit or `_`. */
export const TAG_NAME = /^[A-Za-z0-9_][A-Za-z0-9_ -]{0,127}$/;

export interface TagPath {
  provider: string;
  /** Folder names then the tag's; empty for the provider's root folder. */
  segments: string[];
  /** Undefined when the path has no suffix: the value. */
  property: Property | undefined;
}

const MAX_PATH_LENGTH = 2000;

/** The parts of a path, or undefined when it is not valid path syntax (Error_InvalidPathSyntax). */
export function parseTagPath(path: string, defaultProvider: string): TagPath | undefined {
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH) return undefined;
  let provider = defaultProvider;
  let rest = path;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return undefined;
    provider = rest.slice(1, close);
    rest = rest.slice(close + 1);
  }
  if (!isValidName(provider) || rest.includes('[') || rest.includes(']')) return undefined;
  let property: Property | undefined;
  const dot = rest.indexOf('.');
  if (dot >= 0) {
    const name = rest.slice(dot + 1).toLowerCase();
    property = PROPERTIES.find((p) => p.toLowerCase() === name);
    if (!property) return undefined;
    rest = rest.slice(0, dot);
  }
  const segments = rest === '' ? [] : rest.split('/');
  if (!segments.every((s) => TAG_NAME.test(s))) return undefined;
  if (property && segments.length === 0) return undefined;
  return { provider, segments, property };
}

/** `[provider]A/B` and, for a property other than the value, `.Property`. */
export function formatTagPath(path: TagPath): string {
  const suffix = path.property && path.property !== 'Value' ? `.${path.property}` : '';
  return `[${path.provider}]${path.segments.join('/')}${suffix}`;
}

/** The tag's own path (without a property), as a key: `[provider]A/B`. */
export function tagKey(provider: string, segments: readonly string[]): string {
  return `[${provider}]${segments.join('/')}`;
}
