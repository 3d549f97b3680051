import type { ServiceDecl } from '../define.ts';

const CHANNEL = { type: 'string', minLength: 1, maxLength: 200 } as const;

/**
 * system.bus.*: the project's long-polling bus (seeds/004, docs/bus.md), which Tryton-style clients poll at
 * `POST /<project>/bus`. The implementation is beside it in service.ts; this file is also bundled into every sandbox,
 * so it imports nothing else.
 */
export const BUS: ServiceDecl = {
  namespace: 'bus',
  functions: [
    {
      name: 'bus.publish',
      mode: 'sync',
      params: [
        { name: 'channel', type: CHANNEL, doc: 'The channel: `user:<userName>`, `client:<sessionId>`, or any other name of the project.' },
        {
          name: 'message',
          type: { type: 'object' },
          doc: 'The message: an object with its `type` (such as "notification"); the gateway adds its `message_id`.',
        },
      ],
      returns: 'string',
      result: { type: 'string' },
      doc: "Publishes a message on a channel of the project's bus; every poll listening to the channel gets it, in publish order, and it is retained for clients that come back later (project.json `bus`). Returns its message_id.",
    },
    {
      name: 'bus.notify',
      mode: 'sync',
      params: [
        { name: 'title', type: { type: 'string', minLength: 1, maxLength: 500 }, doc: 'A one-line summary.' },
        {
          name: 'body',
          type: { type: 'string', maxLength: 10_000 },
          optional: true,
          default: '',
          doc: 'The message, plain text (no markup).',
        },
        {
          name: 'priority',
          type: { type: 'number', integer: true, min: 0, max: 3 },
          optional: true,
          default: 1,
          doc: '0 (low) to 3 (urgent).',
        },
        {
          name: 'user',
          type: { type: 'string', minLength: 1, maxLength: 200 },
          optional: true,
          doc: 'The user to notify, on every client of theirs.',
        },
        {
          name: 'client',
          type: { type: 'string', minLength: 1, maxLength: 200 },
          optional: true,
          doc: 'The one client (a session id) to notify; wins over `user`.',
        },
      ],
      returns: 'string',
      result: { type: 'string' },
      doc: 'Sends a notification, `{type: "notification", kind: "notification", title, body, priority}`, on `client:<client>` when `client` is given, else on `user:<user>`; with neither, to the calling session\'s own client (`client:<session id>`), which a script outside any session does not have (BAD_ARGUMENT). Returns its message_id.',
    },
    {
      name: 'bus.subscribe',
      mode: 'async',
      params: [
        { name: 'channels', type: { type: 'array', items: CHANNEL, minItems: 1, maxItems: 100 }, doc: 'The channels to listen to.' },
        {
          name: 'lastMessage',
          type: { type: 'string', maxLength: 200 },
          optional: true,
          doc: 'The message_id of the last message already seen; without it, the first retained message.',
        },
        {
          name: 'timeoutMs',
          type: { type: 'number', integer: true, min: 0, max: 60_000 },
          optional: true,
          default: 1000,
          doc: "How long to wait for a message (the script's own timeout still applies).",
        },
      ],
      returns: 'Promise<{ message: Record<string, unknown> | null; channel: string | null }>',
      result: { type: 'object' },
      doc: "Resolves to the next message on one of the channels after `lastMessage`, as a bus client polls: at once when one is retained, else at the next publish, else `{message: null, channel: null}` after timeoutMs. Not a blocking call (use `await`): the project's other scripts run meanwhile.",
    },
  ],
  interfaces: [],
};
