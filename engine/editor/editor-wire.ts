/**
 * The shapes the editor's API and live connection send: the gateway builds them, the page (editor/) reads them. Types
 * only, and importing only modules that are types too, so the page's own typecheck (editor/tsconfig.json: the DOM, no
 * Node) takes it as it is, the way the client SDK takes engine/sessions/protocol.ts. One declaration for both sides.
 */
export type { Diagnostic } from '../compiler/diagnostics.ts';
export type { LogRecord } from '../logging/record.ts';

/** A project file in the tree. */
export interface EditorFile {
  path: string;
  /** Tree group: an event id (`session/message`), `lib`, `views`, `named-queries` or `project`. */
  group: string;
  failing: boolean;
}

/** A project in the tree (`GET /api/editor/projects`). */
export interface EditorProject {
  name: string;
  title: string;
  status: string;
  files: EditorFile[];
}

/** What a new file may be made from: every event of the catalogue, and a lib module. */
export interface EditorTemplate<Schema = Record<string, unknown>> {
  kind: string;
  pattern: string;
  doc: string;
  /** Whether a name is asked for (named events, views, lib); a view handler also needs its view path. */
  needsName: boolean;
  needsView: boolean;
  /** The JSON Schema of the handler's sidecar (`<name>.json`), when the event has settings: for the form and Monaco's JSON worker. */
  sidecarSchema?: Schema;
}

/** An event the editor's test panel can fire into a simulated session, with its sample payload. */
export interface FireableEvent {
  event: string;
  doc: string;
  /** Where its script lives (`session-events/keystroke/<name>.ts`): the panel preselects the event of an open file. */
  pattern: string;
  /** A handler name is asked for: a session message handler, a keystroke rule, a form, or a view's script. */
  needsName: boolean;
  /** The view path of a component's script (`views/<view>/<name>.ts`). */
  needsView: boolean;
  /** The payload prefilled in the panel: each copied parameter of the handler, by name, from the catalogue's examples. */
  sample: Record<string, unknown>;
}

/** A file (or, with path '', a project folder) changed on disk and applied in its project (the live `files` frame). */
export interface FileChange {
  project: string;
  path: string;
  removed: boolean;
}

/** One session as the sessions panel lists it: who, where from, its pages and the views mounted on each. */
export interface SessionOverview {
  id: string;
  project: string;
  userName: string | null;
  roles: string[];
  host: string;
  userAgent: string;
  connected: boolean;
  startedAt: number;
  pages: { pageId: string; path: string; views: string[] }[];
}
