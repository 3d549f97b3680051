// Generated from engine/system/api.ts and engine/catalogue/events.ts by `npm run generate`. Do not edit.
// Typings of what a Flint script sees: the global `system` API, timers, console, and the handler types under `Flint`.


type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** Timers run inside the project's sandbox; they are cleared when their module reloads or the project unloads. */
declare function setTimeout(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number;
declare function clearTimeout(id: number | undefined): void;
declare function setInterval(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number;
declare function clearInterval(id: number | undefined): void;
declare function queueMicrotask(callback: () => void): void;

/** console.* writes to the gateway log through the logger named "console". */
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};

/** A named logger returned by system.util.getLogger. The `*f` variants format like printf: %s, %d, %i, %f (with precision, e.g. %.2f), %x, %j (JSON) and %%. */
interface Logger {
  /** Logs at trace level. */
  trace(message: unknown): void;
  /** Logs at debug level. */
  debug(message: unknown): void;
  /** Logs at info level. */
  info(message: unknown): void;
  /** Logs at warn level. */
  warn(message: unknown): void;
  /** Logs at error level. */
  error(message: unknown): void;
  /** Formats, then logs at trace level. */
  tracef(format: string, ...args: unknown[]): void;
  /** Formats, then logs at debug level. */
  debugf(format: string, ...args: unknown[]): void;
  /** Formats, then logs at info level. */
  infof(format: string, ...args: unknown[]): void;
  /** Formats, then logs at warn level. */
  warnf(format: string, ...args: unknown[]): void;
  /** Formats, then logs at error level. */
  errorf(format: string, ...args: unknown[]): void;
}

/** One session, as system.perspective.getSessionInfo describes it. */
interface SessionInfo {
  /** The session id (`session.props.id`). */
  id: string;
  /** The logged-in user, or null for an anonymous session. */
  userName: string | null;
  /** The user's roles. */
  roles: string[];
  /** The project. */
  project: string;
  /** The network address of the client (`session.props.host`). */
  clientAddress: string;
  /** The client's user agent. */
  userAgent: string;
  /** The ids of the open pages. */
  pageIds: string[];
  /** The open pages with their paths. */
  pages: { pageId: string; path: string }[];
  /** Whether a client is connected now (a session outlives its socket for its timeout). */
  connected: boolean;
  /** Milliseconds since the session started. */
  uptimeMs: number;
}

/** A tag value with its quality and timestamp. */
interface QualifiedValue {
  /** The value (or the property read); null when the quality is not Good. */
  value: JsonValue;
  /** The quality name, e.g. "Good", "Bad_NotFound" (docs/tags.md). */
  quality: string;
  /** The quality's numeric code, numbered as in Ignition 8 (Good is 192). */
  qualityCode: number;
  /** When the value was written, in ms since 1970. */
  timestamp: number;
}

/** The outcome of writing one tag. */
interface QualityCode {
  /** The quality name: "Good" or why the write was refused. */
  quality: string;
  /** Its numeric code. */
  qualityCode: number;
}

/** What system.tag.browse found. */
interface BrowseResults {
  /** Good, or why the folder could not be browsed. */
  quality: string;
  /** Its numeric code. */
  qualityCode: number;
  /** The folders and tags found. */
  results: BrowseEntry[];
}

/** One folder or tag in a browse. */
interface BrowseEntry {
  /** Its name. */
  name: string;
  /** Its canonical path, `[provider]Folder/Tag`. */
  fullPath: string;
  /** A folder or a tag. */
  tagType: "Folder" | "AtomicTag";
  /** A tag's data type (Int, Float, Boolean, String, DateTime, Document); null for a folder. */
  dataType: string | null;
  /** A folder that holds something. */
  hasChildren: boolean;
}

/** One row of a query result: a property per column, in column order. Dates come as ISO strings, blobs as base64 text. */
interface DbRow {
  /** The value of a column (null for SQL NULL). */
  [column: string]: string | number | boolean | null;
}

declare namespace system {
  namespace util {
    /**
     * Returns a logger whose records go to the gateway log (stdout and the live log) with the project and the calling file:line.
     * @param name The logger name shown with every record.
     */
    function getLogger(name: string): Logger;
    /**
     * Sends a message to the message handlers selected by scope and filters and returns one comma-delimited string per delivery target: `type=Gateway,project=<p>,messageHandler=<h>`, `type=Session,project=<p>,messageHandler=<h>,sessionId=<id>` (a session message handler, once per selected session), `type=Client,project=<p>,messageHandler=<h>,sessionId=<id>` (client-side handlers registered through the SDK). A blocking call: the script waits (without `await`) for the gateway to route the message, not for the handlers, which run asynchronously after it. At most 64 messages may wait for one project's gateway handlers; past that, it fails with PROJECT_UNAVAILABLE.
     * @param project The name of the project containing the message handler.
     * @param messageHandler The name of the message handler that will fire upon receiving the message.
     * @param payload A JSON object passed to the message handler as `payload`. Default: {}.
     * @param scope Any combination of "C" (clients), "G" (gateway) and "S" (sessions). Defaults to "CS" when user, hasRole or hostName is set, otherwise "CGS".
     * @param clientSessionId Limits delivery to the client or session with this id.
     * @param user Limits delivery to clients and sessions where this user is logged in.
     * @param hasRole Limits delivery to clients and sessions whose user has this role.
     * @param hostName Limits delivery to clients and sessions on this network host name.
     * @param remoteServers Gateway server names to deliver to. This gateway's own name delivers here; any other is reported as `type=RemoteServer,server=<name>,status=unreachable` in the result (no other gateway is connected yet). Omitted: this gateway.
     */
    function sendMessage(project: string, messageHandler: string, payload?: JsonObject, scope?: string, clientSessionId?: string, user?: string, hasRole?: string, hostName?: string, remoteServers?: string[]): string[];
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function sendMessage(project: string, messageHandler: string, payload: JsonObject | undefined, named: { scope?: string; clientSessionId?: string; user?: string; hasRole?: string; hostName?: string; remoteServers?: string[] }): string[];
    /**
     * Calls a gateway message handler and resolves to its return value; rejects with the handler's error (its message and file:line), a timeout, or an unknown project or handler. Unlike the seeds' blocking sendRequest, it returns a Promise: a handler may call a handler of its own project, which could not run while its caller's isolate waited.
     * @param project The name of the project containing the gateway message handler.
     * @param messageHandler The name of the gateway message handler.
     * @param payload A JSON object passed to the message handler as `payload`. Default: {}.
     * @param remoteServer A gateway server name; only this gateway is connected today, so any other name is refused.
     * @param timeoutSec Seconds to wait for the answer before the request fails with a timeout. Default: 60.
     */
    function sendRequest(project: string, messageHandler: string, payload?: JsonObject, remoteServer?: string, timeoutSec?: number): Promise<any>;
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function sendRequest(project: string, messageHandler: string, payload: JsonObject | undefined, named: { remoteServer?: string; timeoutSec?: number }): Promise<any>;
  }
  namespace perspective {
    /**
     * Sends a message to the component message handlers (`messageHandlers` in a view.json) listening for `messageType` on `scope`, within one session: "view" reaches the view of the calling component, "page" every view mounted on the page, "session" every view of the session. It cannot reach session message handlers. The handlers run asynchronously to the calling script, as `(self, payload)`. From the gateway scope (outside a session) both sessionId and pageId must be supplied.
     * @param messageType The message type that will be invoked. Message handlers configured within the project are listening for messages of a specific messageType.
     * @param payload A JSON object passed to the message handlers as `payload`. Default: {}.
     * @param scope The listening scope the message is delivered to: "session", "page" or "view". If omitted, "page" is used. Default: "page".
     * @param sessionId Identifier of the Session to target. If omitted, the current Session is used. When targeting a different session, the pageId parameter must be included.
     * @param pageId Identifier of the page to target. If omitted, the current page is used.
     */
    function sendMessage(messageType: string, payload?: JsonObject, scope?: "session" | "page" | "view", sessionId?: string, pageId?: string): void;
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function sendMessage(messageType: string, payload: JsonObject | undefined, named: { scope?: "session" | "page" | "view"; sessionId?: string; pageId?: string }): void;
    /**
     * Pushes a payload to every subscriber of `topic` active at this moment in the project's sessions: client-side handlers registered with the SDK's `subscribe(topic, handler)`, and the project's topic subscriber scripts (`session-events/push/<name>.ts` whose sidecar names the topic), run once per session as `(session, payload, topic)`. Returns how many subscribers it reached. Subscribers that are not active when it is called never receive it.
     * @param topic The topic: only subscribers of exactly this topic (case-sensitive) receive the payload.
     * @param payload Any JSON value (null, a string, a number, a list, an object), delivered unchanged. At most the project's `limits.maxPushPayloadBytes` of JSON (default 64 KiB): it goes to every subscriber at once. Default: null.
     * @param restrictToOwnSession Deliver only to subscribers in the session of the calling script. A script outside any session (gateway scope) cannot, and gets BAD_ARGUMENT. Default: false.
     * @param permissions Roles a subscriber's session user must have; none (the default) lets every session receive it. Default: null.
     * @param permissionMatch "all" (default): the user must have every role of `permissions`; "any": one of them is enough. Default: "all".
     */
    function pushMessage(topic: string, payload?: JsonValue, restrictToOwnSession?: boolean, permissions?: string[], permissionMatch?: "all" | "any"): number;
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function pushMessage(topic: string, payload: JsonValue | undefined, named: { restrictToOwnSession?: boolean; permissions?: string[]; permissionMatch?: "all" | "any" }): number;
    /**
     * Challenges the user of the calling session to authenticate again (the Authentication Challenge action, seeds/002): the session's clients show a prompt; when the user answers with a valid user name and password of the gateway's users, cancels, or lets it time out, `session-events/auth-challenge` runs as `(session, payload, result)`. Returns the challenge id. Only from a session's script: a gateway script gets BAD_ARGUMENT.
     * @param payload An opaque payload, given to the auth-challenge script as `payload` once the challenge ends. Default: null.
     * @param timeout Minutes the user has to answer before the challenge ends as a timeout. Default: 1.
     */
    function authenticationChallenge(payload?: JsonValue, timeout?: number): string;
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function authenticationChallenge(payload: JsonValue | undefined, named: { timeout?: number }): string;
    /**
     * Returns the live sessions of the calling script's project (a script never sees another project's sessions), optionally only those of one user.
     * @param usernameFilter Only the sessions of this logged-in user.
     * @param projectFilter Only the sessions of this project. A script sees only its own project's sessions, so another project gives an empty list.
     */
    function getSessionInfo(usernameFilter?: string, projectFilter?: string): SessionInfo[];
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function getSessionInfo(named: { usernameFilter?: string; projectFilter?: string }): SessionInfo[];
  }
  namespace tag {
    /**
     * Reads tags and returns one qualified value per path, in order: the value (or the property asked for), its quality and timestamp. A path that is invalid or names no tag gives a null value with quality Error_InvalidPathSyntax or Bad_NotFound. A blocking call (no `await`).
     * @param tagPaths Tag paths: `[provider]Folder/Tag`, the provider optional (then the project's `defaultTagProvider`), with an optional `.Property` suffix (Value, Quality, Timestamp, DataType, Name, Documentation, ReadOnly).
     * @param timeout Milliseconds to wait. A write not yet durable by then gives Error_TimeoutExpired for its paths (it may still be applied). The handler timeout bounds the wait too. Default: 45000.
     */
    function readBlocking(tagPaths: string[], timeout?: number): QualifiedValue[];
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function readBlocking(tagPaths: string[], named: { timeout?: number }): QualifiedValue[];
    /**
     * Writes one value per path and returns one quality per path, in order: Good once the value is durable (it survives a crash of the gateway) and applied, or Error_InvalidPathSyntax, Bad_NotFound, Bad_ReadOnly, Error_TypeConversion, Bad_Unsupported (a folder, or a property other than the value). All accepted values of one call are written in one transaction. A blocking call (no `await`).
     * @param tagPaths Tag paths: `[provider]Folder/Tag`, the provider optional (then the project's `defaultTagProvider`), with an optional `.Property` suffix (Value, Quality, Timestamp, DataType, Name, Documentation, ReadOnly).
     * @param values The values to write, one per path, converted to each tag's data type.
     * @param timeout Milliseconds to wait. A write not yet durable by then gives Error_TimeoutExpired for its paths (it may still be applied). The handler timeout bounds the wait too. Default: 45000.
     */
    function writeBlocking(tagPaths: string[], values: JsonValue[], timeout?: number): QualityCode[];
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function writeBlocking(tagPaths: string[], values: JsonValue[], named: { timeout?: number }): QualityCode[];
    /**
     * Reads tags like readBlocking without waiting: returns at once and calls `callback` with the values later. An error thrown by the callback is logged.
     * @param tagPaths Tag paths: `[provider]Folder/Tag`, the provider optional (then the project's `defaultTagProvider`), with an optional `.Property` suffix (Value, Quality, Timestamp, DataType, Name, Documentation, ReadOnly).
     * @param callback Called later, in this sandbox, with one qualified value per path.
     */
    function readAsync(tagPaths: string[], callback: ((values: QualifiedValue[]) => void)): void;
    /**
     * Writes tags like writeBlocking without waiting: returns at once; the optional `callback` gets the qualities. Without a callback, paths that were refused are logged as a warning.
     * @param tagPaths Tag paths: `[provider]Folder/Tag`, the provider optional (then the project's `defaultTagProvider`), with an optional `.Property` suffix (Value, Quality, Timestamp, DataType, Name, Documentation, ReadOnly).
     * @param values The values to write, one per path, converted to each tag's data type.
     * @param callback Called later, in this sandbox, with one quality per path once the write is applied.
     */
    function writeAsync(tagPaths: string[], values: JsonValue[], callback?: ((qualities: QualityCode[]) => void)): void;
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function writeAsync(tagPaths: string[], values: JsonValue[], named: { callback?: ((qualities: QualityCode[]) => void) }): void;
    /**
     * Lists the folders and tags in a folder. The result's quality is Good, or Error_InvalidPathSyntax, Bad_NotFound (no such folder) or Bad_Unsupported (a tag, not a folder), with no results.
     * @param path The folder to browse: `[provider]Folder`, `[provider]` or `''` for a provider's root. Default: "".
     * @param filter `name`: a pattern with `*` and `?` (case-insensitive); `tagType`: "Folder" or "AtomicTag"; `recursive`: true to include everything below. Default: {}.
     */
    function browse(path?: string, filter?: JsonObject): BrowseResults;
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function browse(named: { path?: string; filter?: JsonObject }): BrowseResults;
    /**
     * Whether the path names a defined tag or folder (false for invalid path syntax).
     * @param tagPath A tag or folder path.
     */
    function exists(tagPath: string): boolean;
  }
  namespace db {
    /**
     * Runs a named query of the project (`named-queries/<path>.sql` with its settings `<path>.json`) and returns, by its type: a Query, its rows (an array of `DbRow` objects, one property per column, so `for (const row of result)` works); a Scalar Query, the first column of the first row, or null; an Update Query, the number of rows it changed. A parameter of the wrong type fails with BAD_ARGUMENT, an SQL error with QUERY_FAILED, an unreachable database with DATABASE_UNAVAILABLE, each naming the query; a connection not in the project's "databases" is refused with FORBIDDEN.
     * @param project The project the named query belongs to: the calling script's own project (another project's queries are refused with FORBIDDEN).
     * @param path The query path under named-queries/ without the extension, such as "Startup Query" or "Reports/Daily"; no "..", not absolute.
     * @param parameters The values of the parameters its settings declare, by name (matched without regard to case); each is checked against its declared type and bound by the driver, never spliced into the SQL. null is SQL NULL. Default: {}.
     */
    function runNamedQuery(project: string, path: string, parameters?: JsonObject): any;
    /**
     * Runs an ad-hoc query with `?` placeholders and returns its rows, one `DbRow` object per row. Errors as for runNamedQuery.
     * @param query The SQL, with a `?` for each argument.
     * @param args One value (string, number, boolean or null) per `?`, bound by the driver. Default: none.
     * @param database The connection name; it must be in the project's "databases" list. Default: "default".
     */
    function runPrepQuery(query: string, args?: JsonValue[], database?: string): DbRow[];
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function runPrepQuery(query: string, named: { args?: JsonValue[]; database?: string }): DbRow[];
    /**
     * Runs an INSERT, UPDATE, DELETE or DDL statement with `?` placeholders and returns the number of rows it changed (or, with getKey, the key it generated). Errors as for runNamedQuery.
     * @param query The SQL, with a `?` for each argument.
     * @param args One value (string, number, boolean or null) per `?`, bound by the driver. Default: none.
     * @param database The connection name; it must be in the project's "databases" list. Default: "default".
     * @param getKey Return the generated key instead of the row count: SQLite's rowid after an INSERT, or the one value of a `RETURNING id` clause on PostgreSQL. Default: false.
     */
    function runPrepUpdate(query: string, args?: JsonValue[], database?: string, getKey?: boolean): number;
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function runPrepUpdate(query: string, named: { args?: JsonValue[]; database?: string; getKey?: boolean }): number;
  }
  namespace bus {
    /**
     * Publishes a message on a channel of the project's bus; every poll listening to the channel gets it, in publish order, and it is retained for clients that come back later (project.json `bus`). Returns its message_id.
     * @param channel The channel: `user:<userName>`, `client:<sessionId>`, or any other name of the project.
     * @param message The message: an object with its `type` (such as "notification"); the gateway adds its `message_id`.
     */
    function publish(channel: string, message: JsonObject): string;
    /**
     * Sends a notification, `{type: "notification", kind: "notification", title, body, priority}`, on `client:<client>` when `client` is given, else on `user:<user>`; with neither, to the calling session's own client (`client:<session id>`), which a script outside any session does not have (BAD_ARGUMENT). Returns its message_id.
     * @param title A one-line summary.
     * @param body The message, plain text (no markup). Default: "".
     * @param priority 0 (low) to 3 (urgent). Default: 1.
     * @param user The user to notify, on every client of theirs.
     * @param client The one client (a session id) to notify; wins over `user`.
     */
    function notify(title: string, body?: string, priority?: number, user?: string, client?: string): string;
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function notify(title: string, named: { body?: string; priority?: number; user?: string; client?: string }): string;
    /**
     * Resolves to the next message on one of the channels after `lastMessage`, as a bus client polls: at once when one is retained, else at the next publish, else `{message: null, channel: null}` after timeoutMs. Not a blocking call (use `await`): the project's other scripts run meanwhile.
     * @param channels The channels to listen to.
     * @param lastMessage The message_id of the last message already seen; without it, the first retained message.
     * @param timeoutMs How long to wait for a message (the script's own timeout still applies). Default: 1000.
     */
    function subscribe(channels: string[], lastMessage?: string, timeoutMs?: number): Promise<{ message: Record<string, unknown> | null; channel: string | null }>;
    /** The same, with the optional arguments named (the seeds' keyword arguments). */
    function subscribe(channels: string[], named: { lastMessage?: string; timeoutMs?: number }): Promise<{ message: Record<string, unknown> | null; channel: string | null }>;
  }
}

/** Types of the values handlers receive, and of the handlers themselves: `export default ((payload) => ...) satisfies Flint.GatewayMessageHandler`. */
declare namespace Flint {
  /** A Perspective Session: `session.props` are owned by the gateway, `session.custom` by the project. */
  interface Session {
    /** Properties of the session, set by the gateway. */
    readonly props: {
      /** The session id. */
      readonly id: string;
      /** The logged-in user, or null for an anonymous session. */
      readonly userName: string | null;
      /** The roles of the logged-in user. */
      readonly roles: string[];
      /** The network address of the client. */
      readonly host: string;
      /** The client's user agent. */
      readonly userAgent: string;
      /** What the client said about its device. */
      readonly device: JsonObject;
    };
    /** Custom session properties: any key, JSON values; writes reach the session and its clients. */
    readonly custom: {
      [name: string]: unknown;
    };
  }
  /** A page of a session (a browser tab or window). */
  interface Page {
    /** Properties of the page, set by the gateway. */
    readonly props: {
      /** The page id. */
      readonly pageId: string;
      /** The page path, such as `/`. */
      readonly path: string;
    };
    /** The session the page belongs to: the same object a session event gets. */
    readonly session: Session;
  }
  /** A component of a mounted view. */
  interface Component {
    /** The component's name in its view. */
    readonly name: string;
    /** The component's properties; writes reach the client showing it. */
    readonly props: {
      [name: string]: unknown;
    };
    /** The component's custom properties. */
    readonly custom: {
      [name: string]: unknown;
    };
    /** The page showing the view. */
    readonly page: Page;
  }
  interface KeystrokeEvent {
    altKey: boolean; code: string; ctrlKey: boolean; isComposing: boolean; key: string;
    location: number; metaKey: boolean; repeat: boolean; shiftKey: boolean;
    /** For regex matches: the matched text, then each capture group. */
    matches: string[];
  }
  interface BarcodeData { text: string; timestamp: number; barcodeType?: string }
  interface BluetoothAdvertisement {
    rssi: number; timestamp: number;
    manufacturerData?: { companyId: number; dataBase64Encoded: string };
    serviceUUIDs?: string[];
    serviceData?: { uuid: string; dataBase64Encoded: string };
    iBeacon?: { uuid: string; major: number; minor: number; txPower: number };
    eddystoneUID?: { txPower: number; namespaceID: string; instanceID: string };
    AltBeacon?: { manufacturerId: number; uuid: string; instance: string; txPower: number; manufacturerReserved: string };
  }
  interface BluetoothData { values: BluetoothAdvertisement[] }
  interface AccelerometerData { values: { data: { x: number; y: number; z: number; timestamp?: number }[] } }
  interface NdefRecord { type: string; typeNameFormat: number; payload?: string; string?: string; bytes?: number[] }
  /** Which tag a gateway tag change script is called for; newValue and previousValue are system.tag's QualifiedValue. */
  interface TagChangeEvent {
    /** The canonical path that changed, `[provider]Folder/Tag` (with `.Property` when the sidecar named one). */
    tagPath: string;
  }
  interface FormSubmissionResponse {
    success: boolean; title?: string; message?: string;
    fieldErrors?: Record<string, { title?: string; message?: string }>;
  }
  interface WebAuthUser {
    id: string; userName: string; firstName: string | null; lastName: string | null; email: string | null; roles: string[];
  }
  interface WebAuthUserContext { idp: string; securityZones: string[]; user: WebAuthUser; securityLevels: string[] }
  interface AuthChallengeSuccess { getContext(): WebAuthUserContext }
  interface AuthChallengeError {
    isGeneric(): boolean; getAsGeneric(): { getMessage(): string | null };
    isTimeout(): boolean; getAsTimeout(): { getTimeout(): number };
    isCancelled(): boolean; getAsCancelled(): {};
  }
  interface AuthChallengeResult {
    isSuccess(): boolean; getAsSuccess(): AuthChallengeSuccess;
    isError(): boolean; getAsError(): AuthChallengeError;
  }
  /** Runs when the project loads: gateway start, project added or enabled, or its sandbox rebuilt. */
  type GatewayStartupHandler = () => void | Promise<void>;
  /** Runs when the project unloads: gateway stop, project removed or disabled. */
  type GatewayShutdownHandler = () => void | Promise<void>;
  /** A gateway message handler; its return value answers system.util.sendRequest. */
  type GatewayMessageHandler = (payload: JsonObject) => unknown | Promise<unknown>;
  /** A gateway timer script; its sidecar sets the delay. */
  type GatewayTimerHandler = () => void | Promise<void>;
  /** A gateway tag change script; its sidecar lists the tag paths. Runs once per path when it subscribes, then once per change, in order, never overlapping itself. */
  type GatewayTagChangeHandler = (initialChange: boolean, newValue: QualifiedValue, previousValue: QualifiedValue | null, event: TagChangeEvent, executionCount: number) => void | Promise<void>;
  /** Runs when a Session starts. */
  type SessionStartupHandler = (session: Session) => void | Promise<void>;
  /** Runs when a Session ends (timeout, lost authorization, project removed). */
  type SessionShutdownHandler = (session: Session) => void | Promise<void>;
  /** Runs when a page starts in a new tab or window. */
  type PageStartupHandler = (page: Page) => void | Promise<void>;
  /** Runs when a user completes an authentication challenge. */
  type AuthChallengeHandler = (session: Session, payload: JsonValue, result: AuthChallengeResult) => void | Promise<void>;
  /** A Session message handler, reached by system.util.sendMessage / sendRequest with scope "S". */
  type SessionMessageHandler = (session: Session, payload: JsonObject) => unknown | Promise<unknown>;
  /** A topic subscriber of the project: runs in every active session that system.perspective.pushMessage reaches, when its sidecar names the pushed topic. */
  type SessionPushHandler = (session: Session, payload: JsonValue, topic: string) => void | Promise<void>;
  /** Runs when a Session detects a key event matching the sidecar (single key or regex). */
  type KeystrokeHandler = (page: Page, event: KeystrokeEvent) => void | Promise<void>;
  /** Runs when a form is submitted; the return value is the response shown to the user. */
  type FormSubmissionHandler = (session: Session, data: JsonObject, formContext: JsonObject, sessionContext: JsonObject, retry: boolean) => FormSubmissionResponse | void | Promise<FormSubmissionResponse | void>;
  /** Runs when the mobile app scans a barcode. */
  type BarcodeHandler = (session: Session, data: BarcodeData, context: JsonObject) => void | Promise<void>;
  /** Runs when the mobile app receives Bluetooth advertising data. */
  type BluetoothHandler = (session: Session, data: BluetoothData) => void | Promise<void>;
  /** Runs when batched accelerometer data arrives. */
  type AccelerometerHandler = (session: Session, data: AccelerometerData, context: JsonObject) => void | Promise<void>;
  /** Runs when the mobile app scans an NFC tag. */
  type NfcHandler = (session: Session, data: NdefRecord[], context: JsonObject) => void | Promise<void>;
  /** A view component's message handler, reached by system.perspective.sendMessage. */
  type ComponentMessageHandler = (self: Component, payload: JsonObject) => void | Promise<void>;
}
