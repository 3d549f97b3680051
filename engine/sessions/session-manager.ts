import { describeError, FlintError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { errorOf, failed, isOk, type Outcome } from '../outcome.ts';
import type { EventId } from '../catalogue/events.ts';
import { authResult, handlerArgs, live, writeProblem, type LiveValue, type LiveWrite } from './live-args.ts';
import { listeners, mountView, type MountedComponent, type MountedView } from './mounted-view.ts';
import type { ListenScope, ViewDecl } from './views.ts';
import type { TagFeed } from '../tags/feed.ts';
import { TagBindings, type BoundTag } from './tag-bindings.ts';
import { pushFrameText, pushTargets, Topics, type PushOptions } from './topics.ts';
import { deviceDataProblem, TAKES_CONTEXT, type DeviceKind } from './device-data.ts';
import { keyMatchProblem, type KeyRule } from './key-match.ts';
import type { FormStore } from './form-store.ts';
import { AuthChallenges } from './auth-challenges.ts';
import { FormSubmissions } from './form-submissions.ts';
import { MAX_PAGES, Session, type Page, type SessionClient, type SessionOrigin, type SessionUser } from './session.ts';

/** What the session layer needs to know of a project. */
export interface SessionProject {
  readonly isRunning: boolean;
  handlerModule(event: EventId, name?: string): string | undefined;
  /** A view's declaration (`views/<viewPath>/view.json`), if the project has it and it is valid. */
  view(viewPath: string): ViewDecl | undefined;
  readonly timeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly allowAnonymous: boolean;
  /** The tag provider of a tag path without `[provider]` (project.json `defaultTagProvider`). */
  readonly defaultTagProvider: string;
  /** The largest payload of system.perspective.pushMessage, in bytes of JSON (project.json `limits`). */
  readonly maxPushPayloadBytes: number;
  /** The keystroke rules of its keystroke scripts (`session-events/keystroke/<name>` with valid settings). */
  keyRules(): KeyRule[];
  /** The names of the enabled topic subscriber scripts (`session-events/push/<name>`) of `topic`. */
  pushScripts(topic: string): string[];
}

/** What the session layer is given: the projects and a way to run a project's handler. */
export interface SessionDeps {
  project(name: string): SessionProject | undefined;
  /** Runs a handler module with a JSON list of arguments and the description of its live objects; resolves to its outcome. */
  invoke(project: string, module: string, argsJson: string, timeoutMs: number, live: string): Promise<Outcome>;
  /** The tags that sessions bind (`bindTags`). */
  tags: TagFeed;
  /** The form submissions seen, with their responses (`submitForm`). */
  forms: FormStore;
  logger: Logger;
}

interface RunOptions {
  /** The page (and view) the handler acts for: system.perspective calls default to them. */
  page?: Page;
  view?: MountedView;
  /** Shutdown runs after the session ended. */
  evenIfEnded?: boolean;
  /** Log a failure (default: for events without a caller waiting for the outcome). */
  logFailure?: boolean;
  /** Waits in the bounded line of MAX_WAITING_HANDLERS, as named handlers do (default: for named handlers). */
  bounded?: boolean;
}

/** Filters of system.util.sendMessage that select sessions (seeds/001). */
export interface SessionFilter {
  clientSessionId?: string;
  user?: string;
  hasRole?: string;
  hostName?: string;
}

/** Told that a handler of a session ran (or could not run): its event, name (named handlers) and outcome. */
export type HandlerRanListener = (session: Session, event: EventId, name: string | undefined, outcome: Outcome) => void;

/** Most handlers (requests, component scripts) one session may have waiting for their turn. */
export const MAX_WAITING_HANDLERS = 64;

/** Device events (barcode, Bluetooth, accelerometer, NFC) one session may send per second; past it they are refused. */
export const DEVICE_EVENTS_PER_SECOND = 20;

/** Most sessions one gateway keeps at once; past it, a new session is refused (resuming one still works). */
export const MAX_SESSIONS = 20_000;

/**
 * Every live session of the gateway: opens and resumes them, ends them (logout, timeout after the last client left,
 * the project stopping, the gateway stopping) with their Shutdown script, opens pages with Page Startup, and runs a
 * session's handlers one after another, in the order their events came.
 */
export class SessionManager {
  private readonly deps: SessionDeps;
  private readonly sessions = new Map<string, Session>();
  /** Authentication challenges waiting for their user. */
  readonly challenges: AuthChallenges;
  /** Form submissions and their responses. */
  readonly forms: FormSubmissions;
  /** The keystroke rules last sent to each project's sessions, as JSON. */
  private readonly sentKeyRules = new Map<string, string>();
  /** The tags each socket has bound. */
  readonly tagBindings: TagBindings;
  /** The topics each socket subscribed to (push messages). */
  readonly topics = new Topics();
  /** Told of every handler a session ran (or could not run), with its outcome: see onHandlerRan. */
  private readonly ranListeners = new Set<HandlerRanListener>();

  constructor(deps: SessionDeps) {
    this.deps = deps;
    this.tagBindings = new TagBindings(deps.tags);
    this.challenges = new AuthChallenges({
      hasScript: (session) => this.deps.project(session.project)?.handlerModule('session/auth-challenge') !== undefined,
      run: (session, payload, result) =>
        this.run(session, 'session/auth-challenge', undefined, () => [liveSession(session), payload, authResult(result)], {
          logFailure: true,
        }),
      logger: deps.logger,
    });
    this.forms = new FormSubmissions({
      store: deps.forms,
      logger: deps.logger,
      hasScript: (session, name) => this.deps.project(session.project)?.handlerModule('session/form-submission', name) !== undefined,
      admit: (session) => (this.clientEventAllowed(session) ? undefined : errorOf(this.overRate(session))),
      run: (session, name, args) =>
        this.run(session, 'session/form-submission', name, () => [liveSession(session), ...args], { logFailure: true }),
    });
  }

  /** Binds tags to one of the session's sockets (`bindTags`); paths without `[provider]` are in the project's default provider. */
  bindTags(session: Session, client: SessionClient, paths: readonly string[]): BoundTag[] {
    if (session.ended || !session.clients.has(client)) throw new FlintError('PROJECT_UNAVAILABLE', `session ${session.id} has ended`);
    return this.tagBindings.bind(client, paths, this.defaultTagProvider(session));
  }

  unbindTags(session: Session, client: SessionClient, paths: readonly string[]): void {
    this.tagBindings.unbind(client, paths, this.defaultTagProvider(session));
  }

  private defaultTagProvider(session: Session): string {
    return this.deps.project(session.project)?.defaultTagProvider ?? 'default';
  }

  /**
   * Calls `listener` after each handler of a session ran, or failed to run, with its outcome. The editor's simulated
   * sessions (engine/editor/simulated-sessions.ts) report with it what a fired event ran: Startup, Page Startup, push
   * subscribers and component message handlers run without a caller waiting for their outcome. Returns the unsubscribe.
   */
  onHandlerRan(listener: HandlerRanListener): () => void {
    this.ranListeners.add(listener);
    return () => this.ranListeners.delete(listener);
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  list(project?: string): Session[] {
    const all = [...this.sessions.values()];
    return project === undefined ? all : all.filter((s) => s.project === project);
  }

  /** Opens a session on a running project for `client`; its Startup script runs before any other handler of it. */
  open(projectName: string, user: SessionUser, origin: SessionOrigin, client: SessionClient): Session {
    const project = this.runningProject(projectName);
    if (user.userName === null && !project.allowAnonymous)
      throw new FlintError('UNAUTHORIZED', `project "${projectName}" does not allow anonymous sessions: log in first`);
    if (this.sessions.size >= MAX_SESSIONS)
      throw new FlintError('QUOTA_EXCEEDED', `the gateway already has ${MAX_SESSIONS} sessions; try again later`);
    const session = new Session(projectName, user, origin);
    session.clients.set(client, new Set());
    this.sessions.set(session.id, session);
    this.deps.logger.info(`session ${session.id} started on project "${projectName}" (${user.userName ?? 'anonymous'}, ${origin.host})`, {
      project: projectName,
    });
    void this.run(session, 'session/startup', undefined, () => [liveSession(session)]);
    return session;
  }

  /** A client reconnecting to a session it had; the same session and pages, or UNAUTHORIZED. */
  resume(id: string, token: string, client: SessionClient): Session {
    const session = this.sessions.get(id);
    // One answer for an unknown id and a wrong token: a client learns nothing about other sessions.
    if (!session || session.ended || !session.resumableWith(token))
      throw new FlintError('UNAUTHORIZED', 'that session cannot be resumed: it ended, or the resume token is wrong');
    clearTimeout(session.disconnectTimer);
    session.disconnectTimer = undefined;
    session.clients.set(client, new Set());
    return session;
  }

  /** A client's socket closed: the session stays, and ends once it has had no client for its project's session timeout. */
  detach(session: Session, client: SessionClient): void {
    this.tagBindings.unbindAll(client);
    this.topics.forget(client);
    session.clients.delete(client);
    for (const page of session.pages.values()) if (page.client === client) page.client = undefined;
    if (session.clients.size > 0 || session.ended) return;
    const timeoutMs = this.deps.project(session.project)?.sessionTimeoutMs ?? 0;
    session.disconnectTimer = setTimeout(() => void this.end(session, 'timeout'), timeoutMs);
    session.disconnectTimer.unref();
  }

  /** Ends a session once: its clients are told and closed, then its Shutdown script runs. */
  async end(session: Session, reason: string): Promise<void> {
    if (session.ended) return;
    session.ended = reason;
    clearTimeout(session.disconnectTimer);
    this.sessions.delete(session.id);
    for (const client of session.clients.keys()) {
      this.tagBindings.unbindAll(client);
      this.topics.forget(client);
      client.send({ v: 1, type: 'ended', reason });
      client.close(1000, `session ended: ${reason}`);
    }
    session.clients.clear();
    this.challenges.endSession(session);
    for (const page of session.pages.values()) for (const view of page.views.values()) for (const unbind of view.unbind.splice(0)) unbind();
    this.deps.logger.info(`session ${session.id} ended (${reason})`, { project: session.project });
    await this.run(session, 'session/shutdown', undefined, () => [liveSession(session)], { evenIfEnded: true });
  }

  /** Ends every session of a project (it is stopping), after their Shutdown scripts ran. */
  async endProject(project: string, reason: string): Promise<void> {
    await Promise.all(this.list(project).map((s) => this.end(s, reason)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.list().map((s) => this.end(s, 'the gateway is stopping')));
  }

  /** Ends the sessions of a user who was removed. */
  async endUser(userName: string, reason: string): Promise<void> {
    await Promise.all(
      this.list()
        .filter((s) => s.user.userName === userName)
        .map((s) => this.end(s, reason)),
    );
  }

  /** The project's keystroke rules as a `keyRules` frame's text. */
  keyRulesText(projectName: string): string {
    const rules = this.deps.project(projectName)?.keyRules() ?? [];
    return JSON.stringify({ v: 1, type: 'keyRules', rules });
  }

  /**
   * A key event matched a keystroke rule on a page (`keyMatch`): the event checked against the rule and the seed's
   * fields, at most DEVICE_EVENTS_PER_SECOND per session with the device events, then the rule's script run as
   * `(page, event)` in the session's turn.
   */
  keyMatch(session: Session, page: Page, name: string, event: Record<string, unknown>): Promise<Outcome> {
    const rule = this.deps
      .project(session.project)
      ?.keyRules()
      .find((r) => r.name === name);
    if (!rule) return Promise.resolve(failed('NOT_FOUND', `project "${session.project}" has no keystroke rule "${name}"`));
    const problem = keyMatchProblem(rule, event);
    if (problem) return Promise.resolve(failed('BAD_REQUEST', problem));
    if (!this.clientEventAllowed(session)) return Promise.resolve(this.overRate(session));
    return this.run(session, 'session/keystroke', name, () => [livePage(session, page), event], { page, logFailure: true });
  }

  /** Counts a device or key event of the session against DEVICE_EVENTS_PER_SECOND. */
  private clientEventAllowed(session: Session): boolean {
    const now = Date.now();
    if (now - session.deviceWindowStart >= 1000) {
      session.deviceWindowStart = now;
      session.deviceEventsInWindow = 0;
    }
    return ++session.deviceEventsInWindow <= DEVICE_EVENTS_PER_SECOND;
  }

  private overRate(session: Session): Outcome {
    return failed(
      'QUOTA_EXCEEDED',
      `more than ${DEVICE_EVENTS_PER_SECOND} device and key events in one second from session ${session.id}: refused`,
    );
  }

  /** A project's settings changed: its anonymous sessions end once it no longer allows them (they lost authorization). */
  async projectChanged(projectName: string): Promise<void> {
    const rules = this.keyRulesText(projectName);
    if (this.sentKeyRules.get(projectName) !== rules) {
      this.sentKeyRules.set(projectName, rules);
      for (const session of this.list(projectName)) for (const client of session.clients.keys()) client.sendText(rules);
    }
    if (this.deps.project(projectName)?.allowAnonymous !== false) return;
    const anonymous = this.list(projectName).filter((s) => s.user.userName === null);
    await Promise.all(anonymous.map((s) => this.end(s, 'the project no longer allows anonymous sessions')));
  }

  /** A user's roles changed: their sessions' `session.props.roles` follow. */
  userChanged(userName: string, roles: string[]): void {
    for (const session of this.list()) if (session.user.userName === userName) session.user = { userName, roles: [...roles] };
  }

  /** Opens a page; a new one runs Page Startup. */
  openPage(session: Session, client: SessionClient, path: string, pageId?: string): { page: Page; isNew: boolean } {
    const known = pageId !== undefined && session.pages.has(pageId);
    if (!known && session.pages.size >= MAX_PAGES)
      throw new FlintError('QUOTA_EXCEEDED', `session ${session.id} already has ${MAX_PAGES} pages open; close one first`);
    const opened = session.openPage(client, path, pageId);
    if (opened.isNew) {
      const { page } = opened;
      void this.run(session, 'session/page-startup', undefined, () => [livePage(session, page)], { page });
    }
    return opened;
  }

  /** system.perspective.getSessionInfo: the sessions of a project, optionally of one user. */
  info(project: string, userName?: string): Record<string, unknown>[] {
    return this.list(project)
      .filter((s) => userName === undefined || s.user.userName === userName)
      .map((s) => ({
        id: s.id,
        userName: s.user.userName,
        roles: [...s.user.roles],
        project: s.project,
        clientAddress: s.origin.host,
        userAgent: s.origin.userAgent,
        pageIds: [...s.pages.keys()],
        pages: [...s.pages.values()].map((p) => ({ pageId: p.pageId, path: p.path })),
        connected: s.clients.size > 0,
        uptimeMs: Date.now() - s.startedAt,
      }));
  }

  /** Mounts a view of the project on a page; its components start with the props its view.json declares. */
  mountView(session: Session, page: Page, viewPath: string): MountedView {
    const decl = this.deps.project(session.project)?.view(viewPath);
    if (!decl) throw new FlintError('NOT_FOUND', `project "${session.project}" has no view "${viewPath}" (views/${viewPath}/view.json)`);
    const view = mountView(page.views, viewPath, decl);
    this.bindViewTags(session, page, view);
    return view;
  }

  /**
   * A view's tag-bound props (`bindings` in its view.json): each starts at its tag's value and follows it, pushed to
   * the page's client, until the view goes. A value the prop cannot hold (past its group's size) is logged and skipped.
   */
  private bindViewTags(session: Session, page: Page, view: MountedView): void {
    const provider = this.defaultTagProvider(session);
    for (const [name, component] of view.components) {
      for (const [key, { tag }] of Object.entries(view.decl.components[name]?.bindings ?? {})) {
        const apply = (value: unknown, push: boolean) => {
          try {
            component.props.set(key, value ?? null);
          } catch (error) {
            this.deps.logger.warn(
              `view "${view.viewPath}" component "${name}": props.${key} cannot follow ${tag}: ${(error as Error).message}`,
              {
                project: session.project,
              },
            );
            return;
          }
          if (push) pushComponentProp(page, view, component, 'props', key, value ?? null);
        };
        view.unbind.push(this.deps.tags.subscribe([tag], provider, (change) => apply(change.value.value, true)));
        apply(this.deps.tags.read([tag], provider)[0].value, false);
      }
    }
  }

  /** Unmounts a view instance; its tag bindings end. */
  unmountView(page: Page, instanceId: string): void {
    const view = page.views.get(instanceId);
    if (!view) throw new FlintError('NOT_FOUND', `page ${page.pageId} has no view instance "${instanceId}"`);
    page.views.delete(instanceId);
    for (const unbind of view.unbind.splice(0)) unbind();
  }

  /** Closes a page and unmounts its views. */
  closePage(session: Session, pageId: string): void {
    const page = session.pages.get(pageId);
    if (!page) throw new FlintError('NOT_FOUND', `session ${session.id} has no page "${pageId}"`);
    for (const instanceId of [...page.views.keys()]) this.unmountView(page, instanceId);
    session.pages.delete(pageId);
  }

  /**
   * Runs a component's event script (`events` in its view.json, such as onActionPerformed) as `(self, event)`, in the
   * session's turn; resolves to its outcome.
   */
  componentEvent(session: Session, page: Page, view: MountedView, component: string, event: string, payload: unknown): Promise<Outcome> {
    const mounted = view.components.get(component);
    const script = view.decl.components[component]?.events[event];
    if (!mounted || !script)
      return Promise.resolve(failed('NOT_FOUND', `view "${view.viewPath}" has no component "${component}" with a script for ${event}`));
    return this.runComponentScript(session, page, view, mounted, script, payload);
  }

  /**
   * system.perspective.sendMessage (seeds/000): runs the component message handlers listening for `messageType` on
   * `scope` (`view`: the calling view; `page`: every view of the page; `session`: every view of the session), each
   * in its session's turn, after the caller. Session and page default to the caller's; another session, and so any
   * from outside a session, is reached with both its sessionId and a pageId.
   */
  sendMessage(
    caller: { project: string; session?: string; page?: string; view?: string },
    messageType: string,
    payload: unknown,
    scope: ListenScope,
    sessionId?: string,
    pageId?: string,
  ): void {
    const refuse = (message: string) => {
      throw new FlintError('BAD_ARGUMENT', `system.perspective.sendMessage: ${message}`);
    };
    const targetId = sessionId ?? caller.session;
    if (targetId === undefined) return refuse('outside a session, sessionId and pageId are both required');
    const own = targetId === caller.session;
    // seeds/000: another session (and so any from the gateway scope) is reached with its sessionId and a pageId.
    if (!own && pageId === undefined) refuse('pageId is required to reach another session');
    const session = this.sessions.get(targetId);
    if (!session || session.project !== caller.project)
      throw new FlintError('NOT_FOUND', `project "${caller.project}" has no session ${targetId}`);
    if (pageId !== undefined && !session.pages.has(pageId))
      throw new FlintError('NOT_FOUND', `session ${session.id} has no page ${pageId}`);
    let views: { page: Page; view: MountedView }[];
    if (scope === 'session')
      views = [...session.pages.values()].flatMap((page) => [...page.views.values()].map((view) => ({ page, view })));
    else {
      const fromOwnView = own && caller.view !== undefined && (pageId === undefined || pageId === caller.page);
      if (scope === 'view' && !fromOwnView)
        return refuse('scope "view" reaches the view of the calling component; from elsewhere use "page" or "session"');
      const wanted = pageId ?? (own ? caller.page : undefined);
      if (wanted === undefined) return refuse('pageId is required: the calling script acts for no page');
      const page = session.pages.get(wanted);
      if (!page) throw new FlintError('NOT_FOUND', `session ${session.id} has no page ${wanted}`);
      const view = scope === 'view' ? page.views.get(caller.view!) : undefined;
      views = scope === 'page' ? [...page.views.values()].map((v) => ({ page, view: v })) : view ? [{ page, view }] : [];
    }
    const deliveries = views.flatMap(({ page, view }) => listeners(view, messageType, scope).map((l) => ({ page, view, ...l })));
    // The caller learns at once that the session cannot take them, rather than each being dropped in the log.
    if (session.waiting + deliveries.length > MAX_WAITING_HANDLERS)
      throw new FlintError(
        'QUOTA_EXCEEDED',
        `system.perspective.sendMessage: session ${session.id} already has ${session.waiting} handlers waiting to run (at most ${MAX_WAITING_HANDLERS})`,
      );
    for (const { page, view, component, script } of deliveries)
      void this.runComponentScript(session, page, view, component, script, payload);
  }

  /**
   * system.perspective.pushMessage (seeds/003): delivers `payload` to the subscribers of `topic` active now in the
   * caller's project: client sockets subscribed to it (one `push` frame, serialized once) and the project's topic
   * subscriber scripts, run in each session reached as `(session, payload, topic)` in the session's turn. Returns how
   * many subscribers it reached. A payload past the project's maxPushPayloadBytes is refused before anything is sent.
   */
  push(caller: { project: string; session?: string }, topic: string, payload: unknown, options: PushOptions): number {
    const project = this.deps.project(caller.project);
    const payloadJson = JSON.stringify(payload ?? null);
    const limit = project?.maxPushPayloadBytes ?? 0;
    if (payloadJson.length > limit)
      throw new FlintError(
        'QUOTA_EXCEEDED',
        `system.perspective.pushMessage: the payload is ${payloadJson.length} bytes of JSON, more than this project's limit of ${limit} (limits.maxPushPayloadBytes): push a reference to the data rather than the data`,
      );
    const targets = pushTargets(this.list(caller.project), caller, options);
    const scripts = project?.pushScripts(topic) ?? [];
    const text = pushFrameText(topic, payloadJson);
    let reached = 0;
    for (const session of targets) {
      for (const client of this.topics.subscribers(session, topic)) {
        client.sendText(text);
        reached++;
      }
      for (const name of scripts) {
        void this.run(session, 'session/push', name, () => [liveSession(session), JSON.parse(payloadJson), topic], { logFailure: true });
        reached++;
      }
    }
    return reached;
  }

  /**
   * A device event of the Perspective App (seeds/002): its data checked against the seed's shape, at most
   * DEVICE_EVENTS_PER_SECOND per session, then the project's script for it run in the session's turn as
   * `(session, data, context)` (Bluetooth: `(session, data)`); resolves to its outcome.
   */
  deviceEvent(session: Session, kind: DeviceKind, data: unknown, context: Record<string, unknown> | undefined): Promise<Outcome> {
    const problem = deviceDataProblem(kind, data);
    if (problem) return Promise.resolve(failed('BAD_REQUEST', problem));
    if (!this.clientEventAllowed(session)) return Promise.resolve(this.overRate(session));
    const event = `session/${kind}` as EventId;
    if (!this.deps.project(session.project)?.handlerModule(event))
      return Promise.resolve(failed('NOT_FOUND', `project "${session.project}" has no session-events/${kind} script`));
    const args = () => (TAKES_CONTEXT[kind] ? [liveSession(session), data, context ?? {}] : [liveSession(session), data]);
    return this.run(session, event, undefined, args, { bounded: true, logFailure: true });
  }

  /** system.perspective.authenticationChallenge: a challenge on the calling script's own session. */
  challenge(caller: { project: string; session?: string }, payload: unknown, timeoutMinutes: number): string {
    const session = caller.session === undefined ? undefined : this.sessions.get(caller.session);
    if (!session || session.project !== caller.project)
      throw new FlintError(
        'BAD_ARGUMENT',
        'system.perspective.authenticationChallenge: it challenges the user of the calling session, and this script runs outside any session (gateway scope)',
      );
    return this.challenges.start(session, payload, timeoutMinutes);
  }

  /** A socket subscribes to a topic's pushes (`subscribe`). */
  subscribe(session: Session, client: SessionClient, topic: string): void {
    if (session.ended || !session.clients.has(client)) throw new FlintError('PROJECT_UNAVAILABLE', `session ${session.id} has ended`);
    this.topics.subscribe(client, topic);
  }

  /** Runs a session message handler with `(session, payload)`; resolves to its outcome. */
  request(session: Session, handler: string, payload: unknown): Promise<Outcome> {
    const module = this.deps.project(session.project)?.handlerModule('session/message', handler);
    if (!module) return Promise.resolve(failed('NOT_FOUND', `project "${session.project}" has no session message handler "${handler}"`));
    return this.run(session, 'session/message', handler, () => [liveSession(session), payload]);
  }

  /**
   * A script wrote a property of a live object of `project` (engine/sandbox/prelude/live-objects.ts), after the
   * writes before it: applied, and pushed to the clients showing it. A write the rules refuse, or to a session that
   * ended, changes nothing and is logged (the script made it without waiting for an answer). `callerSession` is the
   * session whose handler made the write (the call's context, which a script cannot set): the ref comes from inside
   * the sandbox, where a script that polluted its realm can rewrite it, so a write to another session is refused.
   */
  writeLive(project: string, write: LiveWrite, callerSession?: string): void {
    const refused = (why: string) =>
      this.deps.logger.warn(`a script's write to ${write.kind}.${write.group}.${write.key} was not applied: ${why}`, { project });
    const problem = writeProblem(write);
    if (problem) return refused(problem);
    const [sessionId] = write.ref.split('/');
    const session = this.sessions.get(sessionId);
    if (!session || session.project !== project) return refused(`session ${sessionId} has ended`);
    if (sessionId !== callerSession) return refused(`it was not made by a handler of session ${sessionId}`);
    if (write.kind === 'session') {
      try {
        session.custom.set(write.key, write.value);
      } catch (error) {
        return refused(`session.custom: ${(error as Error).message}`);
      }
      return session.broadcast({ v: 1, type: 'props', object: 'session', group: 'custom', key: write.key, value: write.value ?? null });
    }
    const [, pageId, instanceId, name] = write.ref.split('/');
    const page = session.pages.get(pageId);
    const component = write.kind === 'component' ? page?.views.get(instanceId)?.components.get(name) : undefined;
    if (!page || !component) return refused(`the ${write.kind === 'component' ? 'view' : 'page'} was closed`);
    const group = write.group === 'props' ? component.props : component.custom;
    try {
      group.set(write.key, write.value);
    } catch (error) {
      return refused(`component "${name}": ${(error as Error).message}`);
    }
    const view = page.views.get(instanceId)!;
    pushComponentProp(page, view, component, write.group as 'props', write.key, write.value ?? null);
  }

  private runComponentScript(session: Session, page: Page, view: MountedView, component: MountedComponent, script: string, arg: unknown) {
    const name = `${view.viewPath}/${script}`;
    const self = () => liveComponent(session, page, view, component);
    return this.run(session, 'component/message', name, () => [self(), arg], { page, view, logFailure: true });
  }

  /** The sessions of a project that system.util.sendMessage's filters select. */
  select(project: string, filter: SessionFilter): Session[] {
    return this.list(project).filter(
      (s) =>
        (filter.clientSessionId === undefined || s.id === filter.clientSessionId) &&
        (filter.user === undefined || s.user.userName === filter.user) &&
        (filter.hasRole === undefined || s.hasRole(filter.hasRole)) &&
        (filter.hostName === undefined || s.origin.host === filter.hostName),
    );
  }

  private runningProject(name: string): SessionProject {
    const project = this.deps.project(name);
    if (!project) throw new FlintError('NOT_FOUND', `project "${name}" does not exist`);
    if (!project.isRunning) throw new FlintError('PROJECT_UNAVAILABLE', `project "${name}" is not loaded`);
    return project;
  }

  /**
   * Runs one of the session's handlers in its turn: a session's handlers run one after another, so the next one sees
   * what the one before it did. `args` is built when its turn comes, from the session as it is then. A session that
   * ended runs nothing more, but its Shutdown script (`evenIfEnded`). `page`: the page it acts for. Failures are
   * logged with the script's location. At most MAX_WAITING_HANDLERS named handlers wait at once; past that they fail
   * at once with QUOTA_EXCEEDED, so a client or a script cannot make a session hold unbounded work.
   */
  private run(
    session: Session,
    event: EventId,
    name: string | undefined,
    args: () => unknown[],
    { page, view, evenIfEnded = false, logFailure = name === undefined, bounded = name !== undefined }: RunOptions = {},
  ): Promise<Outcome> {
    // Requests, messages and device events wait in a bounded line; the session's own lifecycle events always get theirs.
    if (bounded && session.waiting >= MAX_WAITING_HANDLERS) {
      const message = `session ${session.id} already has ${MAX_WAITING_HANDLERS} handlers waiting to run; ${name ?? event} was refused`;
      if (logFailure) this.deps.logger.warn(message, { project: session.project });
      return Promise.resolve(failed('QUOTA_EXCEEDED', message));
    }
    session.waiting++;
    const turn = session.queue.then(async () => {
      session.waiting--;
      const project = this.deps.project(session.project);
      const module = project?.isRunning ? project.handlerModule(event, name) : undefined;
      if (!project || !module)
        return failed('NOT_FOUND', `project "${session.project}" has no ${event} handler${name ? ` "${name}"` : ''}`);
      if (session.ended && !evenIfEnded) return failed('PROJECT_UNAVAILABLE', `session ${session.id} has ended`);
      // A view that was unmounted, or a page closed, while this waited for its turn: its scripts no longer run.
      if (page && (session.pages.get(page.pageId) !== page || (view && page.views.get(view.instanceId) !== view)))
        return failed('NOT_FOUND', `the ${view ? 'view' : 'page'} was closed before ${name ?? event} ran`);
      const { argsJson, live } = handlerArgs(args(), { session: session.id, page: page?.pageId, view: view?.instanceId });
      const outcome = await this.deps.invoke(session.project, module, argsJson, project.timeoutMs, live);
      if (!isOk(outcome) && logFailure) {
        const error = errorOf(outcome);
        this.deps.logger.error(`${event} of session ${session.id} failed: ${describeError(error)}`, {
          project: session.project,
          source: error.location,
        });
      }
      return outcome;
    });
    const reported = turn.then((outcome) => {
      for (const listener of this.ranListeners) listener(session, event, name, outcome);
      return outcome;
    });
    session.queue = reported.catch(() => undefined);
    return reported;
  }
}

/** Tells the client showing a page that a component's prop changed. */
function pushComponentProp(
  page: Page,
  view: MountedView,
  component: MountedComponent,
  group: 'props' | 'custom',
  key: string,
  value: unknown,
) {
  page.client?.send({
    v: 1,
    type: 'props',
    object: 'component',
    pageId: page.pageId,
    instanceId: view.instanceId,
    component: component.name,
    group,
    key,
    value,
  });
}

/** The `session` a handler gets: a live object whose custom props it may write. */
function liveSession(session: Session) {
  return live(sessionValue(session));
}

function sessionValue(session: Session): LiveValue {
  return { kind: 'session', ref: session.id, label: 'session', groups: { props: session.props(), custom: session.custom.toObject() } };
}

/** The `page` a handler gets, with `page.session`. */
function livePage(session: Session, page: Page) {
  return live(pageValue(session, page));
}

function pageValue(session: Session, page: Page): LiveValue {
  return {
    kind: 'page',
    ref: `${session.id}/${page.pageId}`,
    label: 'page',
    groups: { props: { pageId: page.pageId, path: page.path } },
    links: { session: sessionValue(session) },
  };
}

/** The `self` a component's script gets, with `self.page` and `self.page.session`. */
function liveComponent(session: Session, page: Page, view: MountedView, component: MountedComponent) {
  return live({
    kind: 'component',
    ref: `${session.id}/${page.pageId}/${view.instanceId}/${component.name}`,
    label: 'self',
    fields: { name: component.name },
    groups: { props: component.props.toObject(), custom: component.custom.toObject() },
    links: { page: pageValue(session, page) },
  });
}
