/**
 * Just enough of the source map v3 format to map a generated line:column back to the user's source:
 * decode the VLQ "mappings" once per module, then binary-search the generated line's segments.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** [generatedColumn, sourceLine, sourceColumn], all 0-based. */
type Segment = [number, number, number];

export class SourceMapLookup {
  private readonly lines: Segment[][] = [];

  constructor(mappings: string) {
    let sourceLine = 0;
    let sourceColumn = 0;
    for (const line of mappings.split(';')) {
      const segments: Segment[] = [];
      let generatedColumn = 0;
      for (const text of line.split(',')) {
        if (!text) continue;
        const fields = decodeVlq(text);
        generatedColumn += fields[0];
        // fields[1] is the source index: always 0, as each module is transpiled on its own.
        if (fields.length >= 4) {
          sourceLine += fields[2];
          sourceColumn += fields[3];
          segments.push([generatedColumn, sourceLine, sourceColumn]);
        }
      }
      this.lines.push(segments);
    }
  }

  /** Maps a 1-based generated position to a 1-based source position, or undefined when unmapped. */
  lookup(line: number, column: number): { line: number; column: number } | undefined {
    const segments = this.lines[line - 1];
    if (!segments || segments.length === 0) return undefined;
    const col = column - 1;
    let lo = 0;
    let hi = segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid][0] <= col) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const [, srcLine, srcCol] = segments[found];
    return { line: srcLine + 1, column: srcCol + 1 };
  }
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`invalid source map character ${JSON.stringify(char)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
