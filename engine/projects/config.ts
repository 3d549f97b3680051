import { join } from 'node:path';
import type { Diagnostic } from '../compiler/diagnostics.ts';
import { isValidName } from '../names.ts';
import { fileDiagnostic, linkDiagnostic } from './diagnostics.ts';
import { isPlainObject, parseJsonFile } from './json-file.ts';
import { parseBusConfig, type BusConfig } from '../bus/bus-config.ts';
import { DEFAULT_LIMITS, LIMIT_RANGES, type ProjectLimits } from './limits.ts';
import { isLinkedPath, projectDisplayPath, readIfExists } from './project-files.ts';

/** project.json, with defaults filled in. */
export interface ProjectConfig {
  title: string;
  description: string;
  enabled: boolean;
  /** Run this project in a sandbox process of its own. */
  isolated: boolean;
  limits: ProjectLimits;
  /** How long a Session lives after its last client disconnects. */
  sessionTimeoutMs: number;
  /** Whether a client may open a Session without logging in. */
  allowAnonymous: boolean;
  /** The tag provider of a tag path written without `[provider]` (engine/tags, docs/tags.md). */
  defaultTagProvider: string;
  /** The database connections its scripts and named queries may use (docs/database.md). */
  databases: string[];
  /** The long-polling bus (docs/bus.md). */
  bus: BusConfig;
}

const KNOWN_KEYS = [
  'title',
  'description',
  'enabled',
  'isolated',
  'limits',
  'sessionTimeoutMs',
  'allowAnonymous',
  'defaultTagProvider',
  'databases',
  'bus',
];

export type ConfigParse = { ok: true; config: ProjectConfig } | { ok: false; diagnostic: Diagnostic };

/** Reads a project folder's project.json: a link to one is refused, a missing one is reported, like one that does not parse. */
export async function readProjectConfig(dir: string, projectName: string): Promise<ConfigParse> {
  const path = projectDisplayPath(projectName, 'project.json');
  if (await isLinkedPath(dir, 'project.json')) return { ok: false, diagnostic: linkDiagnostic('project.json', path) };
  const text = await readIfExists(join(dir, 'project.json'));
  if (text === undefined) return { ok: false, diagnostic: fileDiagnostic(path, 'project.json is missing: every project folder needs one') };
  return parseProjectConfig(text, path, projectName);
}

/** Parses and validates project.json. Every problem names the file and the key. */
export function parseProjectConfig(text: string, displayPath: string, projectName: string): ConfigParse {
  const fail = (message: string): ConfigParse => ({
    ok: false,
    diagnostic: { file: displayPath, line: 1, column: 1, message, severity: 'error' },
  });
  const parsed = parseJsonFile(text, displayPath);
  if (!parsed.ok) return parsed;
  const raw = parsed.value;
  if (!isPlainObject(raw)) return fail('project.json must hold a JSON object');
  const unknown = Object.keys(raw).filter((k) => !KNOWN_KEYS.includes(k));
  if (unknown.length > 0)
    return fail(
      `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${KNOWN_KEYS.join(', ')}`,
    );
  for (const key of ['title', 'description'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') return fail(`"${key}" must be a string`);
  }
  for (const key of ['enabled', 'isolated', 'allowAnonymous'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'boolean') return fail(`"${key}" must be true or false`);
  }
  if (
    raw.sessionTimeoutMs !== undefined &&
    !(typeof raw.sessionTimeoutMs === 'number' && raw.sessionTimeoutMs >= 1000 && raw.sessionTimeoutMs <= 86_400_000)
  ) {
    return fail('"sessionTimeoutMs" must be a number of milliseconds between 1000 and 86400000');
  }
  if (raw.defaultTagProvider !== undefined && !(typeof raw.defaultTagProvider === 'string' && isValidName(raw.defaultTagProvider)))
    return fail(
      `"defaultTagProvider" must be a tag provider name (letters, digits, _ . - or spaces); received ${JSON.stringify(raw.defaultTagProvider)}`,
    );
  if (
    raw.databases !== undefined &&
    !(Array.isArray(raw.databases) && raw.databases.every((d) => typeof d === 'string' && isValidName(d)))
  ) {
    return fail(`"databases" must be a list of connection names, such as ["default"]; received ${JSON.stringify(raw.databases)}`);
  }
  const bus = parseBusConfig(raw.bus);
  if (!bus.ok) return fail(bus.message);
  const limits: ProjectLimits = { ...DEFAULT_LIMITS };
  if (raw.limits !== undefined) {
    if (!isPlainObject(raw.limits)) return fail('"limits" must be an object');
    for (const [key, value] of Object.entries(raw.limits)) {
      const range = LIMIT_RANGES[key as keyof ProjectLimits];
      if (!range) return fail(`unknown key "limits.${key}"; allowed: ${Object.keys(LIMIT_RANGES).join(', ')}`);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < range[0] || value > range[1]) {
        return fail(`"limits.${key}" must be a number between ${range[0]} and ${range[1]}; received ${JSON.stringify(value)}`);
      }
      limits[key as keyof ProjectLimits] = value;
    }
  }
  return {
    ok: true,
    config: {
      title: (raw.title as string | undefined) ?? projectName,
      description: (raw.description as string | undefined) ?? '',
      enabled: (raw.enabled as boolean | undefined) ?? true,
      isolated: (raw.isolated as boolean | undefined) ?? false,
      limits,
      sessionTimeoutMs: raw.sessionTimeoutMs ?? 60_000,
      allowAnonymous: (raw.allowAnonymous as boolean | undefined) ?? true,
      defaultTagProvider: raw.defaultTagProvider ?? 'default',
      databases: (raw.databases as string[] | undefined) ?? ['default'],
      bus: bus.bus,
    },
  };
}
