import { randomBytes } from 'node:crypto';
import { FlintError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { failed, type Outcome } from '../outcome.ts';
import type { AuthResultData } from '../sandbox/live-wire.ts';
import type { Session } from './session.ts';

/** An authentication challenge waiting for the session's user (seeds/002). */
interface Challenge {
  id: string;
  session: Session;
  payload: unknown;
  timeoutMinutes: number;
  timer: NodeJS.Timeout;
  /** Wrong passwords given for it so far. */
  failures: number;
}

/** Wrong passwords one challenge takes; the last one ends it with a generic error. */
export const MAX_CHALLENGE_FAILURES = 3;

/** Most authentication challenges one session may have waiting at once. */
export const MAX_CHALLENGES_PER_SESSION = 5;

/** What the challenges need of the session layer: whether the project has the script, and a way to run it. */
export interface ChallengeDeps {
  hasScript(session: Session): boolean;
  /** Runs `session-events/auth-challenge` as `(session, payload, result)` in the session's turn. */
  run(session: Session, payload: unknown, result: AuthResultData): Promise<Outcome>;
  logger: Logger;
}

/**
 * Authentication challenges (seeds/002): started on a session, answered by its user (a user name and password the
 * connection checks), cancelled or timed out, then handed to the project's auth-challenge script. A challenge belongs
 * to its session and ends once: another session's answer, a second one and a late one find nothing.
 */
export class AuthChallenges {
  private readonly deps: ChallengeDeps;
  private readonly waiting = new Map<string, Challenge>();

  constructor(deps: ChallengeDeps) {
    this.deps = deps;
  }

  /**
   * Starts an authentication challenge (seeds/002) on a session: its clients get an `authChallenge` frame (the
   * prompt); the user re-authenticates against the gateway's user source, cancels, or lets it time out after
   * `timeoutMinutes`; then `session-events/auth-challenge` runs as `(session, payload, result)`. Returns its id.
   */
  start(session: Session, payload: unknown, timeoutMinutes: number): string {
    if (session.ended) throw new FlintError('PROJECT_UNAVAILABLE', `session ${session.id} has ended`);
    const waiting = [...this.waiting.values()].filter((c) => c.session === session).length;
    if (waiting >= MAX_CHALLENGES_PER_SESSION)
      throw new FlintError(
        'QUOTA_EXCEEDED',
        `session ${session.id} already has ${MAX_CHALLENGES_PER_SESSION} authentication challenges waiting`,
      );
    const id = randomBytes(16).toString('hex');
    const timer = setTimeout(() => void this.finish(session, id, { outcome: 'timeout', timeout: timeoutMinutes }), timeoutMinutes * 60_000);
    timer.unref();
    this.waiting.set(id, { id, session, payload, timeoutMinutes, timer, failures: 0 });
    session.broadcast({ v: 1, type: 'authChallenge', challengeId: id, timeoutMinutes });
    return id;
  }

  /**
   * Ends a challenge of this session with its outcome and runs the auth-challenge script; NOT_FOUND for an id this
   * session does not have waiting (another session's, one already finished, one timed out), the same for each.
   */
  finish(session: Session, id: string, result: AuthResultData): Promise<Outcome> {
    const challenge = this.waiting.get(id);
    if (!challenge || challenge.session !== session)
      return Promise.resolve(failed('NOT_FOUND', `session ${session.id} has no authentication challenge ${id} waiting`));
    this.waiting.delete(id);
    clearTimeout(challenge.timer);
    if (!this.deps.hasScript(session)) {
      this.deps.logger.warn(`project "${session.project}" has no auth-challenge script: the challenge ${id} ended unseen`, {
        project: session.project,
      });
      return Promise.resolve(failed('NOT_FOUND', `project "${session.project}" has no session-events auth-challenge script`));
    }
    return this.deps.run(session, challenge.payload, result);
  }

  /**
   * A wrong answer to a challenge (wrong credentials, or too many tries for the user source): counted, and at
   * MAX_CHALLENGE_FAILURES (or when the user source refuses more tries) the challenge ends with a generic error.
   */
  failed(session: Session, id: string, error: FlintError): Promise<Outcome> | undefined {
    const challenge = this.waiting.get(id);
    if (!challenge || challenge.session !== session) return undefined;
    if (++challenge.failures < MAX_CHALLENGE_FAILURES && error.code !== 'QUOTA_EXCEEDED') return undefined;
    const message = error.code === 'QUOTA_EXCEEDED' ? error.message : `authentication failed ${challenge.failures} times`;
    return this.finish(session, id, { outcome: 'generic', message });
  }

  /** Whether the session has this challenge waiting (before a login is tried for it). */
  has(session: Session, id: string): boolean {
    return this.waiting.get(id)?.session === session;
  }

  /** The session ended: its challenges go, unanswered and without a script run. */
  endSession(session: Session): void {
    for (const challenge of [...this.waiting.values()])
      if (challenge.session === session) {
        clearTimeout(challenge.timer);
        this.waiting.delete(challenge.id);
      }
  }
}
