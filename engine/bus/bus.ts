import { FlintError } from '../errors.ts';
import type { Session, SessionUser } from '../sessions/session.ts';
import type { BusConfig } from './bus-config.ts';
import { BusQueue, type BusMessage } from './bus-queue.ts';

/** Most channels one poll may listen to. */
export const MAX_CHANNELS = 100;
/** Longest channel name. */
export const MAX_CHANNEL_LENGTH = 200;

/** Who polls: a user (by login token), or a live Flint session (its user, if any, and its id as the client id). */
export interface BusIdentity {
  userName: string | null;
  /** The session the credentials are those of (`FlintSession` scheme): its `client:<id>` channel is the poll's own. */
  sessionId?: string;
}

export interface BusDeps {
  /** The bus settings of a project, or undefined when it does not exist; `running` false while it is not loaded. */
  project(name: string): { running: boolean; bus: BusConfig } | undefined;
  /** The user of a login token (`POST /api/login`), or undefined. */
  verifyToken(token: string): SessionUser | undefined;
  session(id: string): Session | undefined;
}

/** Why a channel is not a valid name, or undefined. */
export function channelProblem(channel: unknown): string | undefined {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_LENGTH)
    return `a channel is a string of 1 to ${MAX_CHANNEL_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(channel)) return 'a channel has no control characters';
  return undefined;
}

/**
 * The long-polling bus of every project (seeds/004, docs/bus.md): one queue per project, the credentials of a poll,
 * and which channels it may listen to. `user:<name>` is only ever the authenticated user's own (the server adds it and
 * drops any other); `client:<id>` of a live session only that session's (or its user's); any other channel is the
 * project's, open to every authenticated poller.
 */
export class Bus {
  private readonly deps: BusDeps;
  private readonly queues = new Map<string, BusQueue>();
  private readonly polls = new Set<AbortController>();

  constructor(deps: BusDeps) {
    this.deps = deps;
  }

  /** The project's bus settings; NOT_FOUND for an unknown project, PROJECT_UNAVAILABLE while it is not loaded. */
  settings(project: string): BusConfig {
    const found = this.deps.project(project);
    if (!found) throw new FlintError('NOT_FOUND', `project "${project}" does not exist`);
    if (!found.running) throw new FlintError('PROJECT_UNAVAILABLE', `project "${project}" is not loaded`);
    return found.bus;
  }

  /**
   * Who an `Authorization` header is: `Session base64(login:userId:sessionKey)` (Tryton's scheme; the session key is a
   * login token, the user id its user name), `Bearer <login token>`, or `FlintSession <sessionId>:<resumeToken>` of a
   * live session of this project. Anything else is UNAUTHORIZED, with one message for every wrong credential.
   */
  authenticate(project: string, header: string | undefined): BusIdentity {
    const refused = () =>
      new FlintError(
        'UNAUTHORIZED',
        'the bus needs "Authorization: Session <base64 of login:userId:sessionKey>", "Bearer <login token>" or "FlintSession <sessionId>:<resumeToken>"; these credentials are missing, unknown or expired',
      );
    if (typeof header !== 'string') throw refused();
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space);
    const value = header.slice(space + 1).trim();
    if (space < 0 || value === '') throw refused();
    if (scheme === 'Bearer') {
      const user = this.deps.verifyToken(value);
      if (!user?.userName) throw refused();
      return { userName: user.userName };
    }
    if (scheme === 'Session') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const [login, userId, ...rest] = decoded.split(':');
      const user = this.deps.verifyToken(rest.join(':'));
      if (!user?.userName || user.userName !== login || userId !== login) throw refused();
      return { userName: user.userName };
    }
    if (scheme === 'FlintSession') {
      const colon = value.indexOf(':');
      const session = colon < 0 ? undefined : this.deps.session(value.slice(0, colon));
      if (!session || session.ended || session.project !== project || !session.resumableWith(value.slice(colon + 1))) throw refused();
      return { userName: session.user.userName, sessionId: session.id };
    }
    throw refused();
  }

  /** The channels a poll listens to: the requested ones it may, its own `user:` and `client:` channels added. */
  channels(project: string, identity: BusIdentity, requested: readonly string[]): Set<string> {
    const channels = new Set<string>();
    for (const channel of requested) {
      if (channel.startsWith('user:')) continue; // only ever the authenticated user's, added below
      if (channel.startsWith('client:') && !this.mayListenToClient(project, identity, channel.slice(7))) continue;
      channels.add(channel);
    }
    if (identity.userName !== null) channels.add(`user:${identity.userName}`);
    if (identity.sessionId !== undefined) channels.add(`client:${identity.sessionId}`);
    return channels;
  }

  /** A long poll: the next message after `lastMessage` on `channels`, or null at the project's poll timeout. */
  async poll(project: string, channels: ReadonlySet<string>, lastMessage: string | null, signal?: AbortSignal): Promise<BusMessage | null> {
    const { pollTimeoutMs } = this.settings(project);
    const stop = new AbortController();
    this.polls.add(stop);
    const abort = () => stop.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return await this.queue(project).next(channels, lastMessage, pollTimeoutMs, stop.signal);
    } finally {
      signal?.removeEventListener('abort', abort);
      this.polls.delete(stop);
    }
  }

  /** Publishes a message (an object with a `type`) on a project's channel; returns its message_id. */
  publish(project: string, channel: string, message: Record<string, unknown>): string {
    const problem = channelProblem(channel);
    if (problem) throw new FlintError('BAD_ARGUMENT', `bus channel ${JSON.stringify(channel)}: ${problem}`);
    if (typeof message.type !== 'string' || message.type === '')
      throw new FlintError('BAD_ARGUMENT', 'a bus message needs a "type" (a non-empty string), such as "notification"');
    return this.queue(project).publish(channel, message);
  }

  /** How many polls are waiting on a project's bus (for tests and status). */
  waiting(project: string): number {
    return this.queues.get(project)?.waiting ?? 0;
  }

  /** Answers every waiting poll (the gateway is stopping). */
  close(): void {
    for (const poll of [...this.polls]) poll.abort();
    for (const queue of this.queues.values()) queue.close();
  }

  private queue(project: string): BusQueue {
    const settings = this.settings(project);
    let queue = this.queues.get(project);
    if (!queue) this.queues.set(project, (queue = new BusQueue(settings)));
    else queue.setRetention(settings);
    return queue;
  }

  /** `client:<id>` of a live session of the project is that session's and its user's; another id is any client's own. */
  private mayListenToClient(project: string, identity: BusIdentity, clientId: string): boolean {
    const session = this.deps.session(clientId);
    if (!session || session.ended || session.project !== project) return true;
    if (identity.sessionId !== undefined) return identity.sessionId === session.id;
    return identity.userName !== null && session.user.userName === identity.userName;
  }
}
