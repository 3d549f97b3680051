import { lstat, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { FlintError } from '../errors.ts';
import { isValidName } from '../names.ts';
import { classify, type Resource } from '../projects/resources.ts';

/** The largest file the editor reads or writes: far above any script, small enough that a stray paste cannot fill the disk. */
export const MAX_EDITOR_FILE_BYTES = 1024 * 1024;
const MAX_PATH_LENGTH = 512;

/** A project file the editor may touch: the project's folder, the path inside it, and what the layout says it is. */
export interface EditorPath {
  project: string;
  /** Posix, project-relative, checked. */
  relPath: string;
  /** Absolute path on this machine. */
  absolute: string;
  resource: Exclude<Resource, { kind: 'ignored' }>;
}

const refuse = (message: string) => new FlintError('BAD_REQUEST', message);

/**
 * Why `relPath` is not a path the editor may write, or undefined. Checked as text first, before anything touches the
 * disk: one string, posix separators only, no absolute path, no NUL or other control character, no backslash, every
 * segment one Flint name (ASCII letters, digits, `_ . -` and spaces, never `.` or `..` or hidden, so no `.git/` and no
 * Unicode look-alike of a dot or slash), and a place in the project layout (engine/projects/resources.ts).
 */
export function pathProblem(relPath: unknown): string | undefined {
  if (typeof relPath !== 'string' || relPath.length === 0) return 'path must be a non-empty string';
  if (relPath.length > MAX_PATH_LENGTH) return `path is longer than ${MAX_PATH_LENGTH} characters`;
  const shown = JSON.stringify(relPath);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(relPath)) return `path ${shown} contains a control character (NUL included)`;
  if (relPath.includes('\\')) return `path ${shown} contains a backslash; use / between folders`;
  if (relPath.startsWith('/')) return `path ${shown} is absolute; give it relative to the project folder`;
  for (const segment of relPath.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return `path ${shown} has an empty, "." or ".." segment`;
    if (segment.startsWith('.')) return `path ${shown} names a hidden file or folder ("${segment}"); the editor does not touch them`;
    if (!isValidName(segment))
      return `path ${shown}: "${segment}" is not a valid name (1 to 128 ASCII letters, digits, _ . - or spaces, starting with a letter, digit or _)`;
  }
  const resource = classify(relPath);
  if (resource.kind === 'ignored') return `path ${shown} is not part of the project layout (${resource.reason})`;
  return undefined;
}

/**
 * Resolves a project and a path inside it for the editor, or throws BAD_REQUEST / NOT_FOUND. After the text checks of
 * `pathProblem`, every existing component from the projects folder down is looked at without following links: a
 * symbolic link anywhere on the way (the project folder itself included) is refused, and the real path of the deepest
 * existing folder must still be inside the projects folder.
 */
export async function resolveEditorPath(projectsDir: string, project: string, relPath: unknown): Promise<EditorPath> {
  if (typeof project !== 'string' || !isValidName(project))
    throw refuse(`project ${JSON.stringify(project)} is not a valid project name (1 to 128 letters, digits, _ . - or spaces)`);
  const problem = pathProblem(relPath);
  if (problem) throw refuse(problem);
  const rel = relPath as string;
  const projectDir = join(projectsDir, project);
  const root = await realpath(projectsDir);
  let current = projectDir;
  let deepestFolder = projectDir;
  for (const part of ['', ...rel.split('/')]) {
    current = part ? join(current, part) : current;
    const stats = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      if (error.code === 'ENOTDIR') throw refuse(`path ${JSON.stringify(rel)} goes through a file as if it were a folder`);
      throw error;
    });
    if (!stats) {
      if (part === '') throw new FlintError('NOT_FOUND', `project "${project}" does not exist`);
      break;
    }
    if (stats.isSymbolicLink())
      throw refuse(`path ${JSON.stringify(rel)} goes through a symbolic link ("${part || project}"); the editor does not follow links`);
    const last = current === join(projectDir, rel);
    if (stats.isDirectory() && last) throw refuse(`path ${JSON.stringify(rel)} is a folder, not a file`);
    if (stats.isDirectory()) deepestFolder = current;
    else if (!last) throw refuse(`path ${JSON.stringify(rel)} goes through a file as if it were a folder`);
    else if (!stats.isFile()) throw refuse(`path ${JSON.stringify(rel)} is not a regular file`);
  }
  const real = await realpath(deepestFolder);
  if (real !== root && !real.startsWith(root + sep)) throw refuse(`path ${JSON.stringify(rel)} leads outside the projects folder`);
  return { project, relPath: rel, absolute: join(projectDir, rel), resource: classify(rel) as EditorPath['resource'] };
}
