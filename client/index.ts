/**
 * Flint's client SDK (`flint/client`): opens a Perspective-style session on a project over the session protocol
 * (docs/protocol.md) with the platform's WebSocket, in browsers and in Node 22+. It resumes the same session after a
 * dropped connection, while the gateway keeps it (the project's sessionTimeoutMs).
 */
import { PROTOCOL_VERSION, type ClientFrame, type ClientFrameType, type GatewayFrame } from '../engine/sessions/protocol.ts';

import { BusClient, type BusClientOptions } from './bus.ts';
import { FormSubmissionManager, type FormResponse, type FormStorage } from './forms.ts';
import { KeyMatcher, type KeyLike, type KeyRule } from './keys.ts';

export type { GatewayFrame };
export { BusClient, type BusClientOptions, type BusMessage } from './bus.ts';
export type { KeyLike, KeyMatchEvent, KeyRule } from './keys.ts';
export {
  FileFormStorage,
  FormSubmissionManager,
  IndexedDbFormStorage,
  type FileSystem,
  type FormResponse,
  type FormStorage,
  type PendingSubmission,
} from './forms.ts';

export interface ConnectOptions {
  /** The gateway's session endpoint, such as `ws://localhost:8088/session`. */
  url: string;
  project: string;
  /** Log in while opening the session: a token from `POST /api/login`, or a user name and password. */
  token?: string;
  userName?: string;
  password?: string;
  device?: Record<string, unknown>;
  /** Reconnect and resume after the socket drops (default true); the first delay, in ms (default 500), doubling up to 10 s while it fails. */
  reconnect?: boolean;
  reconnectDelayMs?: number;
}

/** An error the gateway answered with: a code such as `UNAUTHORIZED` and a message. */
export class FlintClientError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'FlintClientError';
    this.code = code;
  }
}

/** A view mounted on a page: its components' props and custom props, kept up to date with the gateway's pushes. */
export interface MountedView {
  instanceId: string;
  viewPath: string;
  /** Per component: its props, custom props, and the events (`onActionPerformed`) it has scripts for. */
  components: Record<string, { props: Record<string, unknown>; custom: Record<string, unknown>; events: string[] }>;
}

/** A component property a script changed. */
export interface ComponentPropsChange {
  pageId: string;
  instanceId: string;
  component: string;
  group: 'props' | 'custom';
  key: string;
  value: unknown;
}

/** A bound tag's value as the gateway sends it: value, quality (name and code) and timestamp (ms since 1970). */
export interface TagValue {
  value: unknown;
  quality: string;
  qualityCode: number;
  timestamp: number;
}

/** A scanned barcode (seeds/002): `timestamp` defaults to now. */
export interface BarcodeScan {
  text: string;
  timestamp?: number;
  barcodeType?: string;
}

/** One Bluetooth advertisement (seeds/002); the optional parts as the app decoded them. */
export interface BluetoothAdvertisement {
  rssi: number;
  timestamp: number;
  manufacturerData?: { companyId: number; dataBase64Encoded: string };
  serviceUUIDs?: string[];
  serviceData?: { uuid: string; dataBase64Encoded: string };
  iBeacon?: { uuid: string; major: number; minor: number; txPower: number };
  eddystoneUID?: { txPower: number; namespaceID: string; instanceID: string };
  AltBeacon?: { manufacturerId: number; uuid: string; instance: string; txPower: number; manufacturerReserved: string };
}

/** One NDEF record of an NFC tag (seeds/002). */
export interface NdefRecord {
  type: string;
  typeNameFormat: number;
  payload?: string;
  string?: string;
  bytes?: number[];
}

/** Where key events come from: a document or an element (typed here so the SDK's types need no DOM library). */
export interface KeyEventTarget {
  addEventListener(type: string, listener: (event: KeyLike) => void, capture: boolean): void;
  removeEventListener(type: string, listener: (event: KeyLike) => void, capture: boolean): void;
}

/** Called with a bound tag's current value when it is bound, then with each change, in order. */
export type TagListener = (value: TagValue, path: string) => void;

/** One tag path as the application bound it, and the canonical path the gateway answered for it. */
interface TagBinding {
  listeners: Set<TagListener>;
  /** Undefined until the gateway answered; null when the path is not a tag path (nothing is bound). */
  tagPath: string | null | undefined;
  /** For a path that binds nothing: the value the gateway answered (its quality says why). */
  unbound?: TagValue;
  /** Resolves once the gateway answered the bind. */
  bound: Promise<void>;
}

/** Most paths one `bindTags` or `unbindTags` frame carries (docs/protocol.md). */
const PATHS_PER_FRAME = 100;

type Payload<T extends ClientFrameType> = Omit<ClientFrame<T>, 'v' | 'type' | 'id'>;
type Welcome = GatewayFrame<'welcome'>;
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** An open session. */
export class FlintSession {
  sessionId = '';
  props: Record<string, unknown> = {};
  custom: Record<string, unknown> = {};
  private socket: WebSocket | undefined;
  private readonly options: ConnectOptions;
  private resumeToken = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, Set<(payload: Record<string, unknown>) => void>>();
  private readonly propsListeners = new Set<(frame: GatewayFrame<'props'>) => void>();
  private readonly endListeners = new Set<(reason: string) => void>();
  private readonly componentListeners = new Set<(change: ComponentPropsChange) => void>();
  /** The views this session has mounted, by instance id. */
  readonly views = new Map<string, MountedView>();
  /** The pages this client opened and their paths: shown again after a resume, so that their pushes come here. */
  private readonly pages = new Map<string, string>();
  private closing = false;
  ended: string | undefined;
  /** Bound tags by the path the application gave, and the last value of each canonical path. */
  private readonly tagBindings = new Map<string, TagBinding>();
  private readonly tagValues = new Map<string, TagValue>();
  /** `tag` frames that came while a bind was waiting for its reply: newer than the reply's value. */
  private readonly earlyTags = new Map<string, TagValue>();
  private bindsInFlight = 0;
  private readonly bindQueue: { path: string; done: (tagPath: string | null, value: TagValue) => void; fail: (e: Error) => void }[] = [];
  private readonly unbindQueue: string[] = [];
  private readonly customListeners = new Map<string, Set<(value: unknown) => void>>();
  private readonly topicListeners = new Map<string, Set<(payload: unknown, topic: string) => void>>();
  /** The project's keystroke rules, applied to the keys of attached pages. */
  private readonly keys = new KeyMatcher();
  private readonly challengeListeners = new Set<(challengeId: string, timeoutMinutes: number) => void>();
  /** Failed keystroke matches (the script's error, a refused match). */
  private readonly keyErrorListeners = new Set<(error: FlintClientError, rule: string) => void>();

  private constructor(options: ConnectOptions) {
    this.options = options;
  }

  /** Opens a session; rejects with FlintClientError when the gateway refuses it (unknown project, login, anonymous). */
  static async connect(options: ConnectOptions): Promise<FlintSession> {
    const session = new FlintSession(options);
    await session.open(false);
    return session;
  }

  /** Logs the session in as a user; `session.props.userName` and `roles` change. */
  async login(userName: string, password: string): Promise<{ userName: string; roles: string[] }> {
    const user = (await this.call('login', { userName, password })) as { userName: string; roles: string[] };
    this.props = { ...this.props, ...user };
    return user;
  }

  async openPage(path: string, pageId?: string): Promise<{ pageId: string; path: string; isNew: boolean }> {
    const page = (await this.call('openPage', pageId === undefined ? { path } : { path, pageId })) as {
      pageId: string;
      path: string;
      isNew: boolean;
    };
    this.pages.set(page.pageId, page.path);
    return page;
  }

  async navigate(pageId: string, path: string): Promise<void> {
    await this.call('navigate', { pageId, path });
    if (this.pages.has(pageId)) this.pages.set(pageId, path);
  }

  async closePage(pageId: string): Promise<void> {
    await this.call('closePage', { pageId });
    this.pages.delete(pageId);
  }

  /** Mounts a view (`views/<viewPath>/view.json`) on a page; its components' message handlers listen from now on. */
  async mountView(pageId: string, viewPath: string): Promise<MountedView> {
    const view = (await this.call('mountView', { pageId, viewPath })) as MountedView;
    this.views.set(view.instanceId, view);
    return view;
  }

  async unmountView(pageId: string, instanceId: string): Promise<void> {
    await this.call('unmountView', { pageId, instanceId });
    this.views.delete(instanceId);
  }

  /** Fires a component's event script (such as `onActionPerformed`); resolves once it has run, rejects with its error. */
  async componentEvent(
    pageId: string,
    instanceId: string,
    component: string,
    event: string,
    payload: Record<string, unknown> = {},
  ): Promise<void> {
    await this.call('componentEvent', { pageId, instanceId, component, event, payload });
  }

  /** Component props changed by scripts (`self.props.text = "a"`); returns a function that removes the listener. */
  onComponentProps(listener: (change: ComponentPropsChange) => void): () => void {
    this.componentListeners.add(listener);
    return () => this.componentListeners.delete(listener);
  }

  /** Runs a session message handler of the project and resolves to its return value. */
  request(handler: string, payload: Record<string, unknown> = {}): Promise<unknown> {
    return this.call('request', { handler, payload });
  }

  /** A client-side message handler (scope `C` of system.util.sendMessage); returns a function that removes it. */
  onMessage(handler: string, listener: (payload: Record<string, unknown>) => void): () => void {
    let listeners = this.handlers.get(handler);
    if (!listeners) {
      listeners = new Set();
      this.handlers.set(handler, listeners);
      void this.call('registerHandler', { handler }).catch(() => undefined);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.handlers.get(handler) === listeners) {
        this.handlers.delete(handler);
        void this.call('unregisterHandler', { handler }).catch(() => undefined);
      }
    };
  }

  /**
   * Subscribes to a push topic (`system.perspective.pushMessage`, exact and case-sensitive): `handler` gets each
   * payload pushed while it is subscribed, unchanged. Returns the function that unsubscribes. Pushes made while the
   * socket is down are not received (a push reaches the subscribers active at that moment); the subscription itself
   * is renewed after a reconnect.
   */
  subscribe(topic: string, handler: (payload: unknown, topic: string) => void): () => void {
    let listeners = this.topicListeners.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.topicListeners.set(topic, listeners);
      void this.call('subscribe', { topic }).catch(() => undefined);
    }
    listeners.add(handler);
    const mine = listeners;
    return () => {
      mine.delete(handler);
      if (mine.size === 0 && this.topicListeners.get(topic) === mine) {
        this.topicListeners.delete(topic);
        void this.call('unsubscribe', { topic }).catch(() => undefined);
      }
    };
  }

  /**
   * A bus client (docs/bus.md) polling the project's bus as this session: it gets the messages of `client:<this
   * session>`, of `user:<its user>` when logged in (notifications from system.bus.notify), and of `channels`.
   * Started; `stop()` ends it.
   */
  openBus(options: Pick<BusClientOptions, 'onMessage' | 'onStop' | 'onError' | 'channels'>): BusClient {
    const http = this.options.url.replace(/^ws/, 'http').replace(/\/session$/, '');
    const bus = new BusClient({
      ...options,
      url: http,
      project: this.options.project,
      authorization: `FlintSession ${this.sessionId}:${this.resumeToken}`,
    });
    this.onEnded(() => bus.stop('the session ended'));
    return bus.start();
  }

  /** Resolves once the gateway has taken every subscription sent so far (a `ping` answered after them). */
  async subscribed(): Promise<void> {
    await this.call('ping', {});
  }

  /** Live property changes pushed by the gateway (session custom props, pages, components). */
  onProps(listener: (frame: GatewayFrame<'props'>) => void): () => void {
    this.propsListeners.add(listener);
    return () => this.propsListeners.delete(listener);
  }

  /**
   * Binds a tag (`[default]Line 1/Speed`, or without `[provider]` in the project's default provider): `listener` gets
   * its current value, then each change, once and in order, while the connection stays; after a reconnect it gets
   * the value as it is then if it changed meanwhile. Binds made in the same turn go to the gateway in one frame.
   * Resolves, once the gateway has answered, to the function that unbinds; rejects when the gateway refuses the bind
   * (more than 1000 tags bound on this socket). A path that is not tag path syntax binds nothing: the listener gets
   * one value with the quality `Error_InvalidPathSyntax`.
   */
  async bindTag(path: string, listener: TagListener): Promise<() => void> {
    let binding = this.tagBindings.get(path);
    if (!binding) {
      const created: TagBinding = { listeners: new Set([listener]), tagPath: undefined, bound: Promise.resolve() };
      binding = created;
      this.tagBindings.set(path, created);
      created.bound = this.queueBind(path).then(
        ({ tagPath, value }) => {
          created.tagPath = tagPath;
          if (tagPath !== null) this.tagValues.set(tagPath, value);
          else created.unbound = value;
          for (const each of created.listeners) each(value, path);
        },
        (error: unknown) => {
          if (this.tagBindings.get(path) === created) this.tagBindings.delete(path);
          throw error;
        },
      );
      await created.bound;
    } else {
      binding.listeners.add(listener);
      await binding.bound;
      const value = binding.tagPath ? this.tagValues.get(binding.tagPath) : binding.unbound;
      if (value) listener(value, path);
    }
    const mine = binding;
    return () => {
      if (!mine.listeners.delete(listener) || mine.listeners.size > 0 || this.tagBindings.get(path) !== mine) return;
      this.tagBindings.delete(path);
      if (mine.tagPath === null) return;
      if (mine.tagPath && ![...this.tagBindings.values()].some((b) => b.tagPath === mine.tagPath)) this.tagValues.delete(mine.tagPath);
      this.unbindQueue.push(path);
      if (this.unbindQueue.length === 1) queueMicrotask(() => this.flushUnbinds());
    };
  }

  /** The last value of a bound tag (by the path it was bound with), or undefined. */
  tagValue(path: string): TagValue | undefined {
    const tagPath = this.tagBindings.get(path)?.tagPath;
    return tagPath ? this.tagValues.get(tagPath) : undefined;
  }

  /**
   * Follows one of the session's custom props (`session.custom.<key>`, written by scripts): `listener` gets its
   * current value (undefined when it has none), then each change, in order; after a reconnect, the value as it is
   * then if it changed meanwhile. Returns the function that stops it.
   */
  bindSessionProp(key: string, listener: (value: unknown) => void): () => void {
    let listeners = this.customListeners.get(key);
    if (!listeners) this.customListeners.set(key, (listeners = new Set()));
    listeners.add(listener);
    listener(this.custom[key]);
    const mine = listeners;
    return () => {
      mine.delete(listener);
      if (mine.size === 0 && this.customListeners.get(key) === mine) this.customListeners.delete(key);
    };
  }

  /**
   * The Perspective App's device actions (seeds/002): each sends its data to the gateway, which checks it against the
   * seed's shape and runs the project's `session-events/<barcode|bluetooth|accelerometer|nfc>` script with it and
   * `context`; each resolves once the script has run and rejects with its error (BAD_REQUEST for data of the wrong
   * shape, NOT_FOUND when the project has no such script, QUOTA_EXCEEDED past 20 device events a second).
   */
  async scanBarcode(scan: BarcodeScan, context: Record<string, unknown> = {}): Promise<void> {
    await this.call('scanBarcode', { data: { ...scan, timestamp: scan.timestamp ?? Date.now() }, context });
  }

  async sendBluetoothAdvertisements(values: BluetoothAdvertisement[]): Promise<void> {
    await this.call('sendBluetoothAdvertisements', { data: { values } });
  }

  /** Accelerometer readings, batched (`{x, y, z}` rows, as the app's batch mode collects them). */
  async sendAccelerometerBatch(
    rows: { x: number; y: number; z: number; timestamp?: number }[],
    context: Record<string, unknown> = {},
  ): Promise<void> {
    await this.call('sendAccelerometerBatch', { data: { values: { data: rows } }, context });
  }

  async sendNdefRecords(records: NdefRecord[], context: Record<string, unknown> = {}): Promise<void> {
    await this.call('sendNdefRecords', { data: records as unknown as Record<string, unknown>[], context });
  }

  /**
   * A Form Submission Manager on this session (docs/protocol.md, Form submissions): `submitForm(name, data,
   * formContext, sessionContext)` keeps each submission in `storage` until the gateway answers, and sends it again
   * while the gateway cannot be reached. Call `resume()` on it to send what an earlier run left unanswered.
   */
  formSubmissions(storage: FormStorage, options: { retryDelayMs?: number; maxRetryDelayMs?: number } = {}): FormSubmissionManager {
    return new FormSubmissionManager(
      storage,
      ({ submissionId, name, data, formContext, sessionContext, retry }) =>
        this.call('submitForm', { submissionId, name, data, formContext, sessionContext, retry }) as Promise<FormResponse>,
      options,
    );
  }

  /**
   * Authentication challenges (seeds/002): `onAuthChallenge` hears each one started on this session (by a script's
   * system.perspective.authenticationChallenge or by `startAuthChallenge`); answer it with `completeAuthChallenge`
   * (a user name and password of the gateway's users; wrong ones reject with UNAUTHORIZED and it keeps waiting) or
   * `cancelAuthChallenge`. Either resolves once the project's auth-challenge script has run.
   */
  onAuthChallenge(listener: (challengeId: string, timeoutMinutes: number) => void): () => void {
    this.challengeListeners.add(listener);
    return () => this.challengeListeners.delete(listener);
  }

  async startAuthChallenge(payload: unknown = null, timeoutMinutes = 1): Promise<string> {
    const { challengeId } = (await this.call('startAuthChallenge', { payload, timeout: timeoutMinutes })) as { challengeId: string };
    return challengeId;
  }

  async completeAuthChallenge(challengeId: string, userName: string, password: string): Promise<void> {
    await this.call('completeAuthChallenge', { challengeId, userName, password });
  }

  async cancelAuthChallenge(challengeId: string): Promise<void> {
    await this.call('cancelAuthChallenge', { challengeId });
  }

  /** The names of the project's keystroke rules, as the gateway last sent them. */
  get keystrokeRules(): string[] {
    return this.keys.ruleNames;
  }

  /**
   * Applies the project's keystroke rules to the KeyboardEvents of `target` (the document by default) for a page:
   * matches run the rules' scripts on the gateway. Returns the function that detaches.
   */
  attachKeyboard(pageId: string, target?: KeyEventTarget): () => void {
    const on = target ?? (globalThis as { document?: KeyEventTarget }).document;
    if (!on)
      throw new FlintClientError('BAD_REQUEST', 'attachKeyboard needs a target outside a browser; use sendKey for synthetic key events');
    const listeners: [string, (e: KeyLike) => void, boolean][] = [];
    for (const type of ['keydown', 'keyup'])
      for (const capture of [true, false]) {
        const listener = (e: KeyLike) => void this.sendKey(pageId, e, capture ? 'capture' : 'bubble');
        on.addEventListener(type, listener, capture);
        listeners.push([type, listener, capture]);
      }
    return () => {
      for (const [type, listener, capture] of listeners) on.removeEventListener(type, listener, capture);
    };
  }

  /**
   * One key event (a KeyboardEvent, or a synthetic `{ type: 'keyup', key: '7' }` from a HID scanner in Node) on a
   * page: the rules it matches run their scripts. Without `phase`, the capture rules then the others. Resolves once
   * the scripts of its matches have run; a failure goes to onKeyError listeners.
   */
  async sendKey(pageId: string, event: KeyLike, phase?: 'capture' | 'bubble'): Promise<void> {
    const found = phase ? this.keys.match(event, phase) : [...this.keys.match(event, 'capture'), ...this.keys.match(event, 'bubble')];
    await Promise.all(
      found.map(({ name, event: fields }) =>
        this.call('keyMatch', { pageId, name, event: fields as unknown as Record<string, unknown> }).catch((error: unknown) => {
          const failure = error instanceof FlintClientError ? error : new FlintClientError('INTERNAL', String(error));
          for (const listener of this.keyErrorListeners) listener(failure, name);
        }),
      ),
    );
  }

  /** A keystroke match failed on the gateway (its script threw, or the match was refused). */
  onKeyError(listener: (error: FlintClientError, rule: string) => void): () => void {
    this.keyErrorListeners.add(listener);
    return () => this.keyErrorListeners.delete(listener);
  }

  /** The session ended on the gateway (logout, timeout, project stopped, gateway stopping). */
  onEnded(listener: (reason: string) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Ends the session: its Shutdown script runs on the gateway. */
  async logout(): Promise<void> {
    await this.call('logout', {});
  }

  /** Closes the socket without ending the session: it can be resumed until the project's session timeout. */
  close(): void {
    this.closing = true;
    this.socket?.close(1000, 'closed by the client');
  }

  /** Drops the socket as a network failure would (for tests and for a client that wants to reconnect now). */
  dropConnection(): void {
    this.socket?.close(4000, 'dropped by the client');
  }

  /** One path into the next `bindTags` frame, sent at the end of this turn. */
  private queueBind(path: string): Promise<{ tagPath: string | null; value: TagValue }> {
    return new Promise((resolve, reject) => {
      this.bindQueue.push({ path, done: (tagPath, value) => resolve({ tagPath, value }), fail: reject });
      if (this.bindQueue.length === 1) queueMicrotask(() => this.flushBinds());
    });
  }

  private flushBinds(): void {
    const queued = this.bindQueue.splice(0);
    for (let i = 0; i < queued.length; i += PATHS_PER_FRAME) {
      const chunk = queued.slice(i, i + PATHS_PER_FRAME);
      void this.sendBind(chunk.map((q) => q.path)).then(
        (tags) => tags.forEach((tag, j) => chunk[j].done(tag.tagPath, tag.value)),
        (error: Error) => chunk.forEach((q) => q.fail(error)),
      );
    }
  }

  /**
   * Sends one `bindTags` frame; answers each path's canonical path and value. A `tag` frame that came before the
   * reply was sent after the gateway read the reply's value, so it is the newer one.
   */
  private async sendBind(paths: string[]): Promise<{ tagPath: string | null; value: TagValue }[]> {
    this.bindsInFlight++;
    try {
      const reply = (await this.call('bindTags', { paths })) as { tags: (TagValue & { tagPath: string | null })[] };
      return reply.tags.map(({ tagPath, value, quality, qualityCode, timestamp }) => ({
        tagPath,
        value: (tagPath !== null && this.earlyTags.get(tagPath)) || { value, quality, qualityCode, timestamp },
      }));
    } finally {
      if (--this.bindsInFlight === 0) this.earlyTags.clear();
    }
  }

  private flushUnbinds(): void {
    const paths = this.unbindQueue.splice(0);
    for (let i = 0; i < paths.length; i += PATHS_PER_FRAME)
      void this.call('unbindTags', { paths: paths.slice(i, i + PATHS_PER_FRAME) }).catch(() => undefined);
  }

  /** A `tag` frame: the listeners of every path bound to that tag get the value. */
  private tagChanged(frame: GatewayFrame<'tag'>): void {
    const value: TagValue = { value: frame.value, quality: frame.quality, qualityCode: frame.qualityCode, timestamp: frame.timestamp };
    let known = false;
    for (const [path, binding] of this.tagBindings) {
      if (binding.tagPath !== frame.path) continue;
      known = true;
      this.tagValues.set(frame.path, value);
      for (const listener of binding.listeners) listener(value, path);
    }
    if (!known && this.bindsInFlight > 0) this.earlyTags.set(frame.path, value);
  }

  /**
   * After a resume the gateway has forgotten the old socket's bindings: bind every tag again, and tell the listeners
   * of those that changed meanwhile, as for the session's custom props.
   */
  private bindAgain(custom: Record<string, unknown>): void {
    for (const [key, listeners] of this.customListeners)
      if (JSON.stringify(custom[key]) !== JSON.stringify(this.custom[key])) for (const listener of listeners) listener(this.custom[key]);
    for (const [path, binding] of this.tagBindings) {
      if (!binding.tagPath) continue;
      void this.queueBind(path).then(
        ({ tagPath, value }) => {
          if (this.tagBindings.get(path) !== binding || tagPath === null) return;
          const last = this.tagValues.get(tagPath);
          this.tagValues.set(tagPath, value);
          if (last && sameTagValue(last, value)) return;
          for (const listener of binding.listeners) listener(value, path);
        },
        () => undefined,
      );
    }
  }

  private call<T extends ClientFrameType>(type: T, fields: Payload<T>): Promise<unknown> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new FlintClientError('UNAVAILABLE', 'not connected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ v: PROTOCOL_VERSION, type, id, ...fields }));
    });
  }

  private open(resume: boolean): Promise<void> {
    const { url, project, token, userName, password, device } = this.options;
    const socket = new WebSocket(url);
    this.socket = socket;
    return new Promise((resolve, reject) => {
      let welcomed = false;
      socket.onopen = () => {
        const hello = resume
          ? { project, resumeSessionId: this.sessionId, resumeToken: this.resumeToken }
          : { project, token, userName, password, device, userAgent: typeof navigator === 'object' ? navigator.userAgent : 'flint/client' };
        socket.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', ...hello }));
      };
      socket.onmessage = (event) => {
        const frame = JSON.parse(String(event.data)) as GatewayFrame;
        if (frame.type === 'welcome') {
          welcomed = true;
          const custom = this.custom;
          this.welcome(frame);
          for (const handler of this.handlers.keys()) void this.call('registerHandler', { handler }).catch(() => undefined);
          for (const topic of this.topicListeners.keys()) void this.call('subscribe', { topic }).catch(() => undefined);
          if (resume) {
            this.showPagesAgain(frame);
            this.bindAgain(custom);
          }
          resolve();
        } else if (frame.type === 'error' && !welcomed) reject(new FlintClientError(frame.code, frame.message));
        else this.dispatch(frame);
      };
      socket.onclose = () => {
        for (const waiting of this.pending.values()) waiting.reject(new FlintClientError('UNAVAILABLE', 'the connection closed'));
        this.pending.clear();
        if (!welcomed) reject(new FlintClientError('UNAVAILABLE', 'the connection closed before the session opened'));
        else this.reconnectLater();
      };
    });
  }

  private welcome(frame: Welcome): void {
    this.sessionId = frame.sessionId;
    this.resumeToken = frame.resumeToken;
    this.props = frame.props;
    this.custom = frame.custom;
    for (const page of frame.pages) for (const view of (page.views ?? []) as MountedView[]) this.views.set(view.instanceId, view);
  }

  /**
   * After a resume, shows this client's pages again (openPage with their pageId, docs/protocol.md Pages): the gateway
   * pushes a page's component props to the socket that shows it, and the old socket is gone. Sent before anything the
   * application sends next, so that its frames find the page shown.
   */
  private showPagesAgain(frame: Welcome): void {
    const open = new Map((frame.pages as { pageId: string; path: string }[]).map((page) => [page.pageId, page.path]));
    for (const pageId of [...this.pages.keys()]) {
      const path = open.get(pageId);
      if (path === undefined) this.pages.delete(pageId);
      else void this.call('openPage', { path, pageId }).catch(() => undefined);
    }
  }

  private reconnectLater(attempt = 0): void {
    if (this.closing || this.ended || this.options.reconnect === false) return;
    const delay = Math.min((this.options.reconnectDelayMs ?? 500) * 2 ** attempt, 10_000);
    setTimeout(() => {
      this.open(true).catch((error: unknown) => {
        // The gateway forgot the session (it timed out, or the gateway restarted): it ended, and a new one can be opened.
        if (error instanceof FlintClientError && error.code === 'UNAUTHORIZED') this.endedWith('the session could not be resumed');
        // Not reachable yet (offline, the gateway restarting): try again, waiting longer each time, up to 10 s.
        else this.reconnectLater(attempt + 1);
      });
    }, delay);
  }

  private componentChanged(frame: GatewayFrame<'props'>): void {
    const { pageId, instanceId, component } = frame;
    if (pageId === undefined || instanceId === undefined || component === undefined) return;
    const state = this.views.get(instanceId)?.components[component];
    if (state) state[frame.group] = { ...state[frame.group], [frame.key]: frame.value };
    const change = { pageId, instanceId, component, group: frame.group, key: frame.key, value: frame.value };
    for (const listener of this.componentListeners) listener(change);
  }

  private endedWith(reason: string): void {
    if (this.ended) return;
    this.ended = reason;
    for (const listener of this.endListeners) listener(reason);
  }

  private dispatch(frame: GatewayFrame): void {
    switch (frame.type) {
      case 'reply': {
        const waiting = this.pending.get(frame.id);
        this.pending.delete(frame.id);
        if (!waiting) return;
        if (frame.ok) waiting.resolve(frame.value);
        else {
          const error = frame.error as { code?: string; message?: string } | undefined;
          waiting.reject(new FlintClientError(error?.code ?? 'INTERNAL', error?.message ?? 'the gateway refused the frame'));
        }
        return;
      }
      case 'message':
        for (const listener of this.handlers.get(frame.handler) ?? []) listener(frame.payload);
        return;
      case 'tag':
        return this.tagChanged(frame);
      case 'authChallenge':
        for (const listener of this.challengeListeners) listener(frame.challengeId, frame.timeoutMinutes);
        return;
      case 'keyRules':
        return this.keys.setRules(frame.rules as unknown as KeyRule[]);
      case 'push':
        for (const listener of this.topicListeners.get(frame.topic) ?? []) listener(frame.payload, frame.topic);
        return;
      case 'props':
        if (frame.object === 'session' && frame.group === 'custom') {
          this.custom = { ...this.custom, [frame.key]: frame.value };
          for (const listener of this.customListeners.get(frame.key) ?? []) listener(frame.value);
        }
        if (frame.object === 'component') this.componentChanged(frame);
        for (const listener of this.propsListeners) listener(frame);
        return;
      case 'ended':
        return this.endedWith(frame.reason);
      default:
        return;
    }
  }
}

function sameTagValue(a: TagValue, b: TagValue): boolean {
  return a.quality === b.quality && a.timestamp === b.timestamp && JSON.stringify(a.value) === JSON.stringify(b.value);
}

/** Opens a session on a project. */
export function connect(options: ConnectOptions): Promise<FlintSession> {
  return FlintSession.connect(options);
}
