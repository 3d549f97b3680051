import { NAME_PATTERN as NAME } from '../names.ts';

/**
 * A view's declaration, `views/<view path>/view.json`: its components, their starting props, their message handlers
 * (seeds/000: a message type, the listening scopes, a script beside the view.json) and their event scripts.
 *
 *   { "components": { "ItemList": { "props": { "items": [] },
 *       "messageHandlers": [{ "messageType": "NewItem", "scopes": ["view"], "script": "onNewItem" }],
 *       "events": { "onActionPerformed": "addItem" } } } }
 *
 * A prop may be bound to a tag: `"bindings": { "text": { "tag": "[default]New Tag 5" } }` keeps the prop at the tag's
 * value while the view is mounted (docs/projects.md).
 */
export type ListenScope = 'view' | 'page' | 'session';

export interface MessageHandlerDecl {
  messageType: string;
  scopes: ListenScope[];
  /** The script's name: `views/<view path>/<script>.ts`. */
  script: string;
}

export interface ComponentDecl {
  props: Record<string, unknown>;
  custom: Record<string, unknown>;
  messageHandlers: MessageHandlerDecl[];
  /** Event name (`onActionPerformed`) to script name. */
  events: Record<string, string>;
  /** Prop name to the tag path whose value it follows while the view is mounted. */
  bindings: Record<string, { tag: string }>;
}

export interface ViewDecl {
  components: Record<string, ComponentDecl>;
}

const EVENT = /^on[A-Za-z]{1,60}$/;
const SCOPES: ListenScope[] = ['view', 'page', 'session'];
const MAX_COMPONENTS = 500;
/** Most bound props one component may have. */
const MAX_BINDINGS = 100;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a parsed view.json; returns the declaration or what is wrong with it, naming the key. */
export function parseViewDecl(value: unknown): { ok: true; view: ViewDecl } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message });
  if (!isObject(value)) return fail('view.json must hold a JSON object');
  for (const key of Object.keys(value)) if (key !== 'components') return fail(`unknown key "${key}" (a view has "components")`);
  const components = value.components ?? {};
  if (!isObject(components)) return fail('"components" must be an object of components by name');
  if (Object.keys(components).length > MAX_COMPONENTS) return fail(`a view may have at most ${MAX_COMPONENTS} components`);
  // Without a prototype: a component named "__proto__" or "toString" is a component like any other.
  const view: ViewDecl = { components: Object.create(null) as ViewDecl['components'] };
  for (const [name, raw] of Object.entries(components)) {
    const at = `components.${name}`;
    if (!NAME.test(name)) return fail(`"${at}": a component name is 1 to 128 letters, digits, _ . - or spaces`);
    if (!isObject(raw)) return fail(`"${at}" must be an object`);
    for (const key of Object.keys(raw))
      if (!['type', 'props', 'custom', 'messageHandlers', 'events', 'bindings'].includes(key))
        return fail(`"${at}": unknown key "${key}" (allowed: type, props, custom, messageHandlers, events, bindings)`);
    if (raw.props !== undefined && !isObject(raw.props)) return fail(`"${at}.props" must be an object`);
    if (raw.custom !== undefined && !isObject(raw.custom)) return fail(`"${at}.custom" must be an object`);
    const handlers = raw.messageHandlers ?? [];
    if (!Array.isArray(handlers)) return fail(`"${at}.messageHandlers" must be a list`);
    const messageHandlers: MessageHandlerDecl[] = [];
    for (const [i, h] of handlers.entries()) {
      const where = `${at}.messageHandlers[${i}]`;
      if (!isObject(h)) return fail(`"${where}" must be an object`);
      if (typeof h.messageType !== 'string' || h.messageType.length === 0 || h.messageType.length > 200)
        return fail(`"${where}.messageType" must be a string of 1 to 200 characters`);
      if (typeof h.script !== 'string' || !NAME.test(h.script)) return fail(`"${where}.script" must name a script beside the view.json`);
      const scopes = h.scopes ?? ['page'];
      if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s as ListenScope)))
        return fail(`"${where}.scopes" must be a non-empty list of "view", "page" and "session"`);
      messageHandlers.push({ messageType: h.messageType, scopes: scopes as ListenScope[], script: h.script });
    }
    const events = raw.events ?? {};
    if (!isObject(events)) return fail(`"${at}.events" must be an object of event name to script`);
    for (const [event, script] of Object.entries(events)) {
      if (!EVENT.test(event)) return fail(`"${at}.events": "${event}" is not an event name (such as onActionPerformed)`);
      if (typeof script !== 'string' || !NAME.test(script)) return fail(`"${at}.events.${event}" must name a script beside the view.json`);
    }
    const bindings = raw.bindings ?? {};
    if (!isObject(bindings)) return fail(`"${at}.bindings" must be an object of prop name to { "tag": <tag path> }`);
    if (Object.keys(bindings).length > MAX_BINDINGS) return fail(`"${at}.bindings": a component may bind at most ${MAX_BINDINGS} props`);
    for (const [prop, binding] of Object.entries(bindings)) {
      const where = `${at}.bindings.${prop}`;
      if (prop.length === 0 || prop.length > 200) return fail(`"${at}.bindings": a prop name is 1 to 200 characters`);
      if (!isObject(binding) || Object.keys(binding).some((k) => k !== 'tag')) return fail(`"${where}" must be { "tag": <tag path> }`);
      if (typeof binding.tag !== 'string' || binding.tag.length === 0 || binding.tag.length > 2000)
        return fail(`"${where}.tag" must be a tag path (1 to 2000 characters), such as "[default]Folder/Tag"`);
    }
    view.components[name] = {
      props: raw.props ?? {},
      custom: raw.custom ?? {},
      messageHandlers,
      events: events as Record<string, string>,
      bindings: bindings as Record<string, { tag: string }>,
    };
  }
  return { ok: true, view };
}
