import { errorToData, FlintError } from '../errors.ts';
import { errorOf, isOk, valueJsonOf, type Outcome } from '../outcome.ts';
import type { AuthResultData } from '../sandbox/live-wire.ts';
import { deviceKindOf } from './device-data.ts';
import { readClientFrame } from './frame-reader.ts';
import { PROTOCOL_VERSION, type ClientFrame, type GatewayFrame } from './protocol.ts';
import { viewState } from './mounted-view.ts';
import type { Page, Session, SessionClient, SessionUser } from './session.ts';
import type { SessionManager } from './session-manager.ts';

/** Who a client is: a login token, or a user name and password. The user source of the gateway answers. */
export interface Authenticator {
  /** The user of a login token (`POST /api/login`), or undefined if it is unknown or expired. */
  verify(token: string): SessionUser | undefined;
  /** Checks a user name and password; throws UNAUTHORIZED (the same for both) or QUOTA_EXCEEDED (too many tries). */
  login(userName: string, password: string, address: string): Promise<SessionUser>;
}

/** The socket as a connection sees it (a `ws` WebSocket). */
export interface Socket {
  send(text: string): void;
  close(code: number, reason: string): void;
  readonly bufferedAmount: number;
}

/** Frames per second a client may send; past it frames are refused, and at twice that the socket is closed. */
export const FRAMES_PER_SECOND = 200;
/** A client that does not read its frames: past this much unsent, it is closed rather than kept in memory. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const ANONYMOUS: SessionUser = { userName: null, roles: [] };

/**
 * One client socket of the session protocol (docs/protocol.md): the first frame opens or resumes a session, every
 * later one acts on that session only. A refused frame gets an `error` frame (or a `reply` with ok false), never
 * an effect on another session; a socket that floods or breaks the protocol's version is closed.
 */
export class Connection implements SessionClient {
  private readonly socket: Socket;
  private readonly sessions: SessionManager;
  private readonly auth: Authenticator;
  private readonly origin: { host: string; userAgent: string };
  private session: Session | undefined;
  private opening = false;
  private closed = false;
  private windowStart = 0;
  private framesInWindow = 0;

  constructor(socket: Socket, sessions: SessionManager, auth: Authenticator, origin: { host: string; userAgent: string }) {
    this.socket = socket;
    this.sessions = sessions;
    this.auth = auth;
    this.origin = origin;
  }

  send(frame: GatewayFrame): void {
    if (!this.closed) this.sendText(JSON.stringify(frame));
  }

  sendText(text: string): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) return this.close(1008, 'the client does not read its frames');
    this.socket.send(text);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
  }

  /** A frame arrived. */
  received(data: string | Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (!this.withinRate()) return this.refuseOverRate(data, isBinary);
    if (isBinary) return this.refuse('BAD_REQUEST', 'binary frames are not part of the protocol: send JSON text');
    const read = readClientFrame(typeof data === 'string' ? data : data.toString('utf8'));
    if (!read.ok) {
      if (read.id !== undefined) this.reply(read.id, { code: 'BAD_REQUEST', message: read.message });
      else this.refuse('BAD_REQUEST', read.message);
      if (read.fatal) this.close(1002, read.message.slice(0, 120));
      return;
    }
    void this.handle(read.frame).then(
      (value) => read.frame.id !== undefined && this.reply(read.frame.id, undefined, value ?? null),
      (error: unknown) => {
        const data = errorToData(error);
        const shown = data.code === 'INTERNAL' ? { code: data.code, message: 'the gateway failed to handle this frame' } : data;
        if (read.frame.id !== undefined) this.reply(read.frame.id, shown);
        else this.refuse(shown.code, shown.message);
      },
    );
  }

  /** The socket closed: the session stays, for its timeout. */
  disconnected(): void {
    this.closed = true;
    if (this.session) this.sessions.detach(this.session, this);
  }

  private withinRate(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.framesInWindow = 0;
    }
    this.framesInWindow++;
    if (this.framesInWindow <= FRAMES_PER_SECOND) return true;
    if (this.framesInWindow === FRAMES_PER_SECOND + 1)
      this.refuse('QUOTA_EXCEEDED', `more than ${FRAMES_PER_SECOND} frames in one second: frames are refused until the second is over`);
    if (this.framesInWindow > 2 * FRAMES_PER_SECOND) this.close(1008, 'too many frames');
    return false;
  }

  /** A frame past the rate: one that asked for a reply gets QUOTA_EXCEEDED, so that its caller does not wait for ever. */
  private refuseOverRate(data: string | Buffer, isBinary: boolean): void {
    if (this.closed || isBinary) return;
    const read = readClientFrame(typeof data === 'string' ? data : data.toString('utf8'));
    const id = read.ok ? read.frame.id : read.id;
    if (id !== undefined)
      this.reply(id, { code: 'QUOTA_EXCEEDED', message: `more than ${FRAMES_PER_SECOND} frames in one second: refused` });
  }

  private refuse(code: string, message: string): void {
    this.send({ v: PROTOCOL_VERSION, type: 'error', code, message });
  }

  private reply(id: number, error: { code: string; message: string } | undefined, value?: unknown): void {
    if (error) this.send({ v: PROTOCOL_VERSION, type: 'reply', id, ok: false, error: { code: error.code, message: error.message } });
    else if (value instanceof JsonText)
      this.sendText(`{"v":${PROTOCOL_VERSION},"type":"reply","id":${id},"ok":true,"value":${value.text}}`);
    else this.send({ v: PROTOCOL_VERSION, type: 'reply', id, ok: true, value });
  }

  private async handle(frame: ClientFrame): Promise<unknown> {
    if (frame.type === 'ping') {
      this.send({ v: PROTOCOL_VERSION, type: 'pong' });
      return null;
    }
    if (frame.type === 'hello') return this.hello(frame);
    const session = this.session;
    if (!session) throw new FlintError('BAD_REQUEST', `"${frame.type}" before "hello": open a session first`);
    switch (frame.type) {
      case 'login': {
        session.user = await this.auth.login(frame.userName, frame.password, this.origin.host);
        return { userName: session.user.userName, roles: session.user.roles };
      }
      case 'logout':
        // After the reply: ending the session closes this socket, which would otherwise swallow it.
        setImmediate(() => void this.sessions.end(session, 'logout'));
        return null;
      case 'openPage': {
        const { page, isNew } = this.sessions.openPage(session, this, frame.path, frame.pageId);
        return { pageId: page.pageId, path: page.path, isNew };
      }
      case 'navigate':
        this.pageOf(session, frame.pageId).path = frame.path;
        return null;
      case 'closePage':
        this.sessions.closePage(session, frame.pageId);
        return null;
      case 'request': {
        const outcome = await this.sessions.request(session, frame.handler, frame.payload ?? {});
        if (isOk(outcome)) return new JsonText(valueJsonOf(outcome)); // the handler's answer, passed on unparsed
        throw FlintError.from(errorOf(outcome));
      }
      case 'mountView': {
        const view = this.sessions.mountView(session, this.pageOf(session, frame.pageId), frame.viewPath);
        return viewState(view);
      }
      case 'unmountView':
        this.sessions.unmountView(this.pageOf(session, frame.pageId), frame.instanceId);
        return null;
      case 'componentEvent': {
        const page = this.pageOf(session, frame.pageId);
        const view = this.viewOf(page, frame.instanceId);
        const outcome = await this.sessions.componentEvent(session, page, view, frame.component, frame.event, frame.payload ?? {});
        if (!isOk(outcome)) throw FlintError.from(errorOf(outcome));
        return null;
      }
      case 'bindTags':
        return { tags: this.sessions.bindTags(session, this, frame.paths) };
      case 'unbindTags':
        this.sessions.unbindTags(session, this, frame.paths);
        return null;
      case 'subscribe':
        this.sessions.subscribe(session, this, frame.topic);
        return null;
      case 'unsubscribe':
        this.sessions.topics.unsubscribe(this, frame.topic);
        return null;
      case 'scanBarcode':
      case 'sendBluetoothAdvertisements':
      case 'sendAccelerometerBatch':
      case 'sendNdefRecords': {
        const outcome = await this.sessions.deviceEvent(
          session,
          deviceKindOf(frame.type)!,
          frame.data,
          'context' in frame ? frame.context : undefined,
        );
        if (!isOk(outcome)) throw FlintError.from(errorOf(outcome));
        return null;
      }
      case 'keyMatch': {
        const outcome = await this.sessions.keyMatch(session, this.pageOf(session, frame.pageId), frame.name, frame.event);
        if (!isOk(outcome)) throw FlintError.from(errorOf(outcome));
        return null;
      }
      case 'submitForm':
        return this.sessions.forms.submit(session, {
          id: frame.submissionId,
          name: frame.name,
          data: frame.data,
          formContext: frame.formContext ?? {},
          sessionContext: frame.sessionContext ?? {},
          retry: frame.retry ?? false,
        });
      case 'startAuthChallenge':
        return { challengeId: this.sessions.challenges.start(session, frame.payload ?? null, frame.timeout ?? 1) };
      case 'completeAuthChallenge': {
        // The id is checked first: nobody tries passwords against a challenge that is not theirs.
        if (!this.sessions.challenges.has(session, frame.challengeId))
          throw new FlintError('NOT_FOUND', `session ${session.id} has no authentication challenge ${frame.challengeId} waiting`);
        let user: SessionUser;
        try {
          user = await this.auth.login(frame.userName, frame.password, this.origin.host);
        } catch (error) {
          const ended = this.sessions.challenges.failed(session, frame.challengeId, FlintError.from(errorToData(error)));
          if (ended) await ended; // its script ran with the generic error; the caller still learns why
          throw error;
        }
        return this.challengeOutcome(this.sessions.challenges.finish(session, frame.challengeId, successOf(user)));
      }
      case 'cancelAuthChallenge':
        return this.challengeOutcome(this.sessions.challenges.finish(session, frame.challengeId, { outcome: 'cancelled' }));
      case 'registerHandler':
        session.clients.get(this)?.add(frame.handler);
        return null;
      case 'unregisterHandler':
        session.clients.get(this)?.delete(frame.handler);
        return null;
      default: {
        const unhandled: never = frame; // every frame of protocol.ts has its case above
        throw new FlintError('BAD_REQUEST', `"${(unhandled as ClientFrame).type}" is not supported by this gateway`);
      }
    }
  }

  private async challengeOutcome(run: Promise<Outcome>): Promise<null> {
    const outcome = await run;
    if (!isOk(outcome)) throw FlintError.from(errorOf(outcome));
    return null;
  }

  private viewOf(page: Page, instanceId: string) {
    const view = page.views.get(instanceId);
    if (!view) throw new FlintError('NOT_FOUND', `page ${page.pageId} has no view instance "${instanceId}"`);
    return view;
  }

  private pageOf(session: Session, pageId: string) {
    const page = session.pages.get(pageId);
    if (!page) throw new FlintError('NOT_FOUND', `session ${session.id} has no page "${pageId}"`);
    return page;
  }

  private async hello(frame: ClientFrame<'hello'>): Promise<null> {
    if (this.session || this.opening) throw new FlintError('BAD_REQUEST', '"hello" may come only once per socket');
    this.opening = true;
    try {
      if (frame.resumeSessionId !== undefined) {
        this.session = this.sessions.resume(frame.resumeSessionId, frame.resumeToken ?? '', this);
      } else {
        const user = await this.userOf(frame);
        const origin = { host: this.origin.host, userAgent: frame.userAgent ?? this.origin.userAgent, device: frame.device ?? {} };
        this.session = this.sessions.open(frame.project, user, origin, this);
      }
    } catch (error) {
      this.opening = false;
      this.send({ v: PROTOCOL_VERSION, type: 'error', ...errorShape(error) });
      this.close(1008, errorShape(error).message.slice(0, 120));
      return null;
    }
    const session = this.session;
    if (this.closed) {
      this.sessions.detach(session, this);
      return null;
    }
    this.send({
      v: PROTOCOL_VERSION,
      type: 'welcome',
      sessionId: session.id,
      resumeToken: session.resumeToken,
      resumed: frame.resumeSessionId !== undefined,
      props: session.props(),
      custom: session.custom.toObject(),
      pages: [...session.pages.values()].map((p) => ({ pageId: p.pageId, path: p.path, views: [...p.views.values()].map(viewState) })),
    });
    this.sendText(this.sessions.keyRulesText(session.project));
    return null;
  }

  private async userOf(frame: ClientFrame<'hello'>): Promise<SessionUser> {
    if (frame.token !== undefined) {
      const user = this.auth.verify(frame.token);
      if (!user) throw new FlintError('UNAUTHORIZED', 'the login token is unknown or expired: log in again');
      return user;
    }
    if (frame.userName !== undefined) return this.auth.login(frame.userName, frame.password ?? '', this.origin.host);
    return ANONYMOUS;
  }
}

/** A successful challenge as the script sees it (seeds/002 WebAuthUserContext): the gateway's own users are the IdP. */
export function successOf(user: SessionUser): AuthResultData {
  const roles = [...user.roles];
  return {
    outcome: 'success',
    context: {
      idp: 'flint',
      securityZones: [],
      user: { id: user.userName, userName: user.userName, firstName: null, lastName: null, email: null, roles },
      securityLevels: ['Authenticated', ...roles.map((role) => `Authenticated/Roles/${role}`)],
    },
  };
}

/** A reply's value that is JSON text already (a handler's answer): it goes into the frame as it is. */
class JsonText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

function errorShape(error: unknown): { code: string; message: string } {
  const data = errorToData(error);
  return data.code === 'INTERNAL' ? { code: 'INTERNAL', message: 'the gateway failed to open the session' } : data;
}
