import type { EventDecl, EventParam } from '../catalogue/define.ts';
import { EVENTS } from '../catalogue/events.ts';
import { scriptPattern } from '../catalogue/layout.ts';
import type { FireableEvent } from './editor-wire.ts';

export type { FireableEvent };

/** The parameters a fired event takes from the payload: the handler's copied ones (the live session, page, self come from the simulated session). */
export function payloadParams(decl: EventDecl): EventParam[] {
  return decl.params.filter((p) => p.live === undefined);
}

/**
 * Every Session Event and component event of the catalogue (gateway events have no session; gateway message
 * handlers are tried with POST /api/editor/run). A push reaches the topic's subscriber scripts, so it takes a
 * topic in its payload and no name.
 */
export const FIREABLE_EVENTS: FireableEvent[] = EVENTS.filter((e) => e.family !== 'gateway').map((e) => ({
  event: e.id,
  doc: e.doc,
  pattern: scriptPattern(e),
  needsName: e.layout.kind !== 'single' && e.id !== 'session/push',
  needsView: e.layout.kind === 'view',
  sample: Object.fromEntries(payloadParams(e).map((p) => [p.name, p.example ?? null])),
}));

/** What is wrong with the keys of a fired event's payload, or undefined: only the handler's copied parameters. */
export function payloadKeysProblem(decl: EventDecl, payload: Record<string, unknown>): string | undefined {
  const names = payloadParams(decl).map((p) => p.name);
  for (const key of Object.keys(payload))
    if (!names.includes(key))
      return `field "payload" has no field "${key}" (${decl.id} takes ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'none'})`;
  return undefined;
}
