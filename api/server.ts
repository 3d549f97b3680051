import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../engine/gateway.ts';
import { createApp } from './app.ts';
import { issueAdminToken } from './auth.ts';
import { editorLiveRoute } from './editor-live.ts';
import { mountEditor } from './editor-routes.ts';
import { sendJson } from './http-errors.ts';
import { mountBus } from './bus-route.ts';
import { mountSessionPage } from './session-page.ts';
import { mountStatic } from './static.ts';
import { WebSocketRoutes, type WebSocketRoute } from './websocket.ts';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  adminToken: string;
  /** The WebSocket endpoints on this server (the sessions and the editor add theirs). */
  websockets: WebSocketRoutes;
  /** Serves the files of `dir` under `urlPath`, beside the API. */
  mountStatic(urlPath: string, dir: string): void;
  close(): Promise<void>;
}

/** The HTTP port, bound but not serving the API yet: see `listen`. */
export interface Listener {
  port: number;
  url: string;
  /** Writes a fresh admin token to the gateway's data folder and serves the API of `gateway` from now on. */
  attach(gateway: Gateway): RunningServer;
  close(): Promise<void>;
}

/** What the port answers while the gateway is loading its projects: 503, /health included. */
function starting(req: IncomingMessage, res: ServerResponse): void {
  if (new URL(req.url ?? '/', 'http://localhost').pathname === '/health') return sendJson(res, 503, { status: 'starting' });
  sendJson(res, 503, {
    code: 'PROJECT_UNAVAILABLE',
    message: 'the gateway is starting: its projects are still loading; try again in a moment',
  });
}

/**
 * Binds the HTTP port (0 picks a free one) before the gateway exists. A gateway started on a port that is taken must
 * fail here, before it loads any project, runs startup scripts or replaces the admin token of the gateway that holds
 * the port. Checking the port first and binding it later would race with anyone who takes it in between; holding the
 * bound socket from the start cannot. Until `attach`, every request (and every WebSocket upgrade) answers 503.
 */
export async function listen(port: number, host = '127.0.0.1'): Promise<Listener> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = starting;
  let adminToken: string | undefined;
  const server = createServer({ requestTimeout: 120_000, headersTimeout: 30_000 }, (req, res) => handle(req, res));
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end(
        'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"code":"BAD_REQUEST","message":"malformed HTTP request"}',
      );
    else socket.destroy();
  });
  const websockets = new WebSocketRoutes(() => adminToken);
  websockets.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const url = `http://${host}:${actual}`;
  const close = () =>
    new Promise<void>((resolve) => {
      websockets.close();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    port: actual,
    url,
    close,
    attach(gateway) {
      // The token is written only now that the port is ours, so a gateway that cannot bind never replaces it.
      const token = issueAdminToken(gateway.config.dataDir);
      adminToken = token;
      const { app, pages } = createApp(gateway.admin, gateway.loginApi, token);
      handle = app;
      mountSessionPage(pages, gateway.admin);
      const editorAccess = mountEditor(pages, gateway.editor, gateway.loginApi, token);
      mountBus(pages, gateway.bus);
      websockets.add(sessionRoute(gateway));
      websockets.add(editorLiveRoute(gateway.editor, editorAccess));
      websockets.open();
      return {
        server,
        port: actual,
        url,
        adminToken: token,
        websockets,
        mountStatic: (urlPath, dir) => mountStatic(pages, urlPath, dir),
        close,
      };
    },
  };
}

/** Serves the gateway's HTTP API on `port` (0 picks a free one). Writes a fresh admin token to the data folder. */
export async function serve(gateway: Gateway, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  return (await listen(port, host)).attach(gateway);
}

/** Largest frame a session client may send. */
const MAX_SESSION_FRAME = 256 * 1024;

/** The session protocol (docs/protocol.md) at `/session`: public, since a session authenticates inside its frames. */
function sessionRoute(gateway: Gateway): WebSocketRoute {
  return {
    path: '/session',
    public: true,
    maxPayload: MAX_SESSION_FRAME,
    handle: (socket, request) => {
      const origin = { host: request.socket.remoteAddress ?? 'unknown', userAgent: String(request.headers['user-agent'] ?? '') };
      const connection = gateway.connectSession(socket, origin);
      socket.on('message', (data, isBinary) => {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        connection.received(bytes, isBinary);
      });
      socket.on('close', () => connection.disconnected());
    },
  };
}
