import type express from 'express';
import { ADMIN_RULES } from '../engine/admin-facade.ts';
import { channelProblem, MAX_CHANNELS, type Bus } from '../engine/bus/bus.ts';
import { FlintError } from '../engine/errors.ts';
import { sendJson } from './http-errors.ts';
import { readJsonBody } from './read-body.ts';

/** The answer of a poll that timed out. */
const NO_MESSAGE = JSON.stringify({ message: null, channel: null });

/** A poll's body is two small fields. */
const MAX_BODY_BYTES = 64 * 1024;

/** The body of a poll, checked: `{"last_message": <id, number or null>, "channels": [<channel>, ...]}`. */
function readPoll(body: Record<string, unknown>): { lastMessage: string | null; channels: string[] } {
  for (const key of Object.keys(body))
    if (key !== 'last_message' && key !== 'channels')
      throw new FlintError('BAD_REQUEST', `a bus request has no field "${key}" (its fields: last_message, channels)`);
  const { last_message: last, channels } = body;
  if (!Array.isArray(channels) || channels.length > MAX_CHANNELS)
    throw new FlintError(
      'BAD_REQUEST',
      `"channels" must be a list of at most ${MAX_CHANNELS} channels; received ${JSON.stringify(channels) ?? 'nothing'}`,
    );
  for (const [i, channel] of channels.entries()) {
    const problem = channelProblem(channel);
    if (problem) throw new FlintError('BAD_REQUEST', `"channels[${i}]": ${problem}`);
  }
  let lastMessage: string | null = null;
  if (typeof last === 'string' && last.length <= 200) lastMessage = last;
  else if (typeof last === 'number' && Number.isSafeInteger(last)) lastMessage = String(last);
  else if (last !== undefined && last !== null)
    throw new FlintError('BAD_REQUEST', '"last_message" must be the message_id of the last message received, or null');
  return { lastMessage, channels: channels as string[] };
}

/**
 * `POST /<project>/bus`: Tryton's long-polling bus (seeds/004, docs/bus.md) on a Flint project. 404 for a project the
 * gateway does not have, 501 when its bus is disabled, 401 without valid credentials, 400 for a malformed body; else
 * 200 with `{message, channel}`, or `{message: null, channel: null}` when the poll timed out.
 */
export function mountBus(pages: express.Router, bus: Bus): void {
  pages.post('/:database/bus', async (req, res) => {
    const project = req.params.database;
    const problem = ADMIN_RULES.name('project', project);
    if (problem) throw new FlintError('BAD_REQUEST', problem);
    if (!bus.settings(project).enabled)
      return sendJson(res, 501, {
        code: 'NOT_IMPLEMENTED',
        message: `the bus of project "${project}" is disabled (project.json "bus": {"enabled": false})`,
      });
    const identity = bus.authenticate(project, req.headers.authorization);
    const { lastMessage, channels } = readPoll(await readJsonBody(req, MAX_BODY_BYTES));
    const gone = new AbortController();
    res.on('close', () => gone.abort()); // the client went away: its poll leaves the queue
    const found = await bus.poll(project, bus.channels(project, identity, channels), lastMessage, gone.signal);
    if (res.destroyed) return;
    const text = found ? found.answer : NO_MESSAGE;
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  });
}
