import { randomBytes } from 'node:crypto';
import { FlintError } from '../errors.ts';
import { LiveGroup } from './live-group.ts';
import type { ListenScope, ViewDecl } from './views.ts';

/** A component of a mounted view: its live props and custom props, which scripts write and the client shows. */
export interface MountedComponent {
  name: string;
  props: LiveGroup;
  custom: LiveGroup;
}

/** A view mounted on a page: one instance of `views/<viewPath>/view.json` (a page may show the same view twice). */
export interface MountedView {
  instanceId: string;
  viewPath: string;
  decl: ViewDecl;
  components: Map<string, MountedComponent>;
  /** Undoes its tag bindings: called once, when it is unmounted, its page closed or its session ended. */
  unbind: (() => void)[];
}

/** Most views one page may have mounted at once. */
export const MAX_VIEWS_PER_PAGE = 50;

/** A new instance of a view, its components starting with the props and custom props its view.json declares. */
export function mountView(views: Map<string, MountedView>, viewPath: string, decl: ViewDecl): MountedView {
  if (views.size >= MAX_VIEWS_PER_PAGE)
    throw new FlintError('QUOTA_EXCEEDED', `a page may have at most ${MAX_VIEWS_PER_PAGE} views mounted; unmount one first`);
  const components = new Map<string, MountedComponent>();
  for (const [name, component] of Object.entries(decl.components))
    components.set(name, { name, props: new LiveGroup(component.props), custom: new LiveGroup(component.custom) });
  const view: MountedView = { instanceId: randomBytes(6).toString('hex'), viewPath, decl, components, unbind: [] };
  views.set(view.instanceId, view);
  return view;
}

/** What a client is told of a mounted view: each component's props, custom props and the events it has scripts for. */
export function viewState(view: MountedView) {
  const components = Object.fromEntries(
    [...view.components.values()].map((c) => [
      c.name,
      { props: c.props.toObject(), custom: c.custom.toObject(), events: Object.keys(view.decl.components[c.name]?.events ?? {}) },
    ]),
  );
  return { instanceId: view.instanceId, viewPath: view.viewPath, components };
}

/** The component message handlers of a view listening for `messageType` on `scope`: each component with its script. */
export function listeners(view: MountedView, messageType: string, scope: ListenScope): { component: MountedComponent; script: string }[] {
  const found: { component: MountedComponent; script: string }[] = [];
  for (const [name, decl] of Object.entries(view.decl.components)) {
    const component = view.components.get(name);
    if (!component) continue;
    for (const handler of decl.messageHandlers)
      if (handler.messageType === messageType && handler.scopes.includes(scope)) found.push({ component, script: handler.script });
  }
  return found;
}
