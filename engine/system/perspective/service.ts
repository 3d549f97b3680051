import type { LiveWrite } from '../../sessions/live-args.ts';
import type { PushOptions } from '../../sessions/topics.ts';
import type { ListenScope } from '../../sessions/views.ts';
import { defineService, type Caller } from '../service.ts';
import { PERSPECTIVE } from './declaration.ts';

/** What system.perspective needs of the gateway: the live sessions (engine/sessions). */
export interface PerspectiveDeps {
  sessions: {
    writeLive(project: string, write: LiveWrite, callerSession?: string): void;
    info(project: string, userName?: string): Record<string, unknown>[];
    sendMessage(caller: Caller, messageType: string, payload: unknown, scope: ListenScope, sessionId?: string, pageId?: string): void;
    push(caller: Caller, topic: string, payload: unknown, options: PushOptions): number;
    challenge(caller: Caller, payload: unknown, timeoutMinutes: number): string;
  };
}

/** system.perspective.*: arguments arrive validated against declaration.ts. */
export const perspectiveService = defineService<PerspectiveDeps>(PERSPECTIVE, {
  'perspective.sendMessage': ({ caller, deps }, [messageType, payload, scope, sessionId, pageId]) => {
    deps.sessions.sendMessage(
      caller,
      messageType as string,
      payload,
      scope as ListenScope,
      sessionId as string | undefined,
      pageId as string | undefined,
    );
    return undefined;
  },
  'perspective.pushMessage': ({ caller, deps }, [topic, payload, restrictToOwnSession, permissions, permissionMatch]) =>
    deps.sessions.push(caller, topic as string, payload ?? null, {
      restrictToOwnSession: restrictToOwnSession === true,
      permissions: (permissions as string[] | null) ?? [],
      permissionMatch: permissionMatch as 'all' | 'any',
    }),
  'perspective.authenticationChallenge': ({ caller, deps }, [payload, timeout]) =>
    deps.sessions.challenge(caller, payload ?? null, (timeout as number | undefined) ?? 1),
  'perspective.getSessionInfo': ({ caller, deps }, [usernameFilter, projectFilter]) =>
    projectFilter !== undefined && projectFilter !== caller.project
      ? []
      : deps.sessions.info(caller.project, usernameFilter as string | undefined),
  'perspective.writeLive': ({ caller, deps }, [kind, ref, group, key, op, value]) => {
    deps.sessions.writeLive(
      caller.project,
      {
        kind: kind as LiveWrite['kind'],
        ref: ref as string,
        group: group as string,
        key: key as string,
        value: op === 'delete' ? undefined : value,
      },
      caller.session,
    );
    return undefined;
  },
});
