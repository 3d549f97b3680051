// The `flint` command line: start a gateway, check projects, write typings, and talk to a running gateway.
import { copyFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../engine/compiler/diagnostics.ts';
import { readAdminToken } from '../api/auth.ts';
import { parseArgs, parsePort } from './args.ts';

const USAGE = `Usage: flint <command> [options]

  start [--projects DIR] [--data DIR] [--tags DIR] [--port N] [--sandboxes N] [--login-minutes N] [--databases FILE]
                         run a gateway (defaults: ./projects, ./data, tags beside the projects folder, 8088, 1, 480,
                         <data>/databases.json if there; env FLINT_PROJECTS, FLINT_DATA, FLINT_TAGS, FLINT_PORT,
                         FLINT_SANDBOXES, FLINT_LOGIN_MINUTES, FLINT_DATABASES);
                         --tag-store postgresql://... (FLINT_TAG_STORE) keeps tag values in PostgreSQL
                         instead of <data>/tags.sqlite
  check [projectsDir]    compile and type-check every script; prints file:line:col message, exits 1 on errors
  types [file]           write the system.* typings (default ./system.d.ts) for your editor or tsc
  status                 list the running gateway's projects, their state and diagnostics
  request <project> <handler> [payloadJson] [--timeout SEC]
                         call a gateway message handler of the running gateway and print its answer
  message <project> <handler> [payloadJson] [--scope CGS]
                         send a message to a running gateway's message handlers
  user add <name> [--roles a,b] [--password-stdin] [--data DIR]
  user roles <name> --roles a,b | user remove <name> | user list
                         manage the users of <data>/users.json (a running gateway picks changes up at once)

  status, request and message reach the gateway at http://127.0.0.1:<port> (--port, FLINT_PORT, or --url)
  with the admin token from <data>/admin-token (--data, FLINT_DATA).
`;

/** An environment variable, treating an empty value as unset. */
function env(name: string): string | undefined {
  return process.env[name] || undefined;
}

/** How often a started gateway looks whether its parent process is still the one that started it. */
const ORPHAN_CHECK_MS = 1000;

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** Refuses extra positional arguments, rather than ignoring them. */
function noMoreThan(count: number, positional: string[], usage: string): void {
  if (positional.length > count) fail(`unexpected argument ${JSON.stringify(positional[count])}\nusage: flint ${usage}`);
}

function fail(message: string): never {
  process.stderr.write(`flint: ${message}\n`);
  process.exit(2);
}

async function start(argv: string[]): Promise<void> {
  const { options, positional } = parseArgs(argv, [
    'projects',
    'data',
    'tags',
    'tag-store',
    'port',
    'sandboxes',
    'login-minutes',
    'databases',
  ]);
  noMoreThan(
    0,
    positional,
    'start [--projects DIR] [--data DIR] [--tags DIR] [--tag-store URL] [--port N] [--sandboxes N] [--login-minutes N] [--databases FILE]',
  );
  const [{ Gateway }, { listen }] = await Promise.all([import('../engine/gateway.ts'), import('../api/server.ts')]);
  const port = parsePort(options.port ?? env('FLINT_PORT') ?? '8088');
  const host = env('FLINT_HOST') ?? '127.0.0.1';
  const sandboxes = Number(options.sandboxes ?? env('FLINT_SANDBOXES') ?? '1');
  if (!Number.isInteger(sandboxes) || sandboxes < 1 || sandboxes > 64) fail('--sandboxes must be a whole number from 1 to 64');
  const loginMinutes = Number(options['login-minutes'] ?? env('FLINT_LOGIN_MINUTES') ?? '480');
  if (!Number.isInteger(loginMinutes) || loginMinutes < 1 || loginMinutes > 525_600)
    fail('--login-minutes must be a whole number from 1 to 525600 (a year)');
  const projectsDir = options.projects ?? env('FLINT_PROJECTS') ?? 'projects';
  const dataDir = options.data ?? env('FLINT_DATA') ?? 'data';
  const databasesFile = options.databases ?? env('FLINT_DATABASES');
  // A connections file that is missing or wrong stops the start here, with its message, before a port is taken.
  const { readDatabasesFile } = await import('../engine/db/databases-file.ts');
  const defaultDatabases = resolve(dataDir, 'databases.json');
  try {
    if (databasesFile !== undefined) readDatabasesFile(databasesFile);
    else if (statSync(defaultDatabases, { throwIfNoEntry: false })) readDatabasesFile(defaultDatabases);
  } catch (error) {
    fail((error as Error).message);
  }
  // A mistyped path must not start a gateway with no projects (nor create an empty folder there).
  if (!isDirectory(projectsDir))
    fail(`projects folder ${resolve(projectsDir)} does not exist or is not a folder; create it or pass --projects DIR`);
  // From here on SIGINT and SIGTERM stop the gateway cleanly: one that comes while the projects load takes effect once
  // they have loaded (their startup scripts have run, so their shutdown scripts run too).
  let stop = () => void (stopRequested = true);
  let stopRequested = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop());
  // Under `npm start`, a stopped npm signals its shell, and a POSIX shell dies without passing the signal on: the
  // gateway would run on with no parent. Handed over to another parent, it stops as on SIGTERM. Only under npm: a
  // gateway started with nohup or & is meant to outlive its parent.
  if (process.env.npm_lifecycle_event === 'start') {
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && stop(), ORPHAN_CHECK_MS).unref();
  }
  // The port first: a second gateway started on a busy port stops here, before it loads any project, runs
  // startup scripts or writes the admin token of the gateway that holds the port (see listen in api/server.ts).
  let listener;
  try {
    listener = await listen(port, host);
  } catch (error) {
    const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    fail(
      `cannot listen on ${host}:${port}: ${taken ? 'the port is in use (is a gateway already running? stop it or pass --port N)' : (error as Error).message}`,
    );
  }
  let gateway;
  try {
    gateway = await Gateway.start({
      projectsDir,
      tagsDir: options.tags ?? env('FLINT_TAGS'),
      tagStoreUrl: options['tag-store'] ?? env('FLINT_TAG_STORE'),
      dataDir,
      databasesFile,
      sandboxProcesses: sandboxes,
      loginTtlMs: loginMinutes * 60_000,
    });
  } catch (error) {
    await listener.close();
    throw error;
  }
  const server = listener.attach(gateway);
  gateway.logs.logger('gateway').info(`listening on ${server.url} (admin token in ${resolve(gateway.config.dataDir, 'admin-token')})`);
  let stopping = false;
  stop = () => {
    if (stopping) return;
    stopping = true;
    gateway.logs.logger('gateway').info('stopping: running shutdown scripts');
    void server
      .close()
      .then(() => gateway.stop())
      .then(() => process.exit(0));
  };
  if (stopRequested) stop();
}

/** Calls the running gateway's admin API. */
async function callGateway(argvOptions: Record<string, string>, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const dataDir = argvOptions.data ?? env('FLINT_DATA') ?? 'data';
  const token = readAdminToken(dataDir);
  if (!token) fail(`no admin token in ${resolve(dataDir, 'admin-token')}: is a gateway running with --data ${dataDir}?`);
  const base = argvOptions.url ?? `http://127.0.0.1:${parsePort(argvOptions.port ?? env('FLINT_PORT') ?? '8088')}`;
  let response: Response;
  try {
    response = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    fail(
      `cannot reach the gateway at ${base}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
    );
  }
  const result = (await response.json()) as {
    code?: string;
    message?: string;
    location?: { file: string; line: number; column: number };
    stack?: string;
  };
  if (!response.ok) {
    const where = result.location ? `${result.location.file}:${result.location.line}:${result.location.column} ` : '';
    process.stderr.write(`${where}${result.code}: ${result.message}\n${result.stack ? result.stack + '\n' : ''}`);
    process.exit(1);
  }
  return result;
}

function payloadArg(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(`payload must be JSON, for example '{"message":"hi"}': ${(error as Error).message}`);
  }
}

async function main(): Promise<void> {
  const [command, ...argv] = process.argv.slice(2);
  switch (command) {
    case 'start':
      return start(argv);
    case 'check': {
      const { positional } = parseArgs(argv, []);
      noMoreThan(1, positional, 'check [projectsDir]');
      const projectsDir = positional[0] ?? env('FLINT_PROJECTS') ?? 'projects';
      if (!isDirectory(projectsDir)) fail(`projects folder ${resolve(projectsDir)} does not exist or is not a folder`);
      const { checkProjects } = await import('./check.ts');
      const diagnostics = await checkProjects(projectsDir);
      for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      process.stdout.write(errors ? `${errors} error${errors > 1 ? 's' : ''}\n` : 'no problems found\n');
      return process.exit(errors ? 1 : 0);
    }
    case 'types': {
      const { positional } = parseArgs(argv, []);
      noMoreThan(1, positional, 'types [file]');
      const target = resolve(positional[0] ?? 'system.d.ts');
      copyFileSync(fileURLToPath(new URL('../docs/system.d.ts', import.meta.url)), target);
      process.stdout.write(`wrote ${target}\n`);
      return;
    }
    case 'status': {
      const { options, positional } = parseArgs(argv, ['data', 'port', 'url']);
      noMoreThan(0, positional, 'status [--data DIR] [--port N | --url URL]');
      const status = (await callGateway(options, 'GET', '/api/status')) as {
        name: string;
        projects: {
          name: string;
          status: string;
          reason?: string;
          diagnostics: { file: string; line: number; column: number; message: string }[];
        }[];
        tags?: { providers: string[]; diagnostics: { file: string; line: number; column: number; message: string }[] };
      };
      process.stdout.write(`gateway "${status.name}": ${status.projects.length} projects\n`);
      for (const p of status.projects) {
        const label =
          p.status === 'failing'
            ? 'failing (last good version running)'
            : p.status === 'not-loaded'
              ? `not loaded (${p.reason})`
              : 'loaded';
        process.stdout.write(`  ${p.name}: ${label}\n`);
        for (const d of p.diagnostics) process.stdout.write(`    ${d.file}:${d.line}:${d.column} ${d.message}\n`);
      }
      if (status.tags) {
        process.stdout.write(`tag providers: ${status.tags.providers.join(', ') || 'none'}\n`);
        for (const d of status.tags.diagnostics) process.stdout.write(`    ${d.file}:${d.line}:${d.column} ${d.message}\n`);
      }
      return;
    }
    case 'request':
    case 'message': {
      const { options, positional } = parseArgs(argv, ['data', 'port', 'url', command === 'request' ? 'timeout' : 'scope']);
      const usage = `${command} <project> <handler> [payloadJson] ${command === 'request' ? '[--timeout SEC]' : '[--scope CGS]'}`;
      const [project, handler, payload] = positional;
      if (!project || !handler) fail(`usage: flint ${usage}`);
      noMoreThan(3, positional, usage);
      const path = `/api/projects/${encodeURIComponent(project)}/${command}/${encodeURIComponent(handler)}`;
      const body: Record<string, unknown> = { payload: payloadArg(payload) };
      if (command === 'request' && options.timeout) body.timeoutSec = Number(options.timeout);
      if (command === 'message' && options.scope) body.scope = options.scope;
      const result = (await callGateway(options, 'POST', path, body)) as { value?: unknown; delivered?: string[] };
      process.stdout.write(JSON.stringify(command === 'request' ? result.value : result.delivered, null, 2) + '\n');
      return;
    }
    case 'user': {
      const { userCommand } = await import('./user.ts');
      return userCommand(argv, fail);
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return;
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
