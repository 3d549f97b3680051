// The blocking call's raw floor, in a child process like a sandbox host: an isolate whose function calls
// `applySyncPromise` n times on a host function that asks the parent over IPC and resolves with its answer. No engine
// code: isolated-vm's blocking call plus one IPC round trip, each time.
import ivm from 'isolated-vm';

export type ToBlockingChild = { t: 'run'; id: number; n: number; json: string } | { t: 'answer'; id: number; json: string };
export type FromBlockingChild = { t: 'ready' } | { t: 'ask'; id: number; json: string } | { t: 'done'; id: number };

const isolate = new ivm.Isolate({ memoryLimit: 128 });
const context = await isolate.createContext();
const waiting = new Map<number, (json: string) => void>();
let nextAsk = 1;
const send = (message: FromBlockingChild) => process.send!(message);
const ask = new ivm.Reference(
  (json: string) =>
    new Promise<string>((resolve) => {
      const id = nextAsk++;
      waiting.set(id, resolve);
      send({ t: 'ask', id, json });
    }),
);
await context.global.set('ask', ask);
const loopScript = await isolate.compileScript(
  '(function (n, json) { for (let i = 0; i < n; i++) ask.applySyncPromise(undefined, [json]); return n; })',
);
const loop = await loopScript.run(context, { reference: true });

process.on('message', (message: ToBlockingChild) => {
  if (message.t === 'answer') {
    waiting.get(message.id)?.(message.json);
    waiting.delete(message.id);
    return;
  }
  void loop.apply(undefined, [message.n, message.json], { timeout: 60_000 }).then(() => send({ t: 'done', id: message.id }));
});
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' });
