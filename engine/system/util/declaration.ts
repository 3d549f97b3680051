import { NAME_SEGMENT } from '../../names.ts';
import type { ServiceDecl } from '../define.ts';

/** Names of projects and message handlers: Flint's one name rule (engine/names.ts). */
const NAME = `^${NAME_SEGMENT}$`;

/**
 * system.util.*: logging and gateway messaging. Parameters are in the seeds' order (seeds/001 for sendMessage). The
 * implementation is beside it in service.ts; this file is also bundled into every sandbox, so it imports nothing but
 * the name rule (engine/names.ts, which imports nothing).
 */
export const UTIL: ServiceDecl = {
  namespace: 'util',
  functions: [
    {
      name: 'util.getLogger',
      mode: 'prelude',
      params: [{ name: 'name', type: { type: 'string', minLength: 1, maxLength: 200 }, doc: 'The logger name shown with every record.' }],
      returns: 'Logger',
      doc: 'Returns a logger whose records go to the gateway log (stdout and the live log) with the project and the calling file:line.',
    },
    {
      name: 'util.log',
      mode: 'fire',
      internal: true,
      quota: 'log',
      params: [
        { name: 'level', type: { type: 'enum', values: ['trace', 'debug', 'info', 'warn', 'error'] }, doc: 'Record level.' },
        { name: 'logger', type: { type: 'string', minLength: 1, maxLength: 200 }, doc: 'Logger name.' },
        { name: 'message', type: { type: 'string' }, doc: 'The formatted message.' },
        {
          name: 'frame',
          type: { type: 'string', maxLength: 2000 },
          optional: true,
          doc: 'The raw stack frame of the caller, mapped to the user source by the host.',
        },
      ],
      returns: 'void',
      doc: 'Writes one log record (used by the Logger that getLogger returns).',
    },
    {
      name: 'util.sendMessage',
      mode: 'sync',
      params: [
        { name: 'project', type: { type: 'string', pattern: NAME }, doc: 'The name of the project containing the message handler.' },
        {
          name: 'messageHandler',
          type: { type: 'string', pattern: NAME },
          doc: 'The name of the message handler that will fire upon receiving the message.',
        },
        {
          name: 'payload',
          type: { type: 'object' },
          optional: true,
          default: {},
          doc: 'A JSON object passed to the message handler as `payload`.',
        },
        {
          name: 'scope',
          type: { type: 'string', pattern: '^[CGS]+$' },
          optional: true,
          doc: 'Any combination of "C" (clients), "G" (gateway) and "S" (sessions). Defaults to "CS" when user, hasRole or hostName is set, otherwise "CGS".',
        },
        {
          name: 'clientSessionId',
          type: { type: 'string', maxLength: 200 },
          optional: true,
          doc: 'Limits delivery to the client or session with this id.',
        },
        {
          name: 'user',
          type: { type: 'string', maxLength: 200 },
          optional: true,
          doc: 'Limits delivery to clients and sessions where this user is logged in.',
        },
        {
          name: 'hasRole',
          type: { type: 'string', maxLength: 200 },
          optional: true,
          doc: 'Limits delivery to clients and sessions whose user has this role.',
        },
        {
          name: 'hostName',
          type: { type: 'string', maxLength: 200 },
          optional: true,
          doc: 'Limits delivery to clients and sessions on this network host name.',
        },
        {
          name: 'remoteServers',
          type: { type: 'array', items: { type: 'string', pattern: NAME } },
          optional: true,
          doc: "Gateway server names to deliver to. This gateway's own name delivers here; any other is reported as `type=RemoteServer,server=<name>,status=unreachable` in the result (no other gateway is connected yet). Omitted: this gateway.",
        },
      ],
      returns: 'string[]',
      result: { type: 'array', items: { type: 'string' } },
      doc: "Sends a message to the message handlers selected by scope and filters and returns one comma-delimited string per delivery target: `type=Gateway,project=<p>,messageHandler=<h>`, `type=Session,project=<p>,messageHandler=<h>,sessionId=<id>` (a session message handler, once per selected session), `type=Client,project=<p>,messageHandler=<h>,sessionId=<id>` (client-side handlers registered through the SDK). A blocking call: the script waits (without `await`) for the gateway to route the message, not for the handlers, which run asynchronously after it. At most 64 messages may wait for one project's gateway handlers; past that, it fails with PROJECT_UNAVAILABLE.",
    },
    {
      name: 'util.sendRequest',
      mode: 'async',
      params: [
        {
          name: 'project',
          type: { type: 'string', pattern: NAME },
          doc: 'The name of the project containing the gateway message handler.',
        },
        { name: 'messageHandler', type: { type: 'string', pattern: NAME }, doc: 'The name of the gateway message handler.' },
        {
          name: 'payload',
          type: { type: 'object' },
          optional: true,
          default: {},
          doc: 'A JSON object passed to the message handler as `payload`.',
        },
        {
          name: 'remoteServer',
          type: { type: 'string', pattern: NAME },
          optional: true,
          doc: 'A gateway server name; only this gateway is connected today, so any other name is refused.',
        },
        {
          name: 'timeoutSec',
          type: { type: 'number', min: 0.001, max: 86400 },
          optional: true,
          default: 60,
          doc: 'Seconds to wait for the answer before the request fails with a timeout.',
        },
      ],
      returns: 'Promise<any>',
      result: { type: 'json' },
      doc: "Calls a gateway message handler and resolves to its return value; rejects with the handler's error (its message and file:line), a timeout, or an unknown project or handler. Unlike the seeds' blocking sendRequest, it returns a Promise: a handler may call a handler of its own project, which could not run while its caller's isolate waited.",
    },
  ],
  interfaces: [
    {
      name: 'Logger',
      doc: 'A named logger returned by system.util.getLogger. The `*f` variants format like printf: %s, %d, %i, %f (with precision, e.g. %.2f), %x, %j (JSON) and %%.',
      members: [
        { signature: 'trace(message: unknown): void', doc: 'Logs at trace level.' },
        { signature: 'debug(message: unknown): void', doc: 'Logs at debug level.' },
        { signature: 'info(message: unknown): void', doc: 'Logs at info level.' },
        { signature: 'warn(message: unknown): void', doc: 'Logs at warn level.' },
        { signature: 'error(message: unknown): void', doc: 'Logs at error level.' },
        { signature: 'tracef(format: string, ...args: unknown[]): void', doc: 'Formats, then logs at trace level.' },
        { signature: 'debugf(format: string, ...args: unknown[]): void', doc: 'Formats, then logs at debug level.' },
        { signature: 'infof(format: string, ...args: unknown[]): void', doc: 'Formats, then logs at info level.' },
        { signature: 'warnf(format: string, ...args: unknown[]): void', doc: 'Formats, then logs at warn level.' },
        { signature: 'errorf(format: string, ...args: unknown[]): void', doc: 'Formats, then logs at error level.' },
      ],
    },
  ],
};
