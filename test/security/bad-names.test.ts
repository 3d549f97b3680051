// Attack: project and handler names with `..`, slashes or NUL (path traversal, truncation) in
// system.util.sendRequest and sendMessage, first as they are, then smuggled past the sandbox's own argument
// check by replacing RegExp (the host checks again), and through the gateway API and HTTP.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { expectServing, logsOf, sandboxPid, script } from './hostile.ts';

const BAD_NAMES = [
  '..',
  '../bystander',
  'bystander/../bystander',
  'bystander\u0000',
  '\u0000',
  'ping\u0000.ts',
  '.hidden',
  '',
  'a\\b',
  'x'.repeat(200),
];

const t = useGateway({
  bystander: {
    files: {
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  system.util.getLogger('ping').info('pinged');\n  return { pong: payload.n };\n}\n`,
    },
  },
  hostile: {
    files: {
      'gateway-events/message/tries.ts': script(`
  const results: Record<string, string> = {};
  const attempt = async (label: string, call: () => unknown) => {
    try { await call(); results[label] = 'CROSSED'; } catch (e: any) { results[label] = e.code + ' ' + e.message; }
  };
  const realRegExp = RegExp;
  if (payload.smuggle) (globalThis as any).RegExp = function () { return { test: () => true }; };
  try {
    for (const [i, name] of (payload.names as string[]).entries()) {
      await attempt('project ' + i, () => system.util.sendRequest(name, 'ping', { n: 1 }));
      await attempt('handler ' + i, () => system.util.sendRequest('bystander', name, { n: 1 }));
      await attempt('message ' + i, () => system.util.sendMessage(name, 'ping', { n: 1 }, 'G'));
      await attempt('messageHandler ' + i, () => system.util.sendMessage('bystander', name, { n: 1 }, 'G'));
      await attempt('remoteServer ' + i, () => system.util.sendRequest('bystander', 'ping', { n: 1 }, name));
    }
  } finally {
    (globalThis as any).RegExp = realRegExp;
  }
  return results;`),
    },
  },
});

const PARAM: Record<string, string> = {
  project: 'system.util.sendRequest: argument 1 "project"',
  handler: 'system.util.sendRequest: argument 2 "messageHandler"',
  message: 'system.util.sendMessage: argument 1 "project"',
  messageHandler: 'system.util.sendMessage: argument 2 "messageHandler"',
  remoteServer: 'system.util.sendRequest: argument 4 "remoteServer"',
};

function expectRefused(results: Record<string, string>): void {
  expect(Object.keys(results)).toHaveLength(BAD_NAMES.length * 5);
  for (const [label, result] of Object.entries(results)) {
    const [param] = label.split(' ');
    expect(result, label).toMatch(/^BAD_ARGUMENT /);
    expect(result, label).toContain(`${PARAM[param]} must match /^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,127}$/`);
  }
}

describe('names with .., slashes or NUL', () => {
  it('are refused inside the script with BAD_ARGUMENT', async () => {
    expectRefused((await t.request('hostile', 'tries', { names: BAD_NAMES })) as Record<string, string>);
  });

  it('smuggled past the sandbox’s own check are refused by the host with BAD_ARGUMENT', async () => {
    const pid = sandboxPid(t, 'hostile');
    expectRefused((await t.request('hostile', 'tries', { names: BAD_NAMES, smuggle: true })) as Record<string, string>);
    expect(sandboxPid(t, 'hostile')).toBe(pid);
  });

  it('never reached a handler', () => {
    expect(logsOf(t, 'bystander', 'pinged')).toEqual([]);
  });

  it('are unknown to the gateway API', async () => {
    for (const name of BAD_NAMES) {
      await expect(t.request(name, 'ping', {}), JSON.stringify(name)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(t.request('bystander', name, {}), JSON.stringify(name)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(() => t.gateway.message(name, 'ping', {}), JSON.stringify(name)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    }
    expect(logsOf(t, 'bystander', 'pinged')).toEqual([]);
  });

  it('are refused over HTTP: 400, or 404 where the server resolved a ".." segment of the URL', async () => {
    const server = await t.http();
    // node:http sends the path as written; fetch would resolve ".." segments (even as %2E%2E) before sending
    const post = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: server.port,
            path,
            method: 'POST',
            headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end('{"payload":{}}');
      });
    for (const name of BAD_NAMES.filter((n) => n !== '')) {
      for (const encoded of [encodeURIComponent(name), encodeURIComponent(name).replace(/\./g, '%2E')]) {
        const refused = /^[.%2Ee]+$/.test(encoded) ? [400, 404] : [400];
        expect(refused, `${encoded} as project`).toContain(await post(`/api/projects/${encoded}/request/ping`));
        expect(refused, `${encoded} as handler`).toContain(await post(`/api/projects/bystander/request/${encoded}`));
      }
    }
    expect(logsOf(t, 'bystander', 'pinged')).toEqual([]);
  });

  it('leave the gateway up and the other project answering', async () => {
    await expectServing(t);
  });
});
