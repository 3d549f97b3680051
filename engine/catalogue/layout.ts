import type { EventDecl, EventFamily, SidecarSchema } from './define.ts';

/** The folder each family's scripts live in. */
export const FAMILY_FOLDERS: Record<EventFamily, string> = { gateway: 'gateway-events', session: 'session-events', component: 'views' };

/** Where an event's script lives, as docs show it: `gateway-events/timer/<name>.ts`. */
export function scriptPattern(decl: EventDecl): string {
  const folder = FAMILY_FOLDERS[decl.family];
  switch (decl.layout.kind) {
    case 'single':
      return `${folder}/${decl.event}.ts`;
    case 'named':
      return `${folder}/${decl.event}/<name>.ts`;
    case 'view':
      return `${folder}/<view path>/<name>.ts`;
  }
}

/** The sidecar schema of an event, if its scripts have settings. */
export function sidecarOf(decl: EventDecl): SidecarSchema | undefined {
  return decl.layout.kind === 'named' ? decl.layout.sidecar : undefined;
}

/** A one-line summary of a sidecar's keys for tables: `delayMs` (required), `mode`, `enabled`. */
export function sidecarKeys(schema: SidecarSchema): string {
  return Object.entries(schema.fields)
    .map(([key, field]) => `\`${key}\`${field.required ? ' (required)' : ''}`)
    .join(', ');
}
