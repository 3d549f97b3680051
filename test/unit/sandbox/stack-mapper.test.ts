import { describe, expect, it } from 'vitest';
import { StackMapper } from '../../../engine/sandbox/host/stack-mapper.ts';

// One line of generated code mapped to itself: "AAAA" maps generated 1:1 to source 1:1.
const FILE = 'projects/p/gateway-events/message/h.ts';

function mapper(): StackMapper {
  const m = new StackMapper();
  m.set(FILE, 'AAAA');
  return m;
}

describe('StackMapper', () => {
  it('keeps the frames in the project’s files, with and without a function name', () => {
    const stack = [
      'Error: boom',
      `    at inner (${FILE}:1:1)`,
      `    at async Promise.all (index 0)`,
      `    at ${FILE}:1:1`,
      '    at flint:prelude:12:7',
      '    at new Thing (/host/secret.js:3:4)',
    ].join('\n');
    const mapped = mapper().mapStack(stack);
    expect(mapped.location).toEqual({ file: FILE, line: 1, column: 1 });
    expect(mapped.stack).toBe(`    at inner (${FILE}:1:1)\n    at ${FILE}:1:1`);
  });

  it('reads the source location of a log call’s frame', () => {
    expect(mapper().mapFrame(`    at Object.default (${FILE}:1:1)`)).toEqual({ file: FILE, line: 1, column: 1 });
    expect(mapper().mapFrame('    at somewhere else')).toBeUndefined();
    expect(mapper().mapFrame(`    at (${FILE}:x:1)`)).toBeUndefined();
  });

  it('ignores crafted lines that are not frames, however long', () => {
    const crafted = 'at ' + ':1:1 ('.repeat(3500);
    expect(mapper().mapStack(`${crafted}\n${crafted})`)).toEqual({ location: undefined, stack: '' });
    expect(mapper().mapFrame(`    at f (${'x'.repeat(5000)}${FILE}:1:1)`)).toBeUndefined();
  });
});
