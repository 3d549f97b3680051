import type { LoginResult, Logins } from './logins.ts';
import type { User } from './user-source.ts';
import { MAX_PASSWORD_LENGTH } from './user-rules.ts';

/** How the login route checks its body. A name that is a string but not a valid user name is not refused here: it is an unknown user (401). */
export const LOGIN_RULES = {
  /** The largest login body read: a public route must not read the 64 MB an admin route may. */
  maxBodyBytes: 8 * 1024,
  userName: (value: unknown): string | undefined =>
    typeof value === 'string' && value.length >= 1 && value.length <= 64 ? undefined : 'must be a string of 1 to 64 characters',
  password: (value: unknown): string | undefined =>
    typeof value === 'string' && value.length >= 1 && value.length <= MAX_PASSWORD_LENGTH
      ? undefined
      : `must be a string of 1 to ${MAX_PASSWORD_LENGTH} characters`,
};

/** What the public login routes may do with the engine: log in and out, nothing else. */
export class LoginFacade {
  private readonly logins: Logins;

  constructor(logins: Logins) {
    this.logins = logins;
  }

  login(userName: string, password: string, address: string): Promise<LoginResult> {
    return this.logins.login(userName, password, address);
  }

  /** The user behind a live login token, with their roles as they are now; undefined for anything else. */
  verify(token: string): User | undefined {
    return this.logins.verify(token);
  }

  /** Ends the login of `token`; a token that is not live (expired, unknown, already ended) is not an error. */
  logout(token: string): void {
    this.logins.revoke(token);
  }
}
