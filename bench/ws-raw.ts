// The sessions benchmarks' baseline server: a plain `ws` server, no Flint code, that answers the session protocol's
// frames just enough for the same SDK clients (client/index.ts) to talk to it as to the gateway, so that only the server
// differs between a figure and its baseline. `hello` gets a welcome of the gateway's shape; a frame with an `id` gets a
// reply carrying its payload back (or what `handle` made of it); `broadcast` sends one message frame to every socket
// that registered the handler, serialized once, as a ws broadcast is usually written.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface Frame {
  type?: string;
  id?: number;
  handler?: string;
  payload?: unknown;
  userAgent?: string;
  device?: unknown;
}

export interface RawSessionServer {
  port: number;
  url: string;
  /** Open sockets that said hello. */
  readonly sessions: number;
  /** Sockets that registered `handler`. */
  listening(handler: string): number;
  /** Sends one `message` frame to every socket that registered `handler`; the number of sockets. */
  broadcast(handler: string, payload: unknown): number;
  close(): Promise<void>;
}

/**
 * Starts the server on a free port. `handle`, when given, answers each `request` frame's payload (as JSON text) with
 * the reply's value as JSON text; without it the payload is echoed.
 */
export async function startRawSessionServer(handle?: (payloadJson: string) => Promise<string>): Promise<RawSessionServer> {
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  // The gateway's session route allows 256 KiB frames (api/server.ts); the same here.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  const handlers = new Map<WebSocket, Set<string>>();
  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      const host = request.socket.remoteAddress ?? 'unknown';
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as Frame;
        if (frame.type === 'hello') {
          handlers.set(ws, new Set());
          const id = randomUUID();
          const props = { id, userName: null, roles: [], host, userAgent: frame.userAgent ?? '', device: frame.device ?? {} };
          const welcome = {
            sessionId: id,
            resumeToken: randomBytes(24).toString('base64url'),
            resumed: false,
            props,
            custom: {},
            pages: [],
          };
          ws.send(JSON.stringify({ v: 1, type: 'welcome', ...welcome }));
          return;
        }
        if (frame.type === 'registerHandler' && frame.handler !== undefined) handlers.get(ws)?.add(frame.handler);
        if (frame.id === undefined) return;
        const id = frame.id;
        if (frame.type === 'request' && handle) {
          void handle(JSON.stringify(frame.payload ?? {})).then((valueJson) =>
            ws.send(`{"v":1,"type":"reply","id":${id},"ok":true,"value":${valueJson}}`),
          );
          return;
        }
        const value = frame.type === 'request' ? (frame.payload ?? {}) : null;
        ws.send(JSON.stringify({ v: 1, type: 'reply', id, ok: true, value }));
      });
      ws.on('close', () => handlers.delete(ws));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}/session`,
    get sessions() {
      return handlers.size;
    },
    listening: (handler) => [...handlers.values()].filter((set) => set.has(handler)).length,
    broadcast(handler, payload) {
      const text = JSON.stringify({ v: 1, type: 'message', handler, payload });
      let sent = 0;
      for (const [ws, set] of handlers) {
        if (!set.has(handler)) continue;
        ws.send(text);
        sent++;
      }
      return sent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
