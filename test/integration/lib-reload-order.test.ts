// A lib edit re-evaluates every module that imports it, directly or through another lib: the handler must see
// the new version through every path, whatever order the project's modules happen to be kept in.
import { expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';

const A = `import { bv } from './b';\nexport const a = () => bv;\n`;

const t = useGateway({
  p: {
    files: {
      'gateway-events/message/h.ts': `import { a } from '../../lib/a';\nimport { bv } from '../../lib/b';\nexport default function () {\n  return [a(), bv];\n}\n`,
      'lib/a.ts': A,
      'lib/b.ts': `export const bv = 1;\n`,
    },
  },
});

/** Past the watcher's debounce, then until the project has applied every change. */
async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await t.gateway.projects.settled();
}

it('a handler sees a changed lib through a lib that imports it, with the importing lib kept after the handler', async () => {
  // Deleting and re-adding lib/a puts it after the handler in the project's own order of modules.
  t.remove('p', 'lib/a.ts');
  await settled();
  t.write('p', 'lib/a.ts', A);
  await settled();
  expect(await t.request('p', 'h')).toEqual([1, 1]);
  t.write('p', 'lib/b.ts', `export const bv = 2;\n`);
  await t.waitFor(async () => JSON.stringify(await t.request('p', 'h')) === '[2,2]', 5000, 'the handler to answer [2,2]');
});
