/**
 * The shape of the event catalogue (engine/catalogue/events.ts): plain declarations with no imports, so every layer
 * may read them (the project loader, the handler index, event dispatch, the typings and docs generators, the
 * editor's templates) while the catalogue itself depends on nothing.
 */

/** Where a handler's files live: `gateway-events/`, `session-events/` or a view under `views/`. */
export type EventFamily = 'gateway' | 'session' | 'component';

/** What a handler runs for: the gateway, one session, one page of a session, or one component of a mounted view. */
export type EventScope = 'gateway' | 'session' | 'page' | 'component';

/** One key of a sidecar (a named handler's JSON settings), as data, so that docs and the editor can show it. */
export type SidecarField =
  | { type: 'number'; min: number; max: number; required?: boolean; doc: string }
  | { type: 'boolean'; required?: boolean; doc: string }
  | { type: 'string'; required?: boolean; doc: string }
  | { type: 'strings'; required?: boolean; maxItems?: number; doc: string }
  | { type: 'regex'; required?: boolean; doc: string }
  | { type: 'enum'; values: string[]; required?: boolean; doc: string }
  /** A non-empty list of distinct values, each one of `values`. */
  | { type: 'enums'; values: string[]; required?: boolean; doc: string };

export interface SidecarSchema {
  fields: Record<string, SidecarField>;
  /** Rules that span keys, each a condition and the message when it fails (keys named as in `fields`). */
  rules?: { when: Record<string, string | { not: string }>; requireOneOf: string[]; message: string }[];
  /** An example the docs and the editor's templates show. */
  example: Record<string, unknown>;
}

/**
 * - `single`: one script per project, `<folder>/<event>.ts`.
 * - `named`: a folder of named scripts, `<folder>/<event>/<name>.ts`, with `<name>.json` settings when `sidecar` is set.
 * - `view`: scripts beside a view's `view.json`, `views/<view path>/<name>.ts`; the handler name is `<view path>/<name>`.
 */
export type EventLayout = { kind: 'single' } | { kind: 'named'; sidecar?: SidecarSchema } | { kind: 'view' };

/** A live object a handler receives (see engine/catalogue/live-objects.ts). */
export type LiveObjectName = 'session' | 'page' | 'component';

export interface EventParam {
  name: string;
  /** TypeScript type, as written in system.d.ts under `namespace Flint`. */
  ts: string;
  doc: string;
  /** Set for the live objects whose writable fields flow back to the gateway; other parameters are copies. */
  live?: LiveObjectName;
  /**
   * A sample value of a copied parameter, valid as a client would send it: the editor's test panel prefills the
   * payload of a fired event with these (engine/editor/fire-payload.ts).
   */
  example?: unknown;
}

export interface EventDecl {
  /** `<family>/<event>`: the key of the handler index. */
  id: string;
  family: EventFamily;
  /** The folder or file name under the family's folder. */
  event: string;
  scope: EventScope;
  layout: EventLayout;
  /** Name of the handler type in system.d.ts, under `namespace Flint`. */
  typeName: string;
  /** In the seeds' order (seeds/002 for Session Events). */
  params: EventParam[];
  returns: string;
  /** When it runs, one sentence. */
  doc: string;
}

/** A field of a live object: what a handler may read, and whether a write flows back to the gateway. */
export interface LiveField {
  name: string;
  ts: string;
  doc: string;
  /** Writes are refused with a clear error; the gateway owns the value. */
  readOnly: boolean;
}

/** A group of fields (`props`, `custom`); an open group also takes keys it does not declare (JSON values, writable). */
export interface LiveGroup {
  name: string;
  doc: string;
  fields: LiveField[];
  open: boolean;
}

export interface LiveObjectDecl {
  name: LiveObjectName;
  /** Name of the interface in system.d.ts, under `namespace Flint`. */
  typeName: string;
  doc: string;
  /** Plain fields on the object itself (a component's `name`). */
  fields: LiveField[];
  groups: LiveGroup[];
  /** Other live objects reachable from this one (`page.session` is the same session object). */
  links: { name: string; object: LiveObjectName; doc: string }[];
}
