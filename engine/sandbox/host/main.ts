// The sandbox host process: the only place user code runs. It hosts one isolate per project and talks
// to the gateway's supervisor over IPC. Started with --no-node-snapshot, as isolated-vm requires.
import { failed, failedWith } from '../../outcome.ts';
import type { FromSandbox, ToSandbox } from '../protocol.ts';
import { ProjectSandbox } from './project-sandbox.ts';

const sandboxes = new Map<string, Promise<ProjectSandbox>>();
/** Each project's latest load. Invocations wait for it: after a restart the supervisor replays the project's
 * scripts and forwards the calls that came in meanwhile, which must not find the modules half defined. */
const loads = new Map<string, Promise<unknown>>();

function send(message: FromSandbox): void {
  if (process.connected) process.send!(message);
}
// A send that fails because the gateway closed the channel meanwhile (EPIPE) is dropped: with the channel gone this
// process ends at once (see 'disconnect' below). One listener, rather than a callback on every send.
process.on('error', () => {});

async function sandboxFor(message: Extract<ToSandbox, { t: 'load' }>): Promise<ProjectSandbox> {
  let sandbox = sandboxes.get(message.project);
  if (!sandbox) {
    const created = ProjectSandbox.create(message.project, message.limits, send);
    sandboxes.set(message.project, created);
    // An isolate that could not be created is forgotten, so that the next load tries again.
    created.catch(() => sandboxes.get(message.project) === created && sandboxes.delete(message.project));
    sandbox = created;
  }
  return sandbox;
}

async function handle(message: ToSandbox): Promise<void> {
  switch (message.t) {
    case 'ping':
      return send({ t: 'pong', n: message.n });
    case 'load': {
      // A project's loads apply one after another, in the order sent (after a restart: the replay, then the saves).
      const loading = (loads.get(message.project) ?? Promise.resolve())
        .then(() => sandboxFor(message))
        .then((sandbox) => sandbox.load(message.modules, message.remove, message.reevaluate));
      loads.set(
        message.project,
        loading.catch(() => undefined),
      );
      return send({ t: 'loaded', req: message.req, results: await loading });
    }
    case 'unload': {
      const sandbox = sandboxes.get(message.project);
      sandboxes.delete(message.project);
      loads.delete(message.project);
      if (sandbox) (await sandbox).unload();
      return send({ t: 'unloaded', req: message.req });
    }
    case 'invoke': {
      await loads.get(message.project);
      const sandbox = sandboxes.get(message.project);
      if (!sandbox) {
        const outcome = failed('PROJECT_UNAVAILABLE', `project "${message.project}" is not loaded`);
        return send({ t: 'result', call: message.call, outcome });
      }
      return (await sandbox).invoke(message.call, message.module, message.args, message.timeoutMs, message.budgeted, message.live);
    }
    case 'answer': {
      const sandbox = sandboxes.get(message.project);
      if (sandbox) await (await sandbox).answer(message.request, message.answer);
      return;
    }
  }
}

/** Whatever went wrong, a load, unload or invocation is answered: the gateway side would otherwise wait for ever. */
function answerFailed(message: ToSandbox, reason: string): void {
  const error = { code: 'INTERNAL' as const, message: `the sandbox failed to handle this ${message.t}: ${reason}` };
  switch (message.t) {
    case 'invoke':
      return send({ t: 'result', call: message.call, outcome: failedWith(error) });
    case 'load': {
      const ids = [...message.modules.map((m) => m.id), ...message.reevaluate.map(([id]) => id)];
      return send({ t: 'loaded', req: message.req, results: Object.fromEntries(ids.map((id) => [id, { ok: false, error }])) });
    }
    case 'unload':
      return send({ t: 'unloaded', req: message.req });
  }
}

process.on('message', (message: ToSandbox) => {
  handle(message).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    send({
      t: 'log',
      project: 'project' in message ? message.project : '',
      level: 'error',
      logger: 'sandbox',
      message: `sandbox host failed to handle "${message.t}": ${reason}`,
    });
    answerFailed(message, reason);
  });
});
// The gateway is gone (stopped, or killed): so is this process, at once. Not process.exit(), which waits for an
// isolate thread that may be stuck in a builtin no interrupt reaches.
const end = () => process.kill(process.pid, 'SIGKILL');
process.on('disconnect', end);
// Ctrl-C in a terminal (or a service manager stopping the whole process group) signals this process too. While the
// gateway is there, it stops its sandboxes itself, after the shutdown scripts have run in them.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.connected || end());

// The watchdog: an isolate still running well past its timeout ignores interrupts (a builtin that cannot be
// stopped); only killing this process ends it, so tell the supervisor, which kills and restarts us.
async function watch(): Promise<void> {
  const now = Date.now();
  for (const pending of sandboxes.values()) {
    const sandbox = await pending.catch(() => undefined);
    if (!sandbox) continue;
    sandbox.stopOverdue(now);
    const entry = sandbox.wedgedEntry(now);
    if (entry && !sandbox.wedged) {
      sandbox.wedged = true;
      send({ t: 'wedged', project: sandbox.project, module: entry.module });
    }
  }
}
setInterval(() => void watch(), 250).unref();

send({ t: 'ready' });
