import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** Every file under a project folder, as posix project-relative paths (hidden folders and node_modules skipped). */
export async function listProjectFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((p) => !p.split('/').some((part) => part.startsWith('.') || part === 'node_modules'))
    .sort();
}

/** The file's text, or undefined when it no longer exists. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw error;
  }
}

/** How a path is shown to users: relative to the working directory when inside it, posix separators. */
export function displayPathOf(absolute: string): string {
  const rel = relative(process.cwd(), absolute);
  return (rel.startsWith('..') ? absolute : rel).split(sep).join('/');
}
