import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type express from 'express';
import { ADMIN_RULES, type AdminFacade } from '../engine/admin-facade.ts';
import { FlintError } from '../engine/errors.ts';

/** The page's files, under a prefix of their own: `/session/app.js` is the page of a project named `app.js`. */
export const SESSION_PAGE_ASSETS = '/session-page';

const WEB = new URL('../web/session/', import.meta.url);

/** The page loads its own script and style and talks to its own origin's `/session` WebSocket; nothing else. */
const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // A gateway restarted with a new page is seen at the next load.
  'cache-control': 'no-cache',
};

type Assets = { html: string; script: string; style: string };
let assets: Promise<Assets> | undefined;

async function buildAssets(): Promise<Assets> {
  const bundle = () =>
    esbuild.build({
      entryPoints: [fileURLToPath(new URL('app.ts', WEB))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
    });
  // The compiler stops esbuild's service after a minute without a compile (engine/compiler/compile.ts), which fails a
  // build that is running at that moment; the next build starts a new service.
  const built = await bundle().catch(bundle);
  return {
    html: await readFile(new URL('index.html', WEB), 'utf8'),
    style: await readFile(new URL('style.css', WEB), 'utf8'),
    script: built.outputFiles[0].text,
  };
}

/**
 * The page and its bundle (web/session/app.ts with the client SDK, built by esbuild), made at the first request and
 * kept for the life of the process, like the sandbox host bundle: a gateway runs from its sources, so the page it
 * serves is always the one beside it. The build takes some tens of ms (a few hundred when esbuild's service must
 * start), so it is not done at every gateway start. A failed build is tried again at the next request.
 */
function sessionPageAssets(): Promise<Assets> {
  assets ??= buildAssets().catch((error: unknown) => {
    assets = undefined;
    throw error;
  });
  return assets;
}

function send(res: express.Response, contentType: string, body: string): void {
  res.writeHead(200, { ...HEADERS, 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * `GET /session/<project>[/<page path>]`: a page that opens a session on the project from the browser (web/session/).
 * A name that is not a project name is a 400, a project the gateway does not have a 404, both through the API's
 * error middleware; whether the project takes anonymous sessions the page learns by trying.
 */
export function mountSessionPage(pages: express.Router, admin: AdminFacade): void {
  pages.get('/session/:project{/*path}{/}', async (req, res) => {
    const project = (req.params as { project: string }).project;
    const problem = ADMIN_RULES.name('project', project);
    if (problem) throw new FlintError('BAD_REQUEST', problem);
    if (!admin.hasProject(project)) throw new FlintError('NOT_FOUND', `project "${project}" does not exist`);
    send(res, 'text/html; charset=utf-8', (await sessionPageAssets()).html);
  });
  pages.get(`${SESSION_PAGE_ASSETS}/app.js`, async (_req, res) =>
    send(res, 'text/javascript; charset=utf-8', (await sessionPageAssets()).script),
  );
  pages.get(`${SESSION_PAGE_ASSETS}/style.css`, async (_req, res) =>
    send(res, 'text/css; charset=utf-8', (await sessionPageAssets()).style),
  );
}
