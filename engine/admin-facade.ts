import { FlintError } from './errors.ts';
import type { Gateway } from './gateway.ts';
import type { LogQuery } from './logging/log-ring.ts';
import { isLogLevel, type LogLevel } from './logging/record.ts';
import { LIMIT_RANGES } from './projects/limits.ts';
import { nameProblem } from './projects/names.ts';
import { API } from './system/api.ts';
import { checkType } from './system/validate.ts';

/** How the admin API checks what it is given, from the same rules the engine uses (names, sendRequest's timeout). */
export const ADMIN_RULES = {
  /** The largest payload limit a project may set (each project's own limit is `AdminFacade.payloadLimit`). */
  largestPayloadLimit: LIMIT_RANGES.maxPayloadBytes[1],
  /** Why a project or handler name is refused, or undefined when it is valid. */
  name: nameProblem,
  /** timeoutSec has the bounds that system.util.sendRequest declares for it. */
  timeoutSec: (value: unknown): string | undefined => checkType(SEND_REQUEST_TIMEOUT, value),
  scope: (value: unknown): string | undefined =>
    typeof value === 'string' && /^[CGS]+$/.test(value) ? undefined : 'must be a combination of the letters C, G and S',
  logLevel: (value: string): value is LogLevel => isLogLevel(value),
};

const SEND_REQUEST_TIMEOUT = API.functions.find((f) => f.name === 'util.sendRequest')!.params.find((p) => p.name === 'timeoutSec')!.type;

/**
 * What the admin API may do with the engine, in its own words: api/ sees this and nothing of projects, sandboxes or
 * messaging. Every method answers plain JSON-ready values or throws a FlintError.
 */
export class AdminFacade {
  private readonly gateway: Gateway;

  constructor(gateway: Gateway) {
    this.gateway = gateway;
  }

  health() {
    return { status: 'ok', name: this.gateway.config.name, projects: this.gateway.projects.list().length };
  }

  status() {
    return this.gateway.status();
  }

  projectStatus(name: string) {
    return this.gateway.projectStatus(this.projectNamed(name));
  }

  diagnostics() {
    return { diagnostics: this.gateway.projects.list().flatMap((p) => p.status().diagnostics.map((d) => ({ project: p.name, ...d }))) };
  }

  logs(query: LogQuery) {
    return { records: this.gateway.logs.ring.query(query) };
  }

  /** Whether the gateway has a project of this name (loaded or not). */
  hasProject(name: string): boolean {
    return this.gateway.project(name) !== undefined;
  }

  /** The payload limit of a project (the length of a payload's JSON text), if it is loaded. */
  payloadLimit(project: string): number | undefined {
    return this.gateway.project(project)?.config?.limits.maxPayloadBytes;
  }

  async request(project: string, handler: string, payload: object, timeoutSec: number): Promise<unknown> {
    return (await this.gateway.request(project, handler, payload, timeoutSec)) ?? null;
  }

  message(project: string, handler: string, payload: object, scope: string | undefined): string[] {
    return this.gateway.message(project, handler, payload, scope);
  }

  logger(name: string) {
    return this.gateway.logs.logger(name);
  }

  private projectNamed(name: string) {
    const project = this.gateway.project(name);
    if (!project) throw new FlintError('NOT_FOUND', `project "${name}" does not exist`);
    return project;
  }
}
