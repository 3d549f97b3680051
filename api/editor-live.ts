import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { EditorFacade, FileChange, LiveLogFilter } from '../engine/editor-facade.ts';
import type { LogRecord } from '../engine/logging/record.ts';
import type { EditorAccess } from './editor-routes.ts';
import type { WebSocketRoute } from './websocket.ts';

export const EDITOR_LIVE_PATH = '/api/editor/live';

/** Records sent when a filter is set, at most (the log ring keeps 5000). */
const MAX_BACKLOG = 1000;
/** New records and file changes are sent together at most this often, so a chatty script costs one frame per tick. */
const BATCH_MS = 100;
/** Most records in one tick; the rest are counted as dropped, so a log storm cannot swamp the page. */
const MAX_RECORDS_PER_BATCH = 500;
/** A socket whose unsent data passes this gets no more log records until it drains (they are counted as dropped). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** How often the session list is compared with the last one sent (sent only when it changed). */
const SESSIONS_EVERY_MS = 1000;
/** How often the login behind the socket is checked again, and the socket pinged. */
const CHECK_EVERY_MS = 2000;
/** A socket that has not answered a ping for this long is gone (a half-open TCP connection). */
const PONG_TIMEOUT_MS = 30_000;

/**
 * The editor's live connection at `/api/editor/live` (docs/editor.md "Live connection"): the log records that pass
 * the page's filter, the session list whenever it changes, and the files changed on disk (after their project
 * applied them), so open editors follow a `git pull`. Only a browser with a live editor login on this gateway's
 * origin gets in (the upgrade is refused with 401 or 403 otherwise); the socket closes with 4401 when that login ends.
 *
 * Frames from the page: `{"type": "filter", project?, minLevel?, logger?, text?, backlog?}`. Anything else gets an
 * `error` frame; the socket stays open.
 */
export function editorLiveRoute(editor: EditorFacade, access: EditorAccess): WebSocketRoute {
  return {
    path: EDITOR_LIVE_PATH,
    public: true,
    maxPayload: 16 * 1024,
    admit: (request) => access.refusal(request),
    handle: (socket, request) => new LiveConnection(socket, request, editor, access),
  };
}

class LiveConnection {
  private readonly socket: WebSocket;
  private readonly editor: EditorFacade;
  private filter: LiveLogFilter | undefined;
  private records: LogRecord[] = [];
  private dropped = 0;
  private files: FileChange[] = [];
  private batch: NodeJS.Timeout | undefined;
  private lastSessions = '';
  private lastPong = Date.now();
  private readonly stops: (() => void)[] = [];

  constructor(socket: WebSocket, request: IncomingMessage, editor: EditorFacade, access: EditorAccess) {
    this.socket = socket;
    this.editor = editor;
    this.stops.push(
      editor.watchLogs((record) => this.onRecord(record)),
      editor.watchFiles((change) => this.onFile(change)),
    );
    const sessions = () => {
      const text = JSON.stringify({ type: 'sessions', ...editor.sessions() });
      if (text !== this.lastSessions) this.sendText((this.lastSessions = text));
    };
    const sessionTimer = setInterval(sessions, SESSIONS_EVERY_MS);
    const checkTimer = setInterval(() => {
      if (!access.isLive(request)) return socket.close(4401, 'the editor login ended: log in again');
      if (Date.now() - this.lastPong > PONG_TIMEOUT_MS) return socket.terminate();
      socket.ping();
    }, CHECK_EVERY_MS);
    this.stops.push(
      () => clearInterval(sessionTimer),
      () => clearInterval(checkTimer),
      () => clearTimeout(this.batch),
    );
    socket.on('pong', () => (this.lastPong = Date.now()));
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.onFrame(isBinary ? undefined : bytes.toString('utf8'));
    });
    socket.on('close', () => this.stops.forEach((stop) => stop()));
    this.send({ type: 'welcome' });
    sessions();
  }

  private onFrame(text: string | undefined): void {
    let frame: unknown;
    try {
      frame = text === undefined ? undefined : JSON.parse(text);
    } catch {
      return this.send({ type: 'error', message: 'a frame must be a JSON object' });
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
      return this.send({ type: 'error', message: 'a frame must be a JSON object' });
    const fields = frame as Record<string, unknown>;
    if (fields.type !== 'filter')
      return this.send({ type: 'error', message: `unknown frame type ${JSON.stringify(fields.type)}: send "filter"` });
    const backlog = fields.backlog ?? 200;
    if (typeof backlog !== 'number' || !Number.isInteger(backlog) || backlog < 0 || backlog > MAX_BACKLOG)
      return this.send({ type: 'error', message: `"backlog" must be a whole number from 0 to ${MAX_BACKLOG}` });
    const filter = this.editor.logFilter(fields);
    if (typeof filter === 'string') return this.send({ type: 'error', message: filter });
    this.filter = filter;
    this.records = [];
    this.dropped = 0;
    this.send({ type: 'logs', reset: true, records: this.editor.logBacklog(filter, backlog) });
  }

  private onRecord(record: LogRecord): void {
    if (!this.filter || !this.editor.passesLogFilter(record, this.filter)) return;
    if (this.records.length >= MAX_RECORDS_PER_BATCH || this.socket.bufferedAmount > MAX_BUFFERED_BYTES) this.dropped++;
    else this.records.push(record);
    this.schedule();
  }

  private onFile(change: FileChange): void {
    this.files.push(change);
    this.schedule();
  }

  private schedule(): void {
    this.batch ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    this.batch = undefined;
    if (this.records.length > 0 || this.dropped > 0)
      this.send({ type: 'logs', records: this.records, ...(this.dropped > 0 ? { dropped: this.dropped } : {}) });
    if (this.files.length > 0) this.send({ type: 'files', changes: this.files });
    this.records = [];
    this.dropped = 0;
    this.files = [];
  }

  private send(frame: Record<string, unknown>): void {
    this.sendText(JSON.stringify(frame));
  }

  private sendText(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
  }
}
