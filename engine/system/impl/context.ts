import type { SourceLocation } from '../../errors.ts';
import type { LogHub } from '../../logging/logger.ts';
import type { GatewayMessaging } from '../../messaging/gateway-messaging.ts';

/** What an implementation of a system.* function gets besides its arguments. */
export interface CallContext {
  /** The calling script's project. */
  project: string;
  /** The calling script's file:line, when known. */
  source?: SourceLocation;
  logs: LogHub;
  messaging: GatewayMessaging;
}

/**
 * An implementation returns the function's value, or `{ outcome }` when it already has the answer as an
 * outcome JSON string (a handler's answer, forwarded to the caller without parsing).
 */
export type Implementation = (ctx: CallContext, args: unknown[]) => unknown | Promise<unknown>;
export type Implementations = Record<string, Implementation>;
