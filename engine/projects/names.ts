/**
 * Project and handler names: no path separators, no `..`, no control characters (the same rule as the system.* API's
 * name parameters). One rule for the projects folder, the handler folders and the admin API.
 */
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,127}$/;

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Why a project or handler name is refused (the admin API's answer), or undefined when it is valid. */
export function nameProblem(label: string, value: string): string | undefined {
  return isValidName(value)
    ? undefined
    : `${label} ${JSON.stringify(value)} is not a valid name (1 to 128 letters, digits, _ . - or spaces, starting with a letter, digit or _)`;
}
