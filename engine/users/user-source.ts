import { randomBytes } from 'node:crypto';
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FlintError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword, type PasswordHash, type ScryptParams } from './password-hash.ts';
import { newPasswordProblem, rolesProblem, userNameProblem } from './user-rules.ts';
import { readUsersFile, stampOf, USERS_FILE, withFileLock, writeUsersFile, type FileStamp, type StoredUser } from './users-file.ts';

/** A user as the rest of Flint sees one: never the password hash. */
export interface User {
  userName: string;
  roles: string[];
}

/** A user that is still there but changed: new roles, or a new password (then every login of theirs has ended). */
export interface UserChange {
  user: User;
  previousRoles: string[];
  passwordChanged: boolean;
}

export interface UserSourceOptions {
  /** The gateway's data folder; the users live in `<dataDir>/users.json`. */
  dataDir: string;
  /** scrypt parameters for new hashes (default DEFAULT_SCRYPT). Stored hashes keep their own. */
  hashParams?: ScryptParams;
  logger?: Logger;
}

const publicUser = (user: StoredUser): User => ({ userName: user.userName, roles: [...user.roles] });

/**
 * The embedded user source (issue 11 item 2): the users of `<dataDir>/users.json`, read again whenever the file
 * changed on disk (another process ran `flint user add`), so the gateway and the CLI share one file and no server.
 * While the file is corrupt, the last users read stay known to `get` (existing logins go on), and `list`,
 * `authenticate` and every change throw DATA_FILE_INVALID naming the file: a new login or a write never works from a
 * file nobody can read, and the file is never overwritten.
 */
export class UserSource {
  readonly path: string;
  private readonly hashParams: ScryptParams;
  private readonly logger?: Logger;
  private users = new Map<string, StoredUser>();
  private stamp: FileStamp | undefined;
  private problem: FlintError | undefined;
  private watcher: FSWatcher | undefined;
  private dummy: Promise<PasswordHash> | undefined;
  private readonly changedListeners = new Set<(change: UserChange) => void>();
  private readonly removedListeners = new Set<(userName: string) => void>();

  constructor(options: UserSourceOptions) {
    this.path = join(resolve(options.dataDir), USERS_FILE);
    this.hashParams = options.hashParams ?? DEFAULT_SCRYPT;
    this.logger = options.logger;
  }

  /** Every user, sorted by name. */
  list(): User[] {
    this.refresh();
    if (this.problem) throw this.problem;
    return [...this.users.values()].map(publicUser).sort((a, b) => (a.userName < b.userName ? -1 : a.userName > b.userName ? 1 : 0));
  }

  /** The user of that exact name as last read, or undefined. */
  get(userName: string): User | undefined {
    this.refresh();
    const user = this.users.get(userName);
    return user && publicUser(user);
  }

  /**
   * The user, when `password` is theirs; undefined for a wrong password and for an unknown name alike. An unknown
   * name is checked against a dummy hash made with the same parameters, so the time taken does not tell which names exist.
   */
  async authenticate(userName: string, password: string): Promise<User | undefined> {
    this.refresh();
    if (this.problem) throw this.problem;
    // Made on the first login of any name, known or not, so that one's time tells nothing either.
    const dummy = await this.dummyHash();
    const stored = this.users.get(userName);
    const matches = await verifyPassword(password, stored?.password ?? dummy);
    // The user may have been removed, or given a new password, while scrypt ran.
    const current = this.users.get(userName);
    return stored && matches && current?.password === stored.password ? publicUser(current) : undefined;
  }

  async add(userName: string, password: string, roles: string[]): Promise<User> {
    const problem = userNameProblem(userName) ?? rolesProblem(roles) ?? newPasswordProblem(password);
    if (problem) throw new FlintError('BAD_REQUEST', problem);
    this.assertAvailable(userName);
    const added: StoredUser = { userName, roles: [...roles], password: await hashPassword(password, this.hashParams) };
    this.update((users) => {
      this.refuseTaken(userName, users);
      return [...users, added];
    });
    return publicUser(added);
  }

  /** Throws unless `userName` is a valid name no user has yet, in any case (so the CLI can say so before asking for a password). */
  assertAvailable(userName: string): void {
    const problem = userNameProblem(userName);
    if (problem) throw new FlintError('BAD_REQUEST', problem);
    this.refresh();
    if (this.problem) throw this.problem;
    this.refuseTaken(userName, [...this.users.values()]);
  }

  remove(userName: string): void {
    this.update((users) => {
      if (!users.some((u) => u.userName === userName)) throw this.notFound(userName);
      return users.filter((u) => u.userName !== userName);
    });
  }

  setRoles(userName: string, roles: string[]): User {
    const problem = rolesProblem(roles);
    if (problem) throw new FlintError('BAD_REQUEST', problem);
    this.update((users) => {
      const index = users.findIndex((u) => u.userName === userName);
      if (index < 0) throw this.notFound(userName);
      return users.with(index, { ...users[index], roles: [...roles] });
    });
    return { userName, roles: [...roles] };
  }

  /** Listens for users whose roles or password changed; returns the function that stops listening. */
  onUserChanged(listener: (change: UserChange) => void): () => void {
    this.changedListeners.add(listener);
    return () => this.changedListeners.delete(listener);
  }

  /** Listens for users removed from the file (or the file removed); returns the function that stops listening. */
  onUserRemoved(listener: (userName: string) => void): () => void {
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }

  /** Reads the file now and then whenever it changes, so removals reach listeners without waiting for the next lookup. */
  watch(): void {
    if (this.watcher) return;
    mkdirSync(dirname(this.path), { recursive: true });
    // The folder, not the file: a write replaces the file by a rename, and a watch on the old file would see nothing more.
    this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
      if (file === null || file === USERS_FILE) this.refresh();
    });
    this.watcher.on('error', (error) =>
      this.logger?.warn(`cannot watch ${dirname(this.path)} for changes to users.json: ${error.message}`),
    );
    this.refresh();
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Reads the file again if it changed on disk since it was last read, and tells listeners what changed. */
  refresh(): void {
    const stamp = stampOf(this.path);
    if (stamp === this.stamp) return;
    let next: { users: StoredUser[]; stamp: FileStamp };
    try {
      next = readUsersFile(this.path);
    } catch (error) {
      if (!(error instanceof FlintError)) throw error;
      // Reported once per version of the file; the next change is read again.
      this.stamp = stamp;
      this.problem = error;
      this.logger?.error(`${error.message}; logins are refused until it is fixed`, { fields: { event: 'users-file-invalid' } });
      return;
    }
    if (this.problem) this.logger?.info(`users file ${this.path} can be read again`);
    this.problem = undefined;
    this.stamp = next.stamp;
    const previous = this.users;
    this.users = new Map(next.users.map((u) => [u.userName, u]));
    this.announce(previous);
  }

  private announce(previous: Map<string, StoredUser>): void {
    for (const [name, before] of previous) {
      const after = this.users.get(name);
      if (!after) this.emit(this.removedListeners, name);
      else {
        const passwordChanged = after.password.hash !== before.password.hash || after.password.salt !== before.password.salt;
        if (passwordChanged || after.roles.join('\n') !== before.roles.join('\n'))
          this.emit(this.changedListeners, { user: publicUser(after), previousRoles: [...before.roles], passwordChanged });
      }
    }
  }

  private emit<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        this.logger?.error(`a user change listener failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
  }

  /** Read, change and write back under the file's lock; a file that cannot be read is never written. */
  private update(change: (users: StoredUser[]) => StoredUser[]): void {
    mkdirSync(dirname(this.path), { recursive: true });
    withFileLock(this.path, () => writeUsersFile(this.path, change(readUsersFile(this.path).users)));
    this.refresh();
  }

  private refuseTaken(userName: string, users: StoredUser[]): void {
    const taken = users.find((u) => u.userName.toLowerCase() === userName.toLowerCase());
    if (!taken) return;
    const note = taken.userName === userName ? '' : ' (names differing only in case count as one)';
    throw new FlintError('BAD_REQUEST', `user "${taken.userName}" already exists in ${this.path}${note}`);
  }

  private notFound(userName: string): FlintError {
    return new FlintError('NOT_FOUND', `user ${JSON.stringify(userName)} does not exist in ${this.path}`);
  }

  private dummyHash(): Promise<PasswordHash> {
    this.dummy ??= hashPassword(randomBytes(16).toString('base64'), this.hashParams);
    return this.dummy;
  }
}
