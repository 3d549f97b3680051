// Shared by the hostile-script tests: a well-behaved project to keep asking, and the checks that the
// gateway is still up and serving after (or while) another project attacks it.
import { expect } from 'vitest';
import type { TestGateway } from '../helpers/fixture.ts';

/** An async gateway message handler whose body is `body` (`payload` in scope). */
export function script(body: string): string {
  return `export default async function (payload: any) {\n${body}\n}\n`;
}

/** A well-behaved project. By default it shares the sandbox process with the hostile one. */
export const bystander = {
  files: {
    'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
  },
};

let nextPing = 1;

/** A project whose `record` handler logs and returns what it received: shows whether anything crossed. */
export const receiver = {
  files: {
    'gateway-events/message/record.ts': `export default function (payload: any) {\n  system.util.getLogger('receiver').info('received ' + JSON.stringify(payload));\n  return payload;\n}\n`,
  },
};

/** `project` (the bystander by default) answers its ping handler, with the value it was given. */
export async function expectAnswers(t: TestGateway, project = 'bystander', timeoutSec = 5): Promise<void> {
  const n = nextPing++;
  expect(await t.request(project, 'ping', { n }, timeoutSec)).toEqual({ pong: n });
}

/** The gateway is up: GET /health answers within a second. */
export async function expectHealthy(t: TestGateway): Promise<void> {
  const server = await t.http();
  const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(1000) });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ status: 'ok' });
}

/** The gateway is up and another project still answers. */
export async function expectServing(t: TestGateway, project = 'bystander'): Promise<void> {
  await expectHealthy(t);
  await expectAnswers(t, project);
}

/** The pid of the sandbox process hosting `project`: an attack contained inside its isolate leaves it unchanged. */
export function sandboxPid(t: TestGateway, project: string): number | undefined {
  return t.gateway.supervisor.processOf(project)?.pid;
}

/** Log records of `project` whose message contains `text`. */
export function logsOf(t: TestGateway, project: string, text: string) {
  return t.logs((r) => r.project === project && r.message.includes(text));
}
