import { titleCase } from '../../lib/format';

// Asks the echo handler of the same project, then greets: a handler may await another handler.
export default async function (payload: { name?: string }) {
  const name = titleCase(payload.name ?? 'stranger');
  const echoed = (await system.util.sendRequest('samplequickstart', 'echo', { message: name })) as { echo: string };
  return { greeting: `Hello, ${echoed.echo}!` };
}
