// The server of bench/session-idle.ts, in a fresh process so that its RSS is its own (the clients stay in the parent):
//   gateway <root>   a Gateway on <root>/projects with its HTTP server (the session route at /session)
//   raw              the plain ws server of bench/ws-raw.ts
// Ready value: `{ url }`. Each `{ t: 'read' }` is answered with an IdleReading after a full GC.
import { join } from 'node:path';
import { serve } from '../api/server.ts';
import { Gateway } from '../engine/gateway.ts';
import { gcNow, rssMb, serveParent } from './proc.ts';
import { sleep } from './stats.ts';
import { startRawSessionServer } from './ws-raw.ts';

export interface IdleReading {
  rss: number;
  /** JS heap in use after a full GC, MB: what the server retains, as opposed to RSS kept from a peak. */
  heap: number;
  /** Memory outside the JS heap that JS objects own (Buffers), MB. */
  external: number;
  /** The sandbox process of the project (gateway only; NaN for the raw server). */
  sandbox: number;
  /** Sessions the server holds (gateway) or sockets that said hello (raw). */
  sessions: number;
}

const [mode, root] = process.argv.slice(2);
let read: () => { sandboxPid?: number; sessions: number };
let url = '';

serveParent<{ id: number; t: string }>(
  async () => {
    if (mode === 'gateway') {
      const gateway = await Gateway.start({ projectsDir: join(root, 'projects'), dataDir: join(root, 'data'), stdoutLevel: 'off' });
      const api = await serve(gateway, 0);
      const project = gateway.projects.list()[0]?.name ?? '';
      url = `${api.url.replace('http', 'ws')}/session`;
      read = () => ({ sandboxPid: gateway.supervisor.processOf(project)?.pid, sessions: gateway.sessions.list().length });
    } else if (mode === 'raw') {
      const server = await startRawSessionServer();
      url = server.url;
      read = () => ({ sessions: server.sessions });
    } else throw new Error(`unknown mode "${mode}"`);
    return { url };
  },
  async (message) => {
    if (message.t !== 'read') throw new Error(`unknown request "${message.t}"`);
    await sleep(400);
    gcNow();
    await sleep(50);
    const { sandboxPid, sessions } = read();
    const memory = process.memoryUsage();
    return {
      rss: rssMb(process.pid),
      heap: memory.heapUsed / 2 ** 20,
      external: memory.external / 2 ** 20,
      sandbox: rssMb(sandboxPid),
      sessions,
    } satisfies IdleReading;
  },
);
