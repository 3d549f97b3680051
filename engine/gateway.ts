import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AdminFacade } from './admin-facade.ts';
import { EditorFacade } from './editor-facade.ts';
import { FlintError } from './errors.ts';
import { parseOutcome } from './outcome.ts';
import { GatewayEvents } from './events/gateway-events.ts';
import { GatewayTagChanges } from './events/gateway-tag-changes.ts';
import { GatewayTimers } from './events/gateway-timers.ts';
import { LogHub } from './logging/logger.ts';
import type { LogLevel } from './logging/record.ts';
import { GatewayMessaging } from './messaging/gateway-messaging.ts';
import { Connection, type Authenticator, type Socket } from './sessions/connection.ts';
import { parseContext } from './sessions/live-args.ts';
import type { ViewDecl } from './sessions/views.ts';
import { SessionManager, type SessionProject } from './sessions/session-manager.ts';
import { ProjectManager } from './projects/manager.ts';
import type { Project } from './projects/project.ts';
import { Bus } from './bus/bus.ts';
import { FormStore } from './sessions/form-store.ts';
import { DEFAULT_BUS } from './bus/bus-config.ts';
import { DEFAULT_LIMITS } from './projects/limits.ts';
import { keystrokeSettings, pushSettings } from './projects/sidecars.ts';
import { Supervisor } from './sandbox/supervisor.ts';
import { Dispatcher } from './system/dispatch.ts';
import { DefinitionsSource } from './tags/definitions-source.ts';
import type { TagFeed } from './tags/feed.ts';
import { PostgresTagStore } from './tags/postgres-store.ts';
import { SqliteTagStore } from './tags/sqlite-store.ts';
import { TagSystem } from './tags/tag-system.ts';
import type { TagValueStore } from './tags/value-store.ts';
import { Databases } from './db/databases.ts';
import { Queries } from './db/queries.ts';
import { composeServices } from './system/services.ts';
import { LoginFacade } from './users/login-facade.ts';
import { DEFAULT_LOGIN_TTL_MS, Logins } from './users/logins.ts';
import { UserSource } from './users/user-source.ts';

export interface GatewayConfig {
  projectsDir: string;
  dataDir: string;
  /** The tag definitions folder, `<provider>.json` per provider (default: `tags` beside the projects folder). */
  tagsDir?: string;
  /** A `postgresql://` URL: tag values live there (schema `flint`) instead of `<dataDir>/tags.sqlite`. */
  tagStoreUrl?: string;
  /** Watch the projects folder and hot-reload (default true). */
  watch?: boolean;
  /** Shared sandbox processes (default 1). */
  sandboxProcesses?: number;
  /** Lowest level written to stdout (default info; 'off' for tests). */
  stdoutLevel?: LogLevel | 'off';
  /** This gateway's name, for remoteServers (default "flint"). */
  name?: string;
  /** How long a login lasts (default 8 hours). */
  loginTtlMs?: number;
  /** The database connections file (docs/database.md); default `<dataDir>/databases.json` when it exists. */
  databasesFile?: string;
}

/** The composition root: builds every engine part from the config. Knows nothing about HTTP. */
export class Gateway {
  readonly config: Required<Omit<GatewayConfig, 'databasesFile'>> & Pick<GatewayConfig, 'databasesFile'>;
  readonly logs: LogHub;
  readonly supervisor: Supervisor;
  readonly projects: ProjectManager;
  readonly messaging: GatewayMessaging;
  /** The live Perspective Sessions of every project (issue 11). */
  readonly sessions: SessionManager;
  private readonly sessionAuth: Authenticator;
  /** What the admin API may do (api/ sees the engine only through it). */
  readonly admin = new AdminFacade(this);
  /** What the web editor may do (issue 13): project files, checked paths, saves loaded at once. */
  readonly editor = new EditorFacade(this);
  /** The users of `<dataDir>/users.json` and their logins (issue 11 item 2). */
  readonly users: UserSource;
  readonly logins: Logins;
  /** What the public login routes may do. */
  readonly loginApi: LoginFacade;
  /** The gateway's tags (issue 12): values persisted in `<dataDir>/tags.sqlite`, definitions from `tagsDir`. */
  readonly tagSystem: TagSystem;
  /** The tags as session bindings and tag-change scripts follow them. */
  readonly tags: TagFeed;
  private tagDefinitions: DefinitionsSource | undefined;
  /** The form submissions seen and their responses (`<dataDir>/forms.sqlite`). */
  private readonly forms: FormStore;
  /** The projects' long-polling buses (`POST /<project>/bus`, system.bus; docs/bus.md). */
  readonly bus: Bus;
  /** The database connections: the embedded SQLite "default" and the configured PostgreSQL pools (issue 12 item 5). */
  readonly databases: Databases;
  private readonly dispatcher: Dispatcher;
  private readonly events: GatewayEvents;
  private readonly timers: GatewayTimers;
  /** The gateway tag-change scripts of the running projects, subscribed to `tags`. */
  readonly tagChanges: GatewayTagChanges;
  /**
   * Projects whose sessions are ending because the project stops. A deleted folder's project has left the registry
   * by then, and its sessions' Shutdown scripts still run in it.
   */
  private readonly stoppingProjects = new Map<string, Project>();

  private constructor(config: GatewayConfig) {
    this.config = {
      watch: true,
      sandboxProcesses: 1,
      stdoutLevel: 'info',
      name: 'flint',
      loginTtlMs: DEFAULT_LOGIN_TTL_MS,
      tagStoreUrl: '',
      ...config,
      projectsDir: resolve(config.projectsDir),
      dataDir: resolve(config.dataDir),
      tagsDir: resolve(config.tagsDir ?? join(dirname(resolve(config.projectsDir)), 'tags')),
    };
    this.logs = new LogHub({ stdoutLevel: this.config.stdoutLevel });
    const gatewayLogger = this.logs.logger('gateway');
    mkdirSync(this.config.dataDir, { recursive: true });
    this.tagSystem = new TagSystem(tagStore(this.config), this.logs.logger('tags'));
    this.tags = this.tagSystem;
    this.forms = new FormStore(join(this.config.dataDir, 'forms.sqlite'));
    this.databases = new Databases({ dataDir: this.config.dataDir, file: this.config.databasesFile, logger: this.logs.logger('db') });
    this.supervisor = new Supervisor({
      processes: this.config.sandboxProcesses,
      logger: this.logs.logger('sandbox'),
      listener: {
        systemCall: (project, request, fn, args, source, context) => {
          void this.dispatcher.dispatch({ project, source, ...parseContext(context) }, fn, args).then((outcome) => {
            if (request !== 0) this.supervisor.answer(project, request, outcome);
          });
        },
        log: (project, level, logger, message, source) =>
          this.logs.write({ level, logger, message, project: project || undefined, source }),
        reloaded: (project, rebuild) => {
          const p = this.projects.get(project);
          if (!p?.isRunning) return;
          p.modulesLostInRebuild(rebuild.failed);
          void this.events.fireStartupAfterRebuild(p, rebuild);
        },
      },
    });
    this.events = new GatewayEvents(this.supervisor, gatewayLogger);
    this.timers = new GatewayTimers(this.events);
    this.tagChanges = new GatewayTagChanges(this.events, this.tags, gatewayLogger);
    this.projects = new ProjectManager(this.config.projectsDir, {
      loader: this.supervisor,
      logger: this.logs.logger('projects'),
      loaded: (project) => this.events.fire(project, 'gateway/startup'),
      unloading: async (project) => {
        this.timers.stop(project.name);
        this.tagChanges.stop(project.name);
        // Sessions end first, with their Shutdown scripts, while the project still runs them.
        this.stoppingProjects.set(project.name, project);
        try {
          await this.sessions.endProject(project.name, 'the project stopped');
        } finally {
          this.stoppingProjects.delete(project.name);
        }
        return this.events.fire(project, 'gateway/shutdown');
      },
      changed: (project) => {
        this.timers.sync(project);
        this.tagChanges.sync(project);
        void this.sessions.projectChanged(project.name);
      },
      moduleReloaded: (project, id) => {
        if (project.handlerModule('gateway/startup') === id) void this.events.fire(project, 'gateway/startup');
      },
    });
    this.sessions = new SessionManager({
      project: (name) => sessionProject(this.stoppingProjects.get(name) ?? this.projects.get(name)),
      invoke: (project, module, argsJson, timeoutMs, live) => this.supervisor.invoke(project, module, argsJson, timeoutMs, false, live),
      tags: this.tags,
      forms: this.forms,
      logger: this.logs.logger('sessions'),
    });
    this.messaging = new GatewayMessaging({
      sessions: this.sessions,
      projects: this.projects,
      supervisor: this.supervisor,
      logger: gatewayLogger,
      gatewayName: this.config.name,
    });
    this.users = new UserSource({ dataDir: this.config.dataDir, logger: this.logs.logger('users') });
    this.logins = new Logins(this.users, { ttlMs: this.config.loginTtlMs, logger: this.logs.logger('users') });
    this.loginApi = new LoginFacade(this.logins);
    this.sessionAuth = {
      verify: (token) => this.logins.verify(token),
      login: async (userName, password, address) => (await this.logins.login(userName, password, address)).user,
    };
    this.users.onUserRemoved((userName) => void this.sessions.endUser(userName, 'the user was removed'));
    this.users.onUserChanged(({ user }) => this.sessions.userChanged(user.userName, user.roles));
    this.bus = new Bus({
      project: (name) => {
        const project = this.projects.get(name);
        return project && { running: project.isRunning && project.config !== undefined, bus: project.config?.bus ?? DEFAULT_BUS };
      },
      verifyToken: (token) => this.logins.verify(token),
      session: (id) => this.sessions.get(id),
    });
    // The one place the system.* services meet the gateway's parts.
    this.dispatcher = new Dispatcher(
      composeServices({
        logs: this.logs,
        messaging: this.messaging,
        sessions: this.sessions,
        tags: this.tagSystem,
        defaultProvider: (project) => this.projects.get(project)?.config?.defaultTagProvider ?? 'default',
        queries: this.queries(),
        bus: this.bus,
      }),
      gatewayLogger,
    );
  }

  /** Named and prepared queries for system.db, on this gateway's projects and connections. */
  private queries(): Queries {
    return new Queries({
      project: (name) => {
        const project = this.projects.get(name);
        if (!project?.isRunning || !project.config) return undefined;
        return { databases: project.config.databases, namedQuery: (path) => project.namedQuery(path) };
      },
      connection: (name) => this.databases.get(name),
    });
  }

  static async start(config: GatewayConfig): Promise<Gateway> {
    const gateway = new Gateway(config);
    mkdirSync(gateway.config.dataDir, { recursive: true });
    mkdirSync(gateway.config.projectsDir, { recursive: true });
    gateway.users.watch();
    try {
      await gateway.startTags();
    } catch (error) {
      // Nothing else runs yet: what started is stopped, so a caller that reports the error leaves nothing behind.
      gateway.logins.close();
      gateway.users.close();
      await gateway.tagDefinitions?.close();
      await gateway.tagSystem.close().catch(() => undefined);
      gateway.forms.close();
      await gateway.supervisor.stop();
      throw error;
    }
    await gateway.editor.removeStaleTemporaryFiles();
    await gateway.projects.start(gateway.config.watch);
    gateway.logs
      .logger('gateway')
      .info(`gateway "${gateway.config.name}" started with ${gateway.projects.list().length} projects from ${gateway.config.projectsDir}`);
    return gateway;
  }

  /** A client socket of the session protocol; the caller feeds it frames and tells it when the socket closed. */
  connectSession(socket: Socket, origin: { host: string; userAgent: string }): Connection {
    return new Connection(socket, this.sessions, this.sessionAuth, origin);
  }

  async stop(): Promise<void> {
    this.bus.close();
    await this.sessions.stop();
    this.timers.stopAll();
    this.tagChanges.stopAll();
    await this.projects.stop();
    await this.supervisor.stop();
    await this.databases.close();
    this.logins.close();
    this.users.close();
    await this.tagDefinitions?.close();
    await this.tagSystem.close();
    this.forms.close();
  }

  /** Values from the store, then the definitions (so a tag starts with its stored value), before any script runs. */
  private async startTags(): Promise<void> {
    mkdirSync(this.config.tagsDir, { recursive: true });
    try {
      await this.tagSystem.load();
    } catch (error) {
      const where = this.config.tagStoreUrl ? 'the PostgreSQL tag store' : join(this.config.dataDir, 'tags.sqlite');
      throw new FlintError('DATA_FILE_INVALID', `tag values could not be loaded from ${where}: ${(error as Error).message}`);
    }
    this.tagDefinitions = new DefinitionsSource(this.config.tagsDir, this.logs.logger('tags'), (name, defs) =>
      this.tagSystem.setProvider(name, defs),
    );
    await this.tagDefinitions.start(this.config.watch);
  }

  /** The tag providers and the problems of their definitions files (for status). */
  tagStatus() {
    return { providers: this.tagSystem.providerNames(), diagnostics: this.tagDefinitions?.diagnostics() ?? [] };
  }

  /** system.util.sendRequest from outside a script (admin API, CLI): the handler's value, or a FlintError. */
  async request(project: string, handler: string, payload: unknown = {}, timeoutSec = 60): Promise<unknown> {
    const outcome = parseOutcome(await this.messaging.request(project, handler, JSON.stringify(payload), undefined, timeoutSec));
    if (!outcome.ok) throw FlintError.from(outcome.error);
    return outcome.value;
  }

  /** system.util.sendMessage from outside a script. */
  message(project: string, handler: string, payload: unknown = {}, scope?: string): string[] {
    return this.messaging.send(project, handler, JSON.stringify(payload), { scope });
  }

  project(name: string): Project | undefined {
    return this.projects.get(name);
  }

  status() {
    return { name: this.config.name, projects: this.projects.list().map((p) => this.projectStatus(p)), tags: this.tagStatus() };
  }

  /** A project's status, with the sandbox process that hosts it. */
  projectStatus(project: Project) {
    return { ...project.status(), sandbox: this.supervisor.processOf(project.name) };
  }
}

/** Where tag values persist: SQLite under the data folder, or PostgreSQL when a URL is configured. */
function tagStore(config: { dataDir: string; tagStoreUrl?: string }): TagValueStore {
  if (!config.tagStoreUrl) return new SqliteTagStore(join(config.dataDir, 'tags.sqlite'));
  if (!/^postgres(ql)?:\/\//.test(config.tagStoreUrl))
    throw new FlintError('BAD_REQUEST', `the tag store must be a postgresql:// URL; received ${JSON.stringify(config.tagStoreUrl)}`);
  return new PostgresTagStore({ connectionString: config.tagStoreUrl, schema: 'flint' });
}

/** What the sessions see of a project. */
function sessionProject(project: Project | undefined): SessionProject | undefined {
  if (!project) return undefined;
  const config = project.config;
  return {
    isRunning: project.isRunning,
    handlerModule: (event, name) => project.handlerModule(event, name),
    view: (viewPath) => (project.isRunning ? (project.settingsOf(`views/${viewPath}/view`) as ViewDecl | undefined) : undefined),
    timeoutMs: config?.limits.timeoutMs ?? 5000,
    sessionTimeoutMs: config?.sessionTimeoutMs ?? 60_000,
    allowAnonymous: config?.allowAnonymous ?? true,
    defaultTagProvider: config?.defaultTagProvider ?? 'default',
    maxPushPayloadBytes: config?.limits.maxPushPayloadBytes ?? DEFAULT_LIMITS.maxPushPayloadBytes,
    keyRules: () =>
      project.isRunning
        ? project.handlerNames('session/keystroke').flatMap((name) => {
            const settings = keystrokeSettings(project.settingsOf(`session-events/keystroke/${name}`));
            return settings ? [{ name, ...settings }] : [];
          })
        : [],
    pushScripts: (topic) =>
      project.isRunning
        ? project.handlerNames('session/push').filter((name) => {
            const settings = pushSettings(project.settingsOf(`session-events/push/${name}`));
            return settings?.enabled === true && settings.topic === topic;
          })
        : [],
  };
}
