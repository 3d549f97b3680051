import { isLogLevel, levelRank, type LogLevel, type LogRecord } from '../logging/record.ts';
import type { AppliedFileEvent } from '../projects/manager.ts';
import type { Session } from '../sessions/session.ts';
import type { FileChange, SessionOverview } from './editor-wire.ts';

/**
 * What the editor's live connection (api/editor-live.ts) streams, as plain data: log records that pass the user's
 * filter, an overview of the sessions, and the files the watcher saw change on disk. The transport lives in the api
 * layer; this module only decides what a record, a session or a file change looks like to the editor.
 */

/** The log panel's filter. Every field is optional; an empty filter passes everything. */
export interface LiveLogFilter {
  project?: string;
  /** Records at this level or above. */
  minLevel?: LogLevel;
  /** The logger's name starts with this (a script's `system.util.getLogger(name)`, or `gateway`, `editor`...). */
  logger?: string;
  /** The message or the logger contains this, case-insensitively. */
  text?: string;
}

/** Longest logger or text filter. */
export const MAX_FILTER_TEXT = 200;

/** The filter a client sent, checked field by field: a filter or the reason it is refused. */
export function parseLogFilter(frame: Record<string, unknown>): LiveLogFilter | string {
  const filter: LiveLogFilter = {};
  for (const key of Object.keys(frame))
    if (!['type', 'project', 'minLevel', 'logger', 'text', 'backlog'].includes(key)) return `unknown field "${key}"`;
  const text = (key: 'project' | 'logger' | 'text'): string | undefined => {
    const value = frame[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || value.length > MAX_FILTER_TEXT)
      throw new TypeError(`"${key}" must be a string of at most ${MAX_FILTER_TEXT} characters`);
    return value;
  };
  try {
    const project = text('project');
    const logger = text('logger');
    const words = text('text');
    if (project !== undefined) filter.project = project;
    if (logger !== undefined) filter.logger = logger;
    if (words !== undefined) filter.text = words.toLowerCase();
  } catch (error) {
    return (error as Error).message;
  }
  if (frame.minLevel !== undefined && frame.minLevel !== null && frame.minLevel !== '') {
    if (!isLogLevel(frame.minLevel)) return '"minLevel" must be one of trace, debug, info, warn, error';
    filter.minLevel = frame.minLevel;
  }
  return filter;
}

export function passesFilter(record: LogRecord, filter: LiveLogFilter): boolean {
  if (filter.project !== undefined && record.project !== filter.project) return false;
  if (filter.minLevel !== undefined && levelRank(record.level) < levelRank(filter.minLevel)) return false;
  if (filter.logger !== undefined && !record.logger.startsWith(filter.logger)) return false;
  if (filter.text !== undefined)
    return record.message.toLowerCase().includes(filter.text) || record.logger.toLowerCase().includes(filter.text);
  return true;
}

/** Most sessions listed; `total` says how many there are. */
export const MAX_LISTED_SESSIONS = 500;

export function sessionsOverview(sessions: readonly Session[]): { total: number; sessions: SessionOverview[] } {
  const listed = [...sessions].sort((a, b) => b.startedAt - a.startedAt).slice(0, MAX_LISTED_SESSIONS);
  return {
    total: sessions.length,
    sessions: listed.map((s) => ({
      id: s.id,
      project: s.project,
      userName: s.user.userName,
      roles: [...s.user.roles],
      host: s.origin.host,
      userAgent: s.origin.userAgent,
      connected: s.clients.size > 0,
      startedAt: s.startedAt,
      pages: [...s.pages.values()].map((page) => ({
        pageId: page.pageId,
        path: page.path,
        views: [...page.views.values()].map((view) => view.viewPath),
      })),
    })),
  };
}

export const fileChangeOf = (event: AppliedFileEvent): FileChange => ({
  project: event.project,
  path: event.relPath,
  removed: event.removed,
});
