/**
 * The one name rule of Flint: projects, handlers, scripts and view components are named 1 to 128 letters, digits,
 * `_ . -` or spaces, starting with a letter, digit or `_`. So a name has no path separator, no `..`, no control
 * character, and is never hidden. The system.* API's name parameters, the projects folder, the handler folders, the
 * admin API, view.json and the session protocol all check this rule.
 *
 * Imports nothing: engine/system/util/declaration.ts bundles it into every sandbox process and
 * engine/sessions/protocol.ts into the client SDK.
 */

/** One name, unanchored: for patterns that join names, such as a view path `Inventory/List`. */
export const NAME_SEGMENT = '[A-Za-z0-9_][A-Za-z0-9_ .-]{0,127}';

/** A whole string that is one name. */
export const NAME_PATTERN = new RegExp(`^${NAME_SEGMENT}$`);

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Why a project or handler name is refused (the admin API's answer), or undefined when it is valid. */
export function nameProblem(label: string, value: string): string | undefined {
  return isValidName(value)
    ? undefined
    : `${label} ${JSON.stringify(value)} is not a valid name (1 to 128 letters, digits, _ . - or spaces, starting with a letter, digit or _)`;
}
