import { afterEach, describe, expect, it } from 'vitest';
import { handler, startGateway, type TestGateway } from '../helpers/fixture.ts';

let t: TestGateway;
afterEach(() => t?.stop());

const beats = (tag: string) => t.logs((r) => r.logger === 'beat' && r.message === tag).length;
const stopsGrowing = async (count: () => number) => {
  await t.waitFor(
    async () => {
      const before = count();
      await new Promise((r) => setTimeout(r, 120));
      return count() === before;
    },
    5000,
    'the timer to stop',
  );
};

describe('setTimeout and setInterval inside scripts', () => {
  it('run callbacks, and an awaited setTimeout works inside a handler', async () => {
    t = await startGateway({
      p: {
        files: {
          'gateway-events/message/wait.ts': `export default async function () {\n  await new Promise((r) => setTimeout(r, 30));\n  let n = 0;\n  const id = setInterval(() => { if (++n === 3) clearInterval(id); }, 10);\n  await new Promise((r) => setTimeout(r, 200));\n  return n;\n}\n`,
        },
      },
    });
    expect(await t.request('p', 'wait')).toBe(3);
  });

  it('are cleared when the module that started them reloads', async () => {
    const source = (tag: string) =>
      `setInterval(() => system.util.getLogger('beat').info('${tag}'), 15);\nexport default () => '${tag}';\n`;
    t = await startGateway({ p: { files: { 'gateway-events/message/beat.ts': source('v1') } } });
    await t.waitFor(() => beats('v1') >= 2, 5000, 'v1 beats');
    t.write('p', 'gateway-events/message/beat.ts', source('v2'));
    await t.waitFor(() => beats('v2') >= 2, 5000, 'v2 beats');
    await stopsGrowing(() => beats('v1'));
  });

  it('are cleared when the project unloads', async () => {
    t = await startGateway({
      p: {
        files: {
          'gateway-events/startup.ts': `export default () => { setInterval(() => system.util.getLogger('beat').info('up'), 15); };\n`,
          'gateway-events/message/x.ts': handler('1'),
        },
      },
    });
    await t.waitFor(() => beats('up') >= 2, 5000, 'beats');
    t.write('p', 'project.json', '{"enabled": false}');
    await stopsGrowing(() => beats('up'));
  });

  it('report a throwing callback with its file:line and keep the project serving', async () => {
    t = await startGateway({
      p: {
        files: {
          'gateway-events/message/later.ts': `export default function () {\n  setTimeout(() => {\n    throw new Error('late failure');\n  }, 5);\n  return 'scheduled';\n}\n`,
        },
      },
    });
    expect(await t.request('p', 'later')).toBe('scheduled');
    const record = await t.waitFor(() => t.logs((r) => /late failure/.test(r.message))[0], 5000, 'the timer error');
    expect(record).toMatchObject({ level: 'error', project: 'p', source: { line: 3, file: expect.stringMatching(/later\.ts$/) } });
    expect(await t.request('p', 'later')).toBe('scheduled');
  });
});
