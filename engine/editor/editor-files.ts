import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FlintError } from '../errors.ts';
import { MAX_EDITOR_FILE_BYTES, type EditorPath } from './editor-paths.ts';

/** What the editor last read of a file: the file's version is the SHA-256 of its bytes, so any change on disk changes it. */
export const versionOf = (bytes: Buffer | string) => 'sha256:' + createHash('sha256').update(bytes).digest('base64url');

/** The file's bytes, or undefined when it does not exist. */
export async function readBytes(path: EditorPath): Promise<Buffer | undefined> {
  try {
    return await readFile(path.absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The file as the editor opens it; NOT_FOUND when it is not there, BAD_REQUEST when it is too large or not text. */
export async function readText(path: EditorPath): Promise<{ content: string; version: string }> {
  const bytes = await readBytes(path);
  if (!bytes) throw new FlintError('NOT_FOUND', `projects/${path.project}/${path.relPath} does not exist`);
  if (bytes.length > MAX_EDITOR_FILE_BYTES)
    throw new FlintError('BAD_REQUEST', `projects/${path.project}/${path.relPath} is larger than ${MAX_EDITOR_FILE_BYTES} bytes`);
  const content = bytes.toString('utf8');
  if (!Buffer.from(content, 'utf8').equals(bytes))
    throw new FlintError('BAD_REQUEST', `projects/${path.project}/${path.relPath} is not UTF-8 text`);
  return { content, version: versionOf(bytes) };
}

const TEMP_SUFFIX = '.flint-tmp';
/** The name writeAtomically gives its temporary file: hidden, the target's name, 12 hex digits, the suffix. */
const TEMP_NAME = /^\..+\.[0-9a-f]{12}\.flint-tmp$/;

/**
 * Removes the temporary files of saves that a crash (kill -9, power loss) cut short, before the projects load: they
 * are hidden, so the loader and the watcher never take them for scripts, but nothing else would ever remove them.
 * Only files older than `before` (the gateway's start) go, and only below folders that are not hidden or links.
 */
export async function removeStaleTemporaryFiles(projectsDir: string, before: number): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(path);
      else if (entry.isFile() && TEMP_NAME.test(entry.name)) {
        const stats = await lstat(path).catch(() => undefined);
        if (
          stats &&
          stats.mtimeMs < before &&
          (await unlink(path).then(
            () => true,
            () => false,
          ))
        )
          removed.push(path);
      }
    }
  };
  await walk(projectsDir);
  return removed;
}

/**
 * Writes the file atomically: the bytes go to a hidden temporary file in the same folder (the watcher and the loader
 * skip hidden names), are flushed to disk, and the temporary file is renamed over the target. A crash at any moment
 * leaves either the old file or the new one, never a truncated one; the temporary file is removed on failure.
 */
export async function writeAtomically(path: EditorPath, content: string): Promise<string> {
  const bytes = Buffer.from(content, 'utf8');
  await mkdir(dirname(path.absolute), { recursive: true });
  const temp = join(dirname(path.absolute), `.${basename(path.absolute)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path.absolute);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return versionOf(bytes);
}
