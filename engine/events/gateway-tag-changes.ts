import type { Logger } from '../logging/logger.ts';
import type { Project } from '../projects/project.ts';
import { tagChangeSettings, type ChangeType, type TagChangeSettings } from '../projects/sidecars.ts';
import type { QualifiedValue, TagChange, TagFeed } from '../tags/feed.ts';
import { ChangeQueue } from './change-queue.ts';
import type { GatewayEvents } from './gateway-events.ts';

/** Changes one script may have waiting; past it the oldest are dropped (engine/events/change-queue.ts, docs/tags.md). */
export const TAG_CHANGE_QUEUE_SIZE = 1000;

/** One call of a tag-change script: its arguments, before executionCount. */
interface PendingRun {
  initial: boolean;
  value: QualifiedValue;
  previous: QualifiedValue | null;
  tagPath: string;
}

interface Subscription {
  key: string;
  paths: string[];
  unsubscribe: () => void;
  queue: ChangeQueue<PendingRun>;
  /** The runs so far since it subscribed: the next run's executionCount less one. */
  executions: number;
  /** Changes dropped because the queue was full, since it subscribed. */
  dropped: number;
  running: boolean;
  stopped: boolean;
  /** Settles when the run going on (if any) and those queued behind it have finished. */
  idle: Promise<void>;
}

/** What a running tag-change script is doing, for status and tests. */
export interface TagChangeStatus {
  name: string;
  paths: string[];
  queued: number;
  executions: number;
  dropped: number;
}

/**
 * Runs gateway tag-change scripts (`gateway-events/tag-change/<name>.ts` with `<name>.json` settings) of loaded
 * projects, through the tag feed (engine/tags/feed.ts). Each script gets one initial call per path when it
 * subscribes, then one call per change its `changeTypes` cover, in the order the tag system applied them, one at a
 * time: its runs wait in its own bounded queue.
 */
export class GatewayTagChanges {
  private readonly events: GatewayEvents;
  private readonly feed: TagFeed;
  private readonly logger: Logger;
  private readonly queueSize: number;
  private readonly running = new Map<string, Map<string, Subscription>>();

  constructor(events: GatewayEvents, feed: TagFeed, logger: Logger, queueSize = TAG_CHANGE_QUEUE_SIZE) {
    this.events = events;
    this.feed = feed;
    this.logger = logger;
    this.queueSize = queueSize;
  }

  /** Subscribes, resubscribes and unsubscribes a project's scripts to match its scripts and settings as they are now. */
  sync(project: Project): void {
    const current = this.running.get(project.name) ?? new Map<string, Subscription>();
    const provider = project.config?.defaultTagProvider ?? 'default';
    const wanted = new Map<string, TagChangeSettings>();
    if (project.isRunning) {
      for (const name of project.handlerNames('gateway/tag-change')) {
        const settings = tagChangeSettings(project.settingsOf(`gateway-events/tag-change/${name}`));
        if (settings?.enabled) wanted.set(name, settings);
      }
    }
    // The default provider is part of the key: a project.json that changes it resubscribes paths written without one.
    const keyOf = (settings: TagChangeSettings) => JSON.stringify({ settings, provider });
    const replaced = new Map<string, Promise<void>>();
    for (const [name, subscription] of current) {
      const settings = wanted.get(name);
      if (!settings || subscription.key !== keyOf(settings)) {
        this.unsubscribe(subscription);
        replaced.set(name, subscription.idle);
        current.delete(name);
      }
    }
    for (const [name, settings] of wanted) {
      // A resubscribed script starts once its old subscription's run has ended: it never overlaps itself.
      if (!current.has(name)) current.set(name, this.subscribe(project, name, settings, keyOf(settings), provider, replaced.get(name)));
    }
    if (current.size > 0) this.running.set(project.name, current);
    else this.running.delete(project.name);
  }

  stop(projectName: string): void {
    for (const subscription of this.running.get(projectName)?.values() ?? []) this.unsubscribe(subscription);
    this.running.delete(projectName);
  }

  stopAll(): void {
    for (const name of [...this.running.keys()]) this.stop(name);
  }

  /** The project's subscribed scripts, by name. */
  status(projectName: string): TagChangeStatus[] {
    return [...(this.running.get(projectName) ?? [])].map(([name, s]) => ({
      name,
      paths: s.paths,
      queued: s.queue.length,
      executions: s.executions,
      dropped: s.dropped,
    }));
  }

  private subscribe(
    project: Project,
    name: string,
    settings: TagChangeSettings,
    key: string,
    provider: string,
    after: Promise<void> = Promise.resolve(),
  ): Subscription {
    // Two spellings of one tag (`A`, `[default]A`) are one path: each change runs the script once.
    const paths = [...new Set(settings.paths.map((p) => this.feed.canonicalPath(p, provider)).filter((p) => p !== undefined))];
    const types = new Set(settings.changeTypes);
    const subscription: Subscription = {
      key,
      paths,
      unsubscribe: () => undefined,
      queue: new ChangeQueue(this.queueSize),
      executions: 0,
      dropped: 0,
      running: false,
      stopped: false,
      idle: after,
    };
    const add = (run: PendingRun) => this.add(project, name, subscription, run);
    subscription.unsubscribe = this.feed.subscribe(paths, provider, (change) => {
      if (touches(change, types)) add({ initial: false, value: change.value, previous: change.previous ?? null, tagPath: change.path });
    });
    // Read in the same turn as the subscription: every change after this read is queued behind the initial calls.
    const values = this.feed.read(paths, provider);
    paths.forEach((tagPath, i) => add({ initial: true, value: values[i], previous: null, tagPath }));
    return subscription;
  }

  private add(project: Project, name: string, subscription: Subscription, run: PendingRun): void {
    if (subscription.stopped) return;
    if (subscription.queue.push(run)) {
      subscription.dropped++;
      if (subscription.queue.dropped === 1)
        this.logger.warn(
          `tag change script "${name}" of project "${project.name}" has ${subscription.queue.capacity} changes waiting; the oldest are dropped until it catches up`,
          { project: project.name },
        );
    }
    if (subscription.running) return;
    subscription.running = true;
    subscription.idle = this.drain(project, name, subscription, subscription.idle);
  }

  /** Runs the queued changes one after another; fire never rejects (a failing run is logged by the events). */
  private async drain(project: Project, name: string, subscription: Subscription, after: Promise<void>): Promise<void> {
    await after;
    for (let run = subscription.queue.shift(); run && !subscription.stopped; run = subscription.queue.shift()) {
      subscription.executions++;
      const args = [run.initial, run.value, run.previous, { tagPath: run.tagPath }, subscription.executions];
      await this.events.fire(project, 'gateway/tag-change', args, name);
    }
    subscription.running = false;
  }

  private unsubscribe(subscription: Subscription): void {
    subscription.stopped = true;
    subscription.unsubscribe();
    subscription.queue.clear();
  }
}

/** Whether a change touches what the script asked for; a tag just defined (no previous value) touches everything. */
function touches(change: TagChange, types: ReadonlySet<ChangeType>): boolean {
  const { value: next, previous } = change;
  if (!previous) return true;
  if (types.has('value') && !sameValue(next.value, previous.value)) return true;
  if (types.has('quality') && next.qualityCode !== previous.qualityCode) return true;
  return types.has('timestamp') && next.timestamp !== previous.timestamp;
}

/** Tag values are JSON (a Document tag holds an object): equal when their JSON is. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
