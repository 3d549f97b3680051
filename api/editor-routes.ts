import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { EditorConflict, type EditorFacade, type Expected } from '../engine/editor-facade.ts';
import { FlintError } from '../engine/errors.ts';
import type { LoginFacade } from '../engine/users/login-facade.ts';
import { Forbidden, sendJson } from './http-errors.ts';
import { checkFields, readJsonBody } from './read-body.ts';

/** The roles that may use the editor (issue 13 item 2); the admin token may too. */
export const EDITOR_ROLES = ['designer', 'admin'];
export const EDITOR_COOKIE = 'flint_editor';
export const CSRF_HEADER = 'x-flint-csrf';
const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Room for the largest file (1 MiB of text, which JSON may escape to several times that) and the other fields. */
const MAX_EDITOR_BODY = 8 * 1024 * 1024;
const MAX_SESSIONS = 1000;

/** Built by `npm install` (client/build.ts, buildEditor). */
const EDITOR_DIR = fileURLToPath(new URL('../dist/editor/', import.meta.url));

/**
 * Whether the request accepts gzip: `Accept-Encoding` names gzip (or `*`) without `q=0`. Browsers always do; a client
 * that does not gets the plain file.
 */
function acceptsGzip(req: Request): boolean {
  return String(req.headers['accept-encoding'] ?? '')
    .split(',')
    .some((part) => {
      const [coding, ...params] = part.trim().toLowerCase().split(';');
      return (coding === 'gzip' || coding === '*') && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
    });
}

/**
 * The editor's files as client/editor-build.ts compressed them at build time (`<file>.gz`), to a browser that accepts
 * gzip: the same file, a quarter of the bytes. Only names the build wrote are looked up, so no request path reaches
 * the disk that express.static would not serve itself.
 */
const servePrecompressed: RequestHandler = (req, res, next) => {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !acceptsGzip(req)) return next();
  const path = req.path === '/' ? '/index.html' : req.path;
  const compressed = precompressed().get(path);
  if (!compressed) return next();
  res.setHeader('vary', 'accept-encoding');
  res.setHeader('content-encoding', 'gzip');
  res.type(extname(path));
  res.sendFile(compressed, { etag: true, lastModified: true }, (error) => {
    if (!error || res.headersSent) return;
    // Rebuilt meanwhile (npm run build while the gateway runs): look again next time, and serve the plain file now.
    compressedFiles = undefined;
    for (const header of ['vary', 'content-encoding', 'content-type']) res.removeHeader(header);
    next();
  });
};

let compressedFiles: Map<string, string> | undefined;
/** `/main.js` → the absolute path of `main.js.gz`, for every compressed file of the build (read once). */
function precompressed(): Map<string, string> {
  if (!compressedFiles) {
    compressedFiles = new Map();
    for (const entry of readdirSync(EDITOR_DIR, { recursive: true, withFileTypes: true }))
      if (entry.isFile() && entry.name.endsWith('.gz')) {
        const absolute = join(entry.parentPath, entry.name);
        compressedFiles.set('/' + relative(EDITOR_DIR, absolute).slice(0, -3).split(sep).join('/'), absolute);
      }
  }
  return compressedFiles;
}

/** Monaco injects its styles and runs its workers from this origin; nothing is fetched from anywhere else. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

interface EditorSession {
  csrf: string;
  user: { userName: string; roles: string[] };
  /** The login token of a user login, checked again at every request (a user removed or stripped of the role is out); none for the admin token. */
  bearer?: string;
  expiresAt: number;
  /** Names this login's simulated sessions in the test panel (not the cookie: that stays a secret of the browser). */
  owner: string;
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A write from another site is refused before anything else: a browser sends `Origin` (and `Sec-Fetch-Site`) with
 * every cross-site POST, and SameSite=Strict already keeps the cookie off it; the CSRF header is the second lock.
 */
function refuseCrossSite(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`)
    throw new Forbidden(`cross-site request refused: origin ${JSON.stringify(origin)} is not this gateway`);
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new Forbidden('cross-site request refused');
}

const optionalString = (value: unknown) => (typeof value === 'string' ? undefined : 'must be a string');
const versionField = (value: unknown) => (value === null || typeof value === 'string' ? undefined : 'must be a version string or null');
const booleanField = (value: unknown) => (typeof value === 'boolean' ? undefined : 'must be true or false');
/** The user a simulated session runs as: `{userName, roles}`; userName null for an anonymous session. */
const userField = (value: unknown) => {
  const shape = 'must be {"userName": <name or null>, "roles": [<role>...]}';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return shape;
  const { userName, roles, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `has no field "${Object.keys(rest)[0]}": it ${shape}`;
  if (userName !== null && (typeof userName !== 'string' || userName.length < 1 || userName.length > 64))
    return '"userName" must be a name of 1 to 64 characters, or null';
  if (!Array.isArray(roles) || roles.length > 32 || roles.some((r) => typeof r !== 'string' || r.length < 1 || r.length > 64))
    return '"roles" must be a list of at most 32 role names of 1 to 64 characters';
  return undefined;
};

/**
 * A request refused before its body was read in full (no session, no CSRF token, over the size limit) is answered
 * with `connection: close`: the rest of its body must not be read as the next request on a kept-alive connection.
 */
async function unreadBodyCloses<T>(req: Request, res: Response, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!req.complete) res.setHeader('connection', 'close');
    throw error;
  }
}

function expected(body: Record<string, unknown>): Expected {
  return { version: body.version as string | null | undefined, force: body.force === true };
}

/** What the editor's other endpoints (its live WebSocket, api/editor-live.ts) need of its logins. */
export interface EditorAccess {
  /** Why a request from a browser may not use the editor (another origin, no live session), or undefined when it may. */
  refusal(req: IncomingMessage): { status: 401 | 403; code: string; message: string } | undefined;
  /** Whether the login that `req` came with is still live (a log out, its expiry or a user stripped of the role end it). */
  isLive(req: IncomingMessage): boolean;
}

/**
 * The web editor (issue 13): its page at `/editor/` (dist/editor, built by client/build.ts) and its API under
 * `/api/editor/`. A login is the admin token or a user with the designer or admin role; it gives an HttpOnly,
 * SameSite=Strict session cookie and a CSRF token that every write must send in the `x-flint-csrf` header.
 * Without a session: 401; a write from another origin or without the CSRF token: 403.
 */
export function mountEditor(pages: express.Router, editor: EditorFacade, logins: LoginFacade, adminToken: string): EditorAccess {
  const sessions = new Map<string, EditorSession>();
  const logger = editor.logger();
  /** A login ends (logout, expiry, lost role, evicted): its simulated sessions of the test panel end too. */
  const forget = (id: string) => {
    const session = sessions.get(id);
    sessions.delete(id);
    if (session) void editor.endSimulations(session.owner);
  };

  const current = (req: IncomingMessage): EditorSession | undefined => {
    const id = cookieOf(req, EDITOR_COOKIE);
    const session = id === undefined ? undefined : sessions.get(id);
    if (!session || !id) return undefined;
    if (session.expiresAt <= Date.now()) {
      forget(id);
      return undefined;
    }
    if (session.bearer !== undefined) {
      const user = logins.verify(session.bearer);
      if (!user || !user.roles.some((role) => EDITOR_ROLES.includes(role))) {
        forget(id);
        return undefined;
      }
      session.user = user;
    }
    return session;
  };

  const signedIn = (req: Request): EditorSession => {
    const session = current(req);
    if (!session) throw new FlintError('UNAUTHORIZED', 'log in to the editor first (POST /api/editor/login)');
    return session;
  };

  /** A write: same origin, a live session, and its CSRF token in the header. */
  const writer = (req: Request): EditorSession => {
    refuseCrossSite(req);
    const session = signedIn(req);
    const token = req.headers[CSRF_HEADER];
    if (typeof token !== 'string' || !sameText(token, session.csrf))
      throw new Forbidden(`missing or wrong CSRF token: send the "${CSRF_HEADER}" header that the login answered`);
    return session;
  };

  const get = (path: string, handle: (req: Request) => unknown): void => {
    pages.get(path, (async (req: Request, res: Response) => {
      signedIn(req);
      sendJson(res, 200, await handle(req));
    }) as RequestHandler);
  };
  const post = (
    path: string,
    fields: Parameters<typeof checkFields>[1],
    handle: (body: Record<string, unknown>, session: EditorSession) => unknown,
  ) => {
    pages.post(path, (async (req: Request, res: Response) => {
      const [session, body] = await unreadBodyCloses(req, res, async () => {
        const session = writer(req);
        return [session, await readJsonBody(req, MAX_EDITOR_BODY)] as const;
      });
      checkFields(body, fields);
      try {
        const value = await handle(body, session);
        sendJson(res, 200, value);
      } catch (error) {
        if (!(error instanceof EditorConflict)) throw error;
        sendJson(res, 409, { code: 'CONFLICT', message: error.message, version: error.current });
      }
    }) as RequestHandler);
  };

  pages.post('/api/editor/login', (async (req: Request, res: Response) => {
    const body = await unreadBodyCloses(req, res, () => {
      refuseCrossSite(req);
      return readJsonBody(req, 8 * 1024);
    });
    checkFields(body, { token: optionalString, userName: optionalString, password: optionalString });
    let session: EditorSession;
    const expiresAt = Date.now() + SESSION_TTL_MS;
    if (typeof body.token === 'string') {
      if (!sameText(body.token.trim(), adminToken)) throw new FlintError('UNAUTHORIZED', 'wrong admin token (see <data>/admin-token)');
      session = {
        csrf: randomBytes(24).toString('base64url'),
        user: { userName: 'admin', roles: ['admin'] },
        expiresAt,
        owner: randomUUID(),
      };
    } else {
      if (typeof body.userName !== 'string' || typeof body.password !== 'string')
        throw new FlintError('BAD_REQUEST', 'send "token" (the admin token) or "userName" and "password"');
      const login = await logins.login(body.userName, body.password, req.socket.remoteAddress ?? '');
      if (!login.user.roles.some((role) => EDITOR_ROLES.includes(role))) {
        logins.logout(login.token);
        throw new Forbidden(`user ${JSON.stringify(login.user.userName)} does not have the designer or admin role the editor needs`);
      }
      session = { csrf: randomBytes(24).toString('base64url'), user: login.user, bearer: login.token, expiresAt, owner: randomUUID() };
    }
    if (sessions.size >= MAX_SESSIONS) forget(sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    sessions.set(id, session);
    logger.info(`editor login of ${JSON.stringify(session.user.userName)} from ${req.socket.remoteAddress ?? ''}`, {
      fields: { event: 'editor-login', userName: session.user.userName },
    });
    res.setHeader('set-cookie', `${EDITOR_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}`);
    sendJson(res, 200, { user: session.user, csrf: session.csrf });
  }) as RequestHandler);

  pages.get('/api/editor/session', (req, res) => {
    const session = signedIn(req);
    sendJson(res, 200, { user: session.user, csrf: session.csrf });
  });

  pages.post('/api/editor/logout', (req, res) => {
    const session = writer(req);
    const id = cookieOf(req, EDITOR_COOKIE)!;
    forget(id);
    if (session.bearer !== undefined) logins.logout(session.bearer);
    res.setHeader('set-cookie', `${EDITOR_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    res.writeHead(204, { 'cache-control': 'no-store' });
    res.end();
  });

  get('/api/editor/types', () => ({ dts: editor.types() }));
  get('/api/editor/templates', () => ({ templates: editor.templates() }));
  get('/api/editor/projects', async () => ({ projects: await editor.projects() }));
  get('/api/editor/file', (req) => {
    const query = new URL(req.originalUrl, 'http://localhost').searchParams;
    return editor.read(query.get('project') ?? '', query.get('path') ?? '');
  });
  const fileFields = { project: optionalString, path: optionalString, version: versionField, force: booleanField };
  post('/api/editor/save', { ...fileFields, content: optionalString }, (body) =>
    editor.save((body.project as string | undefined) ?? '', body.path, body.content, expected(body)),
  );
  post('/api/editor/create', { project: optionalString, kind: optionalString, name: optionalString, view: optionalString }, (body) =>
    editor.create((body.project as string | undefined) ?? '', body.kind, body.name, body.view),
  );
  post('/api/editor/create-project', { name: optionalString, title: optionalString }, (body) =>
    editor.createProject(body.name, body.title),
  );
  post(
    '/api/editor/rename',
    { project: optionalString, from: optionalString, to: optionalString, version: versionField, force: booleanField },
    (body) => editor.rename((body.project as string | undefined) ?? '', body.from, body.to, expected(body)),
  );
  const objectField = (value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'must be a JSON object';
  post(
    '/api/editor/run',
    {
      project: optionalString,
      handler: optionalString,
      payload: objectField,
      mode: (v) => (v === 'request' || v === 'message' ? undefined : 'must be "request" or "message"'),
      timeoutSec: (v) =>
        typeof v === 'number' && v > 0 && v <= 60 ? undefined : 'must be a number of seconds, more than 0 and at most 60',
    },
    (body) =>
      editor.run(
        (body.project as string | undefined) ?? '',
        body.handler,
        body.payload ?? {},
        (body.mode as 'request' | 'message' | undefined) ?? 'request',
        (body.timeoutSec as number | undefined) ?? 10,
      ),
  );
  // The test panel's Session Events, fired into this login's simulated session of the project.
  get('/api/editor/events', () => ({ events: editor.fireableEvents() }));
  post(
    '/api/editor/fire',
    { project: optionalString, event: optionalString, name: optionalString, view: optionalString, payload: objectField, user: userField },
    (body, session) =>
      editor.fire(
        session.owner,
        (body.user as EditorSession['user'] | undefined) ?? session.user,
        (body.project as string | undefined) ?? '',
        body.event,
        body.name,
        body.view,
        body.payload ?? {},
      ),
  );
  post('/api/editor/fire/reset', { project: optionalString }, (body, session) =>
    editor.resetSimulation(session.owner, (body.project as string | undefined) ?? ''),
  );
  post('/api/editor/delete', fileFields, (body) => editor.remove((body.project as string | undefined) ?? '', body.path, expected(body)));

  // The page: index.html, the bundles, Monaco's workers, styles and font.
  pages.use('/editor', (req, res, next) => {
    if (!existsSync(EDITOR_DIR))
      return sendJson(res, 503, { code: 'PROJECT_UNAVAILABLE', message: 'the editor is not built: run npm run build (npm install does)' });
    // The gzip copies are only ever sent as the encoding of their file (servePrecompressed), never by their own name.
    if (req.path.endsWith('.gz')) return sendJson(res, 404, { code: 'NOT_FOUND', message: `no editor file at /editor${req.path}` });
    for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
    next();
  });
  pages.use('/editor', servePrecompressed);
  pages.use(
    '/editor',
    express.static(EDITOR_DIR, { dotfiles: 'ignore', fallthrough: true, index: 'index.html', redirect: true, etag: true }),
  );

  return {
    refusal(req) {
      try {
        refuseCrossSite(req);
      } catch (error) {
        return { status: 403, code: 'FORBIDDEN', message: (error as Error).message };
      }
      return current(req)
        ? undefined
        : { status: 401, code: 'UNAUTHORIZED', message: 'log in to the editor first (POST /api/editor/login)' };
    },
    isLive: (req) => current(req) !== undefined,
  };
}
