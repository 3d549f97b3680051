import { SourceMapLookup } from '../../compiler/source-map.ts';
import type { SourceLocation } from '../../errors.ts';

const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

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

  mapFrame(frame: string): SourceLocation | undefined {
    const m = FRAME.exec(frame);
    return m ? this.mapPosition(m[2], Number(m[3]), Number(m[4])) : undefined;
  }

  mapStack(stack: string | undefined): MappedStack {
    if (!stack) return { stack: '' };
    const frames: string[] = [];
    let location: SourceLocation | undefined;
    for (const line of stack.split('\n')) {
      const m = FRAME.exec(line);
      if (!m) continue;
      const mapped = this.mapPosition(m[2], Number(m[3]), Number(m[4]));
      if (!mapped) continue;
      location ??= mapped;
      const where = `${mapped.file}:${mapped.line}:${mapped.column}`;
      frames.push(m[1] ? `    at ${m[1]} (${where})` : `    at ${where}`);
    }
    return { location, stack: frames.join('\n') };
  }
}
