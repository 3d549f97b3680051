/**
 * Where each value of a JSON text starts, by its path of keys and indexes, so that a definitions file's diagnostic
 * points at the line and column of the offending tag (`tags/default.json:12:7`), not only at the file. Runs on text
 * that JSON.parse has accepted (syntax errors are located by engine/projects/json-file.ts), so it does not check syntax.
 */
export type JsonPath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

export function jsonPositions(text: string): (path: JsonPath) => Position {
  const offsets = new Map<string, number>();
  let i = 0;
  const skip = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const stringEnd = (from: number): number => {
    let j = from + 1;
    while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  };
  const value = (path: (string | number)[]): void => {
    skip();
    offsets.set(path.join('\u0000'), i);
    const c = text[i];
    if (c === '{') {
      i++;
      skip();
      while (text[i] !== '}') {
        const end = stringEnd(i);
        const key = JSON.parse(text.slice(i, end)) as string;
        i = end;
        skip();
        i++; // the colon
        value([...path, key]);
        skip();
        if (text[i] === ',') i++;
        skip();
      }
      i++;
    } else if (c === '[') {
      i++;
      skip();
      let index = 0;
      while (text[i] !== ']') {
        value([...path, index++]);
        skip();
        if (text[i] === ',') i++;
        skip();
      }
      i++;
    } else if (c === '"') i = stringEnd(i);
    else while (i < text.length && !',]} \t\n\r'.includes(text[i])) i++;
  };
  value([]);
  return (path) => {
    // The nearest enclosing value that has a position (a missing key is reported at its object).
    for (let n = path.length; n >= 0; n--) {
      const offset = offsets.get(path.slice(0, n).join('\u0000'));
      if (offset === undefined) continue;
      const before = text.slice(0, offset).split('\n');
      return { line: before.length, column: before[before.length - 1].length + 1 };
    }
    return { line: 1, column: 1 };
  };
}
