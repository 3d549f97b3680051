import { randomBytes } from 'node:crypto';
import type { EventDecl } from '../catalogue/define.ts';
import { eventById, type EventId } from '../catalogue/events.ts';
import { errorToData, FlintError, type ErrorData } from '../errors.ts';
import { errorOf, isOk, ok, parseOutcome, type Outcome } from '../outcome.ts';
import type { AuthResultData } from '../sandbox/live-wire.ts';
import { successOf } from '../sessions/connection.ts';
import { DEVICE_ACTIONS, TAKES_CONTEXT, type DeviceKind } from '../sessions/device-data.ts';
import { readClientFrame } from '../sessions/frame-reader.ts';
import type { MountedView } from '../sessions/mounted-view.ts';
import { PROTOCOL_VERSION } from '../sessions/protocol.ts';
import type { Page, Session, SessionUser } from '../sessions/session.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import { FIREABLE_EVENTS, payloadKeysProblem } from './fireable-events.ts';
import { RecordingClient } from './recording-client.ts';

/** Most simulated sessions the gateway keeps (all editor logins together); past it the least recently used one ends. */
export const MAX_SIMULATED_SESSIONS = 100;
/** A simulated session unused this long ends at the next fire of anyone (there is no socket whose close would end it). */
export const SIMULATED_IDLE_MS = 30 * 60_000;
/** Most handler runs one fire reports (a push script that pushes to its own topic runs without end). */
const MAX_REPORTED_RUNS = 200;
/** How long a fire waits, past the project's handler deadline, for what the event set off (pushes, Page Startup...). */
const SETTLE_MARGIN_MS = 2000;

/** Where a simulated session says it comes from: session lists show it as the editor's (`clientAddress: "editor"`). */
const ORIGIN = { host: 'editor', userAgent: 'Flint editor test panel', device: { simulated: true } };

/** What the simulated sessions need: the real session layer, and a project's handler deadline. */
export interface SimulatedSessionsDeps {
  sessions: SessionManager;
  /** project.json `limits.timeoutMs` of a project. */
  timeoutMs(project: string): number;
}

/** One fire of the test panel: an event of the catalogue into the simulated session of (owner, project). */
export interface Fire {
  /** The editor login the simulated session belongs to. */
  owner: string;
  project: string;
  event: string;
  name?: string;
  view?: string;
  payload: Record<string, unknown>;
  user: SessionUser;
}

/** A handler that ran in the simulated session during a fire, with its outcome. */
export interface HandlerRun {
  event: string;
  name: string | null;
  ok: boolean;
  value?: unknown;
  error?: ErrorData;
}

export interface FireAnswer {
  outcome: { ok: true; value: unknown } | { ok: false; error: ErrorData };
  ran: HandlerRun[];
  frames: unknown[];
  framesDropped: number;
  /** False when handlers set off by the event were still running when the fire stopped waiting. */
  settled: boolean;
  session: { id: string; ended: boolean; props: ReturnType<Session['props']>; custom: Record<string, unknown> };
}

interface Simulated {
  key: string;
  session: Session;
  client: RecordingClient;
  /** The page events that need one act on (keystrokes, views); opened on first need. */
  page?: Page;
  views: Map<string, MountedView>;
  lastUsed: number;
}

/**
 * The test panel's simulated sessions (issue 13 item 6): one real Session of the SessionManager per editor login and
 * project, whose client records frames instead of sending them, so a fired event runs through the same paths a
 * client's frame takes (request, keyMatch, deviceEvent, forms, challenges, componentEvent, push, sendMessage), its
 * payload checked as the client's frame would be (readClientFrame, then the session layer's own checks), and the
 * script sees a real `session` whose custom props persist between fires until "new session".
 */
export class SimulatedSessions {
  private readonly deps: SimulatedSessionsDeps;
  private readonly byKey = new Map<string, Simulated>();

  constructor(deps: SimulatedSessionsDeps) {
    this.deps = deps;
  }

  async fire(fire: Fire): Promise<FireAnswer> {
    const decl = eventById(fire.event);
    if (!decl || !FIREABLE_EVENTS.some((e) => e.event === decl.id))
      throw new FlintError(
        'BAD_REQUEST',
        `event ${JSON.stringify(fire.event)} is not one of ${FIREABLE_EVENTS.map((e) => e.event).join(', ')}`,
      );
    const keysProblem = payloadKeysProblem(decl, fire.payload);
    if (keysProblem) throw new FlintError('BAD_REQUEST', keysProblem);
    await this.sweep();
    const key = keyOf(fire.owner, fire.project);
    if (decl.id === 'session/startup') await this.end(key, 'a new session from the editor test panel');

    let target: Session | undefined;
    const ran: HandlerRun[] = [];
    const stop = this.deps.sessions.onHandlerRan((session, event, name, outcome) => {
      // A session without a script for one of its own events (Startup, Page Startup) is no news to the panel.
      const absent = !isOk(outcome) && errorOf(outcome).code === 'NOT_FOUND' && !errorOf(outcome).location;
      if (session === target && !(absent && event !== decl.id) && ran.length < MAX_REPORTED_RUNS) ran.push(runOf(event, name, outcome));
    });
    try {
      const sim = await this.current(key, fire, (session) => (target = session));
      sim.client.take();
      const direct = await this.dispatch(decl, sim, fire);
      const settled = await settle(sim.session, this.deps.timeoutMs(fire.project) + SETTLE_MARGIN_MS);
      const targetName = decl.layout.kind === 'view' ? `${fire.view}/${fire.name}` : fire.name;
      const runs = ran.filter((r) => r.event === decl.id && (decl.id === 'session/push' || (r.name ?? undefined) === targetName));
      // Refused before its handler ran (a payload the session layer's checks refuse, no such rule): the caller's error.
      if (direct !== undefined && !isOk(direct) && runs.length === 0) throw FlintError.from(errorOf(direct));
      return {
        outcome: outcomeOf(direct, runs),
        ran,
        ...sim.client.take(),
        settled,
        session: {
          id: sim.session.id,
          ended: sim.session.ended !== undefined,
          props: sim.session.props(),
          custom: sim.session.custom.toObject(),
        },
      };
    } finally {
      stop();
    }
  }

  /** "New session": ends the simulated session of (owner, project), its Shutdown script run; whether there was one. */
  async reset(owner: string, project: string): Promise<boolean> {
    return this.end(keyOf(owner, project), 'ended from the editor test panel');
  }

  /** The editor login ended (logout, expiry): its simulated sessions end. */
  async endOwner(owner: string): Promise<void> {
    const prefix = `${owner}\u0000`;
    await Promise.all([...this.byKey.keys()].filter((k) => k.startsWith(prefix)).map((k) => this.end(k, 'the editor login ended')));
  }

  /** How many simulated sessions are open (for tests and status). */
  get size(): number {
    return this.byKey.size;
  }

  /** The simulated session of `key`, opened when it has none (or it ended), with the fire's user. */
  private async current(key: string, fire: Fire, opening: (session: Session) => void): Promise<Simulated> {
    const known = this.byKey.get(key);
    if (known && !known.session.ended && sameUser(known.session.user, fire.user)) {
      opening(known.session);
      this.byKey.delete(key); // re-inserted last: the map's order is the order of use
      this.byKey.set(key, known);
      known.lastUsed = Date.now();
      return known;
    }
    // A session is its user's (a client changes user by a new session): another user gets a new one.
    if (known) await this.end(key, 'the editor test panel runs as another user now');
    if (this.byKey.size >= MAX_SIMULATED_SESSIONS)
      await this.end(this.byKey.keys().next().value!, `more than ${MAX_SIMULATED_SESSIONS} simulated sessions`);
    const client = new RecordingClient();
    let session: Session;
    try {
      session = this.deps.sessions.open(fire.project, { userName: fire.user.userName, roles: [...fire.user.roles] }, ORIGIN, client);
    } catch (error) {
      // Not the editor login's fault (a 401 would say it is): the project refuses the user chosen.
      if (error instanceof FlintError && error.code === 'UNAUTHORIZED')
        throw new FlintError('BAD_REQUEST', `${error.message} (choose a user)`);
      throw error;
    }
    // Told before the Startup script's turn comes (it runs after this returns), so the fire reports it.
    opening(session);
    const sim: Simulated = { key, session, client, views: new Map(), lastUsed: Date.now() };
    this.byKey.set(key, sim);
    return sim;
  }

  private async end(key: string, reason: string): Promise<boolean> {
    const sim = this.byKey.get(key);
    if (!sim) return false;
    this.byKey.delete(key);
    await this.deps.sessions.end(sim.session, reason);
    return true;
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    const idle = [...this.byKey.values()].filter((s) => s.session.ended || now - s.lastUsed > SIMULATED_IDLE_MS);
    await Promise.all(idle.map((s) => this.end(s.key, 'unused in the editor test panel')));
  }

  /** The page of the simulated session, opened (Page Startup runs) when it has none. */
  private pageOf(sim: Simulated): Page {
    if (sim.page && sim.session.pages.get(sim.page.pageId) === sim.page) return sim.page;
    sim.views.clear();
    sim.page = this.deps.sessions.openPage(sim.session, sim.client, '/').page;
    return sim.page;
  }

  /**
   * Fires the event through the session layer's own entry point for it; answers the outcome when that entry point
   * gives one (undefined for events whose handlers run in the session's turn without a caller: see `ran`).
   */
  private async dispatch(decl: EventDecl, sim: Simulated, fire: Fire): Promise<Outcome | undefined> {
    const sessions = this.deps.sessions;
    const { session } = sim;
    const { payload } = fire;
    const name = fire.name ?? '';
    const id = decl.id as EventId;
    switch (id) {
      case 'session/startup':
        return undefined; // the session was opened for this fire: its Startup script is running
      case 'session/shutdown':
        await this.end(sim.key, 'ended from the editor test panel');
        return undefined;
      case 'session/page-startup':
        if (sim.page && session.pages.has(sim.page.pageId)) sessions.closePage(session, sim.page.pageId);
        sim.page = undefined;
        this.pageOf(sim);
        return undefined;
      case 'session/message': {
        const frame = clientFrame('request', { handler: name, payload: payload.payload });
        return sessions.request(session, name, frame.payload ?? {});
      }
      case 'session/push': {
        const topic = clientFrame('subscribe', { topic: payload.topic }).topic as string;
        const options = { restrictToOwnSession: true, permissions: [], permissionMatch: 'any' as const };
        if (sessions.push({ project: fire.project, session: session.id }, topic, payload.payload ?? null, options) === 0)
          throw new FlintError('NOT_FOUND', `no push script of project "${fire.project}" subscribes to topic ${JSON.stringify(topic)}`);
        return undefined;
      }
      case 'session/keystroke': {
        const page = this.pageOf(sim);
        const frame = clientFrame('keyMatch', { pageId: page.pageId, name, event: payload.event });
        return sessions.keyMatch(session, page, name, frame.event as Record<string, unknown>);
      }
      case 'session/form-submission': {
        const frame = clientFrame('submitForm', {
          submissionId: randomBytes(12).toString('base64url'),
          name,
          data: payload.data,
          formContext: payload.formContext,
          sessionContext: payload.sessionContext,
          retry: payload.retry,
        });
        const response = await sessions.forms.submit(session, {
          id: frame.submissionId as string,
          name,
          data: frame.data as Record<string, unknown>,
          formContext: (frame.formContext as Record<string, unknown> | undefined) ?? {},
          sessionContext: (frame.sessionContext as Record<string, unknown> | undefined) ?? {},
          retry: (frame.retry as boolean | undefined) ?? false,
        });
        return ok(response);
      }
      case 'session/auth-challenge': {
        const frame = clientFrame('startAuthChallenge', { payload: payload.payload });
        const result = authResultOf(payload.result ?? { outcome: 'success' }, session.user);
        const challengeId = sessions.challenges.start(session, frame.payload ?? null, 1);
        return sessions.challenges.finish(session, challengeId, result);
      }
      case 'component/message':
        return this.fireComponent(sim, fire);
      default: {
        const kind = decl.event as DeviceKind;
        if (!Object.hasOwn(DEVICE_ACTIONS, kind)) throw new FlintError('BAD_REQUEST', `${decl.id} cannot be fired from the editor`);
        const fields = TAKES_CONTEXT[kind] ? { data: payload.data, context: payload.context } : { data: payload.data };
        const frame = clientFrame(DEVICE_ACTIONS[kind], fields);
        return sessions.deviceEvent(session, kind, frame.data, frame.context as Record<string, unknown> | undefined);
      }
    }
  }

  /**
   * A view's script, `views/<view>/<name>.ts`, run the way its view.json wires it: as a component's event script
   * (`events`, through componentEvent) or as a component message handler (`messageHandlers`, through
   * system.perspective.sendMessage's own routing, from the view itself). The view is mounted on the simulated page once.
   */
  private fireComponent(sim: Simulated, fire: Fire): Promise<Outcome> | undefined {
    const sessions = this.deps.sessions;
    const page = this.pageOf(sim);
    const viewPath = fire.view ?? '';
    let view = sim.views.get(viewPath);
    if (!view || page.views.get(view.instanceId) !== view) {
      view = sessions.mountView(sim.session, page, viewPath);
      sim.views.set(viewPath, view);
    }
    const payload = fire.payload.payload ?? {};
    for (const [component, decl] of Object.entries(view.decl.components)) {
      const event = Object.keys(decl.events).find((e) => decl.events[e] === fire.name);
      if (event) {
        const frame = clientFrame('componentEvent', { pageId: page.pageId, instanceId: view.instanceId, component, event, payload });
        return sessions.componentEvent(sim.session, page, view, component, event, frame.payload ?? {});
      }
      const handler = decl.messageHandlers.find((h) => h.script === fire.name);
      if (handler) {
        if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
          throw new FlintError('BAD_REQUEST', 'field "payload": "payload" must be a JSON object');
        const caller = { project: fire.project, session: sim.session.id, page: page.pageId, view: view.instanceId };
        sessions.sendMessage(caller, handler.messageType, payload, handler.scopes[0]);
        return undefined;
      }
    }
    throw new FlintError(
      'NOT_FOUND',
      `no component of view "${viewPath}" uses the script "${fire.name}" (in its "events" or "messageHandlers", views/${viewPath}/view.json)`,
    );
  }
}

const keyOf = (owner: string, project: string) => `${owner}\u0000${project}`;

const sameUser = (a: SessionUser, b: SessionUser) =>
  a.userName === b.userName && [...a.roles].sort().join('\n') === [...b.roles].sort().join('\n');

/** A client frame made of the fired payload, checked as the gateway checks a client's (engine/sessions/frame-reader.ts). */
function clientFrame(type: string, fields: Record<string, unknown>): Record<string, unknown> {
  const read = readClientFrame(JSON.stringify({ v: PROTOCOL_VERSION, type, ...fields }));
  if (!read.ok) throw new FlintError('BAD_REQUEST', `field "payload": ${read.message}`);
  return read.frame;
}

/** An authentication challenge's result as the panel gives it: `{outcome}` and that outcome's one field; a success is of the simulated user. */
function authResultOf(value: unknown, user: SessionUser): AuthResultData {
  const bad = (why: string) => new FlintError('BAD_REQUEST', `field "payload": "result" ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('must be an object such as {"outcome": "success"}');
  const result = value as Record<string, unknown>;
  const only = (...keys: string[]) => {
    const extra = Object.keys(result).find((k) => !keys.includes(k));
    if (extra) throw bad(`has no field "${extra}" for outcome ${JSON.stringify(result.outcome)} (its fields: ${keys.join(', ')})`);
  };
  switch (result.outcome) {
    case 'success':
      only('outcome');
      return successOf(user);
    case 'cancelled':
      only('outcome');
      return { outcome: 'cancelled' };
    case 'timeout':
      only('outcome', 'timeout');
      if (typeof result.timeout !== 'number' || !(result.timeout > 0)) throw bad('"timeout" must be a number of minutes');
      return { outcome: 'timeout', timeout: result.timeout };
    case 'generic':
      only('outcome', 'message');
      if (result.message !== undefined && result.message !== null && typeof result.message !== 'string')
        throw bad('"message" must be a string or null');
      return { outcome: 'generic', message: result.message ?? null };
    default:
      throw bad('"outcome" must be one of "success", "cancelled", "timeout", "generic"');
  }
}

function runOf(event: string, name: string | undefined, outcome: Outcome): HandlerRun {
  const parsed = parseOutcome(outcome);
  return parsed.ok
    ? { event, name: name ?? null, ok: true, value: parsed.value }
    : { event, name: name ?? null, ok: false, error: errorToData(FlintError.from(parsed.error)) };
}

/** The fire's answer: the first failure of the targeted handler, else the entry point's answer, else what the handlers returned. */
function outcomeOf(direct: Outcome | undefined, runs: HandlerRun[]): FireAnswer['outcome'] {
  const failure = runs.find((r) => !r.ok);
  if (failure) return { ok: false, error: failure.error! };
  if (direct !== undefined) return parseOutcome(direct);
  if (runs.length === 0) return { ok: false, error: { code: 'NOT_FOUND', message: 'no handler ran for this event' } };
  return { ok: true, value: runs.length === 1 ? (runs[0].value ?? null) : runs.map((r) => r.value ?? null) };
}

/** Waits until the session's line of handlers is empty (what ran may queue more), at most `ms`; whether it emptied. */
async function settle(session: Session, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const queue = session.queue;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
    const done = await Promise.race([queue.then(() => true), timedOut]);
    clearTimeout(timer);
    if (!done) return false;
    if (session.queue === queue) return true;
  }
}
