/** What a user name, a role name and a new password may be (issue 11 item 2). One place, used by the file reader, the CLI and the API. */

/** ASCII only, so two names that look alike are the same bytes (no homoglyphs), and a name fits a log line and a URL as is. */
const USER_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
const ROLE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_ROLES = 100;
export const MIN_PASSWORD_LENGTH = 8;
/** Bounds what one login makes scrypt read; the login route refuses longer passwords before hashing. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Why `value` is not a valid user name, or undefined when it is. */
export function userNameProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && USER_NAME.test(value)) return undefined;
  return `user name ${JSON.stringify(value)} is not valid: use 1 to 64 ASCII letters, digits, _ . - or @`;
}

/** Why `value` is not a valid list of role names, or undefined when it is. */
export function rolesProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `roles must be a list of role names; received ${JSON.stringify(value)}`;
  if (value.length > MAX_ROLES) return `a user may have at most ${MAX_ROLES} roles; received ${value.length}`;
  const seen = new Set<string>();
  for (const role of value as unknown[]) {
    if (typeof role !== 'string' || !ROLE_NAME.test(role))
      return `role name ${JSON.stringify(role)} is not valid: use 1 to 64 ASCII letters, digits, _ . or -`;
    if (seen.has(role)) return `role ${JSON.stringify(role)} is listed twice`;
    seen.add(role);
  }
  return undefined;
}

/** Why a password is refused for a new user, or undefined when it is accepted. */
export function newPasswordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `the password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

/** `"a,b"` as the CLI's --roles gives it: names separated by commas, spaces around them ignored; `""` is no roles. */
export function splitRoles(text: string): string[] {
  return text.trim() === '' ? [] : text.split(',').map((role) => role.trim());
}
