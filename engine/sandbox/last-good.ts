/**
 * The rule of what counts as last good lives in engine/projects/last-good.ts, one copy for the project, the
 * supervisor and the sandbox host. This name stays for host/modules.ts, which imports it from here.
 */
export { LastGood, type ModuleChanges } from '../projects/last-good.ts';
