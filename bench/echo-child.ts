// The raw baselines' child process. `plain`: echoes every IPC message back. `ivm`: passes each message's
// payload through an isolated-vm Reference.apply (a function returning its argument) and sends the result
// back: the raw gateway -> sandbox process -> isolate -> back pipeline, without any engine code.
export interface EchoMessage {
  id: number;
  json: string;
}

const mode = process.argv[2] ?? 'plain';

if (mode === 'plain') {
  process.on('message', (message: EchoMessage) => process.send!(message));
} else {
  const { default: ivm } = await import('isolated-vm');
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = await isolate.createContext();
  const script = await isolate.compileScript('(function (json) { return json; })');
  const fn = await script.run(context, { reference: true });
  process.on('message', (message: EchoMessage) => {
    void fn.apply(undefined, [message.json]).then((json: unknown) => process.send!({ id: message.id, json: json as string }));
  });
}
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
