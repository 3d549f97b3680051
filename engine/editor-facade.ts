import { lstat, mkdir, realpath, rmdir, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { EventDecl } from './catalogue/define.ts';
import { EVENTS, eventById } from './catalogue/events.ts';
import { FAMILY_FOLDERS, scriptPattern, sidecarOf } from './catalogue/layout.ts';
import { sidecarJsonSchema, type JsonSchema } from './catalogue/sidecar-json-schema.ts';
import { handlerTemplate, sidecarTemplate } from './catalogue/templates.ts';
import type { Diagnostic } from './compiler/diagnostics.ts';
import type { EditorProject, EditorTemplate, FileChange } from './editor/editor-wire.ts';
import { fileChangeOf, parseLogFilter, passesFilter, sessionsOverview, type LiveLogFilter } from './editor/live-feed.ts';
import { readBytes, readText, removeStaleTemporaryFiles, versionOf, writeAtomically } from './editor/editor-files.ts';
import { FIREABLE_EVENTS, type FireableEvent } from './editor/fireable-events.ts';
import { SimulatedSessions } from './editor/simulated-sessions.ts';
import type { SessionUser } from './sessions/session.ts';
import { MAX_EDITOR_FILE_BYTES, resolveEditorPath, type EditorPath } from './editor/editor-paths.ts';
import { errorToData, FlintError } from './errors.ts';
import type { Gateway } from './gateway.ts';
import type { LogRecord } from './logging/record.ts';
import { isValidName } from './names.ts';
import { listProjectFiles, projectDisplayPath } from './projects/project-files.ts';
import type { Project } from './projects/project.ts';
import { classify } from './projects/resources.ts';
import { API } from './system/api.ts';
import { generateDts } from './system/generate-dts.ts';

/** A save, rename or delete refused because the file on disk is not the version the editor last read (HTTP 409). */
export type { FileChange, LiveLogFilter };

export class EditorConflict extends FlintError {
  /** The version on disk now; null when the file does not exist. */
  readonly current: string | null;
  constructor(message: string, current: string | null) {
    super('BAD_REQUEST', message);
    this.current = current;
  }
}

/** The version the caller says it edited: a version string, null for "a new file", or force to overwrite whatever is there. */
export interface Expected {
  version?: string | null;
  force?: boolean;
}

const MAX_TITLE_LENGTH = 200;
const LIB_TEMPLATE = '// A module that handlers import by relative path.\nexport {};\n';

/**
 * What the web editor (issue 13) may do with the engine: list projects and their files by kind, read and write files
 * inside the projects folder (every path checked by engine/editor/editor-paths.ts), and load a saved file in its
 * project at once instead of waiting for the watcher. api/editor-routes.ts sees the engine only through this.
 */
export class EditorFacade {
  private readonly gateway: Gateway;
  /** Writes to one file run one after another: the version check and the rename of two saves cannot interleave. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(gateway: Gateway) {
    this.gateway = gateway;
  }

  logger() {
    return this.gateway.logs.logger('editor');
  }

  /** At start, before the projects load: the temporary files of saves a crash cut short are removed (and logged). */
  async removeStaleTemporaryFiles(): Promise<void> {
    const removed = await removeStaleTemporaryFiles(this.gateway.config.projectsDir, Date.now());
    if (removed.length)
      this.logger().warn(`removed ${removed.length} temporary file(s) of editor saves cut short by a crash`, {
        fields: { event: 'editor-stale-temp', files: removed },
      });
  }

  /**
   * The test panel: a `system.util.sendRequest` (its return value) or `sendMessage` (its delivery list) to a gateway
   * message handler, as a script would send it, with what the project logged meanwhile and how long it took. A failure
   * of the handler is an answer here, not an error: the panel shows it.
   */
  async run(project: string, handler: unknown, payload: unknown, mode: 'request' | 'message', timeoutSec: number) {
    this.projectOf(project);
    if (typeof handler !== 'string' || !isValidName(handler))
      throw new FlintError('BAD_REQUEST', `handler ${JSON.stringify(handler)} is not a valid handler name`);
    this.checkPayload(project, payload);
    const measure = this.measure(project);
    let outcome: { ok: true; value: unknown } | { ok: false; error: ReturnType<typeof errorToData> };
    try {
      const value =
        mode === 'request'
          ? await this.gateway.request(project, handler, payload, timeoutSec)
          : this.gateway.message(project, handler, payload);
      outcome = { ok: true, value: value ?? null };
    } catch (error) {
      outcome = { ok: false, error: errorToData(error) };
    }
    return { ...outcome, ...measure() };
  }

  // ---- the live feed (api/editor-live.ts) ----------------------------------------------------------

  /** The log panel's filter from a frame of the page, or why it is refused. */
  logFilter(frame: Record<string, unknown>): LiveLogFilter | string {
    return parseLogFilter(frame);
  }

  passesLogFilter(record: LogRecord, filter: LiveLogFilter): boolean {
    return passesFilter(record, filter);
  }

  /** The latest `limit` records of the log ring that pass the filter: what the log panel shows when it (re)connects. */
  logBacklog(filter: LiveLogFilter, limit: number): LogRecord[] {
    const passing = this.gateway.logs.ring.query().filter((record) => passesFilter(record, filter));
    return passing.slice(Math.max(0, passing.length - limit));
  }

  /** Calls `listener` with every new log record; returns the unsubscribe. */
  watchLogs(listener: (record: LogRecord) => void): () => void {
    return this.gateway.logs.ring.subscribe(listener);
  }

  /** Every live session of every project, newest first, for the sessions panel. */
  sessions() {
    return sessionsOverview(this.gateway.sessions.list());
  }

  /** Calls `listener` after each change on disk the watcher saw has been applied; returns the unsubscribe. */
  watchFiles(listener: (change: FileChange) => void): () => void {
    return this.gateway.projects.onApplied((event) => listener(fileChangeOf(event)));
  }

  /** The test panel's simulated sessions, made at first use (the gateway builds its session layer after this facade). */
  private simulated: SimulatedSessions | undefined;

  private simulations(): SimulatedSessions {
    this.simulated ??= new SimulatedSessions({
      sessions: this.gateway.sessions,
      timeoutMs: (project) => this.gateway.project(project)?.config?.limits.timeoutMs ?? 5000,
    });
    return this.simulated;
  }

  /** The events the test panel fires into a simulated session, each with its sample payload from the catalogue. */
  fireableEvents(): FireableEvent[] {
    return FIREABLE_EVENTS;
  }

  /**
   * The test panel: a Session Event (or a view's script) fired into the simulated session of this editor login and
   * project (engine/editor/simulated-sessions.ts), as `user`. Answers the handler's outcome (a failure is an answer,
   * not an error), every handler it set off, the frames the session's client got, the project's log records meanwhile
   * and the time it took; a payload the gateway would refuse from a client is a BAD_REQUEST naming the field.
   */
  async fire(owner: string, user: SessionUser, project: string, event: unknown, name: unknown, view: unknown, payload: unknown) {
    this.projectOf(project);
    const decl = FIREABLE_EVENTS.find((e) => e.event === event);
    if (!decl)
      throw new FlintError('BAD_REQUEST', `event ${JSON.stringify(event)} is not one of ${FIREABLE_EVENTS.map((e) => e.event).join(', ')}`);
    if (decl.needsName && (typeof name !== 'string' || !isValidName(name)))
      throw new FlintError(
        'BAD_REQUEST',
        `name ${JSON.stringify(name)} is not a valid handler name (1 to 128 letters, digits, _ . - or spaces)`,
      );
    if (decl.needsView && (typeof view !== 'string' || !view.split('/').every(isValidName)))
      throw new FlintError('BAD_REQUEST', `view ${JSON.stringify(view)} is not a view path (names separated by /)`);
    this.checkPayload(project, payload);
    const measure = this.measure(project);
    const answer = await this.simulations().fire({
      owner,
      project,
      event: decl.event,
      name: decl.needsName ? (name as string) : undefined,
      view: decl.needsView ? (view as string) : undefined,
      payload,
      user,
    });
    const { outcome, ...rest } = answer;
    return { ...outcome, ...measure(), ...rest };
  }

  /** "New session" in the test panel: the simulated session of this login and project ends (its Shutdown runs). */
  async resetSimulation(owner: string, project: string): Promise<{ ended: boolean }> {
    this.projectOf(project);
    return { ended: await this.simulations().reset(owner, project) };
  }

  /** An editor login ended (logout, expiry): its simulated sessions end with it. */
  async endSimulations(owner: string): Promise<void> {
    await this.simulated?.endOwner(owner);
  }

  /** How many simulated sessions are open. */
  simulatedSessionCount(): number {
    return this.simulated?.size ?? 0;
  }

  /** The system.* typings and handler types for Monaco's TypeScript worker (docs/system.d.ts, made the same way). */
  types(): string {
    return generateDts(API);
  }

  templates(): EditorTemplate[] {
    return [
      ...EVENTS.map((e: EventDecl) => ({
        kind: e.id,
        pattern: scriptPattern(e),
        doc: e.doc,
        needsName: e.layout.kind !== 'single',
        needsView: e.layout.kind === 'view',
        ...sidecarSchemaOf(e),
      })),
      { kind: 'lib', pattern: 'lib/<name>.ts', doc: 'A module that handlers import by relative path.', needsName: true, needsView: false },
    ];
  }

  async projects(): Promise<EditorProject[]> {
    return Promise.all(
      this.gateway.projects.list().map(async (project) => {
        const status = project.status();
        const failing = new Set(status.diagnostics.filter((d) => d.severity === 'error').map((d) => d.file));
        const files = (await listProjectFiles(project.dir)).flatMap((path) => {
          const group = groupOf(path);
          return group ? [{ path, group, failing: failing.has(project.displayPath(path)) }] : [];
        });
        return { name: project.name, title: status.title, status: status.status, files };
      }),
    );
  }

  async read(project: string, relPath: unknown) {
    const path = await this.resolve(project, relPath);
    return { ...(await readText(path)), diagnostics: this.diagnosticsOf(path) };
  }

  /**
   * Saves a file: refused with EditorConflict when the file on disk is not `expected.version` (unless forced), else
   * written atomically and loaded in the project directly (Project.fileChanged, the watcher's own entry point: the
   * watcher's later event for the same text is then a no-op). Answers the new version and the file's diagnostics.
   */
  async save(project: string, relPath: unknown, content: unknown, expected: Expected) {
    if (typeof content !== 'string') throw new FlintError('BAD_REQUEST', 'field "content" must be a string');
    if (Buffer.byteLength(content) > MAX_EDITOR_FILE_BYTES)
      throw new FlintError('BAD_REQUEST', `the file is larger than ${MAX_EDITOR_FILE_BYTES} bytes, the editor's limit`);
    const path = await this.resolve(project, relPath);
    return this.locked(path, async () => {
      await this.check(path, expected);
      const version = await this.writeAndLoad(path, content);
      return { path: path.relPath, version, diagnostics: this.diagnosticsOf(path), status: this.projectOf(path.project).status().status };
    });
  }

  /** A new file from the catalogue's template of `kind` (an event id, or `lib`); its sidecar too, when the event has settings. */
  async create(project: string, kind: unknown, name: unknown, view: unknown) {
    const template = this.templates().find((t) => t.kind === kind);
    if (!template)
      throw new FlintError(
        'BAD_REQUEST',
        `kind ${JSON.stringify(kind)} is not one of ${this.templates()
          .map((t) => t.kind)
          .join(', ')}`,
      );
    if (template.needsName && (typeof name !== 'string' || !isValidName(name)))
      throw new FlintError('BAD_REQUEST', `name ${JSON.stringify(name)} is not a valid name (1 to 128 letters, digits, _ . - or spaces)`);
    if (template.needsView && (typeof view !== 'string' || !view.split('/').every(isValidName)))
      throw new FlintError('BAD_REQUEST', `view ${JSON.stringify(view)} is not a view path (names separated by /)`);
    const decl = eventById(template.kind);
    const relPath = !decl
      ? `lib/${name as string}.ts`
      : decl.layout.kind === 'single'
        ? `${FAMILY_FOLDERS[decl.family]}/${decl.event}.ts`
        : decl.layout.kind === 'named'
          ? `${FAMILY_FOLDERS[decl.family]}/${decl.event}/${name as string}.ts`
          : `views/${view as string}/${name as string}.ts`;
    const content = decl ? handlerTemplate(decl, typeof name === 'string' ? name : decl.event) : LIB_TEMPLATE;
    const sidecar = decl ? sidecarTemplate(decl) : undefined;
    if (sidecar) {
      const sidecarPath = await this.resolve(project, relPath.replace(/\.ts$/, '.json'));
      if (!(await readBytes(sidecarPath))) await this.locked(sidecarPath, () => writeAtomically(sidecarPath, sidecar));
    }
    return this.save(project, relPath, content, { version: null });
  }

  /**
   * A new project: its folder and a project.json (written atomically), loaded at once so that the answer comes when the
   * gateway has it. 409 when anything of that name is already in the projects folder (a folder, a file, a link).
   */
  async createProject(name: unknown, title: unknown) {
    if (typeof name !== 'string' || !isValidName(name))
      throw new FlintError(
        'BAD_REQUEST',
        `project name ${JSON.stringify(name)} is not a valid name (1 to 128 ASCII letters, digits, _ . - or spaces, starting with a letter, digit or _)`,
      );
    // eslint-disable-next-line no-control-regex
    if (title !== undefined && (typeof title !== 'string' || title.length > MAX_TITLE_LENGTH || /[\u0000-\u001f\u007f]/.test(title)))
      throw new FlintError('BAD_REQUEST', `title must be a string of at most ${MAX_TITLE_LENGTH} characters without control characters`);
    const root = this.gateway.config.projectsDir;
    const dir = join(root, name);
    const taken = () => new EditorConflict(`projects/${name} already exists`, null);
    if (this.gateway.project(name) || (await lstat(dir).catch(() => undefined))) throw taken();
    const realRoot = await realpath(root);
    try {
      await mkdir(dir); // not recursive: fails if anything took the name meanwhile
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw taken();
      throw error;
    }
    const real = await realpath(dir);
    if (real !== join(realRoot, name) || !real.startsWith(realRoot + sep)) {
      await rmdir(dir).catch(() => undefined);
      throw new FlintError('BAD_REQUEST', `projects/${name} leads outside the projects folder`);
    }
    const path = await resolveEditorPath(root, name, 'project.json');
    await this.locked(path, () => writeAtomically(path, `${JSON.stringify({ title: title || name }, null, 2)}\n`));
    const loaded = await this.gateway.projects.load(name);
    if (!loaded) throw new FlintError('INTERNAL', `projects/${name} was written but the gateway did not load it`);
    const status = loaded.status();
    return { name, title: status.title, status: status.status, diagnostics: status.diagnostics };
  }

  /**
   * Renames a file. A handler's sidecar (`x.ts` and its settings `x.json`) moves with it, so the renamed handler runs
   * with its settings; both targets are checked before anything moves (409 when either exists, nothing moved). A
   * sidecar alone is not renamed (400): it belongs to its handler by name, so renaming the handler is the way.
   */
  async rename(project: string, from: unknown, to: unknown, expected: Expected) {
    const source = await this.resolve(project, from);
    const target = await this.resolve(project, to);
    if (source.relPath === target.relPath) throw new FlintError('BAD_REQUEST', 'the new path is the same as the old one');
    if (source.resource.kind === 'sidecar')
      throw new FlintError(
        'BAD_REQUEST',
        `${projectDisplayPath(project, source.relPath)} holds the settings of a handler: rename the handler's script, the settings move with it`,
      );
    const moves = [{ from: source, to: target }];
    const handler = source.resource.kind === 'handler' && source.resource.sidecar ? source.resource : undefined;
    const sidecar = handler ? await this.resolve(project, sidecarPathOf(source.relPath)) : undefined;
    if (handler && sidecar && (await readBytes(sidecar))) {
      if (target.resource.kind !== 'handler' || target.resource.id !== handler.id)
        throw new FlintError(
          'BAD_REQUEST',
          `${projectDisplayPath(project, source.relPath)} has settings (${sidecar.relPath}) that only a ${handler.id} handler takes: rename it inside ${sidecar.relPath.slice(0, sidecar.relPath.lastIndexOf('/') + 1)}`,
        );
      moves.unshift({ from: sidecar, to: await this.resolve(project, sidecarPathOf(target.relPath)) });
    }
    return this.lockedAll(
      moves.flatMap((m) => [m.from, m.to]),
      async () => {
        await this.check(source, expected);
        for (const move of moves) {
          const existing = await readBytes(move.to);
          if (existing) throw new EditorConflict(`projects/${project}/${move.to.relPath} already exists`, versionOf(existing));
        }
        const contents = await Promise.all(moves.map(async (m) => (await readText(m.from)).content));
        // Written first, removed after: a crash in between leaves both names, never neither.
        for (const [i, move] of moves.entries()) await writeAtomically(move.to, contents[i]);
        for (const move of moves) await unlink(move.from.absolute);
        // The handler's old name leaves before its new one arrives; the settings are in place before the script loads.
        await this.apply(source, 'removed');
        for (const move of moves) if (move.from !== source) await this.apply(move.from, 'removed');
        for (const move of moves) await this.apply(move.to, 'changed');
        return {
          path: target.relPath,
          version: versionOf((await readBytes(target))!),
          diagnostics: this.diagnosticsOf(target),
          ...(moves.length > 1 ? { moved: moves.map((m) => ({ from: m.from.relPath, to: m.to.relPath })) } : {}),
        };
      },
    );
  }

  async remove(project: string, relPath: unknown, expected: Expected) {
    const path = await this.resolve(project, relPath);
    return this.locked(path, async () => {
      await this.check(path, expected);
      await unlink(path.absolute);
      await this.apply(path, 'removed');
      return { path: path.relPath, removed: true };
    });
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** What the test panel sends must be a JSON object within the project's payload limit, as from a script. */
  private checkPayload(project: string, payload: unknown): asserts payload is Record<string, unknown> {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      throw new FlintError('BAD_REQUEST', 'field "payload" must be a JSON object');
    const limit = this.gateway.project(project)?.config?.limits.maxPayloadBytes;
    if (limit !== undefined && JSON.stringify(payload).length > limit)
      throw new FlintError('BAD_REQUEST', `the payload is larger than the payload limit of ${limit} bytes of project "${project}"`);
  }

  /** Starts the clock of a test panel run; the function returned gives its time and the project's log records since. */
  private measure(project: string): () => { ms: number; logs: LogRecord[] } {
    const after = this.gateway.logs.ring.query({ limit: 1 })[0]?.seq ?? 0;
    const started = performance.now();
    return () => ({
      ms: Math.round((performance.now() - started) * 1000) / 1000,
      logs: this.gateway.logs.ring.query({ project, after }),
    });
  }

  private projectOf(name: string): Project {
    const project = this.gateway.project(name);
    if (!project) throw new FlintError('NOT_FOUND', `project ${JSON.stringify(name)} does not exist`);
    return project;
  }

  private async resolve(project: string, relPath: unknown): Promise<EditorPath> {
    if (!isValidName(project))
      throw new FlintError(
        'BAD_REQUEST',
        `project ${JSON.stringify(project)} is not a valid project name (1 to 128 letters, digits, _ . - or spaces)`,
      );
    this.projectOf(project);
    return resolveEditorPath(this.gateway.config.projectsDir, project, relPath);
  }

  /** Refuses the write unless the file on disk is the version the caller edited. */
  private async check(path: EditorPath, expected: Expected): Promise<void> {
    if (expected.force) return;
    const bytes = await readBytes(path);
    const current = bytes ? versionOf(bytes) : null;
    const shown = projectDisplayPath(path.project, path.relPath);
    if (expected.version === undefined)
      throw new EditorConflict(
        `say which version of ${shown} you edited ("version", null for a new file) or overwrite it ("force")`,
        current,
      );
    if (expected.version === current) return;
    if (current === null) throw new EditorConflict(`${shown} was deleted since you opened it`, null);
    if (expected.version === null) throw new EditorConflict(`${shown} already exists`, current);
    throw new EditorConflict(`${shown} changed on disk since you opened it: reload it, or overwrite it`, current);
  }

  /**
   * Writes a file atomically and loads it. A script is compiled and loaded from `content` while its bytes are being
   * written and flushed to disk (the write and the compile are the two slow parts of a save, and need not wait on each
   * other); if the write, the flush or the rename fails, what is on disk is loaded again and the save fails. Settings
   * and project.json are read from disk by the project, so they load after the rename.
   */
  private async writeAndLoad(path: EditorPath, content: string): Promise<string> {
    if (path.resource.kind !== 'handler' && path.resource.kind !== 'lib') {
      const version = await writeAtomically(path, content);
      await this.apply(path, 'changed');
      return version;
    }
    const loaded = this.projectOf(path.project).fileChanged(path.relPath, content);
    let version: string;
    try {
      version = await writeAtomically(path, content);
    } catch (error) {
      await loaded;
      await this.apply(path, 'changed');
      throw error;
    }
    await loaded;
    return version;
  }

  /** Loads the change in the project now, through the same entry point the watcher uses, and waits until it applied. */
  private async apply(path: EditorPath, type: 'changed' | 'removed'): Promise<void> {
    const project = this.projectOf(path.project);
    await (type === 'changed' ? project.fileChanged(path.relPath) : project.fileRemoved(path.relPath));
  }

  private diagnosticsOf(path: EditorPath): Diagnostic[] {
    const shown = projectDisplayPath(path.project, path.relPath);
    return this.projectOf(path.project)
      .status()
      .diagnostics.filter((d) => d.file === shown);
  }

  /** Every path's lock, always taken in the same order, so two operations on the same files cannot wait on each other. */
  private lockedAll<T>(paths: EditorPath[], work: () => Promise<T>): Promise<T> {
    const sorted = [...new Map(paths.map((p) => [p.relPath, p])).values()].sort((a, b) => (a.relPath < b.relPath ? -1 : 1));
    return sorted.reduceRight<() => Promise<T>>((inner, path) => () => this.locked(path, inner), work)();
  }

  private async locked<T>(path: EditorPath, work: () => Promise<T>): Promise<T> {
    const key = `${path.project}/${path.relPath}`;
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }
}

/** The template's sidecar schema field, made from the catalogue's declaration (never written out twice). */
function sidecarSchemaOf(decl: EventDecl): { sidecarSchema?: JsonSchema } {
  const schema = sidecarOf(decl);
  return schema
    ? { sidecarSchema: sidecarJsonSchema(schema, `${scriptPattern(decl).replace(/\.ts$/, '.json')}: settings of a ${decl.id} handler`) }
    : {};
}

/** Where a script's settings live: the same path with `.json` for its extension. */
function sidecarPathOf(relPath: string): string {
  return relPath.replace(/\.[^./]+$/, '.json');
}

/** The tree group of a project file, from the layout; undefined for files the layout does not take (not shown). */
function groupOf(path: string): string | undefined {
  const resource = classify(path);
  switch (resource.kind) {
    case 'config':
      return 'project';
    case 'handler':
    case 'sidecar':
      return resource.id;
    case 'lib':
      return 'lib';
    case 'view':
      return 'views';
    case 'named-query':
      return 'named-queries';
    case 'ignored':
      return undefined;
  }
}
