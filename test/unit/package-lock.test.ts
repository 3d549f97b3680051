// `npm install` rewrites the lock's root entry from package.json: when the two disagree, a fresh clone's
// `npm install` leaves package-lock.json modified. (Flint declares no `engines`: the Node.js 24 it runs on comes
// from the pinned `node` package, whatever Node.js runs npm; bin/flint.mjs refuses an older one.)
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));

it("package-lock.json's root entry matches package.json", () => {
  const pkg = read('package.json');
  const { name, version, dependencies, devDependencies, bin, engines, license } = pkg;
  const expected = Object.fromEntries(
    Object.entries({ name, version, dependencies, devDependencies, bin, engines, license }).filter(([, v]) => v !== undefined),
  );
  expect(read('package-lock.json').packages['']).toEqual(expected);
});
