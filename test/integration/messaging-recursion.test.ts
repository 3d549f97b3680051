// A handler that calls itself until a quota stops it: each level used to prefix the error with its name again,
// so the caller got `lab/recurse: ` hundreds of times over.
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';

const t = useGateway({
  lab: {
    files: {
      'gateway-events/message/recurse.ts': `export default async function () {\n  return system.util.sendRequest('lab', 'recurse', {});\n}\n`,
      'gateway-events/message/outer.ts': `export default async function () {\n  return system.util.sendRequest('lab', 'recurse', {});\n}\n`,
    },
  },
});

async function failureOf(handler: string): Promise<string> {
  const error = await t.request('lab', handler).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error!.message;
}

describe('the error of a recursive handler chain', () => {
  it('names the recursing handler once', async () => {
    const message = await failureOf('recurse');
    expect(message.startsWith('lab/recurse: ')).toBe(true);
    expect(message.split('lab/recurse: ').length - 1).toBe(1);
    expect(message.length).toBeLessThan(500);
  });

  it('still names each different handler of the chain', async () => {
    const message = await failureOf('outer');
    expect(message).toMatch(/^lab\/outer: lab\/recurse: /);
    expect(message.split('lab/recurse: ').length - 1).toBe(1);
  });
});
