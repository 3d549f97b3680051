/**
 * Where tag values persist (issue 12 item 1): the seam between the tag system and a database. A write batch is one
 * transaction and is durable when its promise resolves, which is what lets writeBlocking acknowledge a write that
 * then survives `kill -9`. Implementations: sqlite-store.ts (the default, under the data folder) and
 * postgres-store.ts; test/contract/tag-store.contract.ts runs one suite against both.
 */
export interface StoredValue {
  provider: string;
  /** Folder and tag names joined with `/`, without the provider. */
  path: string;
  /** A JSON value. */
  value: unknown;
  qualityCode: number;
  /** ms since 1970. */
  timestamp: number;
}

export interface TagValueStore {
  /** Every stored value, of every provider, including tags no longer defined (their value waits for them). */
  loadAll(): Promise<StoredValue[]>;
  /** Writes the rows in one transaction; for a path given twice the last row wins. Resolves once it is durable. */
  writeBatch(rows: readonly StoredValue[]): Promise<void>;
  close(): Promise<void>;
}

/** The rows of a batch with one row per path, the last given: an upsert cannot touch one row twice in a statement. */
export function lastPerPath(rows: readonly StoredValue[]): StoredValue[] {
  const byKey = new Map<string, StoredValue>();
  for (const row of rows) {
    const key = `${row.provider}\u0000${row.path}`;
    byKey.delete(key);
    byKey.set(key, row);
  }
  return [...byKey.values()];
}
