import type { Project } from '../projects/project.ts';
import { timerSettings, type TimerSettings } from '../projects/sidecars.ts';
import type { GatewayEvents } from './gateway-events.ts';

interface RunningTimer {
  key: string;
  handle: NodeJS.Timeout | undefined;
  busy: boolean;
  stopped: boolean;
}

/** Runs gateway timer scripts (`gateway-events/timer/<name>.ts` with `<name>.json` settings) of loaded projects. */
export class GatewayTimers {
  private readonly events: GatewayEvents;
  private readonly running = new Map<string, Map<string, RunningTimer>>();

  constructor(events: GatewayEvents) {
    this.events = events;
  }

  /** Starts, restarts and stops a project's timers to match its scripts and settings as they are now. */
  sync(project: Project): void {
    const current = this.running.get(project.name) ?? new Map<string, RunningTimer>();
    const wanted = new Map<string, TimerSettings>();
    if (project.isRunning) {
      for (const name of project.handlerNames('gateway/timer')) {
        const settings = timerSettings(project.settingsOf(`gateway-events/timer/${name}`));
        if (settings?.enabled) wanted.set(name, settings);
      }
    }
    for (const [name, timer] of current) {
      const settings = wanted.get(name);
      if (!settings || timer.key !== JSON.stringify(settings)) {
        this.stopTimer(timer);
        current.delete(name);
      }
    }
    for (const [name, settings] of wanted) if (!current.has(name)) current.set(name, this.startTimer(project, name, settings));
    if (current.size > 0) this.running.set(project.name, current);
    else this.running.delete(project.name);
  }

  stop(projectName: string): void {
    for (const timer of this.running.get(projectName)?.values() ?? []) this.stopTimer(timer);
    this.running.delete(projectName);
  }

  stopAll(): void {
    for (const name of [...this.running.keys()]) this.stop(name);
  }

  private startTimer(project: Project, name: string, settings: TimerSettings): RunningTimer {
    const timer: RunningTimer = { key: JSON.stringify(settings), handle: undefined, busy: false, stopped: false };
    const run = async () => {
      if (timer.busy || timer.stopped) return; // a run still going is never overlapped
      timer.busy = true;
      await this.events.fire(project, 'gateway/timer', [], name);
      timer.busy = false;
      if (settings.mode === 'fixedDelay' && !timer.stopped) timer.handle = setTimeout(tick, settings.delayMs);
    };
    const tick = () => void run(); // fire never rejects: a failing run is logged by the events
    timer.handle = settings.mode === 'fixedRate' ? setInterval(tick, settings.delayMs) : setTimeout(tick, settings.delayMs);
    return timer;
  }

  private stopTimer(timer: RunningTimer): void {
    timer.stopped = true;
    clearTimeout(timer.handle);
  }
}
