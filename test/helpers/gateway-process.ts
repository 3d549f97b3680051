// A real gateway process (`flint start`, bin/flint.mjs) on a free port, for tests that kill it: its own process group,
// so that SIGKILL of the group takes its sandbox processes too, and its output kept for the test to read.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './wait-for.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface GatewayProcess {
  output(): string;
  /** The session endpoint, once the gateway listens and has loaded its projects. */
  sessionUrl(projects: number): Promise<string>;
  /** SIGKILL of the whole process group; resolves once the gateway exited. */
  kill(): Promise<void>;
}

export function startGatewayProcess(options: { projects: string; data: string; tags: string }): GatewayProcess {
  const args = ['--no-node-snapshot', join(ROOT, 'bin/flint.mjs'), 'start', '--port', '0', '--projects', options.projects];
  const child = spawn(process.execPath, [...args, '--data', options.data, '--tags', options.tags], { detached: true });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    async sessionUrl(projects) {
      const found = await waitFor(() => /listening on (http:\/\/\S+)/.exec(output), 30_000, 'the gateway listening');
      await waitFor(() => output.includes(`started with ${projects} projects`), 30_000, 'the projects loaded');
      return `${found![1].replace('http', 'ws')}/session`;
    },
    async kill() {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
  };
}
