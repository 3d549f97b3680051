// Issue 10, fault 3: the gateway's own folders are nobody's business. Timeouts, compile errors, runtime errors with
// their stacks and load failures name a file as projects/<project>/<path>, in status, diagnostics, API answers, log
// records of the project and whatever a script can see; the absolute path of the projects folder appears nowhere.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../api/server.ts';
import { FlintError } from '../../engine/errors.ts';
import { useGateway } from '../helpers/fixture.ts';
import { script } from './hostile.ts';

const t = useGateway({
  box: {
    config: { limits: { timeoutMs: 1000 } },
    files: {
      'gateway-events/message/attack.ts': `export default function () {\n  while (true) {}\n}\n`,
      'gateway-events/message/throws.ts': `export default function () {\n  throw new Error('thrown on purpose');\n}\n`,
      'gateway-events/message/stack.ts': `export default function () {\n  return new Error('where am I').stack;\n}\n`,
      'gateway-events/message/broken.ts': `export default function ( {\n`,
      'gateway-events/message/failsToLoad.ts': `throw new Error('top level');\nexport default function () {}\n`,
      'gateway-events/timer/tick.ts': `export default function () {\n  throw new Error('timer failed');\n}\n`,
      'gateway-events/timer/tick.json': JSON.stringify({ delayMs: 200 }),
    },
  },
  caller: {
    files: {
      // What a script in another project sees of box's failures: message, stack, code and location.
      'gateway-events/message/peek.ts': script(`
  const seen: unknown[] = [];
  for (const handler of ['attack', 'throws', 'missing']) {
    try {
      await system.util.sendRequest('box', handler, {}, undefined, 5);
    } catch (e: any) {
      seen.push({ message: e.message, stack: e.stack, code: e.code, location: e.location, text: String(e) });
    }
  }
  seen.push(await system.util.sendRequest('box', 'stack', {}));
  return seen;`),
    },
  },
});

let http: RunningServer;
beforeAll(async () => {
  http = await t.http();
});

async function get(path: string): Promise<string> {
  const response = await fetch(http.url + path, { headers: { authorization: `Bearer ${http.adminToken}` } });
  return response.text();
}

async function post(path: string, body: unknown): Promise<string> {
  const init = {
    method: 'POST',
    headers: { authorization: `Bearer ${http.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
  return (await fetch(http.url + path, init)).text();
}

/** Fails when `text` contains the projects folder (or the temp folder around it) as the gateway sees it. */
function expectNoGatewayPath(text: string, what: string): void {
  expect(text, what).not.toContain(t.projectsDir);
  expect(text, what).not.toContain(t.root);
}

describe('a project file, as scripts and API clients see it', () => {
  it('is projects/<project>/<path> in a timeout, a runtime error and a stack, through the API and in the script', async () => {
    const timeout = (await t.request('box', 'attack').catch((e: unknown) => e)) as FlintError;
    expect(timeout.code).toBe('TIMEOUT');
    expect(timeout.message).toBe('box/attack: projects/box/gateway-events/message/attack.ts timed out after 1000 ms');
    const thrown = (await t.request('box', 'throws').catch((e: unknown) => e)) as FlintError;
    expect(thrown).toMatchObject({ code: 'SCRIPT_ERROR', location: { file: 'projects/box/gateway-events/message/throws.ts', line: 2 } });
    expect(await t.request('box', 'stack')).toContain('projects/box/gateway-events/message/stack.ts:2');

    const answers = [
      await post('/api/projects/box/request/attack', { payload: {} }),
      await post('/api/projects/box/request/throws', { payload: {} }),
      await post('/api/projects/box/request/stack', { payload: {} }),
      await post('/api/projects/box/request/broken', { payload: {} }),
    ];
    expect(answers[0]).toContain('projects/box/gateway-events/message/attack.ts timed out after 1000 ms');
    for (const answer of answers) expectNoGatewayPath(answer, answer);

    const seen = JSON.stringify(await t.request('caller', 'peek', {}, 10));
    expect(seen).toContain('projects/box/gateway-events/message/throws.ts');
    expect(seen).toContain('projects/box/gateway-events/message/stack.ts');
    expectNoGatewayPath(seen, seen);
  });

  it('is projects/<project>/<path> in diagnostics (compile errors, load failures), status and log records', async () => {
    await t.waitFor(() => t.logs((r) => r.project === 'box' && r.message.includes('timer failed')).length > 0, 5000, 'the failing timer');
    const diagnostics = await get('/api/diagnostics');
    expect(JSON.parse(diagnostics)).toMatchObject({
      diagnostics: expect.arrayContaining([
        expect.objectContaining({ project: 'box', file: 'projects/box/gateway-events/message/broken.ts' }),
        expect.objectContaining({
          project: 'box',
          file: 'projects/box/gateway-events/message/failsToLoad.ts',
          message: expect.stringContaining('top level'),
        }),
      ]),
    });
    const texts = {
      diagnostics,
      status: await get('/api/status'),
      box: await get('/api/projects/box'),
      logs: await get('/api/logs?project=box'),
    };
    for (const [what, text] of Object.entries(texts)) expectNoGatewayPath(text, what);
    expectNoGatewayPath(JSON.stringify(t.gateway.status()), 'status');
    expectNoGatewayPath(JSON.stringify(t.logs((r) => r.project !== undefined)), 'log records of projects');
  });
});
