import { busService, type BusDeps } from './bus/service.ts';
import { dbService, type DbDeps } from './db/service.ts';
import { bindService, implementationGaps, type BoundService, type Service } from './service.ts';
import { perspectiveService, type PerspectiveDeps } from './perspective/service.ts';
import { tagService, type TagDeps } from './tag/service.ts';
import { utilService, type UtilDeps } from './util/service.ts';

/** What the services need of the gateway; each service is given only its own part. */
export type ServiceDeps = UtilDeps & PerspectiveDeps & TagDeps & DbDeps & BusDeps;

interface Entry {
  service: Service<never>;
  bind: (deps: ServiceDeps) => BoundService;
}

function entry<Deps>(service: Service<Deps>, pick: (deps: ServiceDeps) => Deps): Entry {
  return { service, bind: (deps) => bindService(service, pick(deps)) };
}

/** Every service of system.*, in the order of engine/system/api.ts: the one place a new namespace is composed in. */
const SERVICES: Entry[] = [
  entry(utilService, ({ logs, messaging }) => ({ logs, messaging })),
  entry(perspectiveService, ({ sessions }) => ({ sessions })),
  entry(tagService, ({ tags, defaultProvider }) => ({ tags, defaultProvider })),
  entry(dbService, ({ queries }) => ({ queries })),
  entry(busService, ({ bus }) => ({ bus })),
];

/** Every host implementation, keyed as in api.ts (a test checks the keys against the declarations). */
export const IMPLEMENTATIONS = Object.fromEntries(SERVICES.flatMap((e) => Object.entries(e.service.implementations)));

/** The services bound to the gateway's parts, for the dispatch table. Refuses a service whose implementation and declaration disagree. */
export function composeServices(deps: ServiceDeps): BoundService[] {
  return SERVICES.map(({ service, bind }) => {
    const { missing, extra } = implementationGaps(service);
    if (missing.length || extra.length)
      throw new Error(
        `system.${service.decl.namespace}: not implemented: ${missing.join(', ') || 'none'}; not declared: ${extra.join(', ') || 'none'}`,
      );
    return bind(deps);
  });
}
