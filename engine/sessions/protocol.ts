/**
 * The session protocol (docs/protocol.md): every frame a client and the gateway exchange over the session WebSocket,
 * declared once as data. The gateway validates each client frame against it, docs/protocol.md's frame tables are
 * generated from it, and the client SDK (client/) takes its frame types from it. No imports but types and the name
 * rule (engine/names.ts, which imports nothing): the SDK bundles this file into browsers.
 */
import { NAME_SEGMENT } from '../names.ts';
import type { TypeDesc } from '../system/define.ts';

/** The protocol version this gateway speaks; every frame carries it as `v`. */
export const PROTOCOL_VERSION = 1;

interface FieldDecl {
  readonly type: TypeDesc;
  readonly optional?: boolean;
  readonly doc: string;
}

interface FrameDecl {
  readonly doc: string;
  readonly fields: Readonly<Record<string, FieldDecl>>;
  /** Client frames: what the gateway's `reply` carries as `value` when the frame had an `id`. */
  readonly reply?: string;
}

const NAME = `^${NAME_SEGMENT}$`;
const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const PATH = { type: 'string', pattern: '^/[^\\u0000-\\u001f]{0,999}$' } as const;
const VIEW_PATH = { type: 'string', pattern: `^${NAME_SEGMENT}(/${NAME_SEGMENT}){0,15}$` } as const;
/** Tag paths as scripts write them (docs/tags.md): `[provider]` optional, then the project's default provider. */
const TAG_PATHS = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 2000 }, minItems: 1, maxItems: 100 } as const;
const TOPIC = { type: 'string', minLength: 1, maxLength: 200 } as const;
const opt = <T extends FieldDecl>(field: T) => ({ ...field, optional: true }) as T & { optional: true };

/** Frames a client sends. An `id` (optional on every frame) asks for a `reply` frame with the same id. */
export const CLIENT_FRAMES = {
  hello: {
    doc: 'Opens a new session on a project, or resumes one (`resumeSessionId` and `resumeToken` from its `welcome`). The first frame on a socket, and only once.',
    fields: {
      project: { type: { type: 'string', pattern: NAME }, doc: 'The project to open a session on.' },
      token: opt({ type: { type: 'string', maxLength: 200 }, doc: 'A login token from `POST /api/login`.' }),
      userName: opt({ type: { type: 'string', minLength: 1, maxLength: 64 }, doc: 'Log in with this user name and `password`.' }),
      password: opt({ type: { type: 'string', maxLength: 1024 }, doc: 'The password of `userName`.' }),
      resumeSessionId: opt({ type: ID, doc: 'The session to resume after a disconnect.' }),
      resumeToken: opt({ type: { type: 'string', maxLength: 100 }, doc: 'The secret of the session to resume.' }),
      userAgent: opt({ type: { type: 'string', maxLength: 500 }, doc: 'What the client is (a browser sends its user agent).' }),
      device: opt({ type: { type: 'object' }, doc: 'What the client says about its device; becomes `session.props.device`.' }),
    },
    reply: '`null`, after the `welcome`; a refused hello gets an `error` frame instead, and the socket closes',
  },
  login: {
    doc: 'Logs the session in as a user (for example after starting anonymously); `session.props.userName` and `roles` change.',
    fields: {
      userName: { type: { type: 'string', minLength: 1, maxLength: 64 }, doc: 'The user name.' },
      password: { type: { type: 'string', maxLength: 1024 }, doc: 'Its password.' },
    },
    reply: '`{ userName, roles }`',
  },
  logout: { doc: 'Ends the session: its Shutdown script runs and the socket is closed.', fields: {}, reply: 'null' },
  openPage: {
    doc: 'Opens a page (a browser tab). Without `pageId`, or with one the session does not have, the page is new and Page Startup runs; with the `pageId` of an open page (after a reconnect) it is the same page.',
    fields: {
      path: { type: PATH, doc: 'The page path, such as `/` or `/line/1`.' },
      pageId: opt({ type: ID, doc: 'The page to open again, after a reconnect.' }),
    },
    reply: '`{ pageId, path, isNew }`',
  },
  navigate: {
    doc: 'Changes the path of an open page (navigation inside the tab): Page Startup does not run.',
    fields: { pageId: { type: ID, doc: 'The page.' }, path: { type: PATH, doc: 'Its new path.' } },
    reply: 'null',
  },
  closePage: { doc: 'Closes a page and the views mounted on it.', fields: { pageId: { type: ID, doc: 'The page.' } }, reply: 'null' },
  mountView: {
    doc: "Mounts a view of the project (`views/<viewPath>/view.json`) on a page: its components' message handlers become live for that page.",
    fields: {
      pageId: { type: ID, doc: 'The page.' },
      viewPath: { type: VIEW_PATH, doc: 'The view, such as `Inventory/List`.' },
    },
    reply: '`{ instanceId, viewPath, components: { <name>: { props, custom, events } } }` (`events`: the event names with a script)',
  },
  unmountView: {
    doc: 'Unmounts a view instance.',
    fields: { pageId: { type: ID, doc: 'The page.' }, instanceId: { type: ID, doc: 'The view instance.' } },
    reply: 'null',
  },
  componentEvent: {
    doc: "Fires a component's event script (such as a button's `onActionPerformed`), which runs as `(self, event)` in this session and page.",
    fields: {
      pageId: { type: ID, doc: 'The page.' },
      instanceId: { type: ID, doc: 'The view instance.' },
      component: { type: { type: 'string', pattern: NAME }, doc: 'The component name in its view.' },
      event: { type: { type: 'string', pattern: '^on[A-Za-z]{1,60}$' }, doc: 'The event, such as `onActionPerformed`.' },
      payload: opt({ type: { type: 'object' }, doc: 'The event object the script gets.' }),
    },
    reply: 'null once the script has run (its error, if it failed)',
  },
  request: {
    doc: 'Runs a session message handler (`session-events/message/<handler>`) as `(session, payload)` and answers with its return value.',
    fields: {
      handler: { type: { type: 'string', pattern: NAME }, doc: 'The session message handler.' },
      payload: opt({ type: { type: 'object' }, doc: 'Its payload (default `{}`).' }),
    },
    reply: "the handler's return value",
  },
  registerHandler: {
    doc: 'Registers a client-side message handler: `system.util.sendMessage` with scope `C` reaches it as a `message` frame.',
    fields: { handler: { type: { type: 'string', pattern: NAME }, doc: 'The message handler name.' } },
    reply: 'null',
  },
  unregisterHandler: {
    doc: 'Removes a client-side message handler.',
    fields: { handler: { type: { type: 'string', pattern: NAME }, doc: 'The message handler name.' } },
    reply: 'null',
  },
  bindTags: {
    doc: "Binds tags to this socket: the gateway sends a `tag` frame with each later change of each one, once per change, in the order the writes were applied, until `unbindTags`, the socket closes or the session ends. A path without `[provider]` is in the project's `defaultTagProvider`. A path that is not tag path syntax is not bound (its quality says `Error_InvalidPathSyntax`); a tag that does not exist yet is bound, and its first `tag` frame comes when it is defined. At most 1000 tags per socket.",
    fields: { paths: { type: TAG_PATHS, doc: 'The tag paths, such as `[default]Line 1/Speed` or `New Tag 5.Quality`.' } },
    reply:
      '`{ tags: [{ path, tagPath, value, quality, qualityCode, timestamp }] }`, one per path in order: `path` as sent, `tagPath` the canonical path that `tag` frames carry (`null` when not bound), and the current value',
  },
  unbindTags: {
    doc: 'Stops the `tag` frames of tags bound with `bindTags` (paths as they were bound, or any other spelling of the same tag). A path that is not bound is ignored.',
    fields: { paths: { type: TAG_PATHS, doc: 'The tag paths.' } },
    reply: 'null',
  },
  subscribe: {
    doc: 'Subscribes this socket to a push topic: `system.perspective.pushMessage` with exactly this topic (case-sensitive) reaches it as a `push` frame, from now until `unsubscribe`, the socket closes or the session ends. At most 100 topics per socket.',
    fields: { topic: { type: TOPIC, doc: 'The topic.' } },
    reply: 'null',
  },
  unsubscribe: {
    doc: 'Stops the `push` frames of a topic. A topic not subscribed to is ignored.',
    fields: { topic: { type: TOPIC, doc: 'The topic.' } },
    reply: 'null',
  },
  scanBarcode: {
    doc: "A barcode was scanned (the Perspective App's Scan Barcode action): the project's `session-events/barcode` script runs as `(session, data, context)`.",
    fields: {
      data: {
        type: { type: 'object' },
        doc: '`{ text, timestamp, barcodeType? }` (seeds/002): the scanned text, when (ms since 1970), the symbology.',
      },
      context: opt({ type: { type: 'object' }, doc: "The action's user context, passed to the script as it is (default `{}`)." }),
    },
    reply: 'null once the script has run (its error, if it failed)',
  },
  sendBluetoothAdvertisements: {
    doc: 'Buffered Bluetooth advertising data arrived: the `session-events/bluetooth` script runs as `(session, data)`.',
    fields: {
      data: {
        type: { type: 'object' },
        doc: '`{ values: [{ rssi, timestamp, manufacturerData?, serviceUUIDs?, serviceData?, iBeacon?, eddystoneUID?, AltBeacon? }] }` (seeds/002).',
      },
    },
    reply: 'null once the script has run (its error, if it failed)',
  },
  sendAccelerometerBatch: {
    doc: 'A batch of accelerometer readings: the `session-events/accelerometer` script runs as `(session, data, context)`.',
    fields: {
      data: { type: { type: 'object' }, doc: '`{ values: { data: [{ x, y, z, timestamp? }] } }` (seeds/002).' },
      context: opt({ type: { type: 'object' }, doc: "The action's user context (default `{}`)." }),
    },
    reply: 'null once the script has run (its error, if it failed)',
  },
  sendNdefRecords: {
    doc: 'An NFC tag was scanned: the `session-events/nfc` script runs as `(session, data, context)` with the NDEF records.',
    fields: {
      data: {
        type: { type: 'array', items: { type: 'object' }, maxItems: 64 },
        doc: '`[{ type, typeNameFormat, payload?, string?, bytes? }]` (seeds/002).',
      },
      context: opt({ type: { type: 'object' }, doc: "The action's user context (default `{}`)." }),
    },
    reply: 'null once the script has run (its error, if it failed)',
  },
  keyMatch: {
    doc: "A key event matched one of the project's keystroke rules (a `keyRules` frame lists them): the rule's `session-events/keystroke/<name>` script runs as `(page, event)`. The client SDK does the matching on the browser's KeyboardEvents and sends only matches.",
    fields: {
      pageId: { type: ID, doc: 'The page the key was typed on.' },
      name: { type: { type: 'string', pattern: NAME }, doc: 'The keystroke rule (its script name).' },
      event: {
        type: { type: 'object' },
        doc: '`{ altKey, code, ctrlKey, isComposing, key, location, metaKey, repeat, shiftKey, matches }` (seeds/002); `matches` is the matched text then the capture groups for a regex rule, `[]` for a single key.',
      },
    },
    reply: 'null once the script has run (its error, if it failed)',
  },
  submitForm: {
    doc: "Submits a form (seeds/002): the project's `session-events/form-submission/<name>` script runs as `(session, data, formContext, sessionContext, retry)`, at most once per `submissionId`: sending the same id again (after a lost answer, a reconnect, a gateway restart) answers the stored response without running the script.",
    fields: {
      submissionId: { type: ID, doc: 'The id the client gave this submission (the SDK makes one and keeps it until answered).' },
      name: { type: { type: 'string', pattern: NAME }, doc: 'The form submission script.' },
      data: { type: { type: 'object' }, doc: 'The form data, field name to value.' },
      formContext: opt({ type: { type: 'object' }, doc: 'User-defined context (default `{}`).' }),
      sessionContext: opt({
        type: { type: 'object' },
        doc: 'What the client knows at submission: timestamp, user, device, location (default `{}`).',
      }),
      retry: opt({ type: { type: 'boolean' }, doc: 'True when this id was sent before without an answer (default false).' }),
    },
    reply: "`{ success, title?, message?, fieldErrors? }`: the script's response, or a generic failure when it threw",
  },
  startAuthChallenge: {
    doc: 'Starts an authentication challenge on this session (the Authentication Challenge action): its clients get an `authChallenge` frame, and `session-events/auth-challenge` runs once the user has answered it, cancelled it or let it time out.',
    fields: {
      payload: opt({ type: { type: 'json' }, doc: 'An opaque payload, given to the script as `payload` (default `null`).' }),
      timeout: opt({ type: { type: 'number', min: 0.01, max: 60 }, doc: 'Minutes before it times out (default 1).' }),
    },
    reply: '`{ challengeId }`',
  },
  completeAuthChallenge: {
    doc: "Answers a challenge of this session: the user's name and password are checked against the gateway's users. Wrong ones are refused with `UNAUTHORIZED` and the challenge keeps waiting; right ones end it with a success.",
    fields: {
      challengeId: { type: { type: 'string', pattern: '^[0-9a-f]{32}$' }, doc: 'The challenge, from its `authChallenge` frame.' },
      userName: { type: { type: 'string', minLength: 1, maxLength: 64 }, doc: 'The user name.' },
      password: { type: { type: 'string', maxLength: 1024 }, doc: 'Its password.' },
    },
    reply: 'null once the script has run (its error, if it failed)',
  },
  cancelAuthChallenge: {
    doc: 'The user cancelled a challenge of this session: it ends with a cancellation.',
    fields: { challengeId: { type: { type: 'string', pattern: '^[0-9a-f]{32}$' }, doc: 'The challenge.' } },
    reply: 'null once the script has run (its error, if it failed)',
  },
  ping: { doc: 'Asks for a `pong`.', fields: {} },
} as const satisfies Record<string, FrameDecl>;

/** Frames the gateway sends. */
export const GATEWAY_FRAMES = {
  welcome: {
    doc: 'The session is open (new or resumed). Keep `sessionId` and `resumeToken` to resume it after a disconnect.',
    fields: {
      sessionId: { type: { type: 'string' }, doc: 'The session id (`session.props.id`).' },
      resumeToken: { type: { type: 'string' }, doc: 'The secret that resumes this session; only this client gets it.' },
      resumed: { type: { type: 'boolean' }, doc: 'True when an existing session was resumed.' },
      props: { type: { type: 'object' }, doc: 'The session props: id, userName, roles, host, userAgent, device.' },
      custom: { type: { type: 'object' }, doc: "The session's custom props." },
      pages: {
        type: { type: 'array', items: { type: 'object' } },
        doc: 'The open pages: `{ pageId, path, views: [{ instanceId, viewPath }] }`.',
      },
    },
  },
  reply: {
    doc: 'The answer to a client frame that had an `id`.',
    fields: {
      id: { type: { type: 'number', integer: true }, doc: "The client frame's id." },
      ok: { type: { type: 'boolean' }, doc: 'Whether it succeeded.' },
      value: opt({ type: { type: 'json' }, doc: 'What it answered (see each client frame).' }),
      error: opt({ type: { type: 'object' }, doc: '`{ code, message }` when it failed.' }),
    },
  },
  error: {
    doc: 'A frame was refused without a `reply`: it had no `id` (or no readable one), it was a refused `hello`, or it was the first frame past the rate limit (which, with an `id`, also gets its `reply`).',
    fields: {
      code: { type: { type: 'string' }, doc: 'An error code such as `BAD_REQUEST`.' },
      message: { type: { type: 'string' }, doc: 'What was wrong.' },
    },
  },
  props: {
    doc: 'A live property changed (a script wrote it): session custom props, page props, or a component of a mounted view.',
    fields: {
      object: { type: { type: 'enum', values: ['session', 'page', 'component'] }, doc: 'What changed.' },
      pageId: opt({ type: { type: 'string' }, doc: 'For pages and components: the page.' }),
      instanceId: opt({ type: { type: 'string' }, doc: 'For components: the view instance.' }),
      component: opt({ type: { type: 'string' }, doc: 'For components: its name.' }),
      group: { type: { type: 'enum', values: ['props', 'custom'] }, doc: 'Which group of properties.' },
      key: { type: { type: 'string' }, doc: 'The property.' },
      value: { type: { type: 'json' }, doc: 'Its new value (`null` when deleted).' },
    },
  },
  message: {
    doc: 'A message for a client-side handler registered with `registerHandler` (`system.util.sendMessage` scope `C`).',
    fields: {
      handler: { type: { type: 'string' }, doc: 'The message handler name.' },
      payload: { type: { type: 'object' }, doc: 'The payload.' },
    },
  },
  tag: {
    doc: 'A tag bound with `bindTags` changed (value, quality or timestamp), or a bound tag was defined, removed or redefined.',
    fields: {
      path: { type: { type: 'string' }, doc: 'The canonical tag path, as `tagPath` in the `bindTags` reply.' },
      value: { type: { type: 'json' }, doc: 'The new value (`null` when the tag has none, for example when it was removed).' },
      quality: { type: { type: 'string' }, doc: 'The quality name, such as `Good` or `Bad_NotFound`.' },
      qualityCode: { type: { type: 'number', integer: true }, doc: 'Its numeric code (192 is Good).' },
      timestamp: { type: { type: 'number' }, doc: 'When the value was written, in ms since 1970.' },
    },
  },
  push: {
    doc: 'A push to a topic this socket subscribed to (`system.perspective.pushMessage`).',
    fields: {
      topic: { type: { type: 'string' }, doc: 'The topic.' },
      payload: { type: { type: 'json' }, doc: 'The payload, as the script pushed it (any JSON value, `null` included).' },
    },
  },
  keyRules: {
    doc: "The project's keystroke rules, right after the `welcome` and again whenever they change (a keystroke script or its sidecar saved, added or deleted).",
    fields: {
      rules: {
        type: { type: 'array', items: { type: 'object' } },
        doc: '`[{ name, mode, key?, code?, regex?, bufferLength, capturePhase, preventDefault, stopPropagation }]`: `mode` is `keyDown`, `keyUp` or `regex`.',
      },
    },
  },
  authChallenge: {
    doc: 'An authentication challenge started on this session: show the user a prompt, then send `completeAuthChallenge` or `cancelAuthChallenge` before it times out.',
    fields: {
      challengeId: { type: { type: 'string' }, doc: 'The challenge.' },
      timeoutMinutes: { type: { type: 'number' }, doc: 'Minutes before it times out.' },
    },
  },
  ended: {
    doc: 'The session ended (logout, timeout, lost authorization, project stopped, gateway stopping); the socket closes next.',
    fields: { reason: { type: { type: 'string' }, doc: 'Why.' } },
  },
  pong: { doc: 'The answer to `ping`.', fields: {} },
} as const satisfies Record<string, FrameDecl>;

type ClientFrameDecls = typeof CLIENT_FRAMES;
type GatewayFrameDecls = typeof GATEWAY_FRAMES;

type TypeOf<D> = D extends { type: 'string' }
  ? string
  : D extends { type: 'number' }
    ? number
    : D extends { type: 'boolean' }
      ? boolean
      : D extends { type: 'object' }
        ? Record<string, unknown>
        : D extends { type: 'array'; items: infer I }
          ? TypeOf<I>[]
          : D extends { type: 'enum'; values: readonly (infer V)[] }
            ? V
            : unknown;

type Fields<F> = { [K in keyof F as F[K] extends { optional: true } ? never : K]: F[K] extends { type: infer T } ? TypeOf<T> : never } & {
  [K in keyof F as F[K] extends { optional: true } ? K : never]?: F[K] extends { type: infer T } ? TypeOf<T> : never;
};

type FrameOf<Decls, T extends keyof Decls> = { v: typeof PROTOCOL_VERSION; type: T } & (Decls[T] extends { fields: infer F }
  ? Fields<F>
  : never);

/** A frame from a client, by type; `id` asks for a reply. */
export type ClientFrame<T extends keyof ClientFrameDecls = keyof ClientFrameDecls> = T extends keyof ClientFrameDecls
  ? FrameOf<ClientFrameDecls, T> & { id?: number }
  : never;
/** A frame from the gateway, by type. */
export type GatewayFrame<T extends keyof GatewayFrameDecls = keyof GatewayFrameDecls> = T extends keyof GatewayFrameDecls
  ? FrameOf<GatewayFrameDecls, T>
  : never;
export type ClientFrameType = keyof ClientFrameDecls;
export type GatewayFrameType = keyof GatewayFrameDecls;
