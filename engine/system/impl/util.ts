import type { LogLevel } from '../../logging/record.ts';
import type { Implementations } from './context.ts';

/** Handlers called from here run on their project's CPU budget (engine/sandbox/supervisor.ts invoke). */
const FROM_SCRIPT = true;

/** system.util.*: logging and gateway messaging. Arguments arrive validated against engine/system/api.ts. */
export const utilImplementations: Implementations = {
  'util.log': (ctx, [level, logger, message]) => {
    ctx.logs.write({ level: level as LogLevel, logger: logger as string, message: message as string, project: ctx.project, source: ctx.source });
    return undefined;
  },
  'util.sendMessage': (ctx, [project, messageHandler, payload, scope, clientSessionId, user, hasRole, hostName, remoteServers]) => {
    const options = {
      scope: scope as string | undefined,
      clientSessionId: clientSessionId as string | undefined,
      user: user as string | undefined,
      hasRole: hasRole as string | undefined,
      hostName: hostName as string | undefined,
      remoteServers: remoteServers as string[] | undefined,
    };
    return ctx.messaging.send(project as string, messageHandler as string, JSON.stringify(payload), options, FROM_SCRIPT);
  },
  'util.sendRequest': async (ctx, [project, messageHandler, payload, remoteServer, timeoutSec]) => {
    const outcome = await ctx.messaging.request(project as string, messageHandler as string, JSON.stringify(payload), remoteServer as string | undefined, timeoutSec as number, FROM_SCRIPT);
    return { outcome };
  },
};
