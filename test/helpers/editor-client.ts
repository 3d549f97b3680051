import type { RunningServer } from '../../api/server.ts';

export interface EditorAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of many shapes
  json: any;
}

/** A client of the editor API as the page is: a session cookie from the login, and the CSRF header on every write. */
export class EditorClient {
  readonly url: string;
  cookie = '';
  csrf = '';

  constructor(http: RunningServer) {
    this.url = http.url;
  }

  async login(body: Record<string, unknown>): Promise<EditorAnswer> {
    const answer = await this.send('POST', '/api/editor/login', body);
    const setCookie = answer.headers.get('set-cookie');
    if (answer.status === 200 && setCookie) {
      this.cookie = setCookie.split(';')[0];
      this.csrf = answer.json.csrf;
    }
    return answer;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<EditorAnswer> {
    return this.send('GET', path, undefined, headers);
  }

  /** A write with the session's cookie and CSRF token (override either through `headers`). */
  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<EditorAnswer> {
    return this.send('POST', path, body, { 'x-flint-csrf': this.csrf, ...headers });
  }

  file(project: string, path: string): Promise<EditorAnswer> {
    return this.get(`/api/editor/file?project=${encodeURIComponent(project)}&path=${encodeURIComponent(path)}`);
  }

  async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<EditorAnswer> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: response.status, headers: response.headers, json };
  }
}
