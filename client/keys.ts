/**
 * Keystroke matching in the client (seeds/002, Keystroke): the project's rules (the `keyRules` frame) applied to
 * KeyboardEvents, or to synthetic key events in Node for HID scanners that type. A single-key rule matches its key or
 * code on key down or key up; a regex rule keeps the most recently typed characters (its buffer length) and matches
 * on key release. A match honours the rule's preventDefault and stopPropagation, clears a regex rule's buffer, and is
 * what goes to the gateway: nothing else is sent.
 */

/** A keystroke rule as the gateway sends it. */
export interface KeyRule {
  name: string;
  mode: 'keyDown' | 'keyUp' | 'regex';
  key?: string;
  code?: string;
  regex?: string;
  bufferLength: number;
  capturePhase: boolean;
  preventDefault: boolean;
  stopPropagation: boolean;
}

/** The parts of a KeyboardEvent the matching reads; a real KeyboardEvent is one. */
export interface KeyLike {
  type: string;
  key: string;
  code?: string;
  altKey?: boolean;
  ctrlKey?: boolean;
  isComposing?: boolean;
  location?: number;
  metaKey?: boolean;
  repeat?: boolean;
  shiftKey?: boolean;
  preventDefault?(): void;
  stopPropagation?(): void;
}

/** What a keystroke script gets as `event`. */
export interface KeyMatchEvent {
  altKey: boolean;
  code: string;
  ctrlKey: boolean;
  isComposing: boolean;
  key: string;
  location: number;
  metaKey: boolean;
  repeat: boolean;
  shiftKey: boolean;
  matches: string[];
}

/** Keys that type a character other than themselves into a regex buffer. */
const TYPED: Record<string, string> = { Enter: '\n', Tab: '\t' };

export class KeyMatcher {
  private rules: KeyRule[] = [];
  private compiled = new Map<string, RegExp>();
  private readonly buffers = new Map<string, string>();

  setRules(rules: KeyRule[]): void {
    this.rules = rules;
    this.compiled = new Map(rules.filter((r) => r.mode === 'regex' && r.regex !== undefined).map((r) => [r.name, new RegExp(r.regex!)]));
    for (const name of [...this.buffers.keys()]) if (!this.compiled.has(name)) this.buffers.delete(name);
  }

  get ruleNames(): string[] {
    return this.rules.map((r) => r.name);
  }

  /** The rules `event` matches in one phase (`capture` for capturePhase rules, else `bubble`), with what to send. */
  match(event: KeyLike, phase: 'capture' | 'bubble'): { name: string; event: KeyMatchEvent }[] {
    const found: { name: string; event: KeyMatchEvent }[] = [];
    for (const rule of this.rules) {
      if ((rule.capturePhase ? 'capture' : 'bubble') !== phase) continue;
      const matches = this.matches(rule, event);
      if (!matches) continue;
      if (rule.preventDefault) event.preventDefault?.();
      if (rule.stopPropagation) event.stopPropagation?.();
      found.push({ name: rule.name, event: fields(event, matches) });
    }
    return found;
  }

  /** The match of one rule: [] for a single key, the text and groups for a regex, undefined for none. */
  private matches(rule: KeyRule, event: KeyLike): string[] | undefined {
    if (rule.mode !== 'regex') {
      if (event.type !== (rule.mode === 'keyDown' ? 'keydown' : 'keyup')) return undefined;
      const hit = (rule.key !== undefined && event.key === rule.key) || (rule.code !== undefined && event.code === rule.code);
      return hit ? [] : undefined;
    }
    if (event.type !== 'keyup') return undefined;
    const typed = event.key.length === 1 ? event.key : TYPED[event.key];
    const regex = this.compiled.get(rule.name);
    if (typed === undefined || !regex) return undefined;
    const buffer = ((this.buffers.get(rule.name) ?? '') + typed).slice(-rule.bufferLength);
    const found = regex.exec(buffer);
    this.buffers.set(rule.name, found ? '' : buffer);
    return found ? Array.from(found, (group) => group ?? '') : undefined;
  }
}

function fields(event: KeyLike, matches: string[]): KeyMatchEvent {
  return {
    altKey: event.altKey ?? false,
    code: event.code ?? '',
    ctrlKey: event.ctrlKey ?? false,
    isComposing: event.isComposing ?? false,
    key: event.key,
    location: event.location ?? 0,
    metaKey: event.metaKey ?? false,
    repeat: event.repeat ?? false,
    shiftKey: event.shiftKey ?? false,
    matches,
  };
}
