import { createHash, randomBytes } from 'node:crypto';
import { FlintError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { AttemptLimiter, TooManyAttempts, type AttemptLimits } from './attempt-limiter.ts';
import type { User, UserSource } from './user-source.ts';

export interface LoginOptions {
  /** How long a login lasts (default 8 hours). */
  ttlMs?: number;
  /** Failed attempts allowed per address and per user name (default 10 a minute). */
  attempts?: AttemptLimits;
  /** Live logins per user; a new one past this ends that user's oldest (default 100). */
  maxPerUser?: number;
  logger?: Logger;
}

export interface LoginResult {
  /** 32 random bytes, base64url: the bearer token of this login. Only its SHA-256 is kept. */
  token: string;
  user: User;
  /** When the login ends, ISO 8601. */
  expiresAt: string;
}

interface Login {
  userName: string;
  expiresAt: number;
}

export const DEFAULT_LOGIN_TTL_MS = 8 * 60 * 60 * 1000;
/** One message for an unknown name and a wrong password alike, so an answer does not tell which names exist. */
export const WRONG_LOGIN = 'wrong user name or password';
/** 32 bytes in base64url, unpadded. */
const TOKEN_LENGTH = 43;
const SWEEP_EVERY_MS = 60_000;

/** The token is looked up by its digest: the table never holds a token a leak of it would let anyone use. */
const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Logins of the user source's users (issue 11 item 2): `login` hands out a bearer token, `verify` answers the user
 * behind a live token with their current roles, `revoke` ends one. A user removed from the file, or given a new
 * password, loses every login; a user whose roles changed keeps them, and `verify` answers the new roles. Logins live
 * in memory: a gateway restart ends them all.
 */
export class Logins {
  private readonly users: UserSource;
  private readonly ttlMs: number;
  private readonly maxPerUser: number;
  private readonly logger?: Logger;
  private readonly attempts: AttemptLimiter;
  private readonly byDigest = new Map<string, Login>();
  /** Each user's login digests, oldest first. */
  private readonly byUser = new Map<string, Set<string>>();
  private readonly unsubscribe: (() => void)[];
  private lastSweep = Date.now();

  constructor(users: UserSource, options: LoginOptions = {}) {
    this.users = users;
    this.ttlMs = options.ttlMs ?? DEFAULT_LOGIN_TTL_MS;
    this.maxPerUser = options.maxPerUser ?? 100;
    this.logger = options.logger;
    this.attempts = new AttemptLimiter(options.attempts);
    this.unsubscribe = [
      users.onUserRemoved((userName) => this.endAll(userName, 'the user was removed')),
      users.onUserChanged((change) => {
        if (change.passwordChanged) this.endAll(change.user.userName, 'the password changed');
      }),
    ];
  }

  /**
   * Logs a user in from `address` (the client's IP address). Throws UNAUTHORIZED with the same message for an unknown
   * name and a wrong password, and TooManyAttempts once the address or the name has failed too often; a refused
   * attempt does not hash anything. An attempt counts as failed while it runs, and is taken back when it succeeds.
   */
  async login(userName: string, password: string, address: string): Promise<LoginResult> {
    // Names differing only in case cannot both exist, so they share one count: case is no way around the limit.
    const keys = [`address:${address}`, `user:${userName.toLowerCase()}`];
    const waitMs = Math.max(...keys.map((key) => this.attempts.waitMs(key)));
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      this.logger?.warn(`login refused for user name ${JSON.stringify(userName)} from ${address}: too many failed attempts`, {
        fields: { event: 'login-throttled', userName, address },
      });
      throw new TooManyAttempts(`too many failed logins for this user name or from this address; try again in ${seconds} s`, seconds);
    }
    // Counted as failed while scrypt runs, so a burst of attempts in parallel cannot all pass the check above.
    const started = Date.now();
    for (const key of keys) this.attempts.fail(key, started);
    let user: User | undefined;
    try {
      user = await this.users.authenticate(userName, password);
    } catch (error) {
      for (const key of keys) this.attempts.forgive(key, started);
      throw error;
    }
    if (!user) {
      this.logger?.warn(`failed login for user name ${JSON.stringify(userName)} from ${address}`, {
        fields: { event: 'login-failed', userName, address },
      });
      throw new FlintError('UNAUTHORIZED', WRONG_LOGIN);
    }
    for (const key of keys) this.attempts.forgive(key, started);
    const now = Date.now();
    this.sweep(now);
    const token = randomBytes(32).toString('base64url');
    const login: Login = { userName: user.userName, expiresAt: now + this.ttlMs };
    this.add(digest(token), login);
    this.logger?.info(`user ${JSON.stringify(user.userName)} logged in from ${address}`, {
      fields: { event: 'login', userName: user.userName, address },
    });
    return { token, user, expiresAt: new Date(login.expiresAt).toISOString() };
  }

  /** The user behind a live token, with their roles as the file has them now; undefined for anything else. */
  verify(token: string): User | undefined {
    if (typeof token !== 'string' || token.length !== TOKEN_LENGTH) return undefined;
    // A change on disk (a user removed, a new password) ends logins before this one is looked up.
    this.users.refresh();
    const key = digest(token);
    const login = this.byDigest.get(key);
    if (!login) return undefined;
    if (login.expiresAt <= Date.now()) {
      this.end(key);
      return undefined;
    }
    const user = this.users.get(login.userName);
    if (!user) this.end(key);
    return user;
  }

  /** Ends one login; whether it was live. */
  revoke(token: string): boolean {
    if (typeof token !== 'string' || token.length !== TOKEN_LENGTH) return false;
    const key = digest(token);
    const login = this.byDigest.get(key);
    if (!login) return false;
    this.end(key);
    this.logger?.info(`user ${JSON.stringify(login.userName)} logged out`, { fields: { event: 'logout', userName: login.userName } });
    return true;
  }

  /** Ends every login of a user; how many there were. */
  endAll(userName: string, reason: string): number {
    const keys = [...(this.byUser.get(userName) ?? [])];
    for (const key of keys) this.end(key);
    if (keys.length > 0)
      this.logger?.info(`ended ${keys.length} login(s) of user ${JSON.stringify(userName)}: ${reason}`, {
        fields: { event: 'logins-ended', userName, reason },
      });
    return keys.length;
  }

  /** Live logins (for tests and status). */
  get size(): number {
    return this.byDigest.size;
  }

  close(): void {
    for (const stop of this.unsubscribe) stop();
    this.byDigest.clear();
    this.byUser.clear();
  }

  private add(key: string, login: Login): void {
    this.byDigest.set(key, login);
    const keys = this.byUser.get(login.userName) ?? new Set<string>();
    keys.add(key);
    this.byUser.set(login.userName, keys);
    if (keys.size > this.maxPerUser) this.end(keys.values().next().value!);
  }

  private end(key: string): void {
    const login = this.byDigest.get(key);
    if (!login) return;
    this.byDigest.delete(key);
    const keys = this.byUser.get(login.userName);
    keys?.delete(key);
    if (keys?.size === 0) this.byUser.delete(login.userName);
  }

  /** Expired logins nobody verifies again are dropped here, at most once a minute, so they do not pile up. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, login] of this.byDigest) if (login.expiresAt <= now) this.end(key);
  }
}
