/** The editor API (`/api/editor/...`, api/editor-routes.ts) as the page calls it: JSON in and out, the CSRF token on every write. */

let csrf = '';

/** Set at login: every POST sends it in the `x-flint-csrf` header. */
export function setCsrf(token: string): void {
  csrf = token;
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: { code?: string; message?: string; version?: string | null };
  constructor(status: number, body: { code?: string; message?: string }) {
    super(body.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json', 'x-flint-csrf': csrf } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = (text ? JSON.parse(text) : {}) as T & { code?: string; message?: string };
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const fileUrl = (project: string, path: string) =>
  `/api/editor/file?project=${encodeURIComponent(project)}&path=${encodeURIComponent(path)}`;

export type { Diagnostic } from '../engine/editor/editor-wire.ts';
