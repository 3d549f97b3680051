import type { LogLevel, LogRecord } from '../../logging/record.ts';
import type { SendMessageOptions } from '../../messaging/gateway-messaging.ts';
import type { Outcome } from '../../outcome.ts';
import { defineService } from '../service.ts';
import { UTIL } from './declaration.ts';

/** What system.util needs of the gateway: a log to write to and a router for messages (engine/messaging). */
export interface UtilDeps {
  logs: { write(entry: Omit<LogRecord, 'seq' | 'time'>): unknown };
  messaging: {
    send(project: string, handler: string, payloadJson: string, filters: SendMessageOptions, fromScript: boolean): string[];
    request(
      project: string,
      handler: string,
      payloadJson: string,
      remoteServer: string | undefined,
      timeoutSec: number,
      fromScript: boolean,
    ): Promise<Outcome>;
  };
}

/** Handlers called from here run on their project's CPU budget for called handlers (engine/sandbox/supervisor.ts invoke). */
const FROM_SCRIPT = true;

/** system.util.*: logging and gateway messaging. Arguments arrive validated against declaration.ts. */
export const utilService = defineService<UtilDeps>(UTIL, {
  'util.log': ({ caller, deps }, [level, logger, message]) => {
    deps.logs.write({
      level: level as LogLevel,
      logger: logger as string,
      message: message as string,
      project: caller.project,
      source: caller.source,
    });
    return undefined;
  },
  'util.sendMessage': ({ deps }, [project, messageHandler, payload, scope, clientSessionId, user, hasRole, hostName, remoteServers]) => {
    const filters = {
      scope: scope as string | undefined,
      clientSessionId: clientSessionId as string | undefined,
      user: user as string | undefined,
      hasRole: hasRole as string | undefined,
      hostName: hostName as string | undefined,
      remoteServers: remoteServers as string[] | undefined,
    };
    return deps.messaging.send(project as string, messageHandler as string, JSON.stringify(payload), filters, FROM_SCRIPT);
  },
  'util.sendRequest': async ({ deps }, [project, messageHandler, payload, remoteServer, timeoutSec]) => {
    const outcome = await deps.messaging.request(
      project as string,
      messageHandler as string,
      JSON.stringify(payload),
      remoteServer as string | undefined,
      timeoutSec as number,
      FROM_SCRIPT,
    );
    return { outcome };
  },
});
