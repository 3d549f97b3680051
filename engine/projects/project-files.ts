import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** What a project folder holds: its files, and the symbolic links found in it (not followed, see docs/projects.md). */
export interface ProjectFolder {
  /** Posix project-relative paths of regular files, sorted. */
  files: string[];
  /** Posix project-relative paths of symbolic links (to files or folders), sorted. */
  links: string[];
}

const isSkipped = (name: string) => name.startsWith('.') || name === 'node_modules';

/**
 * Walks a project folder without following symbolic links (hidden folders and node_modules skipped). A recursive
 * readdir would descend into linked folders, and the watcher does not follow links: both must see the same files.
 */
export async function scanProjectFolder(dir: string): Promise<ProjectFolder> {
  const folder: ProjectFolder = { files: [], links: [] };
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      if (isSkipped(entry.name)) continue;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) folder.links.push(path);
      else if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) folder.files.push(path);
    }
  };
  await walk('');
  folder.files.sort();
  folder.links.sort();
  return folder;
}

/** Every file under a project folder, as posix project-relative paths (links, hidden folders and node_modules skipped). */
export async function listProjectFiles(dir: string): Promise<string[]> {
  return (await scanProjectFolder(dir)).files;
}

/** Whether `relPath`, or a folder on its way inside `dir`, is a symbolic link. A path that does not exist is not. */
export async function isLinkedPath(dir: string, relPath: string): Promise<boolean> {
  let path = dir;
  for (const part of relPath.split('/')) {
    path = join(path, part);
    try {
      if ((await lstat(path)).isSymbolicLink()) return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      throw error;
    }
  }
  return false;
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

/**
 * How the gateway shows a project file to scripts, API clients and the editor: `projects/<project>/<path>`, never the
 * gateway's own folder (issue 10, fault 3). Diagnostics, error messages, status and stack traces all use this spelling.
 */
export function projectDisplayPath(project: string, relPath: string): string {
  return `projects/${project}/${relPath}`;
}

/** How a path on this machine is shown to the CLI's user: relative to the working directory when inside it, posix separators. */
export function displayPathOf(absolute: string): string {
  const rel = relative(process.cwd(), absolute);
  return (rel.startsWith('..') ? absolute : rel).split(sep).join('/');
}
