/**
 * The settings form of a handler's sidecar (`gateway-events/timer/<name>.json`...), generated from the JSON Schema the
 * gateway makes from its event catalogue (`sidecarSchema` of `GET /api/editor/templates`), beside the JSON in Monaco.
 * The form edits the Monaco model itself, so a save from the form is the normal save (version, conflict, the
 * gateway's diagnostics), and Monaco's JSON worker checks the same schema as you type in JSON.
 */
import * as monaco from 'monaco-editor/editor/editor.api';
import { jsonDefaults } from 'monaco-editor/languages/features/json/register';

/** The part of JSON Schema that engine/catalogue/sidecar-json-schema.ts writes and the form reads. */
export interface JsonSchema {
  title?: string;
  description?: string;
  type?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  [other: string]: unknown;
}

export interface SettingsFormHooks {
  /** The page's own save of the open model. */
  save(): void;
}

const schemasByModel = new Map<string, JsonSchema>();

/**
 * Gives Monaco's JSON worker the schema of every open sidecar, by its model's URI: errors are underlined as you type.
 * Other JSON files (project.json, view.json) are checked as strict JSON, without comments or trailing commas.
 */
export function registerSidecarSchema(model: monaco.editor.ITextModel, schema: JsonSchema): void {
  const uri = model.uri.toString();
  if (schemasByModel.get(uri) === schema) return;
  schemasByModel.set(uri, schema);
  jsonDefaults.setDiagnosticsOptions({
    validate: true,
    allowComments: false,
    trailingCommas: 'error',
    enableSchemaRequest: false,
    // The gateway refuses a sidecar its schema refuses: an error, not the worker's default warning.
    schemaValidation: 'error',
    schemas: [...schemasByModel].map(([fileUri, fileSchema]) => ({
      uri: `flint:sidecar-schema${new URL(fileUri).pathname}`,
      fileMatch: [fileUri],
      schema: fileSchema,
    })),
  });
}

type Settings = Record<string, unknown>;

function parseSettings(text: string): Settings | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Settings) : undefined;
  } catch {
    return undefined;
  }
}

/** A DOM element with its properties (`{type: 'number', value: '3'}`) and children. */
function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node: HTMLElementTagNameMap[K] = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

/** One key of the settings as a form control: reads the control back as the key's JSON value (undefined: not set). */
interface FieldControl {
  node: HTMLElement;
  read(): unknown;
}

/** A choice among JSON values: each option's value is the JSON text of its value, so reading it back is exact. */
function selectOf(values: (string | boolean)[], current: unknown, optional: boolean): { select: HTMLSelectElement; read: () => unknown } {
  const select = element('select');
  if (optional) select.append(new Option('(not set)', ''));
  for (const value of values) select.append(new Option(String(value), JSON.stringify(value)));
  const currentText = current === undefined ? '' : JSON.stringify(current);
  select.value = currentText;
  // A value that is not one of the choices (typed in JSON) is shown as it is, so the form does not silently change it.
  if (select.value !== currentText) {
    select.append(new Option(`${currentText} (not allowed)`, currentText));
    select.value = currentText;
  }
  return { select, read: () => (select.value === '' ? undefined : parseOr(select.value)) };
}

function controlFor(key: string, schema: JsonSchema, current: unknown, optional: boolean): FieldControl {
  const named = <T extends HTMLElement>(node: T) => {
    node.dataset.key = key;
    return node;
  };
  if (schema.type === 'boolean' || (schema.type === 'string' && schema.enum)) {
    const { select, read } = selectOf(schema.type === 'boolean' ? [true, false] : schema.enum!, current, optional);
    return { node: named(select), read };
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    // A value that is not a number (typed in JSON) is shown as text, not dropped.
    const numeric = current === undefined || typeof current === 'number';
    const input = named(element('input', { type: numeric ? 'number' : 'text', step: schema.type === 'integer' ? '1' : 'any' }));
    if (schema.minimum !== undefined) input.min = String(schema.minimum);
    if (schema.maximum !== undefined) input.max = String(schema.maximum);
    input.value = current === undefined ? '' : numeric ? String(current) : JSON.stringify(current);
    return {
      node: input,
      read: () =>
        input.value.trim() === '' ? undefined : Number.isFinite(Number(input.value)) ? Number(input.value) : parseOr(input.value),
    };
  }
  if (schema.type === 'string') {
    const input = named(
      element('input', {
        type: 'text',
        value: typeof current === 'string' ? current : current === undefined ? '' : JSON.stringify(current),
      }),
    );
    return { node: input, read: () => (input.value === '' ? undefined : input.value) };
  }
  if (schema.type === 'array' && schema.items?.enum) {
    const chosen = new Set(Array.isArray(current) ? current.map(String) : []);
    const boxes = schema.items.enum.map((value) => element('input', { type: 'checkbox', value, checked: chosen.has(value) }));
    const node = named(element('span', { className: 'choices' }, ...boxes.map((box) => element('label', {}, box, ` ${box.value}`))));
    return {
      node,
      read: () => {
        const values = boxes.filter((box) => box.checked).map((box) => box.value);
        return values.length ? values : undefined;
      },
    };
  }
  if (schema.type === 'array' && schema.items?.type === 'string') {
    const area = named(
      element('textarea', { rows: 3, placeholder: 'one per line', value: Array.isArray(current) ? current.join('\n') : '' }),
    );
    return {
      node: area,
      read: () => {
        const lines = area.value.split('\n').filter((line) => line.trim() !== '');
        return lines.length ? lines : undefined;
      },
    };
  }
  // Anything else (a nested object) is edited as JSON text in its own box.
  const area = named(element('textarea', { rows: 3, value: current === undefined ? '' : JSON.stringify(current, null, 2) }));
  return { node: area, read: () => (area.value.trim() === '' ? undefined : parseOr(area.value)) };
}

/** A JSON value typed in a box, or the text itself when it does not parse (the gateway and the worker say why). */
function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The form beside Monaco while a sidecar is open: `#settings-form`, placed between the tree and the editor. A change
 * in the form rewrites the model (one undoable edit); a change typed in the JSON redraws the form, unless the JSON
 * does not parse, which the form says.
 */
export class SettingsForm {
  private readonly root: HTMLElement;
  private readonly fields: HTMLElement;
  private readonly note: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private model: monaco.editor.ITextModel | undefined;
  private schema: JsonSchema | undefined;
  private readonly controls = new Map<string, FieldControl>();
  private listener: monaco.IDisposable | undefined;
  private writing = false;
  private jsonMode = false;

  constructor(before: HTMLElement, hooks: SettingsFormHooks) {
    this.toggle = element('button', { type: 'button', id: 'settings-toggle' });
    this.toggle.addEventListener('click', () => {
      this.jsonMode = !this.jsonMode;
      this.render();
    });
    const save = element('button', { type: 'button', id: 'settings-save', textContent: 'Save' });
    save.addEventListener('click', () => hooks.save());
    this.fields = element('form', { id: 'settings-fields' });
    this.fields.addEventListener('submit', (event) => event.preventDefault());
    this.fields.addEventListener('input', () => this.write());
    this.fields.addEventListener('change', () => this.write());
    this.note = element('p', { id: 'settings-note', role: 'status' });
    this.root = element(
      'section',
      { id: 'settings-form', hidden: true, ariaLabel: 'Settings' },
      element('div', { className: 'settings-head' }, element('strong', { textContent: 'Settings' }), this.toggle, save),
      this.note,
      this.fields,
    );
    before.before(this.root);
  }

  /** Shows the form of a sidecar's model, or hides it when `schema` is undefined (any other file). */
  show(model: monaco.editor.ITextModel, schema: JsonSchema | undefined): void {
    this.hide();
    if (!schema) return;
    this.model = model;
    this.schema = schema;
    registerSidecarSchema(model, schema);
    this.listener = model.onDidChangeContent(() => {
      if (!this.writing) this.render();
    });
    this.root.hidden = false;
    this.render();
  }

  hide(): void {
    this.listener?.dispose();
    this.listener = undefined;
    this.model = undefined;
    this.schema = undefined;
    this.root.hidden = true;
  }

  private render(): void {
    const schema = this.schema;
    const model = this.model;
    if (!schema || !model) return;
    this.toggle.textContent = this.jsonMode ? 'Edit with the form' : 'Edit as JSON';
    this.root.dataset.mode = this.jsonMode ? 'json' : 'form';
    this.fields.hidden = this.jsonMode;
    const settings = parseSettings(model.getValue());
    this.note.textContent = this.jsonMode
      ? 'Editing as JSON: errors against the schema are underlined as you type.'
      : settings
        ? (schema.title ?? '')
        : 'The JSON does not hold an object, so the form cannot show it: fix it as JSON.';
    if (this.jsonMode || !settings) {
      this.fields.replaceChildren();
      this.controls.clear();
      return;
    }
    // Only a change typed in the JSON (or a reload) redraws the form: the form's own edits do not, so no caret is lost.
    const required = new Set(schema.required ?? []);
    this.controls.clear();
    const rows: HTMLElement[] = [];
    for (const [key, field] of Object.entries(schema.properties ?? {})) {
      const control = controlFor(key, field, settings[key], !required.has(key));
      this.controls.set(key, control);
      control.node.id = `settings-${key}`;
      const label = element(
        'label',
        { htmlFor: control.node.id },
        key,
        required.has(key) ? element('span', { className: 'required', textContent: ' *' }) : '',
      );
      rows.push(
        element('div', { className: 'settings-row' }, label, control.node, element('small', { textContent: field.description ?? '' })),
      );
    }
    const unknown = Object.keys(settings).filter((key) => !Object.hasOwn(schema.properties ?? {}, key));
    if (unknown.length)
      rows.push(
        element('p', {
          className: 'settings-unknown',
          textContent: `Keys the schema does not know (kept; the gateway refuses them): ${unknown.join(', ')}`,
        }),
      );
    this.fields.replaceChildren(...rows);
  }

  /** The form's values into the model, as one edit (Ctrl+Z undoes it), keys in the schema's order. */
  private write(): void {
    const model = this.model;
    const schema = this.schema;
    if (!model || !schema) return;
    const settings: Settings = {};
    const before = parseSettings(model.getValue()) ?? {};
    for (const key of Object.keys(schema.properties ?? {})) {
      const value = this.controls.get(key)?.read();
      if (value !== undefined) settings[key] = value;
    }
    for (const [key, value] of Object.entries(before)) if (!Object.hasOwn(schema.properties ?? {}, key)) settings[key] = value;
    const text = `${JSON.stringify(settings, null, 2)}\n`;
    if (text === model.getValue()) return;
    this.writing = true;
    try {
      model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
    } finally {
      this.writing = false;
    }
  }
}
