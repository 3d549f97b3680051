import { FlintError } from '../../errors.ts';
import { defineService } from '../service.ts';
import { BUS } from './declaration.ts';

/** What system.bus needs of the gateway: the projects' buses (engine/bus/bus.ts). */
export interface BusDeps {
  bus: {
    publish(project: string, channel: string, message: Record<string, unknown>): string;
    poll(
      project: string,
      channels: ReadonlySet<string>,
      lastMessage: string | null,
      signal?: AbortSignal,
    ): Promise<{ message: unknown; channel: string } | null>;
  };
}

/** system.bus.*: arguments arrive validated against declaration.ts; a script's bus is its own project's. */
export const busService = defineService<BusDeps>(BUS, {
  'bus.publish': ({ caller, deps }, [channel, message]) =>
    deps.bus.publish(caller.project, channel as string, message as Record<string, unknown>),
  'bus.notify': ({ caller, deps }, [title, body, priority, user, client]) => {
    const channel =
      client !== undefined
        ? `client:${client as string}`
        : user !== undefined
          ? `user:${user as string}`
          : caller.session !== undefined
            ? `client:${caller.session}`
            : undefined;
    if (channel === undefined)
      throw new FlintError(
        'BAD_ARGUMENT',
        'system.bus.notify: give a user or a client: this script runs outside any session (gateway scope), so it has no client of its own',
      );
    const notification = { type: 'notification', kind: 'notification', title, body: body ?? '', priority: priority ?? 1 };
    return deps.bus.publish(caller.project, channel, notification);
  },
  'bus.subscribe': async ({ caller, deps }, [channels, lastMessage, timeoutMs]) => {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), (timeoutMs as number | undefined) ?? 1000);
    try {
      const found = await deps.bus.poll(
        caller.project,
        new Set(channels as string[]),
        (lastMessage as string | undefined) ?? null,
        stop.signal,
      );
      return found ? { message: found.message, channel: found.channel } : { message: null, channel: null };
    } finally {
      clearTimeout(timer);
      stop.abort(); // a poll still waiting (the script's call was cut short) leaves the queue
    }
  },
});
