import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FlintError } from '../errors.ts';
import { passwordHashProblem, type PasswordHash } from './password-hash.ts';
import { rolesProblem, userNameProblem } from './user-rules.ts';

/** One user as `<data>/users.json` holds it. */
export interface StoredUser {
  userName: string;
  roles: string[];
  password: PasswordHash;
}

export const USERS_FILE = 'users.json';
const FORMAT_VERSION = 1;
/** How long a writer waits for another writer's lock, and when a lock is taken to be left behind by a process that died. */
const LOCK_WAIT_MS = 5000;
const LOCK_STALE_MS = 10_000;

/** One version of the file on disk: a rename gives a new inode, an edit in place a new size or times; `missing` when there is none. */
export type FileStamp = string;

export function stampOf(path: string): FileStamp {
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    return stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}` : 'missing';
  } catch (error) {
    return `unreadable:${(error as NodeJS.ErrnoException).code}`;
  }
}

function invalid(path: string, problem: string): FlintError {
  return new FlintError(
    'DATA_FILE_INVALID',
    `users file ${path} ${problem}; fix it or move it away (Flint never overwrites a users file it cannot read)`,
  );
}

/** Reads and checks the users file: no file is no users; anything unreadable or malformed throws DATA_FILE_INVALID naming the file. */
export function readUsersFile(path: string): { users: StoredUser[]; stamp: FileStamp } {
  let text: string;
  let stamp: FileStamp;
  try {
    const fd = openSync(path, 'r');
    try {
      // The stamp of the very file read, taken before reading it: a change after this gives another stamp, so it is read again.
      const stat = fstatSync(fd);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { users: [], stamp: 'missing' };
    throw invalid(path, `cannot be read (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `is not valid JSON (${(error as Error).message})`);
  }
  return { users: parseUsers(path, value), stamp };
}

function parseUsers(path: string, value: unknown): StoredUser[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, 'must hold a JSON object');
  const file = value as Record<string, unknown>;
  if (file.version !== FORMAT_VERSION) throw invalid(path, `must have "version": ${FORMAT_VERSION}; found ${JSON.stringify(file.version)}`);
  const extra = Object.keys(file).find((key) => key !== 'version' && key !== 'users');
  if (extra !== undefined) throw invalid(path, `has an unknown key ${JSON.stringify(extra)}; allowed: version, users`);
  if (!Array.isArray(file.users)) throw invalid(path, 'must have "users": a list of users');
  const names = new Set<string>();
  return (file.users as unknown[]).map((entry, index) => {
    const where = `users[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalid(path, `${where} must be an object`);
    const user = entry as Record<string, unknown>;
    const extraKey = Object.keys(user).find((key) => !['userName', 'roles', 'password'].includes(key));
    if (extraKey !== undefined) throw invalid(path, `${where} has an unknown key ${JSON.stringify(extraKey)}`);
    const problem = userNameProblem(user.userName) ?? rolesProblem(user.roles);
    if (problem) throw invalid(path, `${where}: ${problem}`);
    const hashProblem = passwordHashProblem(user.password);
    if (hashProblem) throw invalid(path, `${where} (${JSON.stringify(user.userName)}): password ${hashProblem}`);
    const folded = (user.userName as string).toLowerCase();
    if (names.has(folded))
      throw invalid(path, `${where}: user name ${JSON.stringify(user.userName)} appears twice (names differing only in case count as one)`);
    names.add(folded);
    return user as unknown as StoredUser;
  });
}

/** Replaces the users file at once: a reader sees the old file or the new one, never half of one. Owner-only (0600). */
export function writeUsersFile(path: string, users: StoredUser[]): void {
  const text = JSON.stringify({ version: FORMAT_VERSION, users }, null, 2) + '\n';
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncFolder(dirname(path));
}

/** So the rename itself survives a power cut. Some file systems cannot sync a folder; the rename is still atomic there. */
function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort, as above
  }
}

/**
 * Runs `change` holding `<file>.lock`, so two `flint user` commands at once cannot each read the file, change it and
 * write it back, losing one change. The lock is a file created exclusively; one older than 10 s is a dead writer's.
 */
export function withFileLock<T>(path: string, change: () => T): T {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { force: true });
      else if (Date.now() > deadline)
        throw new FlintError('TIMEOUT', `another process holds ${lock}; if no flint user command is running, delete that file`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return change();
  } finally {
    // force: a lock another writer took for stale and removed must not hide what `change` threw.
    rmSync(lock, { force: true });
  }
}
