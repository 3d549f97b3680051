import { DEFAULT_SETTINGS, type NamedQuerySettings } from './named-query.ts';

/**
 * What a project's named-queries/ folder holds, query by query: the SQL and the settings, each as last read. A query
 * whose settings file has never parsed is refused (rather than run with default settings it does not have); one whose
 * settings broke after a good read keeps the good ones, like every other sidecar.
 */
export type NamedQueryLookup = { sql: string; settings: NamedQuerySettings } | { problem: string };

interface Entry {
  sql?: string;
  settings?: NamedQuerySettings;
  /** The settings file exists but has not parsed yet. */
  settingsBroken?: boolean;
}

export class NamedQueryFiles {
  private readonly entries = new Map<string, Entry>();

  private entry(name: string): Entry {
    let entry = this.entries.get(name);
    if (!entry) this.entries.set(name, (entry = {}));
    return entry;
  }

  setSql(name: string, sql: string): void {
    this.entry(name).sql = sql;
  }

  setSettings(name: string, settings: NamedQuerySettings): void {
    const entry = this.entry(name);
    entry.settings = settings;
    entry.settingsBroken = false;
  }

  settingsFailed(name: string): void {
    const entry = this.entry(name);
    if (!entry.settings) entry.settingsBroken = true;
  }

  remove(name: string, part: 'sql' | 'settings'): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    if (part === 'sql') delete entry.sql;
    else {
      delete entry.settings;
      delete entry.settingsBroken;
    }
    if (entry.sql === undefined && entry.settings === undefined && !entry.settingsBroken) this.entries.delete(name);
  }

  /** The query, a reason it cannot run, or undefined when it has no SQL file. */
  get(name: string): NamedQueryLookup | undefined {
    const entry = this.entries.get(name);
    if (entry?.sql === undefined) return undefined;
    if (entry.settingsBroken) return { problem: `its settings file named-queries/${name}.json has errors (see the project's diagnostics)` };
    return { sql: entry.sql, settings: entry.settings ?? DEFAULT_SETTINGS };
  }
}
