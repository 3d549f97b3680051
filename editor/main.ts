/**
 * The Flint web editor (issue 13): a tree of the gateway's projects and their files by kind, Monaco with a model per
 * project file (`file:///<project>/<path>`, so imports from lib/ resolve), the generated system.d.ts given to the
 * TypeScript worker, and save (Ctrl+S) through the editor API, whose answer carries the gateway's own diagnostics,
 * shown as markers. Frameworkless; bundled with Monaco by client/editor-build.ts.
 */
import 'flint:monaco';
import * as monaco from 'monaco-editor/editor/editor.api';
import { ModuleKind, ModuleResolutionKind, ScriptTarget, typescriptDefaults } from 'monaco-editor/languages/features/typescript/register';
import type { EditorProject, EditorTemplate } from '../engine/editor/editor-wire.ts';
import { ApiError, call, fileUrl, setCsrf, type Diagnostic } from './api.ts';
import { LiveConnection, type FileChange } from './live.ts';
import { mountNewProject } from './new-project.ts';
import { mountPanels, setTabBadge } from './panels.ts';
import { SettingsForm, type JsonSchema } from './settings-form.ts';
import { mountTestPanel, testPanelFollow } from './test-panel.ts';

/** What the editor knows of an open file: the version it last read or wrote, to detect a change on disk. */
interface OpenFile {
  project: string;
  path: string;
  version: string | null;
  saved: string;
}

self.MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    const name = label === 'typescript' || label === 'javascript' ? 'ts.worker' : label === 'json' ? 'json.worker' : 'editor.worker';
    return new Worker(`/editor/${name}.js`);
  },
};

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
let templates: EditorTemplate<JsonSchema>[] = [];
let projects: EditorProject[] = [];
const files = new Map<string, OpenFile>();
let current: OpenFile | undefined;
let editor: monaco.editor.IStandaloneCodeEditor | undefined;
let settingsForm: SettingsForm | undefined;

/** The schema of a handler's sidecar (the tree's group of a settings file is its event), for the settings form. */
function sidecarSchemaOf(project: string, path: string): JsonSchema | undefined {
  if (!path.endsWith('.json')) return undefined;
  const group = projects.find((p) => p.name === project)?.files.find((f) => f.path === path)?.group;
  return templates.find((t) => t.kind === group)?.sidecarSchema;
}

// ---- status, markers, problems ---------------------------------------------------------------

function setStatus(state: string, text: string): void {
  const status = $('#status');
  status.dataset.state = state;
  status.textContent = text;
}

const uriOf = (project: string, path: string) => monaco.Uri.from({ scheme: 'file', path: `/${project}/${path}` });

function languageOf(path: string): string {
  if (/\.(ts|mts)$/.test(path)) return 'typescript';
  if (/\.(js|mjs)$/.test(path)) return 'javascript';
  if (path.endsWith('.json')) return 'json';
  return path.endsWith('.sql') ? 'sql' : 'plaintext';
}

/** The gateway's diagnostics of a file as Monaco markers of owner "flint", and in the problems list. */
function showDiagnostics(file: OpenFile, diagnostics: Diagnostic[]): void {
  const model = monaco.editor.getModel(uriOf(file.project, file.path));
  if (model)
    monaco.editor.setModelMarkers(
      model,
      'flint',
      diagnostics.map((d) => {
        const line = Math.min(Math.max(d.line, 1), model.getLineCount());
        return {
          severity: d.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
          message: d.message,
          startLineNumber: line,
          startColumn: Math.max(d.column, 1),
          endLineNumber: line,
          endColumn: Math.max(model.getLineMaxColumn(line), d.column + 1),
          source: 'gateway',
        };
      }),
    );
  const list = $('#problems');
  list.replaceChildren(
    ...diagnostics.map((d) => {
      const item = document.createElement('li');
      item.dataset.severity = d.severity;
      item.textContent = `${d.file}:${d.line}:${d.column} ${d.message}`;
      return item;
    }),
  );
  setTabBadge('problems', diagnostics.length);
}

// ---- the tree --------------------------------------------------------------------------------

function groupLabel(group: string): string {
  const template = templates.find((t) => t.kind === group);
  if (template) return template.pattern.replace(/\/?<name>\.ts$/, '/').replace(/\.ts$/, '');
  return { project: 'project.json', lib: 'lib/', views: 'views/', 'named-queries': 'named-queries/' }[group] ?? group;
}

async function refreshTree(): Promise<void> {
  projects = (await call<{ projects: EditorProject[] }>('GET', '/api/editor/projects')).projects;
  const tree = $('#tree');
  tree.replaceChildren(
    ...projects.map((project) => {
      const details = document.createElement('details');
      details.open = true;
      details.dataset.project = project.name;
      const summary = document.createElement('summary');
      summary.textContent = `${project.name} (${project.status})`;
      details.append(summary);
      const groups = new Map<string, string[]>();
      for (const file of project.files) groups.set(file.group, [...(groups.get(file.group) ?? []), file.path]);
      for (const [group, paths] of groups) {
        const heading = document.createElement('h4');
        heading.textContent = groupLabel(group);
        const list = document.createElement('ul');
        const folder = groupLabel(group).split('<')[0];
        for (const path of paths) {
          const link = document.createElement('a');
          link.textContent = folder.endsWith('/') && path.startsWith(folder) ? path.slice(folder.length) : path;
          link.title = path;
          link.dataset.path = path;
          link.dataset.project = project.name;
          if (project.files.find((f) => f.path === path)?.failing) link.classList.add('failing');
          if (current?.project === project.name && current.path === path) link.setAttribute('aria-current', 'true');
          link.addEventListener('click', () => void openFile(project.name, path));
          const item = document.createElement('li');
          item.append(link);
          list.append(item);
        }
        details.append(heading, list);
      }
      return details;
    }),
  );
}

// ---- files -----------------------------------------------------------------------------------

/** A project's lib/ modules become models too, so that imports from them resolve and complete. */
async function loadLibModels(project: string): Promise<void> {
  const info = projects.find((p) => p.name === project);
  for (const file of info?.files.filter((f) => f.group === 'lib') ?? []) {
    if (monaco.editor.getModel(uriOf(project, file.path))) continue;
    const read = await call<{ content: string; version: string }>('GET', fileUrl(project, file.path));
    if (!monaco.editor.getModel(uriOf(project, file.path))) {
      monaco.editor.createModel(read.content, languageOf(file.path), uriOf(project, file.path));
      files.set(uriOf(project, file.path).toString(), { project, path: file.path, version: read.version, saved: read.content });
    }
  }
}

async function openFile(project: string, path: string): Promise<void> {
  const uri = uriOf(project, path);
  let model = monaco.editor.getModel(uri);
  let file = files.get(uri.toString());
  if (!model || !file) {
    const read = await call<{ content: string; version: string; diagnostics: Diagnostic[] }>('GET', fileUrl(project, path));
    model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(read.content, languageOf(path), uri);
    file = { project, path, version: read.version, saved: read.content };
    files.set(uri.toString(), file);
    showDiagnostics(file, read.diagnostics);
  }
  current = file;
  editor!.setModel(model);
  settingsForm?.show(model, sidecarSchemaOf(project, path));
  $('#file').textContent = `projects/${project}/${path}`;
  for (const id of ['#save', '#rename', '#delete']) $<HTMLButtonElement>(id).disabled = false;
  $('#conflict').hidden = true;
  setStatus(model.getValue() === file.saved ? 'open' : 'dirty', model.getValue() === file.saved ? 'opened' : 'unsaved changes');
  for (const link of document.querySelectorAll<HTMLElement>('#tree a'))
    link.setAttribute('aria-current', String(link.dataset.project === project && link.dataset.path === path));
  void loadLibModels(project);
  void testPanelFollow(project, path);
}

async function save(force = false): Promise<void> {
  const file = current;
  const model = editor?.getModel();
  if (!file || !model) return;
  const content = model.getValue();
  setStatus('saving', 'saving…');
  try {
    const saved = await call<{ version: string; diagnostics: Diagnostic[] }>('POST', '/api/editor/save', {
      project: file.project,
      path: file.path,
      content,
      version: file.version,
      force,
    });
    file.version = saved.version;
    file.saved = content;
    $('#conflict').hidden = true;
    showDiagnostics(file, saved.diagnostics);
    const errors = saved.diagnostics.filter((d) => d.severity === 'error').length;
    if (errors > 0) setStatus('problems', `saved; ${errors} problem(s): the last good version keeps running`);
    else setStatus('saved', 'saved and loaded');
    await refreshTree();
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      setStatus('conflict', 'not saved: the file changed on disk');
      $('#conflict-message').textContent = error.message;
      $('#conflict').hidden = false;
    } else if (error instanceof ApiError && error.status === 401) showLogin('Your editor session ended; log in again.');
    else setStatus('error', `not saved: ${(error as Error).message}`);
  }
}

async function reloadFromDisk(): Promise<void> {
  const file = current;
  const model = editor?.getModel();
  if (!file || !model) return;
  const read = await call<{ content: string; version: string; diagnostics: Diagnostic[] }>('GET', fileUrl(file.project, file.path));
  file.version = read.version;
  file.saved = read.content;
  model.setValue(read.content);
  showDiagnostics(file, read.diagnostics);
  $('#conflict').hidden = true;
  setStatus('open', 'reloaded from disk');
}

function closeFile(file: OpenFile): void {
  const uri = uriOf(file.project, file.path);
  monaco.editor.getModel(uri)?.dispose();
  files.delete(uri.toString());
  if (current === file) {
    current = undefined;
    editor?.setModel(null);
    settingsForm?.hide();
    $('#file').textContent = '';
    for (const id of ['#save', '#rename', '#delete']) $<HTMLButtonElement>(id).disabled = true;
  }
}

async function renameCurrent(): Promise<void> {
  const file = current;
  if (!file) return;
  const to = prompt(`New path of projects/${file.project}/${file.path}`, file.path);
  if (!to || to === file.path) return;
  try {
    const renamed = await call<{ path: string }>('POST', '/api/editor/rename', {
      project: file.project,
      from: file.path,
      to,
      version: file.version,
    });
    closeFile(file);
    await refreshTree();
    await openFile(file.project, renamed.path);
  } catch (error) {
    setStatus('error', `not renamed: ${(error as Error).message}`);
  }
}

async function deleteCurrent(): Promise<void> {
  const file = current;
  if (!file || !confirm(`Delete projects/${file.project}/${file.path}?`)) return;
  try {
    await call('POST', '/api/editor/delete', { project: file.project, path: file.path, version: file.version });
    closeFile(file);
    setStatus('idle', 'deleted');
    await refreshTree();
  } catch (error) {
    setStatus('error', `not deleted: ${(error as Error).message}`);
  }
}

// ---- following changes on disk (the live connection) ------------------------------------------

/**
 * A file changed on disk (a `git pull`, another tab, an external editor): an open editor without unsaved edits takes
 * the new text (as one undoable edit, the cursor kept); one with unsaved edits keeps them and shows the conflict bar,
 * so the user picks reload or overwrite before saving. A file deleted on disk is said so.
 */
async function followDisk(file: OpenFile): Promise<void> {
  const model = monaco.editor.getModel(uriOf(file.project, file.path));
  if (!model) return;
  let read: { content: string; version: string; diagnostics: Diagnostic[] } | undefined;
  try {
    read = await call('GET', fileUrl(file.project, file.path));
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) return;
  }
  if (read?.version === file.version) {
    if (read) showDiagnostics(file, read.diagnostics);
    return;
  }
  const clean = model.getValue() === file.saved;
  if (read && clean) {
    file.version = read.version;
    file.saved = read.content;
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text: read.content }], () => null);
    showDiagnostics(file, read.diagnostics);
    if (file === current) setStatus('open', 'reloaded: the file changed on disk');
  } else if (file === current) {
    const message = read
      ? `projects/${file.project}/${file.path} changed on disk while you were editing it: reload it (your edits are dropped), or overwrite it with yours`
      : `projects/${file.project}/${file.path} was deleted on disk: overwrite to write your version back`;
    setStatus('conflict', read ? 'changed on disk' : 'deleted on disk');
    $('#conflict-message').textContent = message;
    $('#conflict').hidden = false;
  }
}

let treeRefresh: number | undefined;
function filesChanged(changes: FileChange[]): void {
  for (const change of changes) {
    const file = files.get(uriOf(change.project, change.path).toString());
    if (file) void followDisk(file);
  }
  window.clearTimeout(treeRefresh);
  treeRefresh = window.setTimeout(() => void refreshTree().then(() => live.refreshProjects()), 200);
}

async function openAt(project: string, path: string, line: number): Promise<void> {
  await openFile(project, path);
  editor?.revealLineInCenter(line);
  editor?.setPosition({ lineNumber: line, column: 1 });
  editor?.focus();
}

const live = new LiveConnection({
  filesChanged,
  reconnected: () => {
    for (const file of files.values()) void followDisk(file);
    void refreshTree().then(() => live.refreshProjects());
  },
  loginEnded: () => showLogin('Your editor session ended; log in again.'),
  openAt: (project, path, line) => void openAt(project, path, line),
  projectNames: () => projects.map((p) => p.name),
});

// ---- new files from the catalogue's templates ------------------------------------------------

function showNewForm(): void {
  const form = $<HTMLFormElement>('#new-form');
  const projectSelect = form.elements.namedItem('project') as HTMLSelectElement;
  projectSelect.replaceChildren(...projects.map((p) => new Option(p.name, p.name, false, p.name === current?.project)));
  const kindSelect = form.elements.namedItem('kind') as HTMLSelectElement;
  if (kindSelect.options.length === 0) kindSelect.append(...templates.map((t) => new Option(t.pattern, t.kind)));
  updateNewForm();
  form.hidden = false;
}

function updateNewForm(): void {
  const form = $<HTMLFormElement>('#new-form');
  const template = templates.find((t) => t.kind === (form.elements.namedItem('kind') as HTMLSelectElement).value);
  form.querySelector<HTMLElement>('[data-for=name]')!.hidden = !template?.needsName;
  form.querySelector<HTMLElement>('[data-for=view]')!.hidden = !template?.needsView;
  $('#new-pattern').textContent = template?.doc ?? '';
}

async function createFile(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = $<HTMLFormElement>('#new-form');
  const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
  const template = templates.find((t) => t.kind === value('kind'));
  try {
    const created = await call<{ path: string }>('POST', '/api/editor/create', {
      project: value('project'),
      kind: value('kind'),
      ...(template?.needsName ? { name: value('name') } : {}),
      ...(template?.needsView ? { view: value('view') } : {}),
    });
    form.hidden = true;
    await refreshTree();
    await openFile(value('project'), created.path);
    setStatus('saved', 'created from the template');
  } catch (error) {
    setStatus('error', `not created: ${(error as Error).message}`);
  }
}

// ---- login and start -------------------------------------------------------------------------

function showLogin(message = ''): void {
  live.stop();
  $('#app').hidden = true;
  $('#login-section').hidden = false;
  $('#login-error').textContent = message;
}

async function login(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = $<HTMLFormElement>('#login');
  const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
  const body = value('token') ? { token: value('token') } : { userName: value('userName'), password: value('password') };
  try {
    const session = await call<{ csrf: string; user: { userName: string } }>('POST', '/api/editor/login', body);
    form.reset();
    await start(session);
  } catch (error) {
    $('#login-error').textContent = (error as Error).message;
  }
}

async function start(session: { csrf: string; user: { userName: string } }): Promise<void> {
  setCsrf(session.csrf);
  $('#who').textContent = session.user.userName;
  $('#login-section').hidden = true;
  $('#app').hidden = false;
  if (!editor) {
    const [types, list] = await Promise.all([
      call<{ dts: string }>('GET', '/api/editor/types'),
      call<{ templates: EditorTemplate<JsonSchema>[] }>('GET', '/api/editor/templates'),
    ]);
    templates = list.templates;
    typescriptDefaults.setCompilerOptions({
      target: ScriptTarget.ESNext,
      module: ModuleKind.ESNext,
      moduleResolution: ModuleResolutionKind.NodeJs,
      lib: ['es2022'],
      strict: true,
      noEmit: true,
      allowNonTsExtensions: true,
    });
    typescriptDefaults.setEagerModelSync(true);
    typescriptDefaults.addExtraLib(types.dts, 'file:///flint/system.d.ts');
    mountTestPanel(() => projects.map((p) => p.name));
    editor = monaco.editor.create($('#editor'), { automaticLayout: true, minimap: { enabled: false }, fontSize: 13, model: null });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => void save());
    settingsForm = new SettingsForm($('#editor'), { save: () => void save() });
    editor.onDidChangeModelContent(() => {
      const model = editor?.getModel();
      if (current && model && $('#status').dataset.state !== 'conflict')
        setStatus(
          model.getValue() === current.saved ? 'open' : 'dirty',
          model.getValue() === current.saved ? 'no changes' : 'unsaved changes',
        );
    });
  }
  await refreshTree();
  live.start();
  const first = new URLSearchParams(location.search);
  const project = first.get('project');
  const path = first.get('path');
  if (project && path) await openFile(project, path);
}

mountPanels();
mountNewProject({
  async created(name) {
    await refreshTree();
    await openFile(name, 'project.json');
  },
  status: setStatus,
});
$('#login').addEventListener('submit', (e) => void login(e));
$('#save').addEventListener('click', () => void save());
$('#overwrite').addEventListener('click', () => void save(true));
$('#reload').addEventListener('click', () => void reloadFromDisk());
$('#rename').addEventListener('click', () => void renameCurrent());
$('#delete').addEventListener('click', () => void deleteCurrent());
$('#new').addEventListener('click', showNewForm);
$('#new-cancel').addEventListener('click', () => ($('#new-form').hidden = true));
$('#new-form').addEventListener('submit', (e) => void createFile(e));
$('#new-form').addEventListener('change', updateNewForm);
$('#logout').addEventListener('click', () => {
  void call('POST', '/api/editor/logout').finally(() => {
    for (const file of [...files.values()]) closeFile(file);
    showLogin('Logged out.');
  });
});
window.addEventListener('beforeunload', (event) => {
  for (const file of files.values())
    if (monaco.editor.getModel(uriOf(file.project, file.path))?.getValue() !== file.saved) event.preventDefault();
});

call<{ csrf: string; user: { userName: string } }>('GET', '/api/editor/session').then(
  (session) => start(session),
  () => showLogin(),
);
