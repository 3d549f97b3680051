import { FlintError } from '../errors.ts';
import type { QualifiedValue, TagChange, TagFeed } from '../tags/feed.ts';
import { PROTOCOL_VERSION } from './protocol.ts';
import type { SessionClient } from './session.ts';

/** Most tags one socket may have bound at once (`bindTags`); past it, a bind is refused whole. */
export const MAX_BOUND_TAGS = 1000;

/** One tag of a `bindTags` reply: the path as sent, the canonical path its `tag` frames carry (null: not bound), its value. */
export interface BoundTag extends QualifiedValue {
  path: string;
  tagPath: string | null;
}

/** The sockets following one canonical tag path, through one subscription to the tag feed. */
interface Followed {
  clients: Set<SessionClient>;
  unsubscribe: () => void;
}

/**
 * Session tag bindings (docs/protocol.md `bindTags`): each socket's bound tags, with one subscription to the tag feed
 * per tag path however many sockets follow it. A change is serialized once and the same text sent to every socket
 * that follows it, in the order the tag feed delivers changes. A socket binds a tag under any spelling of its path;
 * each bind is counted, so that unbinding one spelling leaves another bound.
 */
export class TagBindings {
  private readonly feed: TagFeed;
  private readonly followed = new Map<string, Followed>();
  /** Per socket: its canonical paths and how many binds each has. */
  private readonly bySocket = new Map<SessionClient, Map<string, number>>();

  constructor(feed: TagFeed) {
    this.feed = feed;
  }

  /** Binds `paths` to `client`; answers each one's canonical path and current value, read after it was bound. */
  bind(client: SessionClient, paths: readonly string[], defaultProvider: string): BoundTag[] {
    const canonical = paths.map((path) => this.feed.canonicalPath(path, defaultProvider));
    const mine = this.bySocket.get(client) ?? new Map<string, number>();
    const adding = new Set(canonical.filter((p): p is string => p !== undefined && !mine.has(p)));
    if (mine.size + adding.size > MAX_BOUND_TAGS)
      throw new FlintError(
        'QUOTA_EXCEEDED',
        `a socket may bind at most ${MAX_BOUND_TAGS} tags; this one has ${mine.size} and asked for ${adding.size} more: unbind some first`,
      );
    this.bySocket.set(client, mine);
    for (const tagPath of canonical) if (tagPath !== undefined) this.follow(client, mine, tagPath);
    // Read after subscribing, in the same turn: a change after this read reaches the client as a `tag` frame.
    const values = this.feed.read(paths, defaultProvider);
    return paths.map((path, i) => ({ path, tagPath: canonical[i] ?? null, ...values[i] }));
  }

  /** Undoes one bind of each of `paths` (any spelling of a bound tag); paths not bound are ignored. */
  unbind(client: SessionClient, paths: readonly string[], defaultProvider: string): void {
    const mine = this.bySocket.get(client);
    if (!mine) return;
    for (const path of paths) {
      const tagPath = this.feed.canonicalPath(path, defaultProvider);
      const count = tagPath === undefined ? undefined : mine.get(tagPath);
      if (tagPath === undefined || count === undefined) continue;
      if (count > 1) mine.set(tagPath, count - 1);
      else {
        mine.delete(tagPath);
        this.unfollow(client, tagPath);
      }
    }
    if (mine.size === 0) this.bySocket.delete(client);
  }

  /** The socket closed or its session ended: all its bindings go. */
  unbindAll(client: SessionClient): void {
    for (const tagPath of this.bySocket.get(client)?.keys() ?? []) this.unfollow(client, tagPath);
    this.bySocket.delete(client);
  }

  /** How many tags a socket has bound (for status and tests). */
  boundCount(client: SessionClient): number {
    return this.bySocket.get(client)?.size ?? 0;
  }

  /** How many tag paths have a subscription to the tag feed. */
  get followedCount(): number {
    return this.followed.size;
  }

  private follow(client: SessionClient, mine: Map<string, number>, tagPath: string): void {
    mine.set(tagPath, (mine.get(tagPath) ?? 0) + 1);
    let followed = this.followed.get(tagPath);
    if (!followed) {
      // A socket that binds the same tag twice (or under two spellings) still gets each change once.
      const clients = new Set<SessionClient>();
      const unsubscribe = this.feed.subscribe([tagPath], '', (change) => {
        const text = tagFrameText(change);
        for (const socket of [...clients]) socket.sendText(text);
      });
      followed = { clients, unsubscribe };
      this.followed.set(tagPath, followed);
    }
    followed.clients.add(client);
  }

  private unfollow(client: SessionClient, tagPath: string): void {
    const followed = this.followed.get(tagPath);
    if (!followed) return;
    followed.clients.delete(client);
    if (followed.clients.size > 0) return;
    followed.unsubscribe();
    this.followed.delete(tagPath);
  }
}

function tagFrameText(change: TagChange): string {
  const { value, quality, qualityCode, timestamp } = change.value;
  return JSON.stringify({ v: PROTOCOL_VERSION, type: 'tag', path: change.path, value: value ?? null, quality, qualityCode, timestamp });
}
