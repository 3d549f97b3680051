/**
 * The test panel (issue 13 item 6): a request or message to a gateway message handler (POST /api/editor/run), or any
 * Session Event fired into this login's simulated session of a project (POST /api/editor/fire), with an editable JSON
 * payload prefilled from the catalogue's sample; it shows the answer or the error at file:line:column, the log records
 * the project produced meanwhile, the frames the session's client got, what else ran, and the time it took.
 */
import type { FireableEvent } from '../engine/editor/editor-wire.ts';
import { call } from './api.ts';

interface LogRecord {
  level: string;
  logger: string;
  message: string;
}
interface ErrorData {
  code: string;
  message: string;
  location?: { file: string; line: number; column: number };
}
/** The answer of /run and /fire: `frames`, `ran` and `session` only from /fire. */
interface RunAnswer {
  ok: boolean;
  value?: unknown;
  error?: ErrorData;
  ms: number;
  logs: LogRecord[];
  frames?: unknown[];
  framesDropped?: number;
  ran?: { event: string; name: string | null; ok: boolean; error?: ErrorData }[];
  settled?: boolean;
  session?: { id: string; ended: boolean; custom: Record<string, unknown> };
}

/** The panel's targets besides Session Events: the two ways system.util reaches a gateway message handler. */
const REQUEST = 'gateway:request';
const MESSAGE = 'gateway:message';
const GATEWAY_SAMPLE = { message: 'Hello' };

let events: FireableEvent[] = [];
let gatewayPattern = 'gateway-events/message/<name>.ts';
let projectsOf: () => string[] = () => [];
let loaded: Promise<void> | undefined;
/** What the user typed per target, so switching back and forth keeps it. */
const typed = new Map<string, string>();

/** An element with these properties (textContent, className, value...) and children. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string)[]) {
  const node: HTMLElementTagNameMap[K] = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

const panel = () => document.querySelector<HTMLElement>('#panels [data-panel="test"]')!;
const field = <T extends HTMLElement>(name: string) => panel().querySelector<T>(`[name="${name}"]`)!;
const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** Builds the panel in its `<section data-panel="test">`; `projects` lists the projects of the tree. */
export function mountTestPanel(projects: () => string[]): void {
  projectsOf = projects;
  const project = el('select', { name: 'project', title: 'Project' });
  const target = el('select', { name: 'target', title: 'What to send' });
  const name = el('input', { name: 'name', placeholder: 'handler name', size: 14 });
  const view = el('input', { name: 'view', placeholder: 'view path', size: 14 });
  const user = el('input', { name: 'user', placeholder: 'run as: me, anonymous or name:role,role', size: 22 });
  const run = el('button', { type: 'button', name: 'run', title: 'Ctrl+Enter', textContent: 'Run' });
  const reset = el('button', {
    type: 'button',
    name: 'reset',
    textContent: 'New session',
    title: 'End the simulated session (its Shutdown runs)',
  });
  const payload = el('textarea', { name: 'payload', spellcheck: false, rows: 8 });
  payload.setAttribute('aria-label', 'Payload (JSON)');
  const doc = el('p', { className: 'test-doc' });
  const result = el('div', { className: 'test-result', role: 'status' });
  result.setAttribute('aria-live', 'polite');
  panel().replaceChildren(
    el('div', { className: 'test-bar' }, project, target, name, view, user, run, reset),
    el('div', { className: 'test-body' }, el('div', { className: 'test-input' }, doc, payload), result),
  );
  project.addEventListener('focus', fillProjects);
  target.addEventListener('change', () => selectTarget(target.value));
  payload.addEventListener('input', () => typed.set(target.value, payload.value));
  panel().addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void runTest();
    }
  });
  run.addEventListener('click', () => void runTest());
  reset.addEventListener('click', () => void resetSession());
  void load();
}

/** The events and the gateway message handler's file pattern, once; then the target list. */
function load(): Promise<void> {
  loaded ??= (async () => {
    const [list, templates] = await Promise.all([
      call<{ events: FireableEvent[] }>('GET', '/api/editor/events'),
      call<{ templates: { kind: string; pattern: string }[] }>('GET', '/api/editor/templates'),
    ]);
    events = list.events;
    gatewayPattern = templates.templates.find((t) => t.kind === 'gateway/message')?.pattern ?? gatewayPattern;
    const target = field<HTMLSelectElement>('target');
    target.replaceChildren(
      el('option', { value: REQUEST, textContent: 'Request to a gateway message handler (sendRequest)' }),
      el('option', { value: MESSAGE, textContent: 'Message to a gateway message handler (sendMessage)' }),
      ...events.map((e) => el('option', { value: e.event, textContent: `Session Event: ${e.event}` })),
    );
    fillProjects();
    selectTarget(REQUEST);
  })().catch((error: unknown) => {
    loaded = undefined;
    showError(`the test panel could not load its events: ${(error as Error).message}`);
  });
  return loaded;
}

function fillProjects(): void {
  const select = field<HTMLSelectElement>('project');
  const chosen = select.value;
  const names = projectsOf();
  if ([...select.options].map((o) => o.value).join('\n') === names.join('\n')) return;
  select.replaceChildren(...names.map((n) => new Option(n, n, false, n === chosen)));
}

function selectTarget(value: string): void {
  const target = field<HTMLSelectElement>('target');
  target.value = value;
  const event = events.find((e) => e.event === value);
  const gateway = value === REQUEST || value === MESSAGE;
  field<HTMLInputElement>('name').hidden = !(gateway || event?.needsName);
  field<HTMLInputElement>('view').hidden = !event?.needsView;
  field<HTMLInputElement>('user').hidden = gateway;
  field<HTMLButtonElement>('reset').hidden = gateway;
  panel().querySelector('.test-doc')!.textContent = gateway
    ? `The payload of system.util.${value === REQUEST ? 'sendRequest' : 'sendMessage'} to ${gatewayPattern}`
    : `${event?.doc ?? ''} (${event?.pattern ?? ''})`;
  field<HTMLTextAreaElement>('payload').value = typed.get(value) ?? pretty(gateway ? GATEWAY_SAMPLE : (event?.sample ?? {}));
}

/**
 * Preselects the handler of a file the editor opened: a gateway message handler as a request, a Session Event or a
 * view's script as that event, with its name and view filled in. Other files leave the panel as it is.
 */
export async function testPanelFollow(project: string, path: string): Promise<void> {
  await load();
  fillProjects();
  const match = (pattern: string) => {
    const source = pattern
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace('<view path>', '(?<view>.+)')
      .replace('<name>', '(?<name>[^/]+)')
      .replace(/\\\.ts$/, '\\.(?:ts|json)');
    const found = new RegExp(`^${source}$`).exec(path);
    return found ? (found.groups ?? {}) : undefined;
  };
  let target: string | undefined;
  let groups = match(gatewayPattern);
  if (groups) target = REQUEST;
  else
    for (const event of events) {
      groups = match(event.pattern);
      if (groups) {
        target = event.event;
        break;
      }
    }
  if (!target || !groups) return;
  field<HTMLSelectElement>('project').value = project;
  selectTarget(target);
  if (groups.name !== undefined) field<HTMLInputElement>('name').value = groups.name;
  if (groups.view !== undefined) field<HTMLInputElement>('view').value = groups.view;
}

/** `name:role,role` → a user; `anonymous` → no user; empty → undefined (the editor's own user). */
function userOf(text: string): { userName: string | null; roles: string[] } | undefined {
  const trimmed = text.trim();
  if (!trimmed || trimmed === 'me') return undefined;
  if (trimmed === 'anonymous') return { userName: null, roles: [] };
  const [userName, roles = ''] = trimmed.split(':');
  return {
    userName: userName.trim(),
    roles: roles
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  };
}

async function runTest(): Promise<void> {
  await load();
  const target = field<HTMLSelectElement>('target').value;
  let payload: unknown;
  try {
    payload = JSON.parse(field<HTMLTextAreaElement>('payload').value || '{}');
  } catch (error) {
    return showError(`the payload is not valid JSON: ${(error as Error).message}`);
  }
  const project = field<HTMLSelectElement>('project').value;
  const name = field<HTMLInputElement>('name').value.trim();
  const view = field<HTMLInputElement>('view').value.trim();
  const event = events.find((e) => e.event === target);
  const result = panel().querySelector<HTMLElement>('.test-result')!;
  result.dataset.state = 'running';
  result.replaceChildren(el('p', { textContent: 'running…' }));
  try {
    const answer =
      target === REQUEST || target === MESSAGE
        ? await call<RunAnswer>('POST', '/api/editor/run', {
            project,
            handler: name,
            payload,
            mode: target === REQUEST ? 'request' : 'message',
          })
        : await call<RunAnswer>('POST', '/api/editor/fire', {
            project,
            event: target,
            ...(event?.needsName ? { name } : {}),
            ...(event?.needsView ? { view } : {}),
            payload,
            ...(userOf(field<HTMLInputElement>('user').value) ? { user: userOf(field<HTMLInputElement>('user').value) } : {}),
          });
    showAnswer(answer);
  } catch (error) {
    showError((error as Error).message);
  }
}

async function resetSession(): Promise<void> {
  try {
    const { ended } = await call<{ ended: boolean }>('POST', '/api/editor/fire/reset', {
      project: field<HTMLSelectElement>('project').value,
    });
    const result = panel().querySelector<HTMLElement>('.test-result')!;
    result.dataset.state = 'idle';
    result.replaceChildren(
      el('p', { textContent: ended ? 'The simulated session ended; the next event opens a new one.' : 'No simulated session was open.' }),
    );
  } catch (error) {
    showError((error as Error).message);
  }
}

function showError(message: string): void {
  const result = panel().querySelector<HTMLElement>('.test-result')!;
  result.dataset.state = 'refused';
  result.replaceChildren(el('p', { className: 'test-error', textContent: `Refused: ${message}` }));
}

const where = (error: ErrorData) => (error.location ? `${error.location.file}:${error.location.line}:${error.location.column} ` : '');

function showAnswer(answer: RunAnswer): void {
  const result = panel().querySelector<HTMLElement>('.test-result')!;
  result.dataset.state = answer.ok ? 'ok' : 'failed';
  const heading = el('p', {
    className: answer.ok ? 'test-ok' : 'test-error',
    textContent: answer.ok
      ? `OK in ${answer.ms} ms`
      : `Failed in ${answer.ms} ms: ${answer.error!.code} ${where(answer.error!)}${answer.error!.message}`,
  });
  const section = (title: string, body: Node) => el('details', { open: true }, el('summary', { textContent: title }), body);
  const parts: Node[] = [heading];
  if (answer.settled === false)
    parts.push(el('p', { className: 'test-error', textContent: 'Handlers it set off were still running when the panel stopped waiting.' }));
  if (answer.ok) parts.push(section('Value', el('pre', { className: 'test-value', textContent: pretty(answer.value ?? null) })));
  parts.push(
    section(
      `Logs (${answer.logs.length})`,
      el('ul', { className: 'test-logs' }, ...answer.logs.map((r) => el('li', { textContent: `${r.level} ${r.logger}: ${r.message}` }))),
    ),
  );
  if (answer.frames) {
    const dropped = answer.framesDropped ? ` (${answer.framesDropped} more not kept)` : '';
    parts.push(
      section(
        `Frames sent to the session (${answer.frames.length})${dropped}`,
        el('ul', { className: 'test-frames' }, ...answer.frames.map((f) => el('li', { textContent: JSON.stringify(f) }))),
      ),
    );
  }
  if (answer.ran)
    parts.push(
      section(
        `Handlers that ran (${answer.ran.length})`,
        el(
          'ul',
          { className: 'test-ran' },
          ...answer.ran.map((r) =>
            el('li', {
              textContent: `${r.event}${r.name ? ` ${r.name}` : ''}: ${r.ok ? 'ok' : `${r.error?.code} ${r.error ? where(r.error) : ''}${r.error?.message}`}`,
            }),
          ),
        ),
      ),
    );
  if (answer.session)
    parts.push(
      section(
        `Simulated session ${answer.session.id}${answer.session.ended ? ' (ended)' : ''}: session.custom`,
        el('pre', { className: 'test-custom', textContent: pretty(answer.session.custom) }),
      ),
    );
  result.replaceChildren(...parts);
}
