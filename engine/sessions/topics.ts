import { FlintError } from '../errors.ts';
import { PROTOCOL_VERSION } from './protocol.ts';
import type { Session, SessionClient } from './session.ts';

/** Most topics one socket may subscribe to at once (`subscribe`). */
export const MAX_TOPICS_PER_SOCKET = 100;

/** The options of system.perspective.pushMessage (seeds/003). */
export interface PushOptions {
  /** Only the calling script's session. */
  restrictToOwnSession: boolean;
  /** Roles the session's user must have; empty: every session. */
  permissions: string[];
  /** `all`: every role of `permissions`; `any`: one is enough. */
  permissionMatch: 'all' | 'any';
}

/**
 * Push by topic (seeds/003): which sessions a push may reach, and each socket's topic subscriptions. Topics match
 * exactly and case-sensitively; a subscriber counts only if it is subscribed at the moment of the push.
 */
export class Topics {
  private readonly bySocket = new Map<SessionClient, Set<string>>();

  subscribe(client: SessionClient, topic: string): void {
    let topics = this.bySocket.get(client);
    if (!topics) this.bySocket.set(client, (topics = new Set()));
    if (!topics.has(topic) && topics.size >= MAX_TOPICS_PER_SOCKET)
      throw new FlintError(
        'QUOTA_EXCEEDED',
        `a socket may subscribe to at most ${MAX_TOPICS_PER_SOCKET} topics; unsubscribe from one first`,
      );
    topics.add(topic);
  }

  unsubscribe(client: SessionClient, topic: string): void {
    const topics = this.bySocket.get(client);
    topics?.delete(topic);
    if (topics?.size === 0) this.bySocket.delete(client);
  }

  /** The socket closed or its session ended. */
  forget(client: SessionClient): void {
    this.bySocket.delete(client);
  }

  /** The sockets of `session` subscribed to `topic` now. */
  subscribers(session: Session, topic: string): SessionClient[] {
    return [...session.clients.keys()].filter((client) => this.bySocket.get(client)?.has(topic));
  }
}

/** The sessions a push reaches: the caller's own (when restricted) or all of the project's, that pass the permissions. */
export function pushTargets(
  sessions: Session[],
  caller: { session?: string },
  options: PushOptions,
  fn = 'system.perspective.pushMessage',
): Session[] {
  if (options.restrictToOwnSession && caller.session === undefined)
    throw new FlintError(
      'BAD_ARGUMENT',
      `${fn}: restrictToOwnSession needs the session of the calling script, and this one runs outside any session (gateway scope)`,
    );
  const candidates = options.restrictToOwnSession ? sessions.filter((s) => s.id === caller.session) : sessions;
  const { permissions, permissionMatch } = options;
  if (permissions.length === 0) return candidates;
  return candidates.filter((s) =>
    permissionMatch === 'any' ? permissions.some((r) => s.hasRole(r)) : permissions.every((r) => s.hasRole(r)),
  );
}

/** The `push` frame, serialized once for every socket it goes to. */
export function pushFrameText(topic: string, payloadJson: string): string {
  return `{"v":${PROTOCOL_VERSION},"type":"push","topic":${JSON.stringify(topic)},"payload":${payloadJson}}`;
}
