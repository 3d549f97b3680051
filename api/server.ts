import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../engine/gateway.ts';
import { createApp } from './app.ts';
import { issueAdminToken } from './auth.ts';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  adminToken: string;
  close(): Promise<void>;
}

/** Serves the gateway's HTTP API on `port` (0 picks a free one). Writes a fresh admin token to the data folder. */
export async function serve(gateway: Gateway, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  const adminToken = issueAdminToken(gateway.config.dataDir);
  const app = createApp(gateway, adminToken);
  const server = createServer({ requestTimeout: 120_000, headersTimeout: 30_000 }, (req, res) => void app(req, res));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"code":"BAD_REQUEST","message":"malformed HTTP request"}');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}`,
    adminToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
