import type { AdminFacade } from '../engine/admin-facade.ts';
import { ADMIN_RULES } from '../engine/admin-facade.ts';
import { FlintError } from '../engine/errors.ts';
import { LOGIN_RULES, type LoginFacade } from '../engine/users/login-facade.ts';
import { PayloadTooLarge } from './http-errors.ts';
import { checkFields } from './read-body.ts';

export interface RouteContext {
  admin: AdminFacade;
  logins: LoginFacade;
  /** The client's IP address, as the socket has it (a proxy in front is not trusted to tell another). */
  address: string;
  /** The token of an `Authorization: Bearer <token>` header, if the request has one. */
  bearer: string | undefined;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The JSON body of a POST route ({} when empty), already read and checked for size, type and depth. */
  body: Record<string, unknown>;
}

export interface Route {
  method: 'GET' | 'POST';
  /** An Express path; `:project` and `:handler` are checked as names before the route runs. */
  path: string;
  /** Public routes need no admin token. */
  public?: boolean;
  /** The largest body this route reads (default: room for the largest payload a project may set). */
  maxBodyBytes?: number;
  /** 204: the route answers no body, whatever `handle` returns (default 200 with its value as JSON). */
  status?: 204;
  handle(ctx: RouteContext): unknown;
}

const isObject = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be a JSON object');

/** The caller's payload is refused here, as the caller's (413), rather than by the sandbox as if the script were at fault. */
function checkPayloadSize(admin: AdminFacade, project: string, payload: unknown): void {
  const limit = admin.payloadLimit(project);
  // Measured as the sandbox measures it: the length of the payload's JSON text.
  if (limit !== undefined && JSON.stringify(payload).length > limit) {
    throw new PayloadTooLarge(`the payload is larger than the payload limit of ${limit} bytes of project "${project}"`);
  }
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw))
    throw new FlintError('BAD_REQUEST', `query parameter "${name}" must be a non-negative integer; received ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Every route of the gateway's HTTP API, on one screen (docs/api.md describes them); the session page, which answers HTML, is api/session-page.ts. */
export const ROUTES: Route[] = [
  { method: 'GET', path: '/health', public: true, handle: ({ admin }) => admin.health() },
  {
    method: 'POST',
    path: '/api/login',
    public: true,
    maxBodyBytes: LOGIN_RULES.maxBodyBytes,
    handle: ({ logins, body, address }) => {
      checkFields(body, { userName: LOGIN_RULES.userName, password: LOGIN_RULES.password });
      for (const field of ['userName', 'password'])
        if (body[field] === undefined) throw new FlintError('BAD_REQUEST', `field "${field}" is missing`);
      return logins.login(body.userName as string, body.password as string, address);
    },
  },
  {
    method: 'POST',
    path: '/api/logout',
    public: true,
    maxBodyBytes: LOGIN_RULES.maxBodyBytes,
    status: 204,
    handle: ({ logins, bearer }) => {
      if (!bearer) throw new FlintError('UNAUTHORIZED', 'send "Authorization: Bearer <token>" with the token that POST /api/login gave');
      logins.logout(bearer);
    },
  },
  { method: 'GET', path: '/api/status', handle: ({ admin }) => admin.status() },
  { method: 'GET', path: '/api/projects/:project', handle: ({ admin, params }) => admin.projectStatus(params.project) },
  { method: 'GET', path: '/api/diagnostics', handle: ({ admin }) => admin.diagnostics() },
  {
    method: 'GET',
    path: '/api/logs',
    handle: ({ admin, query }) => {
      const level = query.get('level') ?? undefined;
      if (level !== undefined && !ADMIN_RULES.logLevel(level)) {
        throw new FlintError(
          'BAD_REQUEST',
          `query parameter "level" must be one of trace, debug, info, warn, error; received ${JSON.stringify(level)}`,
        );
      }
      const project = query.get('project') ?? undefined;
      return admin.logs({ project, minLevel: level, after: intParam(query, 'after'), limit: intParam(query, 'limit') ?? 500 });
    },
  },
  {
    method: 'POST',
    path: '/api/projects/:project/request/:handler',
    handle: async ({ admin, body, params }) => {
      checkFields(body, { payload: isObject, timeoutSec: ADMIN_RULES.timeoutSec });
      const payload = (body.payload as object | undefined) ?? {};
      checkPayloadSize(admin, params.project, payload);
      return { value: await admin.request(params.project, params.handler, payload, (body.timeoutSec as number | undefined) ?? 60) };
    },
  },
  {
    method: 'POST',
    path: '/api/projects/:project/message/:handler',
    handle: ({ admin, body, params }) => {
      checkFields(body, { payload: isObject, scope: ADMIN_RULES.scope });
      const payload = (body.payload as object | undefined) ?? {};
      checkPayloadSize(admin, params.project, payload);
      return { delivered: admin.message(params.project, params.handler, payload, body.scope as string | undefined) };
    },
  },
];
