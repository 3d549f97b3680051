// A raw client of the session protocol (docs/protocol.md) for tests that send what the SDK never would: every frame the
// gateway sent is kept in order, and the close code and reason once the socket closed.
import type { TestGateway } from './fixture.ts';
import { waitFor } from './wait-for.ts';

export interface Frame {
  v: number;
  type: string;
  id?: number;
  ok?: boolean;
  value?: unknown;
  error?: { code: string; message: string };
  code?: string;
  message?: string;
  [field: string]: unknown;
}

export class SessionSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly socket: WebSocket;
  private nextId = 1;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.onmessage = (event) => this.frames.push(JSON.parse(String(event.data)) as Frame);
    socket.onclose = (event) => (this.closed = { code: event.code, reason: event.reason });
  }

  /** A socket to the gateway's /session endpoint, open. */
  static async open(t: TestGateway): Promise<SessionSocket> {
    const http = await t.http();
    const socket = new WebSocket(`${http.url.replace('http', 'ws')}/session`);
    const opened = new SessionSocket(socket);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    return opened;
  }

  /** A socket with a new session on `project` (or the one `resume` names): its welcome. */
  static async session(t: TestGateway, project: string, resume?: { sessionId: string; resumeToken: string }) {
    const socket = await SessionSocket.open(t);
    const hello = resume ? { project, resumeSessionId: resume.sessionId, resumeToken: resume.resumeToken } : { project };
    socket.send({ type: 'hello', ...hello });
    const welcome = await socket.next((f) => f.type === 'welcome' || f.type === 'error');
    if (welcome.type !== 'welcome') throw new Error(`hello refused: ${welcome.code} ${welcome.message}`);
    return { socket, welcome: welcome as Frame & { sessionId: string; resumeToken: string; pages: unknown[]; custom: object } };
  }

  /** Sends a frame: an object gets `v: 1` unless it has a `v` of its own; a string or bytes go as they are. */
  send(frame: object | string | Uint8Array): void {
    if (typeof frame === 'string' || frame instanceof Uint8Array) this.socket.send(frame);
    else this.socket.send(JSON.stringify({ v: 1, ...frame }));
  }

  /** Sends a frame with a fresh id and resolves to its reply frame (rejects after `timeoutMs`). */
  async call(frame: object, timeoutMs = 5000): Promise<Frame> {
    const id = this.nextId++;
    const seen = this.frames.length;
    this.send({ ...frame, id });
    return this.next((f) => f.type === 'reply' && f.id === id, timeoutMs, seen);
  }

  /** The reply's value, or a thrown error naming its code. */
  async value(frame: object): Promise<unknown> {
    const reply = await this.call(frame);
    if (!reply.ok) throw Object.assign(new Error(reply.error?.message), { code: reply.error?.code });
    return reply.value;
  }

  /** The first frame from index `from` on that matches. */
  next(match: (frame: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    return waitFor(() => this.frames.slice(from).find(match), timeoutMs, 'a frame from the gateway') as Promise<Frame>;
  }

  /** Resolves once the gateway closed the socket, with the code and reason. */
  whenClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, timeoutMs, 'the socket to close') as Promise<{ code: number; reason: string }>;
  }

  of(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  close(): void {
    this.socket.close(1000, 'done');
  }
}
