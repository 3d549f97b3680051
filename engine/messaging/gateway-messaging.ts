import { FlintError, describeError } from '../errors.ts';
import { errorOf, failedWith, isOk, type Outcome } from '../outcome.ts';
import type { Logger } from '../logging/logger.ts';
import type { ProjectManager } from '../projects/manager.ts';
import type { Supervisor } from '../sandbox/supervisor.ts';
import type { Session } from '../sessions/session.ts';
import type { SessionManager } from '../sessions/session-manager.ts';

export interface SendMessageOptions {
  scope?: string;
  clientSessionId?: string;
  user?: string;
  hasRole?: string;
  hostName?: string;
  remoteServers?: string[];
}

/**
 * Messages to one project's gateway handlers that may wait to be handled at once. A message returns at once, so
 * without a bound one project's loop of sendMessage could queue minutes of work in another project's isolate, ahead
 * of everyone else's calls; past it, sendMessage fails with PROJECT_UNAVAILABLE and the sender can back off.
 */
export const MAX_QUEUED_MESSAGES = 64;

/**
 * Routing of system.util.sendRequest and sendMessage to gateway message handlers (seeds/001).
 * Results travel as outcome JSON strings so a handler's answer reaches the caller's isolate unparsed.
 */
export class GatewayMessaging {
  private readonly projects: ProjectManager;
  private readonly supervisor: Supervisor;
  private readonly logger: Logger;
  private readonly sessions: SessionManager;
  readonly gatewayName: string;
  /** Messages delivered to each project's gateway handlers and not handled yet. */
  private readonly queuedMessages = new Map<string, number>();

  constructor(options: {
    projects: ProjectManager;
    supervisor: Supervisor;
    sessions: SessionManager;
    logger: Logger;
    gatewayName: string;
  }) {
    this.projects = options.projects;
    this.sessions = options.sessions;
    this.supervisor = options.supervisor;
    this.logger = options.logger;
    this.gatewayName = options.gatewayName;
  }

  private checkRemote(server: string | undefined): void {
    if (server !== undefined && server !== this.gatewayName) {
      throw new FlintError('NOT_FOUND', `remote server "${server}" is not connected to this gateway ("${this.gatewayName}")`);
    }
  }

  private gatewayHandler(project: string, handler: string): { module: string; timeoutMs: number } {
    const target = this.projects.get(project);
    if (!target) throw new FlintError('NOT_FOUND', `project "${project}" does not exist`);
    if (!target.isRunning) throw new FlintError('PROJECT_UNAVAILABLE', `project "${project}" is not loaded (${target.status().reason})`);
    const module = target.handlerModule('gateway/message', handler);
    if (!module) throw new FlintError('NOT_FOUND', `project "${project}" has no gateway message handler "${handler}"`);
    return { module, timeoutMs: target.config!.limits.timeoutMs };
  }

  /**
   * Calls a gateway message handler; resolves to its outcome JSON. Throws FlintError for unknown targets. `fromScript`:
   * a script asked (system.util.sendRequest), so the call runs on the target's CPU budget.
   */
  async request(
    project: string,
    handler: string,
    payloadJson: string,
    remoteServer: string | undefined,
    timeoutSec: number,
    fromScript = false,
  ): Promise<Outcome> {
    this.checkRemote(remoteServer);
    const { module, timeoutMs } = this.gatewayHandler(project, handler);
    // One deadline, kept by the sandbox: the handler's own limit or the caller's timeoutSec, whichever is sooner.
    const outcome = await this.supervisor.invoke(
      project,
      module,
      `[${payloadJson}]`,
      Math.min(timeoutMs, Math.round(timeoutSec * 1000)),
      fromScript,
    );
    return isOk(outcome) ? outcome : this.describeFailure(project, handler, outcome);
  }

  /**
   * Prefixes a handler's error with the handler it came from; keeps its code and location. A handler that calls
   * itself passes on an error that already starts with its name; it is not named again, so the message of a deep
   * recursion stays short.
   */
  private describeFailure(project: string, handler: string, outcome: Outcome): Outcome {
    const error = errorOf(outcome);
    const prefix = `${project}/${handler}: `;
    const message = error.message.startsWith(prefix) ? error.message : prefix + error.message;
    return failedWith({ ...error, message });
  }

  /**
   * Delivers a message to the handlers selected by scope (seeds/001): `G` the project's gateway message handler, `S` the
   * session message handler of every selected session, `C` the client-side handlers the selected sessions' clients
   * registered. Returns one comma-delimited line per target: `type=Gateway,project=<p>,messageHandler=<h>`,
   * `type=Session,project=<p>,messageHandler=<h>,sessionId=<id>`, `type=Client,project=<p>,messageHandler=<h>,sessionId=<id>`,
   * and `type=RemoteServer,server=<name>,status=unreachable` for a gateway this one is not connected to.
   */
  send(project: string, handler: string, payloadJson: string, options: SendMessageOptions, fromScript = false): string[] {
    const filtered = options.user !== undefined || options.hasRole !== undefined || options.hostName !== undefined;
    const scope = options.scope ?? (filtered ? 'CS' : 'CGS');
    const target = this.projects.get(project);
    if (!target) throw new FlintError('NOT_FOUND', `project "${project}" does not exist`);
    const delivered: string[] = [];
    const remote = (options.remoteServers ?? []).filter((server) => server !== this.gatewayName);
    const local = options.remoteServers === undefined || remote.length < options.remoteServers.length;
    for (const server of remote) delivered.push(`type=RemoteServer,server=${server},status=unreachable`);
    if (!local) return delivered;
    // Filters (clientSessionId, user, hasRole, hostName) select clients and sessions; the gateway scope has none to apply.
    const gatewayModule = scope.includes('G') ? target.handlerModule('gateway/message', handler) : undefined;
    if (gatewayModule) delivered.push(this.toGateway(project, handler, gatewayModule, payloadJson, fromScript));
    const sessionHandler = scope.includes('S') && target.handlerModule('session/message', handler) !== undefined;
    const selected = /[CS]/.test(scope) ? this.sessions.select(project, options) : [];
    if (sessionHandler) {
      const payload: unknown = JSON.parse(payloadJson);
      for (const session of selected) delivered.push(this.toSession(session, handler, payload));
    }
    let listening = false;
    if (scope.includes('C')) {
      // Serialized once for every client: the payload is JSON text already.
      const frame = `{"v":1,"type":"message","handler":${JSON.stringify(handler)},"payload":${payloadJson}}`;
      for (const session of selected) {
        const clients = session.clientsListening(handler);
        for (const client of clients) client.sendText(frame);
        if (clients.length > 0) delivered.push(`type=Client,project=${project},messageHandler=${handler},sessionId=${session.id}`);
        listening ||= clients.length > 0;
      }
    }
    if (!gatewayModule && !sessionHandler && !listening) {
      if (!target.isRunning) throw new FlintError('PROJECT_UNAVAILABLE', `project "${project}" is not loaded`);
      throw new FlintError('NOT_FOUND', `project "${project}" has no message handler "${handler}" for scope "${scope}"`);
    }
    return delivered;
  }

  private toGateway(project: string, handler: string, module: string, payloadJson: string, fromScript: boolean): string {
    const queued = this.queuedMessages.get(project) ?? 0;
    if (queued >= MAX_QUEUED_MESSAGES) {
      // The target is busy, which is no fault of the sender's: it may try again (HTTP 503).
      throw new FlintError(
        'PROJECT_UNAVAILABLE',
        `project "${project}" already has ${MAX_QUEUED_MESSAGES} messages waiting to be handled; try again later`,
      );
    }
    this.queuedMessages.set(project, queued + 1);
    const timeoutMs = this.projects.get(project)!.config!.limits.timeoutMs;
    void this.supervisor.invoke(project, module, `[${payloadJson}]`, timeoutMs, fromScript).then((outcome) => {
      const left = this.queuedMessages.get(project)! - 1;
      if (left > 0) this.queuedMessages.set(project, left);
      else this.queuedMessages.delete(project);
      this.logFailure(project, handler, outcome);
    });
    return `type=Gateway,project=${project},messageHandler=${handler}`;
  }

  /** A session message handler runs in the session's turn; one that fails or times out does not hold up the others. */
  private toSession(session: Session, handler: string, payload: unknown): string {
    void this.sessions.request(session, handler, payload).then((outcome) => this.logFailure(session.project, handler, outcome, session.id));
    return `type=Session,project=${session.project},messageHandler=${handler},sessionId=${session.id}`;
  }

  private logFailure(project: string, handler: string, outcome: Outcome, sessionId?: string): void {
    if (isOk(outcome)) return;
    const error = errorOf(outcome);
    const where = sessionId ? ` in session ${sessionId}` : '';
    this.logger.error(`message handler ${project}/${handler}${where} failed: ${describeError(error)}`, { project, source: error.location });
  }
}
