import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openDurableSqlite } from '../durable-sqlite.ts';

/** What the gateway records of one form submission: `started` before its script runs, `done` with the response. */
export interface FormRecord {
  state: 'started' | 'done';
  response: FormResponse | undefined;
}

/** The answer to a form submission (seeds/002): what the client shows the user. */
export interface FormResponse {
  success: boolean;
  title?: string;
  message?: string;
  fieldErrors?: Record<string, { title?: string; message?: string }>;
}

/**
 * The form submissions the gateway has seen (`<dataDir>/forms.sqlite`, node:sqlite, WAL, synchronous=FULL): by
 * project and submission id, the submitted data, whether its script started and the response it gave. A submission is
 * recorded as started, durably, before its script runs, and its response, durably, before the client gets it; so the
 * same id never runs the script twice, across reconnects, retries and restarts.
 */
export class FormStore {
  private readonly db: DatabaseSync;
  private readonly select: StatementSync;
  private readonly insert: StatementSync;
  private readonly finish: StatementSync;
  private readonly remove: StatementSync;

  constructor(file: string) {
    this.db = openDurableSqlite(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS form_submissions (
      project TEXT NOT NULL,
      id TEXT NOT NULL,
      name TEXT NOT NULL,
      data TEXT NOT NULL,
      state TEXT NOT NULL,
      response TEXT,
      received_at INTEGER NOT NULL,
      PRIMARY KEY (project, id)
    ) WITHOUT ROWID`);
    this.select = this.db.prepare('SELECT state, response FROM form_submissions WHERE project = ? AND id = ?');
    this.insert = this.db.prepare(
      "INSERT INTO form_submissions (project, id, name, data, state, received_at) VALUES (?, ?, ?, ?, 'started', ?)",
    );
    this.remove = this.db.prepare("DELETE FROM form_submissions WHERE project = ? AND id = ? AND state = 'started'");
    this.finish = this.db.prepare("UPDATE form_submissions SET state = 'done', response = ? WHERE project = ? AND id = ?");
  }

  get(project: string, id: string): FormRecord | undefined {
    const row = this.select.get(project, id) as { state: FormRecord['state']; response: string | null } | undefined;
    if (!row) return undefined;
    return { state: row.state, response: row.response === null ? undefined : (JSON.parse(row.response) as FormResponse) };
  }

  /** Records a submission as started (committed before this returns). */
  start(project: string, id: string, name: string, data: unknown): void {
    this.insert.run(project, id, name, JSON.stringify(data), Date.now());
  }

  /** Records its response (committed before this returns). */
  done(project: string, id: string, response: FormResponse): void {
    this.finish.run(JSON.stringify(response), project, id);
  }

  /** Forgets a submission whose script never ran, so that its retry is processed. */
  forget(project: string, id: string): void {
    this.remove.run(project, id);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

/** What is wrong with a script's return value as a form response, or undefined. */
export function formResponseProblem(value: unknown): string | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) return 'a form submission script must return { success, title?, message?, fieldErrors? }';
  for (const key of Object.keys(value))
    if (!['success', 'title', 'message', 'fieldErrors'].includes(key)) return `the response has no field "${key}"`;
  if (typeof value.success !== 'boolean') return '"success" must be true or false';
  for (const key of ['title', 'message'] as const)
    if (value[key] !== undefined && (typeof value[key] !== 'string' || value[key].length > 10_000)) return `"${key}" must be a string`;
  if (value.fieldErrors === undefined) return undefined;
  if (!isObject(value.fieldErrors)) return '"fieldErrors" must map field names to { title?, message? }';
  for (const [field, error] of Object.entries(value.fieldErrors)) {
    if (!isObject(error) || Object.keys(error).some((k) => k !== 'title' && k !== 'message'))
      return `"fieldErrors.${field}" must be { title?, message? }`;
    for (const key of ['title', 'message'] as const)
      if (error[key] !== undefined && typeof error[key] !== 'string') return `"fieldErrors.${field}.${key}" must be a string`;
  }
  return undefined;
}
