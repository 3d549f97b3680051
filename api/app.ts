import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ADMIN_RULES, type AdminFacade } from '../engine/admin-facade.ts';
import { FlintError } from '../engine/errors.ts';
import type { LoginFacade } from '../engine/users/login-facade.ts';
import { bearerToken, isAuthorized } from './auth.ts';
import { sendError, sendJson } from './http-errors.ts';
import { readJsonBody } from './read-body.ts';
import { ROUTES, type Route } from './routes.ts';

const UNAUTHORIZED = 'missing or wrong bearer token: send "Authorization: Bearer <token from <data>/admin-token>"';

/** Route parameters that name a project or a handler, checked before any route runs. */
const NAME_PARAMS = ['project', 'handler'];

/** Express passes a URIError (status 400) when a path parameter is not valid percent-encoding. */
function isBadEncoding(error: unknown): error is URIError {
  return error instanceof URIError;
}

function runRoute(route: Route, admin: AdminFacade, logins: LoginFacade, adminToken: string): RequestHandler {
  return async (req, res) => {
    if (!route.public && !isAuthorized(req, adminToken)) throw new FlintError('UNAUTHORIZED', UNAUTHORIZED);
    const params = req.params as Record<string, string>;
    for (const name of NAME_PARAMS) {
      const problem = params[name] === undefined ? undefined : ADMIN_RULES.name(name, params[name]);
      if (problem) throw new FlintError('BAD_REQUEST', problem);
    }
    // The body is read only once the caller is known to be allowed here (a stranger cannot make us read 64 MB).
    const body = route.method === 'POST' ? await readJsonBody(req, route.maxBodyBytes) : {};
    const query = new URL(req.originalUrl, 'http://localhost').searchParams;
    const address = req.socket.remoteAddress ?? '';
    const value = await route.handle({ admin, logins, params, query, body, address, bearer: bearerToken(req) });
    if (route.status === 204) {
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
    } else sendJson(res, 200, value);
  };
}

/**
 * The gateway's HTTP API on Express 5: the routes of api/routes.ts, each behind the admin token unless public; a
 * known path with the wrong method is a 405 with an Allow header; anything else is a 404; every failure goes through
 * one error middleware that answers JSON (Express's own HTML pages never show). Bodies are read by readJsonBody, not
 * express.json: body-parser skips a body whose content type is not JSON instead of refusing it, and its limit and
 * depth errors would not carry the messages docs/api.md gives. `pages` is where static folders are mounted.
 */
export function createApp(admin: AdminFacade, logins: LoginFacade, adminToken: string): { app: express.Express; pages: express.Router } {
  const logger = admin.logger('http');
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  const methodsByPath = new Map<string, string[]>();
  for (const route of ROUTES) {
    app[route.method === 'GET' ? 'get' : 'post'](route.path, runRoute(route, admin, logins, adminToken));
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method]);
  }
  for (const [path, methods] of methodsByPath) {
    app.all(path, (req, res) => {
      res.setHeader('allow', methods.join(', '));
      sendJson(res, 405, { code: 'BAD_REQUEST', message: `method ${req.method} is not allowed here; use ${methods.join(' or ')}` });
    });
  }
  // Pages served beside the API (the editor, the session page) are mounted here, before the 404.
  const pages = express.Router({ caseSensitive: true, strict: true });
  app.use(pages);
  app.use((req) => {
    throw new FlintError('NOT_FOUND', `no route for ${req.method} ${new URL(req.originalUrl, 'http://localhost').pathname}`);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (isBadEncoding(error))
      return sendJson(res, 400, { code: 'BAD_REQUEST', message: `a path segment is not valid percent-encoding (${error.message})` });
    sendError(res, error, logger);
  });
  return { app, pages };
}
