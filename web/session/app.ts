/**
 * The session page (`GET /session/<project>[/<page path>]`): opens a session on the project with the client SDK,
 * shows its props and custom props as the gateway pushes them, opens the page of the URL's path, sends requests to
 * session message handlers, mounts views (also those named by `?view=` in the URL) and shows their components'
 * props live with a button per event script, binds tags (also those named by `?tag=`) and shows their values live,
 * and lists what client-side message handlers and push topics receive. Text only ever
 * goes in through textContent.
 */
import {
  connect,
  FlintClientError,
  IndexedDbFormStorage,
  type BusMessage,
  type FlintSession,
  type FormResponse,
  type FormSubmissionManager,
  type GatewayFrame,
  type MountedView,
  type TagValue,
} from '../../client/index.ts';

const element = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const form = (id: string) => element<HTMLFormElement>(id);
const field = (f: HTMLFormElement, name: string) => f.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement;

const SHOWN_PROPS = ['id', 'userName', 'roles', 'host', 'userAgent'];

const [project, pagePath] = fromLocation(location.pathname);
const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/session`;
let session: FlintSession | undefined;
let connecting = false;
let props: Record<string, unknown> = {};
let pageId: string | undefined;
const listening = new Set<string>();
const topics = new Set<string>();
/** Submissions wait in this browser's IndexedDB until the gateway answers (one store per project). */
const formStorage = new IndexedDbFormStorage(`flint-forms-${project}`);
let forms: FormSubmissionManager | undefined;
/** The authentication challenge the prompt shows, if any. */
let challenge: string | undefined;

function endChallenge(): void {
  challenge = undefined;
  element('challenge-section').hidden = true;
  form('challenge').reset();
}
/** The bound tags' rows, by the path as typed. */
const boundTags = new Map<string, HTMLTableRowElement>();

/** `/session/<project>/<page path>`: the gateway answered this URL, so the project's segment is a valid name. */
function fromLocation(pathname: string): [string, string] {
  const [, , name = '', ...rest] = pathname.split('/');
  return [decodeURIComponent(name), `/${rest.map(decodeURIComponent).join('/')}`];
}

const show = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));
const describe = (error: unknown) => (error instanceof FlintClientError ? `${error.code}: ${error.message}` : String(error));

function status(text: string, state: 'busy' | 'ok' | 'error'): void {
  const line = element('status');
  line.textContent = text;
  line.dataset.state = state;
}

function renderList(id: string, entries: [string, unknown][]): void {
  element(id).replaceChildren(
    ...entries.flatMap(([key, value]) => {
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = key;
      dd.textContent = show(value);
      dd.dataset.key = key;
      return [dt, dd];
    }),
  );
}

/** Creates an element with text content (never HTML) and data attributes. */
function make(tag: string, text = '', data: Record<string, string> = {}): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  Object.assign(node.dataset, data);
  return node;
}

function renderViews(): void {
  const views = [...(session?.views.values() ?? [])];
  element('views').replaceChildren(...views.map(renderView));
}

function renderView(view: MountedView): HTMLElement {
  const article = make('article', '', { instance: view.instanceId });
  const unmount = make('button', 'Unmount') as HTMLButtonElement;
  unmount.type = 'button';
  unmount.addEventListener('click', () => {
    if (session && pageId) session.unmountView(pageId, view.instanceId).then(renderViews, showViewError);
  });
  article.append(make('h3', `${view.viewPath} (${view.instanceId})`), unmount);
  for (const [name, state] of Object.entries(view.components)) {
    const component = make('div', '', { component: name });
    component.className = 'component';
    const list = (group: 'props' | 'custom') => {
      const dl = make('dl', '', { group });
      for (const [key, value] of Object.entries(state[group])) dl.append(make('dt', key), make('dd', show(value), { key }));
      return dl;
    };
    component.append(make('h4', name), list('props'));
    if (Object.keys(state.custom).length > 0) component.append(make('h5', 'custom'), list('custom'));
    for (const event of state.events) {
      const button = make('button', event, { event }) as HTMLButtonElement;
      button.type = 'button';
      button.addEventListener('click', () => {
        if (!session || !pageId) return;
        element('view-error').textContent = '';
        session.componentEvent(pageId, view.instanceId, name, event).catch(showViewError);
      });
      component.append(button);
    }
    article.append(component);
  }
  return article;
}

const showViewError = (error: unknown) => void (element('view-error').textContent = describe(error));

async function mount(viewPath: string): Promise<void> {
  if (!session || !pageId) return showViewError('Not connected to a page.');
  element('view-error').textContent = '';
  await session.mountView(pageId, viewPath).then(renderViews, showViewError);
}

/** Binds a tag and shows it as a row that follows its value; a path bound already is not bound twice. */
async function bindTag(path: string): Promise<void> {
  element('tag-error').textContent = '';
  if (!session) return void (element('tag-error').textContent = 'Not connected.');
  if (boundTags.has(path)) return;
  const row = document.createElement('tr');
  row.dataset.path = path;
  const cells = (['value', 'quality', 'timestamp'] as const).map((name) => make('td', '', { field: name }));
  const unbindButton = make('button', 'Unbind') as HTMLButtonElement;
  unbindButton.type = 'button';
  const actions = document.createElement('td');
  actions.append(unbindButton);
  row.append(make('td', path), ...cells, actions);
  boundTags.set(path, row);
  element('tags').querySelector('tbody')!.append(row);
  const showValue = (value: TagValue) => {
    cells[0].textContent = show(value.value);
    cells[1].textContent = value.quality;
    cells[1].dataset.state = value.quality === 'Good' ? 'ok' : 'error';
    cells[2].textContent = new Date(value.timestamp).toISOString();
  };
  try {
    const unbind = await session.bindTag(path, showValue);
    unbindButton.addEventListener('click', () => {
      unbind();
      row.remove();
      boundTags.delete(path);
    });
  } catch (error) {
    row.remove();
    boundTags.delete(path);
    element('tag-error').textContent = describe(error);
  }
}

function renderSession(): void {
  renderList(
    'props',
    SHOWN_PROPS.map((key) => [key, props[key]]),
  );
  renderList('custom', Object.entries(session?.custom ?? {}));
  element('login-section').hidden = session !== undefined && props.userName !== null;
}

function onProps(frame: GatewayFrame<'props'>): void {
  if (frame.object === 'session' && frame.group === 'props') props = { ...props, [frame.key]: frame.value };
  renderSession();
}

async function open(credentials: { userName?: string; password?: string } = {}): Promise<void> {
  status('Connecting…', 'busy');
  connecting = true;
  try {
    session = await connect({ url, project, ...credentials });
  } catch (error) {
    if (error instanceof FlintClientError && error.code === 'UNAUTHORIZED') {
      element('login-section').hidden = false;
      status(credentials.userName === undefined ? 'This project needs a login.' : describe(error), 'error');
    } else status(`No session: ${describe(error)}`, 'error');
    return;
  } finally {
    connecting = false;
  }
  const current = session;
  props = { ...current.props };
  renderSession();
  status(`Connected: session ${current.sessionId}`, 'ok');
  element<HTMLButtonElement>('logout').disabled = false;
  current.onProps(onProps);
  current.onComponentProps(renderViews);
  current.onEnded((reason) => {
    status(`The session ended: ${reason}. Reload the page for a new one.`, 'error');
    for (const button of document.querySelectorAll('button')) button.disabled = true;
  });
  for (const handler of listening) current.onMessage(handler, (payload) => received(handler, payload));
  for (const topic of topics) current.subscribe(topic, (payload) => pushed(topic, payload));
  current.openBus({ onMessage: notified });
  current.onAuthChallenge((challengeId, timeoutMinutes) => {
    challenge = challengeId;
    element('challenge-timeout').textContent = String(timeoutMinutes);
    element('challenge-error').textContent = '';
    element('challenge-section').hidden = false;
    // A challenge not answered in time ends on the gateway; the prompt goes with it.
    setTimeout(() => challenge === challengeId && endChallenge(), timeoutMinutes * 60_000);
  });
  forms = current.formSubmissions(formStorage);
  forms.onResponse((submissionId, response) => showFormResponse(submissionId, response));
  void forms.resume().then(countPending);
  try {
    const page = await current.openPage(pagePath);
    pageId = page.pageId;
    // Keystroke rules of the project (session-events/keystroke) apply to what is typed anywhere on this page.
    current.attachKeyboard(page.pageId, document);
    current.onKeyError((error, rule) => status(`Keystroke ${rule}: ${describe(error)}`, 'error'));
    renderList('page', [
      ['pageId', page.pageId],
      ['path', page.path],
    ]);
  } catch (error) {
    renderList('page', [['error', describe(error)]]);
    return;
  }
  for (const viewPath of new URLSearchParams(location.search).getAll('view')) await mount(viewPath);
  await Promise.all(new URLSearchParams(location.search).getAll('tag').map(bindTag));
}

function received(handler: string, payload: Record<string, unknown>): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${handler}: ${JSON.stringify(payload)}`;
  item.dataset.handler = handler;
  element('messages').append(item);
}

form('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const userName = field(form('login'), 'userName').value;
  const password = field(form('login'), 'password').value;
  element('login-error').textContent = '';
  if (!session) return void (connecting || open({ userName, password }));
  session.login(userName, password).then(
    (user) => {
      props = { ...props, ...user };
      renderSession();
    },
    (error: unknown) => (element('login-error').textContent = describe(error)),
  );
});

form('bind').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = field(form('bind'), 'path');
  void bindTag(input.value.trim()).then(() => (input.value = ''));
});

form('mount').addEventListener('submit', (event) => {
  event.preventDefault();
  void mount(field(form('mount'), 'viewPath').value.trim());
});

form('request').addEventListener('submit', (event) => {
  event.preventDefault();
  const reply = element('reply');
  const handler = field(form('request'), 'handler').value;
  let payload: unknown;
  try {
    payload = JSON.parse(field(form('request'), 'payload').value || '{}');
  } catch (error) {
    reply.textContent = `The payload is not JSON: ${(error as Error).message}`;
    return;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    reply.textContent = 'The payload must be a JSON object.';
    return;
  }
  if (!session) return void (reply.textContent = 'Not connected.');
  reply.textContent = '…';
  session.request(handler, payload as Record<string, unknown>).then(
    (value) => (reply.textContent = JSON.stringify(value, null, 2) ?? 'undefined'),
    (error: unknown) => (reply.textContent = `Error ${describe(error)}`),
  );
});

async function countPending(): Promise<void> {
  element('forms-pending').textContent = String((await formStorage.load()).length);
}

/** A form's response: its title and message, and each field's error. */
function showFormResponse(submissionId: string, response: FormResponse): void {
  const box = element('form-response');
  box.dataset.state = response.success ? 'ok' : 'error';
  box.dataset.submission = submissionId;
  const errors = Object.entries(response.fieldErrors ?? {}).map(([name, error]) =>
    make('li', `${name}: ${error.title ?? ''} ${error.message ?? ''}`.trim(), { field: name }),
  );
  const list = document.createElement('ul');
  list.append(...errors);
  box.replaceChildren(
    make('strong', response.title ?? (response.success ? 'Submitted' : 'Failed')),
    make('p', response.message ?? ''),
    list,
  );
  void countPending();
}

/** A bus message: a notification shows its title, body and priority; another message its JSON. */
function notified(message: BusMessage, channel: string): void {
  const item = make('li', '', { channel, type: String(message.type) });
  if (message.type === 'notification') {
    item.dataset.priority = String(message.priority);
    item.append(
      make('strong', String(message.title)),
      make('span', ` (priority ${String(message.priority)}) `),
      make('span', String(message.body)),
    );
  } else item.textContent = `${channel}: ${JSON.stringify(message)}`;
  element('notifications').append(item);
}

function pushed(topic: string, payload: unknown): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} push ${topic}: ${JSON.stringify(payload)}`;
  item.dataset.topic = topic;
  element('messages').append(item);
}

function showListening(): void {
  element('listening').textContent = [...listening, ...[...topics].map((topic) => `topic ${topic}`)].join(', ');
}

form('subscribe').addEventListener('submit', (event) => {
  event.preventDefault();
  const topic = field(form('subscribe'), 'topic').value;
  if (!topic || topics.has(topic)) return;
  topics.add(topic);
  session?.subscribe(topic, (payload) => pushed(topic, payload));
  showListening();
});

form('listen').addEventListener('submit', (event) => {
  event.preventDefault();
  const handler = field(form('listen'), 'handler').value.trim();
  if (!handler || listening.has(handler)) return;
  listening.add(handler);
  session?.onMessage(handler, (payload) => received(handler, payload));
  showListening();
});

/** Samples in the seed's shapes (seeds/002), to edit and send by hand. */
const DEVICE_SAMPLES: Record<string, unknown> = {
  bluetooth: [
    { rssi: -54, timestamp: Date.now(), iBeacon: { uuid: '7CF22B1F-4235-4B63-8567-5D77D8AA94F2', major: 0, minor: 0, txPower: -65 } },
  ],
  accelerometer: [
    { x: 0.1, y: -0.2, z: 9.81 },
    { x: 0.3, y: 0.1, z: 9.79 },
  ],
  nfc: [{ type: 'T', typeNameFormat: 1, payload: 'enHello', string: 'Hello', bytes: [2, 101, 110] }],
};

const deviceResult = (text: string, state: 'ok' | 'error') => {
  element('device-result').textContent = text;
  element('device-result').dataset.state = state;
};

function showSample(): void {
  const kind = (form('device').elements.namedItem('kind') as HTMLSelectElement).value;
  field(form('device'), 'data').value = JSON.stringify(DEVICE_SAMPLES[kind], null, 2);
}
(form('device').elements.namedItem('kind') as HTMLSelectElement).addEventListener('change', showSample);
showSample();

form('challenge').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!session || !challenge) return;
  const userName = field(form('challenge'), 'userName').value;
  const password = field(form('challenge'), 'password').value;
  const id = challenge;
  session.completeAuthChallenge(id, userName, password).then(endChallenge, (error: unknown) => {
    element('challenge-error').textContent = describe(error);
    // Too many wrong answers end the challenge on the gateway.
    if (error instanceof FlintClientError && error.code !== 'UNAUTHORIZED') endChallenge();
  });
});

element('challenge-cancel').addEventListener('click', () => {
  if (session && challenge) void session.cancelAuthChallenge(challenge).finally(endChallenge);
});

form('submission').addEventListener('submit', (event) => {
  event.preventDefault();
  const box = element('form-response');
  let data: unknown;
  try {
    data = JSON.parse(field(form('submission'), 'data').value || '{}');
  } catch (error) {
    box.textContent = `The data is not JSON: ${(error as Error).message}`;
    return;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return void (box.textContent = 'The data must be a JSON object.');
  if (!forms) return void (box.textContent = 'Not connected.');
  box.textContent = 'Submitting…';
  box.dataset.state = 'busy';
  const sessionContext = { timestamp: Date.now(), user: props.userName ?? null, device: navigator.userAgent };
  const sent = forms.submitForm(field(form('submission'), 'name').value, data as Record<string, unknown>, {}, sessionContext);
  void countPending();
  sent.catch((error: unknown) => {
    box.textContent = describe(error);
    box.dataset.state = 'error';
    void countPending();
  });
});

form('barcode').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!session) return deviceResult('Not connected.', 'error');
  const text = field(form('barcode'), 'text').value;
  const barcodeType = field(form('barcode'), 'barcodeType').value || undefined;
  session.scanBarcode({ text, barcodeType }).then(
    () => deviceResult(`Barcode ${text} sent; the barcode script ran.`, 'ok'),
    (error: unknown) => deviceResult(describe(error), 'error'),
  );
});

form('device').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!session) return deviceResult('Not connected.', 'error');
  const current = session;
  const kind = (form('device').elements.namedItem('kind') as HTMLSelectElement).value;
  let data: unknown;
  let context: unknown;
  try {
    data = JSON.parse(field(form('device'), 'data').value);
    context = JSON.parse(field(form('device'), 'context').value || '{}');
  } catch (error) {
    return deviceResult(`Not JSON: ${(error as Error).message}`, 'error');
  }
  if (typeof context !== 'object' || context === null || Array.isArray(context))
    return deviceResult('The context must be a JSON object.', 'error');
  const ctx = context as Record<string, unknown>;
  const sent =
    kind === 'bluetooth'
      ? current.sendBluetoothAdvertisements(data as never)
      : kind === 'accelerometer'
        ? current.sendAccelerometerBatch(data as never, ctx)
        : current.sendNdefRecords(data as never, ctx);
  sent.then(
    () => deviceResult(`Sent; the ${kind} script ran.`, 'ok'),
    (error: unknown) => deviceResult(describe(error), 'error'),
  );
});

element('logout').addEventListener('click', () => {
  session?.logout().catch((error: unknown) => status(describe(error), 'error'));
});

element('project').textContent = project;
void open();
