import { describeError, type ErrorData } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { Project } from '../projects/project.ts';
import type { Supervisor } from '../sandbox/supervisor.ts';

/** Fires the gateway-scope events (startup, shutdown) of a project into its sandbox and logs failures. */
export class GatewayEvents {
  private readonly supervisor: Supervisor;
  private readonly logger: Logger;

  constructor(supervisor: Supervisor, logger: Logger) {
    this.supervisor = supervisor;
    this.logger = logger;
  }

  /** Runs the project's handler for a gateway event (`name` for named ones: timers) with `args`; resolves when it has finished (or failed). */
  async fire(project: Project, event: string, args: unknown[] = [], name?: string): Promise<void> {
    const module = project.handlerModule('gateway', event, name);
    if (!module || !project.config) return;
    const outcome = await this.supervisor.invoke(project.name, module, JSON.stringify(args), project.config.limits.timeoutMs);
    if (outcome.startsWith('{"ok":true')) return;
    const { error } = JSON.parse(outcome) as { error: ErrorData };
    this.logger.error(`gateway ${event}${name ? ` "${name}"` : ''} script of project "${project.name}" failed: ${describeError(error)}`, { project: project.name, source: error.location });
  }
}
