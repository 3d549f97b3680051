/**
 * The seam between the tag system (engine/tags) and what follows tag values from outside a script: session bindings
 * (engine/sessions) and gateway tag-change scripts. The tag system implements it; the others only read through it.
 */

/** A tag's value as scripts and clients see it: value, quality (name and numeric code) and timestamp (ms since epoch). */
export interface QualifiedValue {
  value: unknown;
  /** The quality's name, for example `Good`, `Bad_NotFound`, `Error_InvalidPathSyntax`. */
  quality: string;
  /** The quality's numeric code, as the quality names are usually numbered. */
  qualityCode: number;
  timestamp: number;
}

/** One change of one tag, delivered to subscribers in the order the writes were applied. */
export interface TagChange {
  /** The canonical path, `[provider]Folder/Tag`. */
  path: string;
  value: QualifiedValue;
  /** The value before this change; undefined when the tag has just been created. */
  previous: QualifiedValue | undefined;
}

export interface TagFeed {
  /**
   * The canonical path of a path as a script or client wrote it (`[provider]` optional, then `defaultProvider`), or
   * undefined when it is not valid tag path syntax.
   */
  canonicalPath(path: string, defaultProvider: string): string | undefined;
  /** Current values, one per path, in order; a missing or invalid path gives a value with a Bad/Error quality. */
  read(paths: readonly string[], defaultProvider: string): QualifiedValue[];
  /**
   * Calls `listener` with each later change of any of the paths (canonical or not), once per change, in order.
   * Returns the function that unsubscribes. A listener that throws does not stop the others.
   */
  subscribe(paths: readonly string[], defaultProvider: string, listener: (change: TagChange) => void): () => void;
}
