import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlintError } from '../engine/errors.ts';
import type { Gateway } from '../engine/gateway.ts';
import { isLogLevel } from '../engine/logging/record.ts';
import { NAME_PATTERN } from '../engine/projects/resources.ts';
import { API } from '../engine/system/api.ts';
import { checkType } from '../engine/system/validate.ts';
import { isAuthorized } from './auth.ts';
import { PayloadTooLarge, sendError, sendJson } from './http-errors.ts';
import { checkFields, readJsonBody } from './read-body.ts';

interface RouteContext {
  gateway: Gateway;
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: string;
  /** Public routes need no admin token. */
  public?: boolean;
  handle(ctx: RouteContext): Promise<unknown> | unknown;
}

const isObject = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be a JSON object');
/** timeoutSec has the bounds that system.util.sendRequest declares for it. */
const TIMEOUT_TYPE = API.functions.find((f) => f.name === 'util.sendRequest')!.params.find((p) => p.name === 'timeoutSec')!.type;
const isTimeout = (v: unknown) => checkType(TIMEOUT_TYPE, v);
const isScope = (v: unknown) => (typeof v === 'string' && /^[CGS]+$/.test(v) ? undefined : 'must be a combination of the letters C, G and S');

function projectNamed(gateway: Gateway, name: string) {
  const project = gateway.project(name);
  if (!project) throw new FlintError('NOT_FOUND', `project "${name}" does not exist`);
  return project;
}

/** The caller's payload is refused here, as the caller's (413), rather than by the sandbox as if the script were at fault. */
function checkPayloadSize(gateway: Gateway, name: string, payload: unknown): void {
  const limit = gateway.project(name)?.config?.limits.maxPayloadBytes;
  // Measured as the sandbox measures it: the length of the payload's JSON text.
  if (limit !== undefined && JSON.stringify(payload).length > limit) {
    throw new PayloadTooLarge(`the payload is larger than the payload limit of ${limit} bytes of project "${name}"`);
  }
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new FlintError('BAD_REQUEST', `query parameter "${name}" must be a non-negative integer; received ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Every route of the gateway's HTTP API, on one screen (docs/api.md describes them). */
export const ROUTES: Route[] = [
  { method: 'GET', pattern: '/health', public: true, handle: ({ gateway }) => ({ status: 'ok', name: gateway.config.name, projects: gateway.projects.list().length }) },
  { method: 'GET', pattern: '/api/status', handle: ({ gateway }) => gateway.status() },
  {
    method: 'GET',
    pattern: '/api/projects/:project',
    handle: ({ gateway, params }) => gateway.projectStatus(projectNamed(gateway, params.project)),
  },
  {
    method: 'GET',
    pattern: '/api/diagnostics',
    handle: ({ gateway }) => ({ diagnostics: gateway.projects.list().flatMap((p) => p.status().diagnostics.map((d) => ({ project: p.name, ...d }))) }),
  },
  {
    method: 'GET',
    pattern: '/api/logs',
    handle: ({ gateway, query }) => {
      const level = query.get('level') ?? undefined;
      if (level !== undefined && !isLogLevel(level)) throw new FlintError('BAD_REQUEST', `query parameter "level" must be one of trace, debug, info, warn, error; received ${JSON.stringify(level)}`);
      const project = query.get('project') ?? undefined;
      return { records: gateway.logs.ring.query({ project, minLevel: level, after: intParam(query, 'after'), limit: intParam(query, 'limit') ?? 500 }) };
    },
  },
  {
    method: 'POST',
    pattern: '/api/projects/:project/request/:handler',
    handle: async ({ gateway, req, params }) => {
      const body = await readJsonBody(req);
      checkFields(body, { payload: isObject, timeoutSec: isTimeout });
      checkPayloadSize(gateway, params.project, body.payload ?? {});
      const value = await gateway.request(params.project, params.handler, body.payload ?? {}, (body.timeoutSec as number | undefined) ?? 60);
      return { value: value ?? null };
    },
  },
  {
    method: 'POST',
    pattern: '/api/projects/:project/message/:handler',
    handle: async ({ gateway, req, params }) => {
      const body = await readJsonBody(req);
      checkFields(body, { payload: isObject, scope: isScope });
      checkPayloadSize(gateway, params.project, body.payload ?? {});
      return { delivered: gateway.message(params.project, params.handler, body.payload ?? {}, body.scope as string | undefined) };
    },
  },
];

function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(got[i]);
      } catch {
        throw new FlintError('BAD_REQUEST', `path segment ${JSON.stringify(got[i])} is not valid percent-encoding`);
      }
      if (!NAME_PATTERN.test(value)) throw new FlintError('BAD_REQUEST', `${want[i].slice(1)} ${JSON.stringify(value)} is not a valid name (1 to 128 letters, digits, _ . - or spaces, starting with a letter, digit or _)`);
      params[want[i].slice(1)] = value;
    } else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

/** The request handler: route, authenticate, run, and map every failure to one JSON error shape. */
export function createApp(gateway: Gateway, adminToken: string) {
  const logger = gateway.logs.logger('http');
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const allowed: string[] = [];
      for (const route of ROUTES) {
        const params = match(route.pattern, url.pathname);
        if (!params) continue;
        allowed.push(route.method);
        if (route.method !== req.method) continue;
        if (!route.public && !isAuthorized(req, adminToken)) throw new FlintError('UNAUTHORIZED', 'missing or wrong bearer token: send "Authorization: Bearer <token from <data>/admin-token>"');
        const result = await route.handle({ gateway, req, params, query: url.searchParams });
        return sendJson(res, 200, result);
      }
      if (allowed.length > 0) {
        res.setHeader('allow', allowed.join(', '));
        return sendJson(res, 405, { code: 'BAD_REQUEST', message: `method ${req.method} is not allowed here; use ${allowed.join(' or ')}` });
      }
      throw new FlintError('NOT_FOUND', `no route for ${req.method} ${url.pathname}`);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, error, logger);
    }
  };
}
