import type { KeystrokeSettings } from '../projects/sidecars.ts';

/** A keystroke script's rule as clients get it (`keyRules` frame): its name and its sidecar settings. */
export type KeyRule = KeystrokeSettings & { name: string };

const BOOLEANS = ['altKey', 'ctrlKey', 'isComposing', 'metaKey', 'repeat', 'shiftKey'] as const;
const FIELDS = new Set<string>([...BOOLEANS, 'code', 'key', 'location', 'matches']);

/**
 * What is wrong with a `keyMatch` the client sent for `rule`, or undefined: the event must have exactly the seed's
 * fields; a single-key match must be of the rule's key or code, with no `matches`; a regex match carries the matched
 * text (no longer than the rule's buffer) and its groups. The gateway does not run the regex itself on what a client
 * sends (a project's pattern could take very long on crafted text); the client SDK matched it.
 */
export function keyMatchProblem(rule: KeyRule, event: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(event)) if (!FIELDS.has(key)) return `"event" has no field "${key}"`;
  for (const key of BOOLEANS) if (typeof event[key] !== 'boolean') return `"event.${key}" must be true or false`;
  for (const key of ['code', 'key'] as const)
    if (typeof event[key] !== 'string' || event[key].length > 64) return `"event.${key}" must be a string of at most 64 characters`;
  if (!Number.isInteger(event.location) || (event.location as number) < 0 || (event.location as number) > 3)
    return '"event.location" must be 0, 1, 2 or 3';
  const matches = event.matches;
  if (!Array.isArray(matches) || matches.length > 100 || matches.some((m) => typeof m !== 'string' || m.length > 1000))
    return '"event.matches" must be a list of at most 100 strings';
  if (rule.mode === 'regex') {
    if (matches.length === 0) return `keystroke "${rule.name}" matches a regex: "event.matches" must hold the matched text first`;
    if ((matches[0] as string).length > rule.bufferLength)
      return `keystroke "${rule.name}": the match is longer than its buffer of ${rule.bufferLength} characters`;
    return undefined;
  }
  if (matches.length > 0) return `keystroke "${rule.name}" matches a single key: "event.matches" must be empty`;
  if (!((rule.key !== undefined && event.key === rule.key) || (rule.code !== undefined && event.code === rule.code)))
    return `keystroke "${rule.name}" matches ${rule.key !== undefined ? `key "${rule.key}"` : `code "${rule.code}"`}, not this event`;
  return undefined;
}
