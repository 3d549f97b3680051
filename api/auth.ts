import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';

export const TOKEN_FILE = 'admin-token';

/** Writes a fresh admin token to `<data>/admin-token`, readable by its owner only, and returns it. */
export function issueAdminToken(dataDir: string): string {
  const token = randomBytes(24).toString('base64url');
  const path = join(dataDir, TOKEN_FILE);
  writeFileSync(path, token + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}

export function readAdminToken(dataDir: string): string | undefined {
  const path = join(dataDir, TOKEN_FILE);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return undefined;
  return header.slice(7).trim() || undefined;
}

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time. */
export function isAuthorized(req: IncomingMessage, token: string): boolean {
  const bearer = bearerToken(req);
  if (bearer === undefined) return false;
  const given = Buffer.from(bearer);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
