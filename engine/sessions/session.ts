import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { LiveGroup } from './live-group.ts';
import type { MountedView } from './mounted-view.ts';
import type { GatewayFrame } from './protocol.ts';

/** One connected socket of a session: what the session layer may do with it. */
export interface SessionClient {
  send(frame: GatewayFrame): void;
  /** Sends a frame already serialized (one text for many clients of a fan-out). */
  sendText(text: string): void;
  /** Closes the socket (after an `ended` frame, say). */
  close(code: number, reason: string): void;
}

export interface SessionUser {
  userName: string | null;
  roles: string[];
}

/** Where a session comes from: `host` is the client's network address. */
export interface SessionOrigin {
  host: string;
  userAgent: string;
  device: Record<string, unknown>;
}

/** A page of a session: a browser tab or window, shown by the client that opened it. */
export interface Page {
  pageId: string;
  path: string;
  client: SessionClient | undefined;
  openedAt: number;
  /** The views mounted on it, by instance id. */
  views: Map<string, MountedView>;
}

/** What a handler sees of a session: `props` (the gateway's) and `custom` (the project's). */
export interface SessionSnapshot {
  props: { id: string; userName: string | null; roles: string[]; host: string; userAgent: string; device: Record<string, unknown> };
  custom: Record<string, unknown>;
}

/** Most pages one session may have open at once. */
export const MAX_PAGES = 100;

/**
 * A Perspective Session of one project (seeds/002): who it is (user, origin), its custom props, its pages, and the
 * clients connected to it. A session outlives its sockets: it ends when it stays without a client past its timeout.
 */
export class Session {
  readonly id = randomUUID();
  /** The secret a client resumes this session with; only the client that opened the session gets it. */
  readonly resumeToken = randomBytes(24).toString('base64url');
  readonly project: string;
  readonly startedAt = Date.now();
  user: SessionUser;
  readonly origin: SessionOrigin;
  /** `session.custom`: the project's properties of the session, written by scripts. */
  readonly custom = new LiveGroup();
  readonly pages = new Map<string, Page>();
  /** Connected clients and the client-side message handlers each registered (scope `C`). */
  readonly clients = new Map<SessionClient, Set<string>>();
  /** Set when the session ended; nothing runs for it after that. */
  ended: string | undefined;
  /** The end timer while no client is connected. */
  disconnectTimer: NodeJS.Timeout | undefined;
  /** Handlers of one session run one after another, in the order their events came (see SessionManager.run). */
  queue: Promise<unknown> = Promise.resolve();
  /** How many handlers are waiting in `queue` for their turn. */
  waiting = 0;
  /** The rate of device events (SessionManager.deviceEvent): the current second's start and its count. */
  deviceWindowStart = 0;
  deviceEventsInWindow = 0;

  constructor(project: string, user: SessionUser, origin: SessionOrigin) {
    this.project = project;
    this.user = user;
    this.origin = origin;
  }

  /** Whether `token` is this session's resume token, compared in constant time. */
  resumableWith(token: string): boolean {
    const given = Buffer.from(token);
    const mine = Buffer.from(this.resumeToken);
    return given.length === mine.length && timingSafeEqual(given, mine);
  }

  props(): SessionSnapshot['props'] {
    const { userName, roles } = this.user;
    return {
      id: this.id,
      userName,
      roles: [...roles],
      host: this.origin.host,
      userAgent: this.origin.userAgent,
      device: this.origin.device,
    };
  }

  snapshot(): SessionSnapshot {
    return { props: this.props(), custom: this.custom.toObject() };
  }

  /** A new page, or (`pageId` of a page this session has) the same page shown again by `client` after a reconnect. */
  openPage(client: SessionClient, path: string, pageId?: string): { page: Page; isNew: boolean } {
    const known = pageId === undefined ? undefined : this.pages.get(pageId);
    if (known) {
      known.client = client;
      known.path = path;
      return { page: known, isNew: false };
    }
    const page: Page = { pageId: randomBytes(6).toString('hex'), path, client, openedAt: Date.now(), views: new Map() };
    this.pages.set(page.pageId, page);
    return { page, isNew: true };
  }

  /** Sends a frame to every connected client of the session. */
  broadcast(frame: GatewayFrame): void {
    for (const client of this.clients.keys()) client.send(frame);
  }

  /** The clients that registered a client-side message handler of this name. */
  clientsListening(handler: string): SessionClient[] {
    return [...this.clients].filter(([, handlers]) => handlers.has(handler)).map(([client]) => client);
  }

  hasRole(role: string): boolean {
    return this.user.roles.includes(role);
  }
}
