import { SourceMapLookup } from '../../compiler/source-map.ts';
import type { SourceLocation } from '../../errors.ts';

/** Longer stack lines are not frames V8 wrote; a script can set any `stack` it likes. */
const MAX_FRAME_LENGTH = 2000;
const DIGITS = /^\d+$/;

interface Frame {
  fn?: string;
  file: string;
  line: number;
  column: number;
}

/**
 * Reads one V8 stack line (`    at fn (file:line:col)` or `    at file:line:col`) by cutting at its last
 * separators: a regular expression with lazy groups takes quadratic time on a crafted line, and a script could
 * use that to stall the sandbox host's main thread.
 */
function parseFrame(text: string): Frame | undefined {
  if (text.length > MAX_FRAME_LENGTH) return undefined;
  const line = text.trim();
  if (!line.startsWith('at ')) return undefined;
  let fn: string | undefined;
  let where = line.slice(3);
  if (where.endsWith(')')) {
    const open = where.lastIndexOf(' (');
    if (open < 0) return undefined;
    fn = where.slice(0, open);
    where = where.slice(open + 2, -1);
  }
  const columnAt = where.lastIndexOf(':');
  const lineAt = where.lastIndexOf(':', columnAt - 1);
  if (lineAt <= 0) return undefined;
  const [lineText, columnText] = [where.slice(lineAt + 1, columnAt), where.slice(columnAt + 1)];
  if (!DIGITS.test(lineText) || !DIGITS.test(columnText)) return undefined;
  return { fn, file: where.slice(0, lineAt), line: Number(lineText), column: Number(columnText) };
}

export interface MappedStack {
  /** The innermost frame in a user file. */
  location?: SourceLocation;
  /** Only the user's frames, mapped to their sources: no prelude and no host frames. */
  stack: string;
}

/** Maps positions in a project's transpiled modules back to the user's files, from the modules' source maps. */
export class StackMapper {
  private readonly mappings = new Map<string, string>();
  private readonly decoded = new Map<string, SourceMapLookup>();

  set(displayPath: string, mappings: string): void {
    this.mappings.set(displayPath, mappings);
    this.decoded.delete(displayPath);
  }

  delete(displayPath: string): void {
    this.mappings.delete(displayPath);
    this.decoded.delete(displayPath);
  }

  /** Maps one generated position; undefined when the file is not one of the project's modules. */
  mapPosition(file: string, line: number, column: number): SourceLocation | undefined {
    const mappings = this.mappings.get(file);
    if (mappings === undefined) return undefined;
    let lookup = this.decoded.get(file);
    if (!lookup) {
      lookup = new SourceMapLookup(mappings);
      this.decoded.set(file, lookup);
    }
    const mapped = lookup.lookup(line, column);
    return mapped ? { file, ...mapped } : { file, line, column };
  }

  mapFrame(text: string): SourceLocation | undefined {
    const frame = parseFrame(text);
    return frame ? this.mapPosition(frame.file, frame.line, frame.column) : undefined;
  }

  mapStack(stack: string | undefined): MappedStack {
    if (!stack) return { stack: '' };
    const frames: string[] = [];
    let location: SourceLocation | undefined;
    for (const line of stack.split('\n')) {
      const frame = parseFrame(line);
      const mapped = frame && this.mapPosition(frame.file, frame.line, frame.column);
      if (!mapped) continue;
      location ??= mapped;
      const where = `${mapped.file}:${mapped.line}:${mapped.column}`;
      frames.push(frame.fn ? `    at ${frame.fn} (${where})` : `    at ${where}`);
    }
    return { location, stack: frames.join('\n') };
  }
}
