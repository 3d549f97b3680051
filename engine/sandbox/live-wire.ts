/**
 * How the gateway describes the live objects of one invocation (session, page, self) to the prelude, which builds
 * them (engine/sandbox/prelude/live-objects.ts): JSON beside the handler's arguments. Types only, for both sides.
 * The gateway makes it from the event catalogue's LIVE_OBJECTS (engine/sessions/live-args.ts) and checks every
 * write again when it comes back.
 */

/** Which properties of one kind of live object a script may write. */
export interface LiveKindRules {
  /** Per group: `open` (any key may be written) and its declared fields, true where read-only. */
  groups: Record<string, { open: boolean; fields: Record<string, boolean>; maxKeys: number }>;
}

/** One live object: its kind, the gateway's key for it, its values and the objects it links to (by index). */
export interface LiveObjectValues {
  kind: string;
  /** What the gateway finds it by: a session id, `<session>/<page>`, `<session>/<page>/<view instance>/<component>`. */
  ref: string;
  /** How errors name it: `session`, `page`, `self`. */
  label: string;
  /** Plain read-only fields on the object itself (a component's `name`). */
  fields?: Record<string, unknown>;
  groups: Record<string, Record<string, unknown>>;
  /** Linked objects (`page.session`): indexes of objects listed earlier. */
  links?: Record<string, number>;
}

export interface LiveDescription {
  rules: Record<string, LiveKindRules>;
  objects: LiveObjectValues[];
  /** [argument index, object index]: where each live object goes in the handler's arguments. */
  args: [number, number][];
  /** The session, page and view instance the handler acts for, `<session>/<page>/<view>`: system.perspective's defaults. */
  context: string;
  /** Arguments that are authentication challenge results (AuthResultData as JSON): the prelude gives them their methods. */
  results?: number[];
}

/** An authentication challenge's outcome (seeds/002), as data; the prelude builds the Result object scripts get. */
export type AuthResultData =
  | { outcome: 'success'; context: Record<string, unknown> }
  | { outcome: 'generic'; message: string | null }
  | { outcome: 'timeout'; timeout: number }
  | { outcome: 'cancelled' };
