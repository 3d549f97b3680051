/**
 * The editor's live connection (`/api/editor/live`, api/editor-live.ts) and the two panels it feeds: the gateway log,
 * filtered on the server by project, level, logger and text, and the live sessions with their pages and views. It
 * also hands files changed on disk to main.ts, which reloads the open editors that have no unsaved edits. When the
 * connection drops, a notice says so and it reconnects (0.5 s, doubling to 10 s); a reconnect sends the filter again,
 * so the log shows the records missed meanwhile (as far as the gateway's log ring reaches back).
 */

import type { FileChange, LogRecord, SessionOverview } from '../engine/editor/editor-wire.ts';
import { setTabBadge } from './panels.ts';

export type { FileChange };

export interface LiveHooks {
  /** Files changed on disk, after the gateway applied them. */
  filesChanged(changes: FileChange[]): void;
  /** The editor login ended (logged out elsewhere, expired): the page asks for a new one. */
  loginEnded(): void;
  /** Opens a file at a line (a log record's source). */
  openAt(project: string, path: string, line: number): void;
  /** The connection is back after a drop: changes on disk meanwhile were not reported, so open files are checked. */
  reconnected(): void;
  /** The projects the filter offers. */
  projectNames(): string[];
}

/** Rows the log panel keeps; older ones are dropped from the top. */
const MAX_ROWS = 2000;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];

/** A new element with these properties (textContent, className, name...) and children. */
function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string | number | boolean> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

export class LiveConnection {
  private readonly hooks: LiveHooks;
  private socket: WebSocket | undefined;
  private retryMs = 500;
  private retryTimer: number | undefined;
  private stopped = true;
  private readonly logList = element('ol', { id: 'log-list' });
  private readonly filterForm = element('form', { id: 'log-filter' });
  private readonly sessionsBody = element('tbody');
  private readonly sessionsTotal = element('p', { id: 'sessions-total' });
  private paused = false;
  /** Whether the socket dropped since it was last open (then open files are checked when it is back). */
  private wasDown = false;

  constructor(hooks: LiveHooks) {
    this.hooks = hooks;
    this.buildLogPanel();
    this.buildSessionsPanel();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.refreshProjects();
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'logged out');
    this.socket = undefined;
    this.setState('off', '');
  }

  /** The project list of the filter, after the tree changed. */
  refreshProjects(): void {
    const select = this.filterForm.elements.namedItem('project') as HTMLSelectElement;
    const chosen = select.value;
    select.replaceChildren(new Option('all projects', ''), ...this.hooks.projectNames().map((name) => new Option(name, name)));
    select.value = this.hooks.projectNames().includes(chosen) ? chosen : '';
  }

  // ---- the connection ----------------------------------------------------------------------

  private connect(): void {
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/editor/live`);
    this.socket = socket;
    this.setState('connecting', 'connecting…');
    socket.addEventListener('open', () => {
      if (this.wasDown) this.hooks.reconnected();
      this.wasDown = false;
      this.retryMs = 500;
      this.setState('live', 'live');
      this.sendFilter();
    });
    socket.addEventListener('message', (event: MessageEvent<string>) => this.onFrame(JSON.parse(event.data) as Record<string, unknown>));
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = undefined;
      if (event.code === 4401) {
        this.stopped = true;
        this.setState('off', '');
        return this.hooks.loginEnded();
      }
      this.wasDown = true;
      const seconds = this.retryMs / 1000;
      this.setState('down', `live connection lost: reconnecting in ${seconds} s`);
      this.retryTimer = window.setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    });
  }

  private setState(state: string, text: string): void {
    const notice = document.querySelector<HTMLElement>('#live-state')!;
    notice.dataset.state = state;
    notice.textContent = text;
  }

  private sendFilter(): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    const value = (name: string) => (this.filterForm.elements.namedItem(name) as HTMLInputElement).value;
    this.socket.send(
      JSON.stringify({
        type: 'filter',
        project: value('project'),
        minLevel: value('minLevel'),
        logger: value('logger'),
        text: value('text'),
        backlog: 500,
      }),
    );
  }

  private onFrame(frame: Record<string, unknown>): void {
    switch (frame.type) {
      case 'logs':
        if (frame.reset) this.logList.replaceChildren();
        this.addRecords(frame.records as LogRecord[], (frame.dropped as number | undefined) ?? 0);
        break;
      case 'sessions':
        this.showSessions(frame.total as number, frame.sessions as SessionOverview[]);
        break;
      case 'files':
        this.hooks.filesChanged(frame.changes as FileChange[]);
        break;
      case 'error':
        this.setState('live', `live: ${String(frame.message)}`);
        break;
    }
  }

  // ---- the log panel -----------------------------------------------------------------------

  private buildLogPanel(): void {
    const debounce = (work: () => void) => {
      let timer: number | undefined;
      return () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(work, 250);
      };
    };
    const level = element(
      'select',
      { name: 'minLevel' },
      new Option('all levels', ''),
      ...LEVELS.map((l) => new Option(`${l} and above`, l)),
    );
    const pause = element('input', { type: 'checkbox', name: 'pause' });
    pause.addEventListener('change', () => (this.paused = pause.checked));
    const clear = element('button', { type: 'button', textContent: 'Clear' });
    clear.addEventListener('click', () => this.logList.replaceChildren());
    this.filterForm.append(
      element('select', { name: 'project' }, new Option('all projects', '')),
      level,
      element('input', { name: 'logger', placeholder: 'logger starts with', maxLength: 200 }),
      element('input', { name: 'text', placeholder: 'text contains', type: 'search', maxLength: 200 }),
      element('label', {}, pause, ' pause'),
      clear,
    );
    this.filterForm.addEventListener('change', () => this.sendFilter());
    this.filterForm.addEventListener(
      'input',
      debounce(() => this.sendFilter()),
    );
    this.filterForm.addEventListener('submit', (event) => event.preventDefault());
    document.querySelector('#panels [data-panel="log"]')!.append(this.filterForm, this.logList);
  }

  private addRecords(records: LogRecord[], dropped: number): void {
    if (this.paused) return;
    const panel = this.logList.parentElement!;
    const atBottom = panel.scrollTop + panel.clientHeight >= panel.scrollHeight - 4;
    const rows = records.map((record) => this.row(record));
    if (dropped > 0) rows.push(element('li', { className: 'dropped', textContent: `… ${dropped} record(s) not shown (too many at once)` }));
    this.logList.append(...rows);
    while (this.logList.childElementCount > MAX_ROWS) this.logList.firstElementChild!.remove();
    if (atBottom) panel.scrollTop = panel.scrollHeight;
  }

  private row(record: LogRecord): HTMLLIElement {
    const item = element(
      'li',
      {},
      element('time', { textContent: record.time.slice(11, 23), dateTime: record.time }),
      element('span', { className: 'level', textContent: record.level }),
      element('span', { className: 'logger', textContent: record.logger }),
      element('span', { className: 'message', textContent: record.message }),
    );
    item.dataset.level = record.level;
    if (record.project) item.dataset.project = record.project;
    const source = record.source;
    const place = source && /^projects\/([^/]+)\/(.+)$/.exec(source.file);
    if (source && place) {
      const link = element('a', { className: 'source', textContent: `${source.file}:${source.line}:${source.column}`, href: '#' });
      link.addEventListener('click', (event) => {
        event.preventDefault();
        this.hooks.openAt(place[1], place[2], source.line);
      });
      item.append(link);
    }
    return item;
  }

  // ---- the sessions panel ------------------------------------------------------------------

  private buildSessionsPanel(): void {
    const head = element('tr');
    for (const title of ['project', 'user', 'roles', 'from', 'connected', 'since', 'pages and views'])
      head.append(element('th', { textContent: title }));
    document
      .querySelector('#panels [data-panel="sessions"]')!
      .append(this.sessionsTotal, element('table', { id: 'sessions-table' }, element('thead', {}, head), this.sessionsBody));
  }

  private showSessions(total: number, sessions: SessionOverview[]): void {
    this.sessionsTotal.textContent =
      total === 0
        ? 'No live sessions.'
        : total > sessions.length
          ? `${total} sessions; the newest ${sessions.length} are listed.`
          : `${total} session(s).`;
    this.sessionsBody.replaceChildren(
      ...sessions.map((s) => {
        const pages = element('ul');
        for (const page of s.pages)
          pages.append(element('li', { textContent: `${page.path}${page.views.length ? ': ' + page.views.join(', ') : ''}` }));
        const row = element('tr');
        row.dataset.session = s.id;
        row.title = `${s.id}\n${s.userAgent}`;
        for (const cell of [
          s.project,
          s.userName ?? '(anonymous)',
          s.roles.join(', '),
          s.host,
          s.connected ? 'yes' : 'no',
          new Date(s.startedAt).toLocaleTimeString(),
        ])
          row.append(element('td', { textContent: cell }));
        row.append(element('td', {}, pages));
        return row;
      }),
    );
    setTabBadge('sessions', total);
  }
}
