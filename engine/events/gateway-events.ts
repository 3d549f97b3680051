import type { EventId } from '../catalogue/events.ts';
import { describeError } from '../errors.ts';
import { errorOf, isOk } from '../outcome.ts';
import type { Logger } from '../logging/logger.ts';
import type { Project } from '../projects/project.ts';
import type { Rebuild, Supervisor } from '../sandbox/supervisor.ts';

/** A project rebuilt this often within REBUILD_WINDOW_MS, while running code, does not get its startup script run again by a rebuild. */
const MAX_REBUILDS = 3;
const REBUILD_WINDOW_MS = 60_000;

/** Fires the gateway-scope events (startup, shutdown) of a project into its sandbox and logs failures. */
/** The events this class fires: those that run in the gateway, not in a session. */
type GatewayEventId = Extract<EventId, `gateway/${string}`>;

export class GatewayEvents {
  private readonly supervisor: Supervisor;
  private readonly logger: Logger;
  private readonly rebuilds = new Map<string, number[]>();

  constructor(supervisor: Supervisor, logger: Logger) {
    this.supervisor = supervisor;
    this.logger = logger;
  }

  /** Runs the project's handler for a gateway event (`name` for named ones: timers) with `args`; resolves when it has finished (or failed). */
  fire(project: Project, event: GatewayEventId, args: unknown[] = [], name?: string): Promise<void> {
    if (event === 'gateway/startup') this.rebuilds.delete(project.name); // loaded, or its startup script saved: a fresh start
    return this.run(project, event, args, name);
  }

  private async run(project: Project, event: GatewayEventId, args: unknown[], name?: string): Promise<void> {
    const module = project.handlerModule(event, name);
    if (!module || !project.config) return;
    const outcome = await this.supervisor.invoke(project.name, module, JSON.stringify(args), project.config.limits.timeoutMs);
    if (isOk(outcome)) return;
    const error = errorOf(outcome);
    this.logger.error(
      `${event.replace('/', ' ')}${name ? ` "${name}"` : ''} script of project "${project.name}" failed: ${describeError(error)}`,
      { project: project.name, source: error.location },
    );
  }

  /**
   * Runs the startup script again in a project's rebuilt isolate (after a memory-limit rebuild or a sandbox process
   * restart), except when the project keeps being rebuilt: a startup script that itself runs out of memory would
   * otherwise rebuild the project over and over. It runs again when it is saved, or when the project restarts.
   */
  async fireStartupAfterRebuild(project: Project, rebuild: Rebuild): Promise<void> {
    if (!project.handlerModule('gateway/startup')) return;
    // Only rebuilds while the project was running count: a shared process that another project crashed is no fault of this one.
    if (!rebuild.involved) return this.run(project, 'gateway/startup', []);
    const now = Date.now();
    const recent = [...(this.rebuilds.get(project.name) ?? []).filter((t) => now - t < REBUILD_WINDOW_MS), now];
    this.rebuilds.set(project.name, recent);
    if (recent.length > MAX_REBUILDS) {
      if (recent.length === MAX_REBUILDS + 1) {
        this.logger.error(
          `project "${project.name}" was rebuilt ${recent.length} times within ${REBUILD_WINDOW_MS / 1000} s; its startup script is not run again until it is saved or the project restarts`,
          { project: project.name },
        );
      }
      return;
    }
    await this.run(project, 'gateway/startup', []);
  }
}
