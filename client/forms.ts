/// <reference lib="dom" />
/**
 * The Form Submission Manager of the client (seeds/002): every submission gets an id and is kept in durable storage
 * until the gateway has answered it; while the gateway cannot be reached it is sent again, with growing waits, marked
 * `retry`; the gateway runs its script at most once per id and answers a repeat with the stored response. Storage is
 * IndexedDB in browsers (`IndexedDbFormStorage`) or a file in Node (`FileFormStorage`).
 */

/** The response of a form submission script, as the user is shown it. */
export interface FormResponse {
  success: boolean;
  title?: string;
  message?: string;
  fieldErrors?: Record<string, { title?: string; message?: string }>;
}

/** A submission not answered yet, as it is stored. */
export interface PendingSubmission {
  submissionId: string;
  name: string;
  data: Record<string, unknown>;
  formContext: Record<string, unknown>;
  sessionContext: Record<string, unknown>;
  /** Whether it was sent before (so the next send is a retry). */
  sent: boolean;
}

/** Where pending submissions survive a reload or a restart of the client. */
export interface FormStorage {
  load(): Promise<PendingSubmission[]>;
  put(submission: PendingSubmission): Promise<void>;
  remove(submissionId: string): Promise<void>;
}

/** What the manager sends with: the session's `submitForm` call. */
export type SubmitFn = (submission: PendingSubmission & { retry: boolean }) => Promise<FormResponse>;

/** Errors after which the submission is sent again: the connection, not the submission, failed. */
const RETRIED = new Set(['UNAVAILABLE', 'QUOTA_EXCEEDED', 'PROJECT_UNAVAILABLE', 'TIMEOUT']);

export class FormSubmissionManager {
  private readonly storage: FormStorage;
  private readonly submit: SubmitFn;
  private readonly waiting = new Map<string, { resolve: (r: FormResponse) => void; reject: (e: Error) => void }>();
  private readonly responseListeners = new Set<(submissionId: string, response: FormResponse) => void>();
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private stopped = false;

  constructor(storage: FormStorage, submit: SubmitFn, options: { retryDelayMs?: number; maxRetryDelayMs?: number } = {}) {
    this.storage = storage;
    this.submit = submit;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  }

  /** Sends the submissions a previous run left unanswered (after a reload or a restart); their answers go to onResponse. */
  async resume(): Promise<number> {
    const pending = await this.storage.load();
    for (const submission of pending) void this.deliver(submission).catch(() => undefined);
    return pending.length;
  }

  /** Submits a form: resolves with its response once the gateway has answered, however long the gateway is away. */
  async submitForm(
    name: string,
    data: Record<string, unknown>,
    formContext: Record<string, unknown> = {},
    sessionContext: Record<string, unknown> = {},
  ): Promise<FormResponse> {
    const submission: PendingSubmission = { submissionId: newId(), name, data, formContext, sessionContext, sent: false };
    await this.storage.put(submission);
    return this.deliver(submission);
  }

  /** Every response, also of submissions resumed from storage. */
  onResponse(listener: (submissionId: string, response: FormResponse) => void): () => void {
    this.responseListeners.add(listener);
    return () => this.responseListeners.delete(listener);
  }

  async pending(): Promise<PendingSubmission[]> {
    return this.storage.load();
  }

  /** Stops retrying (the submissions stay stored for the next manager). */
  stop(): void {
    this.stopped = true;
  }

  private deliver(submission: PendingSubmission): Promise<FormResponse> {
    return new Promise<FormResponse>((resolve, reject) => {
      this.waiting.set(submission.submissionId, { resolve, reject });
      void this.attempt(submission, this.retryDelayMs);
    });
  }

  private async attempt(submission: PendingSubmission, delay: number): Promise<void> {
    const done = this.waiting.get(submission.submissionId);
    if (this.stopped || !done) return;
    const retry = submission.sent;
    if (!submission.sent) {
      submission.sent = true;
      await this.storage.put(submission);
    }
    try {
      const response = await this.submit({ ...submission, retry });
      await this.storage.remove(submission.submissionId);
      this.waiting.delete(submission.submissionId);
      for (const listener of this.responseListeners) listener(submission.submissionId, response);
      done.resolve(response);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (!RETRIED.has(code)) {
        // The gateway refused the submission itself (no such script, bad data): it will not succeed later.
        await this.storage.remove(submission.submissionId);
        this.waiting.delete(submission.submissionId);
        done.reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      setTimeout(() => void this.attempt(submission, Math.min(delay * 2, this.maxRetryDelayMs)), delay);
    }
  }
}

function newId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Pending submissions in one IndexedDB object store of the browser (database `flint-forms`). */
export class IndexedDbFormStorage implements FormStorage {
  private readonly db: Promise<IDBDatabase>;

  constructor(name = 'flint-forms') {
    this.db = new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore('pending', { keyPath: 'submissionId' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
    });
  }

  async load(): Promise<PendingSubmission[]> {
    return this.run('readonly', (store) => store.getAll()) as Promise<PendingSubmission[]>;
  }

  async put(submission: PendingSubmission): Promise<void> {
    await this.run('readwrite', (store) => store.put(submission));
  }

  async remove(submissionId: string): Promise<void> {
    await this.run('readwrite', (store) => store.delete(submissionId));
  }

  private async run(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest): Promise<unknown> {
    const db = await this.db;
    return new Promise((resolve, reject) => {
      const tx = db.transaction('pending', mode, { durability: 'strict' });
      const request = op(tx.objectStore('pending'));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
  }
}

/** The file functions FileFormStorage needs (pass `await import('node:fs/promises')`: the SDK imports no Node module). */
export interface FileSystem {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, text: string, options?: { flush?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

/** Pending submissions in a JSON file, rewritten whole through a temporary file and a rename (never half written). */
export class FileFormStorage implements FormStorage {
  private readonly path: string;
  private readonly fs: FileSystem;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, fs: FileSystem) {
    this.path = path;
    this.fs = fs;
  }

  async load(): Promise<PendingSubmission[]> {
    try {
      return JSON.parse(await this.fs.readFile(this.path, 'utf8')) as PendingSubmission[];
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw error;
    }
  }

  put(submission: PendingSubmission): Promise<void> {
    return this.change((all) => [...all.filter((s) => s.submissionId !== submission.submissionId), submission]);
  }

  remove(submissionId: string): Promise<void> {
    return this.change((all) => all.filter((s) => s.submissionId !== submissionId));
  }

  private change(edit: (all: PendingSubmission[]) => PendingSubmission[]): Promise<void> {
    const next = this.queue.then(async () => {
      const text = JSON.stringify(edit(await this.load()));
      const temp = `${this.path}.tmp`;
      await this.fs.writeFile(temp, text, { flush: true });
      await this.fs.rename(temp, this.path);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
