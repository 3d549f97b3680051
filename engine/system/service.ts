import type { SourceLocation } from '../errors.ts';
import type { ServiceDecl } from './define.ts';

/** Who made a system.* call: the project, and the session, page and view instance of a session's handler. */
export interface Caller {
  project: string;
  /** The calling script's file:line, when known. */
  source?: SourceLocation;
  session?: string;
  page?: string;
  view?: string;
}

/**
 * The host side of one function: it gets the caller and the services its service was given (nothing else of the
 * gateway), and the arguments validated against the declaration. It returns the value, or `{ outcome }` when it
 * already has the answer as outcome JSON (a handler's answer, forwarded without parsing).
 */
export type Implementation<Deps> = (call: { caller: Caller; deps: Deps }, args: unknown[]) => unknown;

/** A namespace of system.*: its declaration and its implementation side by side. */
export interface Service<Deps> {
  decl: ServiceDecl;
  implementations: Record<string, Implementation<Deps>>;
}

/** A service given what it depends on, ready for the dispatch table. */
export interface BoundService {
  decl: ServiceDecl;
  call(fn: string, caller: Caller, args: unknown[]): unknown;
}

export function defineService<Deps>(decl: ServiceDecl, implementations: Record<string, Implementation<Deps>>): Service<Deps> {
  return { decl, implementations };
}

export function bindService<Deps>(service: Service<Deps>, deps: Deps): BoundService {
  return { decl: service.decl, call: (fn, caller, args) => service.implementations[fn]({ caller, deps }, args) };
}

/**
 * The functions a service must implement on the host: all it declares except those built inside the isolate.
 * Returns what is missing and what is extra, so a disagreement names both.
 */
export function implementationGaps<Deps>(service: Service<Deps>): { missing: string[]; extra: string[] } {
  const declared = service.decl.functions.filter((f) => f.mode !== 'prelude').map((f) => f.name);
  const implemented = Object.keys(service.implementations);
  return { missing: declared.filter((n) => !implemented.includes(n)), extra: implemented.filter((n) => !declared.includes(n)) };
}
