import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { isAuthorized } from './auth.ts';

/** What a WebSocket endpoint gets for each connection: the open socket and the request that opened it. */
export type WebSocketHandler = (socket: WebSocket, request: IncomingMessage) => void;

export interface WebSocketRoute {
  /** The exact path, e.g. `/session`. */
  path: string;
  /** Public endpoints need no admin token (the session protocol authenticates inside its frames). */
  public?: boolean;
  /** The largest frame a client may send, in bytes (default 1 MiB); a larger one closes the socket with 1009. */
  maxPayload?: number;
  /**
   * Checks the upgrade request of a public endpoint before it is accepted (a cookie, the Origin): a refusal is
   * answered as HTTP, so a browser's page can tell "log in again" from a dropped connection.
   */
  admit?: (request: IncomingMessage) => { status: 401 | 403; code: string; message: string } | undefined;
  handle: WebSocketHandler;
}

/** A refusal of an upgrade as an HTTP answer, in the API's JSON error shape, then the socket is closed. */
function refuse(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * The WebSocket endpoints on the gateway's HTTP server, by path: an upgrade to a path nobody registered gets a JSON
 * 404, one without the admin token to a non-public path a 401. Each endpoint has its own `ws` server (noServer), so
 * its frame limit is its own.
 */
export class WebSocketRoutes {
  private readonly routes = new Map<string, { route: WebSocketRoute; server: WebSocketServer }>();
  private allowUpgrades = false;

  private readonly adminToken: () => string | undefined;

  constructor(adminToken: () => string | undefined) {
    this.adminToken = adminToken;
  }

  add(route: WebSocketRoute): void {
    if (this.routes.has(route.path)) throw new Error(`a WebSocket endpoint is already registered at ${route.path}`);
    const server = new WebSocketServer({ noServer: true, maxPayload: route.maxPayload ?? 1024 * 1024 });
    this.routes.set(route.path, { route, server });
  }

  /** Until `open`, upgrades are refused as the HTTP API is: the gateway is still starting. */
  open(): void {
    this.allowUpgrades = true;
  }

  attach(httpServer: Server): void {
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  /** Closes every open socket (1001, going away). */
  close(): void {
    for (const { server } of this.routes.values()) {
      for (const client of server.clients) client.close(1001, 'the gateway is stopping');
      server.close();
    }
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (!this.allowUpgrades)
      return refuse(socket, 503, 'Service Unavailable', 'PROJECT_UNAVAILABLE', 'the gateway is starting: try again in a moment');
    let path: string;
    try {
      path = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      return refuse(socket, 400, 'Bad Request', 'BAD_REQUEST', 'malformed request path');
    }
    const entry = this.routes.get(path);
    if (!entry) return refuse(socket, 404, 'Not Found', 'NOT_FOUND', `no WebSocket endpoint at ${path}`);
    const token = this.adminToken();
    if (!entry.route.public && (token === undefined || !isAuthorized(request, token))) {
      return refuse(socket, 401, 'Unauthorized', 'UNAUTHORIZED', 'missing or wrong bearer token');
    }
    const refusal = entry.route.admit?.(request);
    if (refusal)
      return refuse(socket, refusal.status, refusal.status === 401 ? 'Unauthorized' : 'Forbidden', refusal.code, refusal.message);
    entry.server.handleUpgrade(request, socket, head, (ws) => {
      // A protocol fault (an oversized or malformed frame) closes that socket; without a listener it would crash the gateway.
      ws.on('error', () => ws.terminate());
      entry.route.handle(ws, request);
    });
  }
}
