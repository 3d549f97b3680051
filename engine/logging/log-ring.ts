import { levelRank, type LogLevel, type LogRecord } from './record.ts';

export interface LogQuery {
  project?: string;
  /** Only records at this level or above. */
  minLevel?: LogLevel;
  /** Only records with seq greater than this. */
  after?: number;
  limit?: number;
}

/** A bounded in-memory ring of the latest log records, queryable and subscribable (the editor's live log reads it). */
export class LogRing {
  private readonly records: LogRecord[] = [];
  private readonly listeners = new Set<(record: LogRecord) => void>();
  private readonly capacity: number;

  constructor(capacity = 5000) {
    this.capacity = capacity;
  }

  push(record: LogRecord): void {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    for (const listener of this.listeners) listener(record);
  }

  query(query: LogQuery = {}): LogRecord[] {
    const min = query.minLevel ? levelRank(query.minLevel) : 0;
    const matching = this.records.filter(
      (r) =>
        (query.after === undefined || r.seq > query.after) &&
        (query.project === undefined || r.project === query.project) &&
        levelRank(r.level) >= min,
    );
    return query.limit !== undefined ? matching.slice(-query.limit) : matching;
  }

  subscribe(listener: (record: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
